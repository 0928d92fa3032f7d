/*
 * pc_p256.c: P256VERIFY (0x100, EIP-7951, Osaka): ECDSA verification on secp256r1.
 *
 * Called through the precompile table (precompile.c); see precompile.h for the contract.
 * On a valid signature the run function returns the 32-byte word 1 in a malloc'd buffer
 * the caller frees; on anything else (wrong input length, r or s outside [1, n-1], a
 * coordinate not below p, a point off the curve or at infinity, a signature that does
 * not verify) it returns an empty output with success: the precompile never fails and
 * always costs 6900 gas.
 *
 * Input is exactly 160 bytes: h, r, s, qx, qy (32 bytes each, big-endian). The hash is
 * used whole (it is as wide as n) and is not required to be below n.
 *
 * The work is nettle's (nettle_get_secp_256r1, ecc_point_set, ecdsa_verify). nettle
 * itself rejects coordinates >= p and points off the curve in ecc_point_set, and r or s
 * outside (0, n) in ecdsa_verify; the EIP's range checks are done here too, before any
 * of it, so this file states the rules instead of relying on a library's. (0, 0), the
 * EIP's encoding of infinity, is not on the curve (b != 0) and is refused explicitly.
 * A result point at infinity yields x = 0 in nettle, never equal to r in [1, n-1].
 */
#include "core/evm/precompile.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>

#define P256_GAS 6900
#define P256_IN_LEN 160
#define P256_FIELD_LEN 32
#define P256_OUT_LEN 32

/* secp256r1 field modulus p and group order n, big-endian (EIP-7951, SP 800-186). */
static const uint8_t p256_p[P256_FIELD_LEN] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t p256_n[P256_FIELD_LEN] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

static int is_zero32(const uint8_t *x) {
  uint8_t acc = 0;
  for (int i = 0; i < P256_FIELD_LEN; i++) acc |= x[i];
  return acc == 0;
}

static int below(const uint8_t *x, const uint8_t *bound) {
  return memcmp(x, bound, P256_FIELD_LEN) < 0;
}

static void import32(mpz_t z, const uint8_t *p) { mpz_import(z, P256_FIELD_LEN, 1, 1, 1, 0, p); }

/* The EIP-7951 input checks that need no curve arithmetic. */
static int inputs_in_range(const uint8_t *in) {
  const uint8_t *r = in + 32, *s = in + 64, *qx = in + 96, *qy = in + 128;
  if (is_zero32(r) || !below(r, p256_n) || is_zero32(s) || !below(s, p256_n)) return 0;
  if (!below(qx, p256_p) || !below(qy, p256_p)) return 0;
  return !(is_zero32(qx) && is_zero32(qy)); /* the point at infinity */
}

/* 1 when the signature verifies; nettle does the point and curve arithmetic. */
static int p256_verify(const uint8_t *in) {
  struct ecc_point pub;
  struct dsa_signature sig;
  mpz_t x, y;
  int ok = 0;
  ecc_point_init(&pub, nettle_get_secp_256r1());
  dsa_signature_init(&sig);
  mpz_inits(x, y, NULL);
  import32(sig.r, in + 32);
  import32(sig.s, in + 64);
  import32(x, in + 96);
  import32(y, in + 128);
  if (!ecc_point_set(&pub, x, y)) goto out; /* off the curve */
  ok = ecdsa_verify(&pub, P256_FIELD_LEN, in, &sig);
out:
  mpz_clears(x, y, NULL);
  dsa_signature_clear(&sig);
  ecc_point_clear(&pub);
  return ok;
}

uint64_t evm_pc_p256verify_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  (void)len;
  (void)fork;
  return P256_GAS;
}

evm_pc_status evm_pc_p256verify(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  out->data = NULL;
  out->len = 0;
  if (len != P256_IN_LEN || !inputs_in_range(in) || !p256_verify(in)) return EVM_PC_OK;
  uint8_t *res = calloc(1, P256_OUT_LEN);
  if (!res) return EVM_PC_NOMEM;
  res[P256_OUT_LEN - 1] = 1;
  out->data = res;
  out->len = P256_OUT_LEN;
  return EVM_PC_OK;
}
