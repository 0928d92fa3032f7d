/*
 * op.c: OP-stack output roots, the message-passer root, unproven receipt members and
 * deposit tx JSON rules (see op.h). Pure functions; no allocation except jansson's own
 * when members are deleted from caller-owned JSON.
 */
#include "core/op.h"

#include "core/account.h"
#include "core/jfield.h"
#include "core/keccak.h"
#include "core/tx.h"

#include <string.h>

const uint8_t vc_op_message_passer[20] = {0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                          0,    0, 0, 0, 0, 0, 0, 0, 0, 0x16};

/* op-geth / op-reth receipt members derived from the L1 attributes and the tx size,
 * committed to by no root (Bedrock .. Jovian). blobGasUsed: on OP chains (Jovian) the
 * tx's DA footprint, not blob gas, and in no receipt encoding. */
const char *const vc_op_receipt_unproven[] = {
    "l1Fee",           "l1GasPrice",          "l1GasUsed",         "l1FeeScalar",
    "l1BaseFeeScalar", "l1BlobBaseFee",       "l1BlobBaseFeeScalar", "operatorFeeScalar",
    "operatorFeeConstant", "daFootprintGasScalar", "blobGasUsed", NULL,
};

void vc_op_output_root(const uint8_t state_root[32], const uint8_t mp_root[32],
                       const uint8_t block_hash[32], uint8_t out[32]) {
  uint8_t pre[128];
  memset(pre, 0, 32); /* version 0 */
  memcpy(pre + 32, state_root, 32);
  memcpy(pre + 64, mp_root, 32);
  memcpy(pre + 96, block_hash, 32);
  vc_keccak256(pre, sizeof pre, out);
}

bool vc_op_header_mp_root(const vc_header *h, uint8_t mp_root[32]) {
  if (!vc_header_has(h, VC_HF_REQUESTS_HASH)) return false;
  memcpy(mp_root, h->withdrawals_root, 32);
  return true;
}

vc_status vc_op_verify_output(const vc_header *h, uint64_t l2_number, const json_t *mp_proof,
                              const uint8_t output_root[32], uint8_t mp_root_out[32],
                              vc_err *err) {
  vc_status st;
  uint8_t from_header[32], mp[32], got[32];
  if (h->number != l2_number)
    return vc_fail(err, VC_ERR_MISMATCH, "output root: header is block %llu, the output is for %llu",
                   (unsigned long long)h->number, (unsigned long long)l2_number);
  bool have_header = vc_op_header_mp_root(h, from_header);
  if (mp_proof) {
    vc_account acct;
    if ((st = vc_verify_account_proof(mp_proof, h->state_root, vc_op_message_passer, &acct,
                                      err)) != VC_OK)
      return st;
    memcpy(mp, acct.storage_root, 32);
    if (have_header && memcmp(mp, from_header, 32) != 0)
      return vc_fail(err, VC_ERR_MISMATCH,
                     "output root: block %llu withdrawalsRoot is not the message passer's "
                     "proven storage root",
                     (unsigned long long)h->number);
  } else if (have_header) {
    memcpy(mp, from_header, 32);
  } else {
    return vc_fail(err, VC_ERR_MISSING,
                   "output root: block %llu is pre-Isthmus; an eth_getProof of "
                   "0x4200000000000000000000000000000000000016 at it is needed",
                   (unsigned long long)h->number);
  }
  vc_op_output_root(h->state_root, mp, h->hash, got);
  if (memcmp(got, output_root, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH,
                   "output root: block %llu (state root, message passer root, hash) does not "
                   "hash to the output root posted on L1",
                   (unsigned long long)h->number);
  if (mp_root_out) memcpy(mp_root_out, mp, 32);
  return VC_OK;
}

static size_t strip_one(json_t *r) {
  size_t n = 0;
  if (!json_is_object(r)) return 0;
  for (const char *const *k = vc_op_receipt_unproven; *k; k++)
    if (json_object_del(r, *k) == 0) n++;
  return n;
}

size_t vc_op_strip_unproven(json_t *receipts) {
  if (!json_is_array(receipts)) return strip_one(receipts);
  size_t n = 0, i;
  json_t *r;
  json_array_foreach(receipts, i, r) n += strip_one(r);
  return n;
}

/* "0x" followed only by zero digits (a QUANTITY 0x0, or DATA of zero bytes). */
static bool hex_is_zero(const json_t *v) {
  const char *s = json_string_value(v);
  if (!s || strncmp(s, "0x", 2) != 0 || !s[2]) return false;
  for (s += 2; *s; s++)
    if (*s != '0') return false;
  return true;
}

/* Deposit members that are zero by rule, when present. */
static const char *const zero_by_rule[] = {"gasPrice", "v", "r", "s", "yParity", NULL};

/* key in tx (when present) equals key_r in receipt (when present). */
static vc_status same_u64(const json_t *tx, const char *key, const json_t *receipt,
                          const char *key_r, vc_err *err) {
  uint64_t a, b;
  vc_status st;
  if (!receipt || !vc_jf_present(tx, key) || !vc_jf_present(receipt, key_r)) return VC_OK;
  if ((st = vc_jf_u64(tx, key, &a, "deposit tx", err)) != VC_OK ||
      (st = vc_jf_u64(receipt, key_r, &b, "deposit receipt", err)) != VC_OK)
    return st;
  if (a != b)
    return vc_fail(err, VC_ERR_MISMATCH, "deposit tx: %s is not the receipt's %s", key, key_r);
  return VC_OK;
}

vc_status vc_op_check_deposit_fields(const json_t *tx, const json_t *receipt, vc_err *err) {
  vc_status st;
  uint64_t type = 0;
  if (!json_is_object(tx)) return vc_fail(err, VC_ERR_INPUT, "deposit tx: not an object");
  if (vc_jf_present(tx, "type") && (st = vc_jf_u64(tx, "type", &type, "tx", err)) != VC_OK)
    return st;
  if (type != VC_TX_TYPE_DEPOSIT) return VC_OK;
  for (const char *const *k = zero_by_rule; *k; k++) {
    const json_t *v = json_object_get(tx, *k);
    if (v && !json_is_null(v) && !hex_is_zero(v))
      return vc_fail(err, VC_ERR_MISMATCH, "deposit tx: %s is not zero (deposits are unsigned "
                     "and pay no L2 gas price)", *k);
  }
  if ((st = same_u64(tx, "nonce", receipt, "depositNonce", err)) != VC_OK ||
      (st = same_u64(tx, "depositReceiptVersion", receipt, "depositReceiptVersion", err)) !=
          VC_OK)
    return st;
  return VC_OK;
}
