/*
 * pc_modexp.c: the modular exponentiation precompile (0x05), on GMP.
 *
 * Called through the precompile table (precompile.c); see precompile.h for the contract.
 * The run function returns exactly mod_len bytes in a malloc'd buffer the caller frees
 * (NULL when mod_len is 0).
 *
 * Input (EIP-198): three 32-byte big-endian lengths b, e, m, then BASE (b bytes),
 * EXPONENT (e bytes), MODULUS (m bytes). The input is read as if infinitely padded with
 * zero bytes on the right; bytes past the three operands are ignored. Operands of any
 * length are exact GMP integers (never truncated to 256 bits). A zero modulus gives
 * m zero bytes; the result is BASE^EXPONENT mod MODULUS, big-endian, left-padded to m.
 *
 * Gas per fork:
 *   before Berlin (EIP-198): floor(mult_complexity(max(b, m)) * max(adj_exp, 1) / 20)
 *   Berlin (EIP-2565):       max(200, floor(ceil(max(b, m) / 8)^2 * max(adj_exp, 1) / 3))
 *   Osaka (EIP-7883):        max(500, cx * max(adj_exp', 1)), cx = 16 when max(b, m) <= 32
 *                            else 2 * ceil(max(b, m) / 8)^2, and adj_exp' doubles the
 *                            8 per exponent byte beyond 32 to 16.
 * adj_exp is the index of the top set bit of the exponent's first min(e, 32) bytes
 * (0 when they are all zero), plus 8 (16) * (e - 32) when e > 32. Lengths are 256-bit
 * words that can be astronomically large: they are clamped at 2^100 (any nonzero price
 * with such a length is far above 2^64), arithmetic is 128-bit, and any price that does
 * not fit 64 bits is EVM_PC_GAS_MAX (go-ethereum saturates a little earlier, once the
 * product before the division by 20 or 3 passes 2^64; both are far above any gas limit,
 * so no payable call sees a difference). A zero price is real: b = m = 0 costs 0 before
 * Berlin and 200 from Berlin whatever e is, and returns an empty output.
 *
 * Bounds: from Osaka (EIP-7823) a length above 1024 is an error (all gas consumed).
 * Before Osaka, a length above MODEXP_RUN_MAX_LEN with m > 0 is refused as an error:
 * such a call costs far more gas than any block holds, so no caller reaches it.
 * Memory: the three operands and the result, each at most that cap; GMP aborts the
 * process if an allocation fails (its default), the output buffer's failure is
 * EVM_PC_NOMEM.
 */
#include "core/evm/precompile.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define MODEXP_HEAD_LEN 96                     /* three 32-byte length words */
#define MODEXP_LEN_CLAMP ((u128)1 << 100)      /* lengths above this price as infinite */
#define MODEXP_OSAKA_MAX_LEN 1024              /* EIP-7823 bound per length, in bytes */
#define MODEXP_RUN_MAX_LEN ((uint64_t)EVM_PC_MAX_OUT) /* run cap before Osaka, bytes */
#define MODEXP_EXP_HEAD_LEN 32                 /* exponent bytes the price looks at */

typedef struct {
  u128 b, e, m; /* lengths, clamped at MODEXP_LEN_CLAMP */
} modexp_lens;

/* The 32-byte big-endian word at off of the zero-padded input, clamped. */
static u128 read_len(const uint8_t *in, size_t len, size_t off) {
  uint8_t w[32] = {0};
  if (off < len) memcpy(w, in + off, len - off < 32 ? len - off : 32);
  for (int i = 0; i < 19; i++)
    if (w[i]) return MODEXP_LEN_CLAMP;
  u128 v = 0;
  for (int i = 19; i < 32; i++) v = (v << 8) | w[i];
  return v > MODEXP_LEN_CLAMP ? MODEXP_LEN_CLAMP : v;
}

static modexp_lens read_lens(const uint8_t *in, size_t len) {
  modexp_lens l = {read_len(in, len, 0), read_len(in, len, 32), read_len(in, len, 64)};
  return l;
}

/* Bit length of the exponent's first min(e, 32) bytes (zero-padded input). */
static unsigned exp_head_bits(const uint8_t *in, size_t len, const modexp_lens *l) {
  u128 off = MODEXP_HEAD_LEN + l->b;
  size_t n = l->e < MODEXP_EXP_HEAD_LEN ? (size_t)l->e : MODEXP_EXP_HEAD_LEN;
  for (size_t i = 0; i < n; i++) {
    u128 at = off + i;
    uint8_t byte = at < len ? in[(size_t)at] : 0;
    if (byte) return (unsigned)(8 * (n - i) - (size_t)__builtin_clz(byte) + 24);
  }
  return 0;
}

