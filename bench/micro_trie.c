/*
 * micro_trie.c: micro benchmarks for the block-level core (trie roots, header hashing,
 * transaction verification) on real mainnet data from ../shared/fixtures.
 *
 * Build by hand with the test flags and run (fixtures via VERITY_FIXTURES):
 *   make build/release/libcore.a
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o build/release/micro_trie bench/micro_trie.c \
 *      build/release/libcore.a -ljansson -lnettle -lsecp256k1 -lm
 *   VERITY_FIXTURES=../shared/fixtures build/release/micro_trie
 * Prints the median time per operation of several timed batches.
 */
#include "core/block.h"
#include "core/header.h"
#include "core/keccak.h"
#include "core/receipt.h"
#include "core/trie.h"
#include "core/tx.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCHES 7

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static json_t *load(const char *rel) {
  const char *d = getenv("VERITY_FIXTURES");
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", d ? d : "../shared/fixtures", rel);
  json_t *j = json_load_file(path, 0, NULL);
  if (!j) {
    fprintf(stderr, "micro_trie: cannot read %s (set VERITY_FIXTURES)\n", path);
    exit(2);
  }
  return j;
}

typedef int (*op_fn)(void *ctx);

/* Median microseconds per call of op over BATCHES batches of iters calls. */
static double bench(const char *name, op_fn op, void *ctx, int iters) {
  double t[BATCHES];
  for (int b = 0; b < BATCHES; b++) {
    double t0 = now_us();
    for (int i = 0; i < iters; i++)
      if (op(ctx) != 0) {
        fprintf(stderr, "micro_trie: %s failed\n", name);
        exit(1);
      }
    t[b] = (now_us() - t0) / iters;
  }
  qsort(t, BATCHES, sizeof t[0], cmp_double);
  printf("%-48s %10.2f us\n", name, t[BATCHES / 2]);
  return t[BATCHES / 2];
}

typedef struct {
  vc_bytes *vals;
  size_t n;
  json_t *receipts, *block, *full;
  vc_header hdr;
} ctx_t;

static int op_trie(void *p) {
  ctx_t *c = p;
  uint8_t root[32];
  vc_err err;
  return vc_trie_ordered_root(c->vals, c->n, root, &err) != VC_OK;
}
/* Lower bound for the trie root: every leaf value must go through keccak once. */
static int op_keccak_leaves(void *p) {
  ctx_t *c = p;
  uint8_t h[32];
  for (size_t i = 0; i < c->n; i++) vc_keccak256(c->vals[i].ptr, c->vals[i].len, h);
  return 0;
}

static int op_receipts_root(void *p) {
  ctx_t *c = p;
  uint8_t root[32];
  vc_err err;
  return vc_receipts_root(c->receipts, root, &err) != VC_OK;
}
static int op_verify_receipts(void *p) {
  ctx_t *c = p;
  vc_err err;
  return vc_verify_receipts(c->receipts, c->hdr.receipts_root, &err) != VC_OK;
}
static int op_header_json(void *p) {
  ctx_t *c = p;
  vc_header h;
  vc_err err;
  return vc_header_from_json(c->block, &h, &err) != VC_OK;
}
static int op_header_hash(void *p) {
  ctx_t *c = p;
  uint8_t h[32];
  vc_err err;
  return vc_header_hash(&c->hdr, h, &err) != VC_OK;
}
static int op_verify_full_block(void *p) {
  ctx_t *c = p;
  vc_header h;
  vc_err err;
  return vc_verify_block(c->full, NULL, &h, &err) != VC_OK;
}

static int op_verify_full_block_nosenders(void *p) {
  ctx_t *c = p;
  vc_header h;
  vc_block_check chk;
  vc_err err;
  return vc_verify_block_opts(c->full, NULL, VC_BLOCK_SKIP_SENDERS, &h, &chk, &err) != VC_OK;
}

int main(void) {
  ctx_t c = {0};
  vc_err err;
  c.receipts = load("helios/tests/testdata/rpc/receipts.json");
  c.block = load("helios/tests/testdata/rpc/block.json");
  c.full = load("nimbus-verified-proxy/nimbus_verified_proxy/tests/data/block_0x17a2d23.json");
  if (vc_header_from_json(c.block, &c.hdr, &err) != VC_OK) return 1;
  /* pre-encode the receipts so the pure trie cost can be measured */
  c.n = json_array_size(c.receipts);
  c.vals = calloc(c.n, sizeof *c.vals);
  vc_rlp_buf *bufs = calloc(c.n, sizeof *bufs);
  for (size_t i = 0; i < c.n; i++) {
    vc_rlp_buf_init(&bufs[i], VC_RECEIPTS_MAX_BYTES);
    if (vc_receipt_encode(json_array_get(c.receipts, i), &bufs[i], &err) != VC_OK) return 1;
    c.vals[i] = vc_bytes_of(bufs[i].buf, bufs[i].len);
  }
  printf("helios block 21925176: %zu receipts; nimbus block 24784163: %zu txs\n", c.n,
         json_array_size(json_object_get(c.full, "transactions")));
  size_t total = 0;
  for (size_t i = 0; i < c.n; i++) total += c.vals[i].len;
  printf("receipt encodings: %zu bytes in total\n", total);
  bench("keccak of every receipt encoding (lower bound)", op_keccak_leaves, &c, 200);
  bench("trie root, 202 pre-encoded receipts", op_trie, &c, 200);
  bench("receipts root from JSON (encode + trie)", op_receipts_root, &c, 50);
  bench("vc_verify_receipts (root + positions)", op_verify_receipts, &c, 50);
  bench("header from JSON + keccak(rlp) + hash check", op_header_json, &c, 2000);
  bench("header hash (encode + keccak)", op_header_hash, &c, 20000);
  bench("vc_verify_block, 769 full txs (senders too)", op_verify_full_block, &c, 3);
  bench("same, VC_BLOCK_SKIP_SENDERS", op_verify_full_block_nosenders, &c, 5);
  for (size_t i = 0; i < c.n; i++) vc_rlp_buf_free(&bufs[i]);
  free(bufs);
  free(c.vals);
  json_decref(c.receipts);
  json_decref(c.block);
  json_decref(c.full);
  return 0;
}
