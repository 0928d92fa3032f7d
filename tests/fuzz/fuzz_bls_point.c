/*
 * fuzz_bls_point.c: libFuzzer harness for BLS12-381 point decoding
 * (src/core/bls/). The first 48 bytes go through G1 decompression (internal decoder
 * and the public KeyValidate path), the last 96 through G2 decompression. Nothing may
 * crash, and what decodes must re-encode to the same bytes (the ZCash encoding is
 * canonical: flags, x < p and the sign bit fix it) and lie on the curve in the
 * subgroup. Seeds in tests/fuzz/corpus/bls_point/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bls/bls.h"
#include "core/bls/bls_curve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vc_err err;
  if (size >= BLS_G1_COMPRESSED) {
    bls_g1a a;
    uint8_t back[BLS_G1_COMPRESSED];
    if (bls_g1a_decode(&a, data, &err) == VC_OK) {
      bls_g1a_encode(back, &a);
      if (memcmp(back, data, sizeof back) != 0) abort();
      if (!bls_g1a_on_curve(&a)) abort();
    }
    bls_g1 pk;
    if (bls_g1_decompress(&pk, data, &err) == VC_OK) {
      if (pk.inf) abort(); /* KeyValidate never yields infinity */
      bls_g1_compress(back, &pk);
      if (memcmp(back, data, sizeof back) != 0) abort();
    }
  }
  if (size >= BLS_G2_COMPRESSED) {
    const uint8_t *in = data + size - BLS_G2_COMPRESSED;
    bls_g2a b;
    uint8_t back[BLS_G2_COMPRESSED];
    if (bls_g2a_decode(&b, in, &err) == VC_OK) {
      bls_g2a_encode(back, &b);
      if (memcmp(back, in, sizeof back) != 0) abort();
      if (!bls_g2a_on_curve(&b)) abort();
      bls_g2p p;
      bls_g2p_from_affine(&p, &b);
      if (!bls_g2p_in_subgroup(&p)) abort();
    }
  }
  return 0;
}
