/*
 * verify_op.c: deposits in verified answers on an OP-stack chain (see verify_op.h).
 *
 * verify.c calls these after the core has proven a block (transactions root, with the
 * chain kind VC_CHAIN_OP_STACK) and, for answers holding a deposit, the block's
 * receipts (receipts root). Pure functions on borrowed JSON; nothing is owned.
 */
#include "prove/verify_op.h"

#include <string.h>

#include "core/hex.h"
#include "core/op.h"
#include "core/tx.h"

/* A transaction object whose "type" is 0x7e. */
static bool is_deposit(const json_t *tx) {
  const char *t = json_string_value(json_object_get(tx, "type"));
  uint64_t type = 0;
  return t && vc_hex_quantity_u64(t, strlen(t), &type) == VC_OK && type == VC_TX_TYPE_DEPOSIT;
}

/* The transactions an answer holds: a block's list, or the one transaction. */
static const json_t *txs_of(const json_t *ans, bool *single) {
  const json_t *txs = json_object_get(ans, "transactions");
  *single = txs == NULL;
  return txs;
}

bool vt_op_needs_receipts(const json_t *ans) {
  bool single;
  if (!json_is_object(ans)) return false;
  const json_t *txs = txs_of(ans, &single);
  if (single) return is_deposit(ans);
  size_t i;
  const json_t *t;
  json_array_foreach(txs, i, t) if (json_is_object(t) && is_deposit(t)) return true;
  return false;
}

/* A receipt whose encoding commits to its depositNonce (Canyon on). */
static bool nonce_committed(const json_t *receipt) {
  return json_object_get(receipt, "depositReceiptVersion") != NULL;
}

/* One deposit against the receipt at its transactionIndex. */
static vc_status check_one(json_t *tx, const json_t *receipts, vc_err *err) {
  const char *ix = json_string_value(json_object_get(tx, "transactionIndex"));
  uint64_t i = 0;
  if (!ix || vc_hex_quantity_u64(ix, strlen(ix), &i) != VC_OK || i >= json_array_size(receipts))
    return vc_fail(err, VC_ERR_INPUT, "deposit tx: its transactionIndex names no receipt of the block");
  const json_t *receipt = json_array_get(receipts, (size_t)i);
  vc_status st = vc_op_check_deposit_fields(tx, receipt, err);
  if (st == VC_OK && !nonce_committed(receipt)) json_object_del(tx, "nonce");
  return st;
}

vc_status vt_op_check_deposits(json_t *ans, const json_t *receipts, vc_err *err) {
  bool single;
  if (!json_is_object(ans)) return VC_OK;
  const json_t *txs = txs_of(ans, &single);
  if (single) return is_deposit(ans) ? check_one(ans, receipts, err) : VC_OK;
  size_t i;
  json_t *t;
  json_array_foreach(txs, i, t) {
    if (!json_is_object(t) || !is_deposit(t)) continue;
    vc_status st = check_one(t, receipts, err);
    if (st != VC_OK) return st;
  }
  return VC_OK;
}

vc_status vt_op_check_deposit_rules(const json_t *block, vc_err *err) {
  size_t i;
  const json_t *t;
  json_array_foreach(json_object_get(block, "transactions"), i, t) {
    if (!json_is_object(t) || !is_deposit(t)) continue;
    vc_status st = vc_op_check_deposit_fields(t, NULL, err);
    if (st != VC_OK) return st;
  }
  return VC_OK;
}

json_t *vt_op_receipts_binding(json_t *block) {
  if (!vt_op_needs_receipts(block)) return json_incref(block);
  json_t *copy = json_deep_copy(block);
  size_t i;
  json_t *t;
  if (!copy) return NULL;
  json_array_foreach(json_object_get(copy, "transactions"), i, t) if (is_deposit(t)) json_object_del(t, "nonce");
  return copy;
}

static void strip_one(json_t *receipt) {
  if (json_is_object(receipt) && !nonce_committed(receipt)) json_object_del(receipt, "depositNonce");
}

void vt_op_strip_receipts(json_t *receipts) {
  (void)vc_op_strip_unproven(receipts);
  if (!json_is_array(receipts)) { strip_one(receipts); return; }
  size_t i;
  json_t *r;
  json_array_foreach(receipts, i, r) strip_one(r);
}
