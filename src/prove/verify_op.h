/*
 * verify_op.h: what the prove stage does differently on an OP-stack chain (Base).
 *
 * verify.c proves blocks, transactions and receipts the same way on every chain, with
 * the chain kind handed to the core (core/op.h, core/block.h: deposits accepted, OP
 * receipts). Two things remain for the gateway, and they are here:
 *  - a deposit transaction (0x7e) as a node returns it carries "nonce" and
 *    "depositReceiptVersion", which its encoding (so the transactions root) does not
 *    commit to; they are proven by the block's verified receipts (depositNonce,
 *    depositReceiptVersion). vt_op_needs_receipts says whether an answer holds a
 *    deposit; vt_op_check_deposits checks every deposit in it against the verified
 *    receipt list, so a verified block or transaction answer carries proven values only;
 *  - receipts on an OP chain carry L1 fee members no root commits to: verify.c removes
 *    them (vc_op_strip_unproven) before a receipt answer is labelled verified.
 * Called only by verify.c; pure functions on borrowed JSON, no I/O, nothing owned.
 */
#ifndef VT_VERIFY_OP_H
#define VT_VERIFY_OP_H

#include <jansson.h>
#include <stdbool.h>

#include "core/vc_base.h"

/* Does ans (a full block object, or one transaction object, or null) hold a deposit? */
bool vt_op_needs_receipts(const json_t *ans);

/* Every deposit in ans (a full block or one transaction) against the receipt at its
 * transactionIndex in receipts (already verified against the block's receipts root):
 * vc_op_check_deposit_fields. Before Canyon no root commits to a deposit's nonce (the
 * receipt has no depositReceiptVersion): then "nonce" is removed from the deposit in
 * ans, which is edited in place. VC_OK when none fails; err names the transaction. */
vc_status vt_op_check_deposits(json_t *ans, const json_t *receipts, vc_err *err) VC_MUST_CHECK;

/* The rules every deposit in a proven block obeys whatever its receipts say: gasPrice,
 * v, r, s, yParity zero or absent (vc_op_check_deposit_fields without a receipt), so
 * the upstream that served the block is charged when they are not. */
vc_status vt_op_check_deposit_rules(const json_t *block, vc_err *err) VC_MUST_CHECK;

/* The block whose transactions bind the receipts' tx-derived members, for
 * vc_verify_block_receipts_for: block itself (a new reference) when it holds no
 * deposit, else a copy without the deposits' "nonce", which no root commits to and
 * which must not decide whether the receipts, proven by the receipts root, are
 * accepted (vt_op_check_deposits checks it for the answers that carry it). NULL: out
 * of memory. The caller releases the result. */
json_t *vt_op_receipts_binding(json_t *block);

/* A receipt or a list of them, verified, made fit to be labelled verified: the L1 fee
 * members removed (vc_op_strip_unproven) and, before Canyon, a deposit receipt's
 * depositNonce too (not in its encoding then). Edits in place. */
void vt_op_strip_receipts(json_t *receipts);

#endif
