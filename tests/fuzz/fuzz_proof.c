/*
 * fuzz_proof.c: libFuzzer harness for eth_getProof result verification.
 *
 * Arbitrary text -> json_loadb -> vc_verify_account_proof(), once against a fixed
 * mainnet state root and once against keccak(first accountProof node) with the address
 * the JSON itself claims, so the fuzzer can get past the root check; then the storage
 * proofs for the slots the JSON lists. Nothing may crash, leak or read out of bounds.
 */
#include "core/account.h"
#include "core/hex.h"
#include "core/keccak.h"
#include "core/mpt.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_SLOTS 8

static const uint8_t fixed_root[32] = {
    0x7b, 0x3d, 0x5a, 0x01, 0xf6, 0x9b, 0x7d, 0x2e, 0xa7, 0x47, 0x9f, 0xd7, 0xae, 0x35, 0xf4, 0xba,
    0xc2, 0x70, 0x0a, 0xb6, 0xd6, 0xd7, 0xb4, 0x80, 0x7a, 0x7f, 0xed, 0xf5, 0x3c, 0xed, 0x71, 0x0e};

static void storage(const json_t *res, const vc_account *a) {
  uint8_t slots[FUZZ_MAX_SLOTS][32], vals[FUZZ_MAX_SLOTS][32];
  size_t n = 0;
  const json_t *sp = json_object_get(res, "storageProof");
  for (size_t i = 0; i < json_array_size(sp) && n < FUZZ_MAX_SLOTS; i++) {
    const json_t *k = json_object_get(json_array_get(sp, i), "key");
    if (json_is_string(k) &&
        vc_hex_decode_fixed(json_string_value(k), json_string_length(k), slots[n], 32) == VC_OK)
      n++;
  }
  vc_err err;
  (void)!vc_verify_storage_proofs(res, a, (const uint8_t(*)[32])slots, n, vals, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t je;
  json_t *res = json_loadb((const char *)data, size, 0, &je);
  if (!res) return 0;
  uint8_t addr[20] = {0}, root[32];
  const json_t *ja = json_object_get(res, "address");
  if (json_is_string(ja)) (void)!vc_hex_decode_fixed(json_string_value(ja), json_string_length(ja), addr, 20);
  vc_account a;
  vc_err err;
  if (vc_verify_account_proof(res, fixed_root, addr, &a, &err) == VC_OK) storage(res, &a);
  const json_t *n0 = json_array_get(json_object_get(res, "accountProof"), 0);
  uint8_t node[4096]; /* a root node is a branch: at most 532 bytes */
  size_t nl = 0;
  if (json_is_string(n0) &&
      vc_hex_decode(json_string_value(n0), json_string_length(n0), node, sizeof node, &nl) == VC_OK) {
    vc_keccak256(node, nl, root);
    if (vc_verify_account_proof(res, root, addr, &a, &err) == VC_OK) storage(res, &a);
  }
  json_decref(res);
  return 0;
}
