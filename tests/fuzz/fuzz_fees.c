/*
 * fuzz_fees.c: libFuzzer harness for the eth_feeHistory inputs (core/fees.h).
 *
 * The input is JSON text: {"p": percentiles, "block": a block, "receipts": [...],
 * "header": a header}. Percentiles go through vc_fee_percentiles (what passes is
 * 0..100, strictly ascending, at most VC_FEE_MAX_PERCENTILES); the block and receipts
 * through vc_fee_rewards (a reward is one of the block's own tips or 0); the header
 * through vc_header_from_json, vc_next_base_fee and vc_blob_fees_of on mainnet and on a
 * chain without a schedule (a ratio never below 0); every ratio is printed with vc_fmt_ratio
 * and must read back as itself. Inconsistency aborts.
 */
#include "core/fees.h"
#include "core/header.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ratio_round_trip(double x) {
  char out[40];
  size_t n = vc_fmt_ratio(x, out, sizeof out);
  if (n == 0 || n >= sizeof out || strtod(out, NULL) != x) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *j = json_loadb((const char *)data, size, 0, NULL);
  if (!j) return 0;
  double pct[VC_FEE_MAX_PERCENTILES];
  size_t np = 0;
  vc_err err;
  if (vc_fee_percentiles(json_object_get(j, "p"), pct, &np, &err) == VC_OK) {
    if (np > VC_FEE_MAX_PERCENTILES) abort();
    for (size_t i = 0; i < np; i++)
      if (pct[i] < 0 || pct[i] > 100 || (i && pct[i] <= pct[i - 1])) abort();
    unsigned __int128 out[VC_FEE_MAX_PERCENTILES];
    (void)!vc_fee_rewards(json_object_get(j, "block"), json_object_get(j, "receipts"), pct, np, out, &err);
  }
  vc_header *h = malloc(sizeof *h);
  if (h && vc_header_from_json(json_object_get(j, "header"), h, &err) == VC_OK) {
    (void)vc_next_base_fee(1, h);
    vc_blob_fees f;
    const uint64_t chains[] = {1, 31337};
    for (size_t c = 0; c < 2; c++)
      if (vc_blob_fees_of(chains[c], h, &f, &err) == VC_OK) {
        if (!(f.used_ratio >= 0)) abort(); /* over 1 only for a header no chain would accept */
        ratio_round_trip(f.used_ratio);
      }
    if (h->gas_limit) ratio_round_trip((double)h->gas_used / (double)h->gas_limit);
  }
  free(h);
  json_decref(j);
  return 0;
}
