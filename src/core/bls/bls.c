/*
 * bls.c: the Ethereum BLS ciphersuite rules (BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_)
 * on top of a backend (bls_backend.h): KeyValidate for every public key, n >= 1 for
 * aggregates, the eth_fast_aggregate_verify infinity case, the SSZ bitfield of the
 * sync committee, the caps on key counts and message sizes, and the DST. Callers are
 * the light client and the tests; see bls.h for the contract.
 */
#include "core/bls/bls.h"

#include <stdio.h>
#include <string.h>

#include "core/bls/bls_backend.h"

static const bls_backend *const backend = &bls_backend_intree;

static const char ETH_DST[] = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
#define ETH_DST_LEN (sizeof ETH_DST - 1)

/* Keys decoded per step while summing a list of compressed keys (bounds the stack). */
#define KEY_CHUNK 64

const char *bls_backend_name(void) { return backend->name; }

static vc_status key_validate(bls_g1 *out, const uint8_t in[BLS_PUBKEY_BYTES], size_t idx, vc_err *err) {
  vc_err inner = {{0}};
  vc_status st = backend->g1_decode(out, in, &inner);
  if (st != VC_OK) return vc_fail(err, st, "public key %zu: %s", idx, inner.msg);
  if (out->inf) return vc_fail(err, VC_ERR_INPUT, "public key %zu: the point at infinity", idx);
  return VC_OK;
}

static vc_status check_count(size_t n, size_t max, const char *what, vc_err *err) {
  if (n == 0) return vc_fail(err, VC_ERR_INPUT, "no %s", what);
  if (n > max) return vc_fail(err, VC_ERR_LIMIT, "%zu %s over the cap of %zu", n, what, max);
  return VC_OK;
}

static vc_status check_msg(size_t len, vc_err *err) {
  if (len > BLS_MSG_MAX)
    return vc_fail(err, VC_ERR_LIMIT, "message of %zu bytes over the cap of %zu", len, BLS_MSG_MAX);
  return VC_OK;
}

/* Validate and add n compressed keys. */
static vc_status decode_and_sum(bls_g1 *out, const uint8_t (*pks)[BLS_PUBKEY_BYTES], size_t n, vc_err *err) {
  bls_g1 keys[KEY_CHUNK], partial[BLS_MAX_KEYS / KEY_CHUNK];
  size_t parts = 0, count;
  for (size_t off = 0; off < n; off += KEY_CHUNK) {
    size_t k = n - off < KEY_CHUNK ? n - off : KEY_CHUNK;
    for (size_t i = 0; i < k; i++) {
      vc_status st = key_validate(&keys[i], pks[off + i], off + i, err);
      if (st != VC_OK) return st;
    }
    backend->g1_sum(&partial[parts++], &count, keys, NULL, k);
  }
  backend->g1_sum(out, &count, partial, NULL, parts);
  return VC_OK;
}

vc_status bls_g1_decompress(bls_g1 *out, const uint8_t in[BLS_PUBKEY_BYTES], vc_err *err) {
  return key_validate(out, in, 0, err);
}

void bls_g1_compress(uint8_t out[BLS_PUBKEY_BYTES], const bls_g1 *pk) { backend->g1_encode(out, pk); }

vc_status bls_verify(const uint8_t pk[BLS_PUBKEY_BYTES], const uint8_t *msg, size_t len,
                     const uint8_t sig[BLS_SIGNATURE_BYTES], vc_err *err) {
  bls_g1 key;
  vc_bytes m = {msg, len};
  vc_status st = check_msg(len, err);
  if (st == VC_OK) st = key_validate(&key, pk, 0, err);
  if (st == VC_OK) st = backend->core_verify(&key, &m, 1, sig, (const uint8_t *)ETH_DST, ETH_DST_LEN, err);
  return st;
}

vc_status bls_aggregate_pubkeys(const uint8_t (*pks)[BLS_PUBKEY_BYTES], size_t n, uint8_t out[BLS_PUBKEY_BYTES],
                                vc_err *err) {
  bls_g1 agg;
  vc_status st = check_count(n, BLS_MAX_KEYS, "public keys", err);
  if (st == VC_OK) st = decode_and_sum(&agg, pks, n, err);
  if (st == VC_OK) backend->g1_encode(out, &agg);
  return st;
}

