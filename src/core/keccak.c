/*
 * keccak.c: the Keccak-256 sponge on nettle's Keccak-f[1600] permutation (see keccak.h).
 *
 * Rate 136 bytes (capacity 512 bits). Input is XORed into the state lane by lane
 * (little-endian lanes, as nettle stores them), the permutation runs after each full
 * block, and the final block gets the domain pad byte at the message end and 0x80 in the
 * last rate byte. Ethereum's Keccak-256 uses pad 0x01; FIPS SHA3-256 uses 0x06, which the
 * tests use to check this sponge against the SHA3 known-answer vectors.
 */
#include "core/keccak.h"

#include <string.h>

static inline uint64_t load_le64(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t v;
  memcpy(&v, p, 8); /* one unaligned load on little-endian hosts */
  return v;
#else
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
#endif
}

static void absorb_block(struct sha3_state *st, const uint8_t *block) {
  for (size_t i = 0; i < VC_KECCAK256_RATE / 8; i++) st->a[i] ^= load_le64(block + 8 * i);
  nettle_sha3_permute(st);
}

void vc_keccak_init(vc_keccak_ctx *c) {
  memset(c, 0, sizeof *c);
}

void vc_keccak_update(vc_keccak_ctx *c, const uint8_t *data, size_t len) {
  if (c->fill) {
    size_t take = VC_KECCAK256_RATE - c->fill;
    if (take > len) take = len;
    memcpy(c->block + c->fill, data, take);
    c->fill += take;
    data += take;
    len -= take;
    if (c->fill < VC_KECCAK256_RATE) return;
    absorb_block(&c->st, c->block);
    c->fill = 0;
  }
  while (len >= VC_KECCAK256_RATE) {
    absorb_block(&c->st, data);
    data += VC_KECCAK256_RATE;
    len -= VC_KECCAK256_RATE;
  }
  if (len) {
    memcpy(c->block, data, len);
    c->fill = len;
  }
}

void vc_keccak_final_pad(vc_keccak_ctx *c, uint8_t pad, uint8_t out[32]) {
  memset(c->block + c->fill, 0, VC_KECCAK256_RATE - c->fill);
  c->block[c->fill] ^= pad;
  c->block[VC_KECCAK256_RATE - 1] ^= 0x80;
  absorb_block(&c->st, c->block);
  for (size_t i = 0; i < 32; i++) out[i] = (uint8_t)(c->st.a[i / 8] >> (8 * (i % 8)));
  c->fill = 0;
}

void vc_keccak_final(vc_keccak_ctx *c, uint8_t out[32]) {
  vc_keccak_final_pad(c, 0x01, out);
}

void vc_keccak256(const uint8_t *data, size_t len, uint8_t out[32]) {
  vc_keccak_ctx c;
  vc_keccak_init(&c);
  vc_keccak_update(&c, data, len);
  vc_keccak_final(&c, out);
}