/* max(adjusted exponent length, 1); per_byte is 8 (EIP-198/2565) or 16 (EIP-7883). */
static u128 iteration_count(const uint8_t *in, size_t len, const modexp_lens *l,
                            unsigned per_byte) {
  unsigned bits = exp_head_bits(in, len, l);
  u128 it = bits ? bits - 1 : 0;
  if (l->e > MODEXP_EXP_HEAD_LEN) it += (u128)per_byte * (l->e - MODEXP_EXP_HEAD_LEN);
  return it ? it : 1;
}

/* EIP-198's mult_complexity(x) for x < 2^64. */
static u128 complexity_198(u128 x) {
  if (x <= 64) return x * x;
  if (x <= 1024) return x * x / 4 + 96 * x - 3072;
  return x * x / 16 + 480 * x - 199680;
}

static u128 complexity_2565(u128 x) {
  u128 words = (x + 7) / 8;
  return words * words;
}

static u128 complexity_7883(u128 x) {
  u128 words = (x + 7) / 8;
  return x <= 32 ? 16 : 2 * words * words;
}

uint64_t evm_pc_modexp_gas(const uint8_t *in, size_t len, evm_fork fork) {
  modexp_lens l = read_lens(in, len);
  u128 x = l.b > l.m ? l.b : l.m;
  if (x >= ((u128)1 << 64)) return EVM_PC_GAS_MAX; /* complexity above 2^118 */
  u128 cx, it, divisor, floor_gas;
  if (fork >= EVM_OSAKA) {
    cx = complexity_7883(x), it = iteration_count(in, len, &l, 16), divisor = 1, floor_gas = 500;
  } else if (fork >= EVM_BERLIN) {
    cx = complexity_2565(x), it = iteration_count(in, len, &l, 8), divisor = 3, floor_gas = 200;
  } else {
    cx = complexity_198(x), it = iteration_count(in, len, &l, 8), divisor = 20, floor_gas = 0;
  }
  if (cx != 0 && it > ~(u128)0 / cx) return EVM_PC_GAS_MAX;
  u128 gas = cx * it / divisor;
  if (gas < floor_gas) gas = floor_gas;
  return gas > EVM_PC_GAS_MAX ? EVM_PC_GAS_MAX : (uint64_t)gas;
}

/* z = the n-byte big-endian operand at off of the zero-padded input (n, off capped). */
static void read_operand(mpz_t z, const uint8_t *in, size_t len, size_t off, size_t n) {
  size_t avail = off < len ? (len - off < n ? len - off : n) : 0;
  if (avail)
    mpz_import(z, avail, 1, 1, 1, 0, in + off);
  else
    mpz_set_ui(z, 0);
  if (n > avail) mpz_mul_2exp(z, z, 8 * (mp_bitcnt_t)(n - avail));
}

evm_pc_status evm_pc_modexp(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  out->data = NULL;
  out->len = 0;
  modexp_lens l = read_lens(in, len);
  u128 cap = fork >= EVM_OSAKA ? MODEXP_OSAKA_MAX_LEN : MODEXP_RUN_MAX_LEN;
  if (fork >= EVM_OSAKA && (l.b > cap || l.e > cap || l.m > cap)) return EVM_PC_ERROR;
  if (l.m == 0) return EVM_PC_OK;
  if (l.b > cap || l.e > cap || l.m > cap) return EVM_PC_ERROR;

  size_t nb = (size_t)l.b, ne = (size_t)l.e, nm = (size_t)l.m;
  evm_pc_status st = EVM_PC_NOMEM;
  uint8_t *res = calloc(1, nm);
  mpz_t base, exp, mod;
  mpz_inits(base, exp, mod, NULL);
  if (!res) goto out;
  read_operand(base, in, len, MODEXP_HEAD_LEN, nb);
  read_operand(exp, in, len, MODEXP_HEAD_LEN + nb, ne);
  read_operand(mod, in, len, MODEXP_HEAD_LEN + nb + ne, nm);
  if (mpz_sgn(mod) != 0) {
    mpz_powm(base, base, exp, mod); /* 0^0 = 1, x mod 1 = 0, as every client */
    size_t used = mpz_sgn(base) ? (mpz_sizeinbase(base, 2) + 7) / 8 : 0;
    size_t cnt = 0;
    if (used) mpz_export(res + nm - used, &cnt, 1, 1, 1, 0, base);
  }
  out->data = res;
  out->len = nm;
  res = NULL; /* out owns it now */
  st = EVM_PC_OK;
out:
  mpz_clears(base, exp, mod, NULL);
  free(res);
  return st;
}