vc_status bls_aggregate_signatures(const uint8_t (*sigs)[BLS_SIGNATURE_BYTES], size_t n,
                                   uint8_t out[BLS_SIGNATURE_BYTES], vc_err *err) {
  vc_status st = check_count(n, BLS_MAX_KEYS, "signatures", err);
  if (st == VC_OK) st = backend->g2_sum(out, sigs, n, err);
  return st;
}

vc_status bls_fast_aggregate_verify(const uint8_t (*pks)[BLS_PUBKEY_BYTES], size_t n, const uint8_t *msg,
                                    size_t len, const uint8_t sig[BLS_SIGNATURE_BYTES], vc_err *err) {
  bls_g1 agg;
  vc_bytes m = {msg, len};
  vc_status st = check_count(n, BLS_MAX_KEYS, "public keys", err);
  if (st == VC_OK) st = check_msg(len, err);
  if (st == VC_OK) st = decode_and_sum(&agg, pks, n, err);
  if (st == VC_OK && agg.inf)
    st = vc_fail(err, VC_ERR_INPUT, "aggregate public key is the point at infinity");
  if (st == VC_OK) st = backend->core_verify(&agg, &m, 1, sig, (const uint8_t *)ETH_DST, ETH_DST_LEN, err);
  return st;
}

vc_status bls_eth_fast_aggregate_verify(const uint8_t (*pks)[BLS_PUBKEY_BYTES], size_t n, const uint8_t *msg,
                                        size_t len, const uint8_t sig[BLS_SIGNATURE_BYTES], vc_err *err) {
  if (n == 0) {
    uint8_t rest = 0;
    for (size_t i = 1; i < BLS_SIGNATURE_BYTES; i++) rest |= sig[i];
    if (sig[0] == 0xc0 && rest == 0) return VC_OK;
    return vc_fail(err, VC_ERR_MISMATCH, "no public keys and the signature is not the point at infinity");
  }
  return bls_fast_aggregate_verify(pks, n, msg, len, sig, err);
}

vc_status bls_aggregate_verify(const uint8_t (*pks)[BLS_PUBKEY_BYTES], const vc_bytes *msgs, size_t n,
                               const uint8_t sig[BLS_SIGNATURE_BYTES], vc_err *err) {
  bls_g1 keys[BLS_MAX_MESSAGES];
  vc_status st = check_count(n, BLS_MAX_MESSAGES, "messages", err);
  for (size_t i = 0; st == VC_OK && i < n; i++) {
    st = check_msg(msgs[i].len, err);
    if (st == VC_OK) st = key_validate(&keys[i], pks[i], i, err);
  }
  if (st == VC_OK) st = backend->core_verify(keys, msgs, n, sig, (const uint8_t *)ETH_DST, ETH_DST_LEN, err);
  return st;
}

vc_status bls_fast_aggregate_verify_points(const bls_g1 *pks, const uint8_t *bits, size_t n, const uint8_t *msg,
                                           size_t len, const uint8_t sig[BLS_SIGNATURE_BYTES], vc_err *err) {
  bls_g1 agg;
  size_t count = 0;
  vc_bytes m = {msg, len};
  vc_status st = check_count(n, BLS_MAX_KEYS, "public keys", err);
  if (st == VC_OK) st = check_msg(len, err);
  if (st == VC_OK && !bits) st = vc_fail(err, VC_ERR_INPUT, "no participation bitfield");
  if (st == VC_OK && n % 8 && (bits[n / 8] >> (n % 8)))
    st = vc_fail(err, VC_ERR_INPUT, "participation bits set beyond the %zu keys", n);
  for (size_t i = 0; st == VC_OK && i < n; i++) {
    if (((bits[i / 8] >> (i % 8)) & 1) && pks[i].inf)
      st = vc_fail(err, VC_ERR_INPUT, "public key %zu is the point at infinity", i);
  }
  if (st != VC_OK) return st;
  backend->g1_sum(&agg, &count, pks, bits, n);
  if (count == 0) return vc_fail(err, VC_ERR_INPUT, "no participants in the bitfield");
  if (agg.inf) return vc_fail(err, VC_ERR_INPUT, "aggregate public key is the point at infinity");
  return backend->core_verify(&agg, &m, 1, sig, (const uint8_t *)ETH_DST, ETH_DST_LEN, err);
}
