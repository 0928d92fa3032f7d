/*
 * keccak.h: Keccak-256, the hash Ethereum uses everywhere (not FIPS SHA3-256).
 *
 * Built on nettle's Keccak-f[1600] permutation (nettle_sha3_permute); this module does
 * only the sponge: absorb at rate 136 bytes, Keccak padding 0x01 ... 0x80, squeeze 32
 * bytes. One-shot vc_keccak256() and a streaming context that the caller owns (plain
 * struct, no allocation, no cleanup needed).
 */
#ifndef VC_KECCAK_H
#define VC_KECCAK_H

#include "core/vc_base.h"

#include <nettle/sha3.h>

#define VC_KECCAK256_RATE 136

typedef struct {
  struct sha3_state st;             /* nettle's 1600-bit state, lanes little-endian */
  uint8_t block[VC_KECCAK256_RATE]; /* pending partial block */
  size_t fill;                      /* bytes pending in block */
} vc_keccak_ctx;

void vc_keccak256(const uint8_t *data, size_t len, uint8_t out[32]);

void vc_keccak_init(vc_keccak_ctx *c);
void vc_keccak_update(vc_keccak_ctx *c, const uint8_t *data, size_t len);
/* Writes the digest; the context must be re-initialised before reuse. */
void vc_keccak_final(vc_keccak_ctx *c, uint8_t out[32]);

/* Internal, exposed for tests: finish with an arbitrary domain pad byte (0x01 Keccak,
 * 0x06 FIPS SHA3-256) so the sponge can be checked against SHA3 vectors. */
void vc_keccak_final_pad(vc_keccak_ctx *c, uint8_t pad, uint8_t out[32]);

#endif
