/*
 * verity_core.h: the public header of libverity-core, the sans-I/O verification
 * library (build it alone with `make core-lib`: build/release/libverity-core.a).
 *
 * Bytes in, verdicts out: no sockets, no event loop, no clocks, no files. A host (the
 * verity gateway, or any other program) fetches evidence from wherever it likes and
 * hands it in; every function that decides truth returns a vc_status marked
 * warn_unused_result and explains a failure in a vc_err.
 *
 *   primitives   hex, u256, keccak (nettle's permutation, Keccak padding), rlp
 *   execution    mpt (proofs), account (eth_getProof), header (every fork layout),
 *                tx, receipt, trie (roots), bloom, block (blocks, receipts, logs)
 *   OP stack     op (chain kind, deposits' rules, output roots, unproven receipt
 *                members), op_game (output roots proven on L1 by dispute games)
 *   consensus    bls (BLS12-381 verification, Ethereum ciphersuite), ssz,
 *                lightclient (sync-committee protocol as a state machine)
 *   evm          evm/evm.h (the EVM: journaled state, interpreter, transactions,
 *                eth_call over a partial state that names what it lacks),
 *                evm/precompile.h (the precompiled contracts' table)
 *
 * Link with: nettle, libsecp256k1 (transaction senders), jansson (JSON evidence),
 * gmp (modexp).
 */
#ifndef VERITY_CORE_H
#define VERITY_CORE_H

#include "core/vc_base.h"

#include "core/hex.h"
#include "core/keccak.h"
#include "core/rlp.h"
#include "core/u256.h"

#include "core/account.h"
#include "core/block.h"
#include "core/bloom.h"
#include "core/header.h"
#include "core/mpt.h"
#include "core/op.h"
#include "core/op_game.h"
#include "core/receipt.h"
#include "core/trie.h"
#include "core/tx.h"

#include "core/bls/bls.h"
#include "core/evm/evm.h"
#include "core/evm/evm_fork.h"
#include "core/evm/precompile.h"
#include "core/lightclient/lc.h"
#include "core/lightclient/lc_json.h"
#include "core/lightclient/ssz.h"

#endif
