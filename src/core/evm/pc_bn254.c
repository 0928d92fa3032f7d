/*
 * pc_bn254.c: the bn254 (alt_bn128) precompiles, on the in-tree curve of bn254*.c.
 *
 *   0x06 ECADD     (EIP-196): 128 input bytes (P, Q), 64 output bytes P + Q;
 *   0x07 ECMUL     (EIP-196): 96 input bytes (P, k), 64 output bytes [k]P;
 *   0x08 ECPAIRING (EIP-197): k * 192 input bytes (P_i, Q_i), 32 output bytes, 1 when
 *                             prod e(P_i, Q_i) = 1 and 0 otherwise (1 for no pairs).
 *
 * ECADD and ECMUL read their input as if padded with zeros on the right to its fixed
 * size (extra bytes are ignored); ECPAIRING refuses a length that is not a multiple of
 * 192. Every coordinate must be below p, every point on its curve (all zeros is the
 * point at infinity), every G2 point in the order-r subgroup; anything else fails the
 * call (EVM_PC_ERROR, the caller burns the gas). Gas per EIP-1108 from Istanbul on
 * (150, 6000, 45000 + 34000 k), per EIP-196/197 before (500, 40000, 100000 + 80000 k).
 * ECPAIRING also refuses more than BN_PAIRING_MAX_PAIRS pairs (bn254.h), a hard cap far
 * above what any mainnet transaction can pay for; pairs are decoded and Miller-looped
 * PAIR_CHUNK at a time on the stack, with one final exponentiation at the end.
 *
 * Called through the table in precompile.c; the output buffer is malloc'd here and
 * owned by the caller (see precompile.h). No state, thread-safe.
 */
#include "core/evm/bn254.h"
#include "core/evm/precompile.h"

#include <stdlib.h>
#include <string.h>

#define ECADD_IN 128
#define ECMUL_IN 96
#define PAIR_BYTES 192
#define EC_OUT 64
#define PAIRING_OUT 32
/* Pairs decoded and fed to the Miller loop at a time (bounds the stack). */
#define PAIR_CHUNK 8

typedef struct {
  uint64_t add, mul, pair_base, pair_per;
} bn_prices;

/* One row per pricing era: [0] EIP-196/197 (Byzantium), [1] EIP-1108 (Istanbul on). */
static const bn_prices prices[2] = {
    {500, 40000, 100000, 80000},
    {150, 6000, 45000, 34000},
};

static const bn_prices *prices_at(evm_fork fork) { return &prices[fork >= EVM_ISTANBUL]; }

static evm_pc_status emit(evm_pc_out *out, const uint8_t *data, size_t len) {
  out->data = malloc(len);
  out->len = 0;
  if (!out->data) return EVM_PC_NOMEM;
  memcpy(out->data, data, len);
  out->len = len;
  return EVM_PC_OK;
}

/* Copies the first min(len, size) bytes of in into buf and zeroes the rest. */
static void pad_input(uint8_t *buf, size_t size, const uint8_t *in, size_t len) {
  memset(buf, 0, size);
  if (len > size) len = size;
  if (len) memcpy(buf, in, len);
}

static evm_pc_status emit_g1(evm_pc_out *out, const bn_g1j *p) {
  uint8_t res[EC_OUT];
  bn_g1a a;
  bn_g1j_to_affine(&a, p);
  bn_g1a_encode(res, &a);
  return emit(out, res, sizeof res);
}

uint64_t evm_pc_bn254_add_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  (void)len;
  return prices_at(fork)->add;
}

evm_pc_status evm_pc_bn254_add(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  uint8_t buf[ECADD_IN];
  bn_g1a a, b;
  bn_g1j ja, jb;
  out->data = NULL;
  out->len = 0;
  pad_input(buf, sizeof buf, in, len);
  if (!bn_g1a_decode(&a, buf) || !bn_g1a_decode(&b, buf + BN_G1_BYTES)) return EVM_PC_ERROR;
  bn_g1j_from_affine(&ja, &a);
  bn_g1j_from_affine(&jb, &b);
  bn_g1j_add(&ja, &ja, &jb);
  return emit_g1(out, &ja);
}

uint64_t evm_pc_bn254_mul_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  (void)len;
  return prices_at(fork)->mul;
}

evm_pc_status evm_pc_bn254_mul(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  uint8_t buf[ECMUL_IN];
  bn_g1a a;
  bn_g1j ja;
  out->data = NULL;
  out->len = 0;
  pad_input(buf, sizeof buf, in, len);
  if (!bn_g1a_decode(&a, buf)) return EVM_PC_ERROR;
  bn_g1j_from_affine(&ja, &a);
  bn_g1j_mul(&ja, &ja, buf + BN_G1_BYTES);
  return emit_g1(out, &ja);
}

uint64_t evm_pc_bn254_pairing_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  const bn_prices *pr = prices_at(fork);
  uint64_t k = (uint64_t)(len / PAIR_BYTES);
  if (k > (EVM_PC_GAS_MAX - pr->pair_base) / pr->pair_per) return EVM_PC_GAS_MAX;
  return pr->pair_base + pr->pair_per * k;
}

/* Decodes pairs [off, off + n) of in; false on the first invalid point. */
static bool decode_pairs(bn_g1a *ps, bn_g2a *qs, const uint8_t *in, size_t off, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const uint8_t *pair = in + (off + i) * PAIR_BYTES;
    if (!bn_g1a_decode(&ps[i], pair) || !bn_g2a_decode(&qs[i], pair + BN_G1_BYTES))
      return false;
  }
  return true;
}

evm_pc_status evm_pc_bn254_pairing(const uint8_t *in, size_t len, evm_fork fork,
                                   evm_pc_out *out) {
  (void)fork;
  uint8_t res[PAIRING_OUT] = {0};
  bn_g1a ps[PAIR_CHUNK];
  bn_g2a qs[PAIR_CHUNK];
  bn_fp12 acc, part;
  out->data = NULL;
  out->len = 0;
  if (len % PAIR_BYTES != 0) return EVM_PC_ERROR;
  size_t pairs = len / PAIR_BYTES;
  if (pairs > BN_PAIRING_MAX_PAIRS) return EVM_PC_ERROR;
  bn_fp12_set_one(&acc);
  for (size_t off = 0; off < pairs; off += PAIR_CHUNK) {
    size_t n = pairs - off < PAIR_CHUNK ? pairs - off : PAIR_CHUNK;
    if (!decode_pairs(ps, qs, in, off, n)) return EVM_PC_ERROR;
    bn_miller_loop(&part, ps, qs, n);
    bn_fp12_mul(&acc, &acc, &part);
  }
  bn_fp12 e;
  bn_final_exp(&e, &acc);
  res[PAIRING_OUT - 1] = bn_fp12_is_one(&e) ? 1 : 0;
  return emit(out, res, sizeof res);
}
