/*
 * bls.h: BLS12-381 signature verification, Ethereum ciphersuite
 * BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_ (public keys in G1, 48 bytes;
 * signatures in G2, 96 bytes; ZCash compressed encodings).
 *
 * Verification only: no secret key is ever handled and nothing is constant time.
 * Every function that decides truth returns VC_OK when the statement holds and fills
 * err otherwise: VC_ERR_INPUT for a malformed or invalid encoding (bad flags, x >= p,
 * not on the curve, outside the subgroup, infinity where a key is required, no keys),
 * VC_ERR_MISMATCH for a well-formed signature that does not verify, VC_ERR_LIMIT for
 * inputs over the caps below. Callers: the light client (src/core/lightclient/)
 * decompresses each sync committee once with bls_g1_decompress and verifies every
 * update with bls_fast_aggregate_verify_points.
 *
 * The work is done by a backend (bls_backend.h); this build binds the in-tree one.
 * All outputs are written into caller-owned memory; nothing is allocated.
 */
#ifndef BLS_H
#define BLS_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_base.h"

#define BLS_PUBKEY_BYTES 48
#define BLS_SIGNATURE_BYTES 96
#define BLS_MAX_KEYS 1024            /* public keys per aggregate call */
#define BLS_MAX_MESSAGES 128         /* distinct messages per bls_aggregate_verify */
#define BLS_MSG_MAX ((size_t)1 << 20) /* bytes per message */

/* A decompressed, validated public key: affine x, y (Montgomery form, R = 2^384, the
 * same layout as blst_p1_affine) and an infinity flag. Produce it only with
 * bls_g1_decompress; treat it as opaque. */
typedef struct {
  uint64_t x[6], y[6];
  int inf;
} bls_g1;

/* KeyValidate + decompression: flags, x < p, on the curve, in G1, not infinity. */
vc_status bls_g1_decompress(bls_g1 *out, const uint8_t in[BLS_PUBKEY_BYTES], vc_err *err)
    VC_MUST_CHECK;
void bls_g1_compress(uint8_t out[BLS_PUBKEY_BYTES], const bls_g1 *pk);

/* Verify(PK, message, signature). */
vc_status bls_verify(const uint8_t pk[BLS_PUBKEY_BYTES], const uint8_t *msg, size_t len,
                     const uint8_t sig[BLS_SIGNATURE_BYTES], vc_err *err) VC_MUST_CHECK;

/* eth_aggregate_pubkeys: n >= 1 valid keys -> their compressed sum. */
vc_status bls_aggregate_pubkeys(const uint8_t (*pks)[BLS_PUBKEY_BYTES], size_t n,
                                uint8_t out[BLS_PUBKEY_BYTES], vc_err *err) VC_MUST_CHECK;

/* Aggregate(signatures): n >= 1 signatures (each subgroup-checked) -> compressed sum. */
vc_status bls_aggregate_signatures(const uint8_t (*sigs)[BLS_SIGNATURE_BYTES], size_t n,
                                   uint8_t out[BLS_SIGNATURE_BYTES], vc_err *err) VC_MUST_CHECK;

/* FastAggregateVerify: n >= 1 keys, one message. */
vc_status bls_fast_aggregate_verify(const uint8_t (*pks)[BLS_PUBKEY_BYTES], size_t n,
                                    const uint8_t *msg, size_t len,
                                    const uint8_t sig[BLS_SIGNATURE_BYTES], vc_err *err) VC_MUST_CHECK;

/* eth_fast_aggregate_verify: as above, but n == 0 with the G2 point at infinity
 * (0xc0 and 95 zero bytes) is valid. */
vc_status bls_eth_fast_aggregate_verify(const uint8_t (*pks)[BLS_PUBKEY_BYTES], size_t n,
                                        const uint8_t *msg, size_t len,
                                        const uint8_t sig[BLS_SIGNATURE_BYTES], vc_err *err) VC_MUST_CHECK;

/* AggregateVerify: key i signed message i (msgs[i] views), n >= 1. */
vc_status bls_aggregate_verify(const uint8_t (*pks)[BLS_PUBKEY_BYTES], const vc_bytes *msgs, size_t n,
                               const uint8_t sig[BLS_SIGNATURE_BYTES], vc_err *err) VC_MUST_CHECK;

/* The light client's fast path: aggregate the keys whose bit is set in bits
 * (ceil(n / 8) bytes, LSB first within each byte as in an SSZ Bitvector; bits beyond n
 * must be zero), then FastAggregateVerify. Keys come from bls_g1_decompress; zero
 * participants is an error. */
vc_status bls_fast_aggregate_verify_points(const bls_g1 *pks, const uint8_t *bits, size_t n,
                                           const uint8_t *msg, size_t len,
                                           const uint8_t sig[BLS_SIGNATURE_BYTES], vc_err *err)
    VC_MUST_CHECK;

/* Name of the bound backend ("in-tree"), for logs and /status. */
const char *bls_backend_name(void);

#endif
