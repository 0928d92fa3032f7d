/*
 * fuzz_receipt.c: libFuzzer harness for receipt encoding and the receipt/log verifiers.
 *
 * The input is JSON text. An array is treated as an eth_getBlockReceipts answer: its
 * root is computed and fed back to vc_verify_receipts (the root check must then pass,
 * so it must fail exactly when the positional checks do), and the logs of the list are checked against
 * themselves through vc_verify_logs_for_block with a wildcard filter. An object is one
 * receipt for vc_receipt_encode and, when it looks like a filter, vc_log_filter_from_json.
 */
#include "core/block.h"
#include "core/bloom.h"
#include "core/jfield.h"
#include "core/receipt.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_list(const json_t *rs) {
  uint8_t root[32], bloom[VC_BLOOM_BYTES];
  vc_err err;
  if (vc_receipts_root(rs, root, &err) != VC_OK) return;
  vc_status st = vc_verify_receipts(rs, root, &err);
  if (st != vc_receipts_check_positions(rs, &err)) abort(); /* same input, same root */
  if (st != VC_OK || json_array_size(rs) == 0) return;
  /* the verified list's own logs are exactly what a wildcard filter returns */
  json_t *logs = json_array();
  size_t i;
  const json_t *r;
  json_array_foreach(rs, i, r) {
    size_t j;
    json_t *log;
    json_array_foreach(json_object_get(r, "logs"), j, log) json_array_append(logs, log);
    memset(bloom, 0, sizeof bloom);
    (void)!vc_bloom_add_logs(bloom, json_object_get(r, "logs"), &err);
  }
  vc_log_filter any;
  memset(&any, 0, sizeof any);
  uint8_t bh[32];
  if (vc_jf_fixed(json_array_get(rs, 0), "blockHash", bh, 32, "receipt", &err) == VC_OK &&
      vc_verify_logs_for_block(logs, rs, &any, bh, &err) != VC_OK)
    abort();
  json_decref(logs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
  if (!j) return 0;
  vc_err err;
  if (json_is_array(j)) {
    fuzz_list(j);
  } else if (json_is_object(j)) {
    vc_rlp_buf b;
    vc_rlp_buf_init(&b, 1u << 20);
    (void)!vc_receipt_encode(j, &b, &err);
    vc_rlp_buf_free(&b);
    vc_log_filter f;
    if (vc_log_filter_from_json(j, &f, &err) == VC_OK) vc_log_filter_free(&f);
  }
  json_decref(j);
  return 0;
}
