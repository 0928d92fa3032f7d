/*
 * pc_blake2f.c: the BLAKE2b compression function F as a precompile (0x09, EIP-152).
 *
 * Called through the precompile table (precompile.c); see precompile.h for the contract.
 * The run function returns the 64-byte new state in a malloc'd buffer the caller frees.
 *
 * Input is exactly 213 bytes: rounds (4 bytes, big-endian), h (8 little-endian 64-bit
 * words), m (16 little-endian words), t (2 little-endian words), f (1 byte, 0 or 1).
 * Any other length or final flag is an error (the call consumes all its gas). Gas is
 * the number of rounds (0 for an input of the wrong length, which then fails).
 *
 * F is written from RFC 7693, section 3.2, with the round count a parameter (BLAKE2b
 * itself uses 12): the message schedule repeats every 10 rounds, so groups of 10 rounds
 * run unrolled on register locals (CALLBlake2f_MaxRounds asks for 2^32 - 1 rounds).
 * No allocation except the output; no state between calls.
 */
#include "core/evm/precompile.h"

#include <stdlib.h>
#include <string.h>

#define BLAKE2F_IN_LEN 213
#define BLAKE2F_OUT_LEN 64
#define BLAKE2F_SIGMA_ROWS 10

static const uint64_t blake2b_iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
    0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
    0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

static const uint8_t sigma[BLAKE2F_SIGMA_ROWS][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

static inline uint64_t rotr64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

static uint64_t load64_le(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static void store64_le(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* RFC 7693 G on the working words a, b, c, d (locals, so they stay in registers). */
#define B2_G(a, b, c, d, x, y) \
  do {                         \
    a = a + b + (x);           \
    d = rotr64(d ^ a, 32);     \
    c = c + d;                 \
    b = rotr64(b ^ c, 24);     \
    a = a + b + (y);           \
    d = rotr64(d ^ a, 16);     \
    c = c + d;                 \
    b = rotr64(b ^ c, 63);     \
  } while (0)

/* One round with schedule row s: four column steps, then four diagonal steps. With s a
 * constant row of sigma the compiler folds the message indices. */
#define B2_ROUND(s)                                 \
  do {                                              \
    B2_G(v0, v4, v8, v12, m[(s)[0]], m[(s)[1]]);    \
    B2_G(v1, v5, v9, v13, m[(s)[2]], m[(s)[3]]);    \
    B2_G(v2, v6, v10, v14, m[(s)[4]], m[(s)[5]]);   \
    B2_G(v3, v7, v11, v15, m[(s)[6]], m[(s)[7]]);   \
    B2_G(v0, v5, v10, v15, m[(s)[8]], m[(s)[9]]);   \
    B2_G(v1, v6, v11, v12, m[(s)[10]], m[(s)[11]]); \
    B2_G(v2, v7, v8, v13, m[(s)[12]], m[(s)[13]]);  \
    B2_G(v3, v4, v9, v14, m[(s)[14]], m[(s)[15]]);  \
  } while (0)

/* RFC 7693 F with a variable round count; h is updated in place. The schedule repeats
 * every 10 rounds, so whole groups of 10 run unrolled with constant rows, and the rest
 * (fewer than 10) one round at a time. */
static void blake2b_f(uint64_t h[8], const uint64_t m[16], const uint64_t t[2], int final,
                      uint32_t rounds) {
  uint64_t v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6],
           v7 = h[7];
  uint64_t v8 = blake2b_iv[0], v9 = blake2b_iv[1], v10 = blake2b_iv[2], v11 = blake2b_iv[3];
  uint64_t v12 = blake2b_iv[4] ^ t[0], v13 = blake2b_iv[5] ^ t[1];
  uint64_t v14 = final ? ~blake2b_iv[6] : blake2b_iv[6], v15 = blake2b_iv[7];
  uint32_t groups = rounds / BLAKE2F_SIGMA_ROWS, rest = rounds % BLAKE2F_SIGMA_ROWS;
  for (uint32_t g = 0; g < groups; g++) {
    B2_ROUND(sigma[0]);
    B2_ROUND(sigma[1]);
    B2_ROUND(sigma[2]);
    B2_ROUND(sigma[3]);
    B2_ROUND(sigma[4]);
    B2_ROUND(sigma[5]);
    B2_ROUND(sigma[6]);
    B2_ROUND(sigma[7]);
    B2_ROUND(sigma[8]);
    B2_ROUND(sigma[9]);
  }
  for (uint32_t r = 0; r < rest; r++) B2_ROUND(sigma[r]);
  h[0] ^= v0 ^ v8, h[1] ^= v1 ^ v9, h[2] ^= v2 ^ v10, h[3] ^= v3 ^ v11;
  h[4] ^= v4 ^ v12, h[5] ^= v5 ^ v13, h[6] ^= v6 ^ v14, h[7] ^= v7 ^ v15;
}

static uint32_t read_rounds(const uint8_t *in) {
  return ((uint32_t)in[0] << 24) | ((uint32_t)in[1] << 16) | ((uint32_t)in[2] << 8) | in[3];
}

uint64_t evm_pc_blake2f_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)fork;
  return len == BLAKE2F_IN_LEN ? read_rounds(in) : 0;
}

evm_pc_status evm_pc_blake2f(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  out->data = NULL;
  out->len = 0;
  if (len != BLAKE2F_IN_LEN || in[212] > 1) return EVM_PC_ERROR;
  uint64_t h[8], m[16], t[2];
  for (int i = 0; i < 8; i++) h[i] = load64_le(in + 4 + 8 * i);
  for (int i = 0; i < 16; i++) m[i] = load64_le(in + 68 + 8 * i);
  t[0] = load64_le(in + 196);
  t[1] = load64_le(in + 204);
  blake2b_f(h, m, t, in[212], read_rounds(in));
  uint8_t *res = malloc(BLAKE2F_OUT_LEN);
  if (!res) return EVM_PC_NOMEM;
  for (int i = 0; i < 8; i++) store64_le(res + 8 * i, h[i]);
  out->data = res;
  out->len = BLAKE2F_OUT_LEN;
  return EVM_PC_OK;
}
