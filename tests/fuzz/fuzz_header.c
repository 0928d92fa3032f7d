/*
 * fuzz_header.c: libFuzzer harness for header and block parsing.
 *
 * The first byte picks the path. 'J': the rest is JSON text for vc_header_from_json and,
 * when it has a body, vc_verify_block_ex (transactions, withdrawals, uncles, size).
 * 'R': the rest is raw RLP for vc_header_from_rlp; whatever decodes must re-encode to
 * exactly the input (one canonical form) and hash the same. 'T': raw transaction bytes
 * for vc_tx_decode_raw and sender recovery. Anything accepted must be self-consistent;
 * inconsistency aborts.
 */
#include "core/block.h"
#include "core/header.h"
#include "core/keccak.h"
#include "core/tx.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_json(const uint8_t *p, size_t n) {
  json_t *j = json_loadb((const char *)p, n, JSON_DECODE_ANY, NULL);
  if (!j) return;
  vc_header *h = malloc(sizeof *h), *h2 = malloc(sizeof *h2);
  vc_err err;
  if (h && h2 && vc_header_from_json(j, h, &err) == VC_OK) {
    /* the JSON and RLP paths agree on what was accepted */
    vc_rlp_buf b;
    vc_rlp_buf_init(&b, VC_HEADER_MAX_RLP);
    if (vc_header_encode(h, &b, &err) != VC_OK) abort();
    if (vc_header_from_rlp(vc_bytes_of(b.buf, b.len), h2, &err) != VC_OK) abort();
    if (memcmp(h->hash, h2->hash, 32) != 0 || h->n_fields != h2->n_fields) abort();
    vc_rlp_buf_free(&b);
    vc_block_check chk;
    (void)!vc_verify_block_ex(j, NULL, h2, &chk, &err);
  }
  free(h);
  free(h2);
  json_decref(j);
}

static void fuzz_rlp(const uint8_t *p, size_t n) {
  vc_header *h = malloc(sizeof *h);
  vc_err err;
  if (h && vc_header_from_rlp(vc_bytes_of(p, n), h, &err) == VC_OK) {
    vc_rlp_buf b;
    vc_rlp_buf_init(&b, VC_HEADER_MAX_RLP);
    if (vc_header_encode(h, &b, &err) != VC_OK) abort();
    if (b.len != n || memcmp(b.buf, p, n) != 0) abort();
    uint8_t again[32];
    if (vc_header_hash(h, again, &err) != VC_OK || memcmp(again, h->hash, 32) != 0) abort();
    vc_rlp_buf_free(&b);
  }
  free(h);
}

static void fuzz_tx(const uint8_t *p, size_t n) {
  vc_tx_raw t;
  vc_err err;
  if (vc_tx_decode_raw(vc_bytes_of(p, n), &t, &err) != VC_OK) return;
  uint8_t from[20];
  (void)!vc_tx_sender_raw(&t, from, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  switch (data[0]) {
  case 'J':
    fuzz_json(data + 1, size - 1);
    break;
  case 'R':
    fuzz_rlp(data + 1, size - 1);
    break;
  case 'T':
    fuzz_tx(data + 1, size - 1);
    break;
  default:
    break;
  }
  return 0;
}
