/*
 * params.h: check a call's params against its method row and pin its block.
 *
 * Bad input is refused here, before any upstream sees it, with -32602 and a sentence
 * that names the parameter, what was expected and what came ("param 1 (address) must
 * be 20 bytes of hex like 0xd8dA…6045, got \"0x12\"").
 *
 * Pinning: `latest` and `pending` (and an omitted block parameter) become verity's
 * head number, so every upstream asked answers about the same block and an upstream
 * that has not reached it is not asked. `earliest` becomes 0x0. `safe`/`finalized`
 * and EIP-1898 {blockHash} are kept but recorded (plan.tag names a kept tag, so the
 * prove stage pins safe/finalized itself and refuses `latest` with no head); a method
 * whose first param is a block hash is pinned by hash. Methods flagged NO_PIN keep `pending` (the pending nonce a wallet needs
 * is mempool state, not a block). eth_getLogs pins fromBlock/toBlock in its filter.
 *
 * The result says the block asked about (vt_pin) and holds rewritten params JSON
 * when anything changed (malloc'd, vt_plan_free). No I/O.
 */
#ifndef VT_PARAMS_H
#define VT_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "rpc/json_scan.h"
#include "rpc/methods.h"

/* vt_pin_kind and vt_plan are in flow/flow.h: every stage below reads them. */

/* Returns 0 (out filled: a plan, or err_code with the reason), -1 out of memory.
 * Tries vt_plan_params_fast, then the full check. */
int vt_plan_params(const vt_method *m, const char *method, vt_span params, uint64_t head,
                   bool head_known, vt_plan *out);
/* The full check (jansson): every shape, and the error messages. */
int vt_plan_params_full(const vt_method *m, const char *method, vt_span params, uint64_t head,
                        bool head_known, vt_plan *out);
/* The fast path for the common shapes (a compact array of plain strings and booleans,
 * see params.c): 1 with the same plan (and the same rewritten bytes) the full check
 * gives, 0 when the call needs the full check (out left zeroed), -1 out of memory. */
int vt_plan_params_fast(const vt_method *m, vt_span params, uint64_t head, bool head_known, vt_plan *out);
void vt_plan_free(vt_plan *p);

#endif
