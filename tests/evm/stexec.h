/*
 * stexec.h: run one state test case (a test and one of its post entries) on the core's
 * EVM and judge it, for the conformance runner (tests/evm/statetest.c).
 *
 * sx_run builds a complete evm_state from the test's `pre`, the block from `env`
 * (BLOCKHASH answers as in the reference filler: keccak of the decimal block number),
 * the transaction from the template and the entry's indexes, runs evm_execute_tx, then
 * computes the post-state root (core/state_root over the state's accounts and slots)
 * and the logs hash and compares them with the entry's `hash` and `logs`. An invalid
 * transaction passes when the EVM rejects it with one of the `expectException`
 * alternatives and the state root is still the pre-state root.
 *
 * The outcome is a plain struct the caller owns (no allocation survives the call).
 */
#ifndef ST_EXEC_H
#define ST_EXEC_H

#include <stdbool.h>

#include "core/evm/evm.h"
#include "st_load.h"

#define SX_MSG_MAX 768

typedef struct {
  bool pass;
  char why[SX_MSG_MAX]; /* on failure: expected vs got, and the EVM's error text */
  double seconds;       /* wall time of the EVM run alone */
} sx_outcome;

/* The evm_fork of a post key ("Frontier" .. "Osaka"), or -1 when the runner does
 * not run that fork. */
int sx_fork_of(const char *name);

/* Run the next cases with the draft EIP-2537 precompiles of pc_bls_draft.h in front of
 * the fork's table (true for ethereum/tests' EIPTests/StateTests/stEIP2537, which was
 * filled with them; see docs/evm-bls.md), or without them (false, the default). */
void sx_use_bls_draft(bool on);

/* Run and judge one case; returns 0 (the outcome says pass or fail) or -1 when the case
 * could not be set up (out of memory, a pre account the EVM refused), also in why. */
int sx_run(const st_test *t, const st_post *p, evm_fork fork, sx_outcome *o);

#endif
