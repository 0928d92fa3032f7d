/*
 * pc_kzg.c: the point evaluation precompile of EIP-4844 (0x0a, Cancun).
 *
 * Input: exactly 192 bytes, versioned_hash (32) || z (32) || y (32) || commitment (48) ||
 * proof (48). The call succeeds when versioned_hash = 0x01 || sha256(commitment)[1:]
 * (VERSIONED_HASH_VERSION_KZG) and verify_kzg_proof(commitment, z, y, proof) holds
 * (bls_evm_kzg_verify: z, y below r, valid compressed points, the pairing equation);
 * otherwise it fails (EVM_PC_ERROR). Output: FIELD_ELEMENTS_PER_BLOB (4096) and
 * BLS_MODULUS as two 32-byte big-endian words, malloc'd here and owned by the caller.
 * Gas: 50000 flat (POINT_EVALUATION_PRECOMPILE_GAS).
 */
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#include "core/bls/bls_evm.h"
#include "core/evm/precompile.h"

#define KZG_GAS 50000
#define KZG_IN 192
#define KZG_OUT 64
#define KZG_HASH 32
#define KZG_VERSION 0x01

/* FIELD_ELEMENTS_PER_BLOB = 4096, then BLS_MODULUS, each a 32-byte big-endian word */
static const uint8_t kzg_output[KZG_OUT] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10, 0x00,
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};

uint64_t evm_pc_kzg_point_eval_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return KZG_GAS;
}

evm_pc_status evm_pc_kzg_point_eval(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  out->data = NULL;
  out->len = 0;
  if (len != KZG_IN) return EVM_PC_ERROR;
  const uint8_t *vhash = in, *z = in + KZG_HASH, *y = z + BLS_KZG_FIELD, *commitment = y + BLS_KZG_FIELD;
  const uint8_t *proof = commitment + BLS_KZG_G1;
  uint8_t h[KZG_HASH];
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, BLS_KZG_G1, commitment);
  sha256_digest(&ctx, sizeof h, h);
  h[0] = KZG_VERSION;
  if (memcmp(h, vhash, KZG_HASH) != 0) return EVM_PC_ERROR;
  vc_err err;
  vc_status st = bls_evm_kzg_verify(commitment, z, y, proof, &err);
  if (st == VC_ERR_NOMEM) return EVM_PC_NOMEM;
  if (st != VC_OK) return EVM_PC_ERROR;
  out->data = malloc(KZG_OUT);
  if (!out->data) return EVM_PC_NOMEM;
  memcpy(out->data, kzg_output, KZG_OUT);
  out->len = KZG_OUT;
  return EVM_PC_OK;
}
