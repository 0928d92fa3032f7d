/*
 * micro_proof.c: CPU cost of the proof primitives, on real recorded mainnet data.
 *
 * Measures (process CPU time, best of 5 rounds): Keccak-256 throughput in ns per byte
 * on a 1 MiB buffer and on 136-byte blocks; one eth_getProof account verification (the
 * helios deposit-contract proof: 8 nodes, JSON hex decoding included) and the bare MPT
 * walk on pre-decoded nodes; one storage-slot verification. Fixtures come from
 * $VERITY_FIXTURES (default ../shared/fixtures). Standalone; build it by hand:
 *
 *   cc -std=c11 -O2 -Isrc bench/micro_proof.c build/release/libcore.a \
 *      $(pkg-config --libs jansson nettle) -o build/release/micro_proof
 *   build/release/micro_proof
 */
#include "core/account.h"
#include "core/hex.h"
#include "core/keccak.h"
#include "core/mpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 5

static double cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static json_t *load(const char *dir, const char *rel) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  if (!j) fprintf(stderr, "micro_proof: %s: %s\n", path, je.text);
  return j;
}

static int hex_field(const json_t *o, const char *name, uint8_t *out, size_t n) {
  const json_t *v = json_object_get(o, name);
  return json_is_string(v) && vc_hex_decode_fixed(json_string_value(v), json_string_length(v), out, n) == VC_OK;
}

/* Best-of-ROUNDS ns per iteration of body over iters iterations. */
#define MEASURE(best, iters, body)                                 \
  do {                                                             \
    best = 1e300;                                                  \
    for (int r_ = 0; r_ < ROUNDS; r_++) {                          \
      double t0_ = cpu_ns();                                       \
      for (long i_ = 0; i_ < (iters); i_++) { body; }              \
      double per_ = (cpu_ns() - t0_) / (double)(iters);            \
      if (per_ < best) best = per_;                                \
    }                                                              \
  } while (0)

int main(void) {
  const char *dir = getenv("VERITY_FIXTURES");
  if (!dir || !*dir) dir = "../shared/fixtures";
  int rc = 1;
  json_t *block = load(dir, "helios/tests/testdata/rpc/block.json");
  json_t *proof = load(dir, "helios/tests/testdata/rpc/proof.json");
  uint8_t *big = malloc(1 << 20);
  if (!block || !proof || !big) goto out;
  uint8_t root[32], addr[20], h[32];
  if (!hex_field(block, "stateRoot", root, 32) || !hex_field(proof, "address", addr, 20)) goto out;
  for (size_t i = 0; i < (1u << 20); i++) big[i] = (uint8_t)(i * 31);
  volatile uint8_t sink = 0;
  double t;

  MEASURE(t, 50, { vc_keccak256(big, 1u << 20, h); sink ^= h[0]; });
  printf("keccak256 1 MiB        %8.2f ns/byte  (%.0f MB/s)\n", t / (1 << 20), (1 << 20) / t * 1e3);
  MEASURE(t, 200000, { vc_keccak256(big, 136, h); sink ^= h[0]; });
  printf("keccak256 136 B        %8.2f ns/byte  (%.0f ns/hash)\n", t / 136, t);
  MEASURE(t, 200000, { vc_keccak256(big, 532, h); sink ^= h[0]; });
  printf("keccak256 532 B branch %8.0f ns/hash\n", t);

  vc_account acct;
  vc_err err;
  if (vc_verify_account_proof(proof, root, addr, &acct, &err) != VC_OK) {
    fprintf(stderr, "micro_proof: account proof: %s\n", err.msg);
    goto out;
  }
  MEASURE(t, 20000, { if (vc_verify_account_proof(proof, root, addr, &acct, &err) != VC_OK) goto out; });
  printf("account proof (JSON)   %8.2f us  (8 nodes, hex decode + walk + claims)\n", t / 1e3);

  /* bare walk: pre-decoded nodes */
  const json_t *arr = json_object_get(proof, "accountProof");
  static uint8_t nbuf[VC_MPT_MAX_NODES][1024];
  vc_bytes nodes[VC_MPT_MAX_NODES];
  size_t nn = json_array_size(arr);
  for (size_t i = 0; i < nn && i < VC_MPT_MAX_NODES; i++) {
    const json_t *s = json_array_get(arr, i);
    size_t got = 0;
    if (vc_hex_decode(json_string_value(s), json_string_length(s), nbuf[i], 1024, &got) != VC_OK) goto out;
    nodes[i] = vc_bytes_of(nbuf[i], got);
  }
  uint8_t key[32];
  vc_keccak256(addr, 20, key);
  vc_bytes v;
  MEASURE(t, 20000, { if (vc_mpt_verify(root, key, 32, nodes, nn, &v, &err) != VC_OK) goto out; });
  printf("account MPT walk only  %8.2f us\n", t / 1e3);

  uint8_t slot[1][32] = {{0}}, val[1][32];
  slot[0][31] = 1;
  MEASURE(t, 20000, {
    if (vc_verify_storage_proofs(proof, &acct, (const uint8_t(*)[32])slot, 1, val, &err) != VC_OK) goto out;
  });
  printf("storage proof (1 slot) %8.2f us  (%zu nodes)\n", t / 1e3,
         json_array_size(json_object_get(json_array_get(json_object_get(proof, "storageProof"), 0), "proof")));
  (void)sink;
  rc = 0;
out:
  if (rc) fprintf(stderr, "micro_proof: failed\n");
  free(big);
  json_decref(block);
  json_decref(proof);
  return rc;
}
