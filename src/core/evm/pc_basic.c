/*
 * pc_basic.c: the four Frontier precompiles: ecrecover (0x01), sha256 (0x02),
 * ripemd160 (0x03) and identity (0x04).
 *
 * Called through the precompile table (precompile.c) by the interpreter; see
 * precompile.h for the gas/run contract. Each run function returns its output in a
 * malloc'd buffer the caller frees (NULL for an empty output).
 *
 * ecrecover follows the behaviour every client shares (geth's is the reference): the
 * input is zero-padded on the right to 128 bytes (hash, v, r, s); v must be the full
 * 32-byte word 27 or 28; r and s must be in [1, n-1] (no low-s rule here, unlike
 * transactions); any invalid input, or a signature from which no key can be recovered,
 * gives an empty output with success, never an error. On success the output is the
 * 20-byte address left-padded to 32 bytes. Recovery uses libsecp256k1's static context
 * (read-only, so this is thread-safe), hashing with the core's Keccak-256.
 *
 * sha256 and ripemd160 are nettle's; ripemd160's 20-byte digest is left-padded to 32.
 * Gas: 3000; 60 + 12/word; 600 + 120/word; 15 + 3/word (a word is 32 bytes, rounded up).
 */
#include "core/evm/precompile.h"

#include <stdlib.h>
#include <string.h>

#include <nettle/ripemd160.h>
#include <nettle/sha2.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "core/keccak.h"

#define ECRECOVER_GAS 3000
#define ECRECOVER_IN_LEN 128 /* hash, v, r, s: four 32-byte words */
#define WORD_OUT_LEN 32      /* every output of this family except identity's */

/* secp256k1 group order n, big-endian */
static const uint8_t secp256k1_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
    0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

/* base + per_word * ceil(len / 32), saturating at EVM_PC_GAS_MAX. */
static uint64_t linear_gas(size_t len, uint64_t base, uint64_t per_word) {
  uint64_t words = (uint64_t)(len / 32) + (len % 32 != 0);
  if (words > (EVM_PC_GAS_MAX - base) / per_word) return EVM_PC_GAS_MAX;
  return base + per_word * words;
}

/* A malloc'd copy of n bytes into out (out->data NULL when n == 0). */
static evm_pc_status put_out(evm_pc_out *out, const uint8_t *p, size_t n) {
  out->data = NULL;
  out->len = 0;
  if (n == 0) return EVM_PC_OK;
  if (n > EVM_PC_MAX_OUT) return EVM_PC_ERROR;
  out->data = malloc(n);
  if (!out->data) return EVM_PC_NOMEM;
  memcpy(out->data, p, n);
  out->len = n;
  return EVM_PC_OK;
}

static int is_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/* 1 when the 32-byte big-endian x is in [1, n-1]. */
static int in_scalar_range(const uint8_t x[32]) {
  return !is_zero(x, 32) && memcmp(x, secp256k1_n, 32) < 0;
}

uint64_t evm_pc_ecrecover_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  (void)len;
  (void)fork;
  return ECRECOVER_GAS;
}

evm_pc_status evm_pc_ecrecover(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  out->data = NULL;
  out->len = 0;
  uint8_t buf[ECRECOVER_IN_LEN] = {0};
  if (len) memcpy(buf, in, len < sizeof buf ? len : sizeof buf);
  const uint8_t *hash = buf, *v = buf + 32, *r = buf + 64, *s = buf + 96;
  if (!is_zero(v, 31) || (v[31] != 27 && v[31] != 28)) return EVM_PC_OK;
  if (!in_scalar_range(r) || !in_scalar_range(s)) return EVM_PC_OK;

  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey pk;
  uint8_t pub[65], digest[32], word[WORD_OUT_LEN] = {0};
  size_t pub_len = sizeof pub;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(secp256k1_context_static, &sig,
                                                           r, v[31] - 27) ||
      !secp256k1_ecdsa_recover(secp256k1_context_static, &pk, &sig, hash))
    return EVM_PC_OK; /* no key recovers from this signature: empty output, success */
  secp256k1_ec_pubkey_serialize(secp256k1_context_static, pub, &pub_len, &pk,
                                SECP256K1_EC_UNCOMPRESSED);
  vc_keccak256(pub + 1, 64, digest);
  memcpy(word + 12, digest + 12, 20);
  return put_out(out, word, sizeof word);
}

uint64_t evm_pc_sha256_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  (void)fork;
  return linear_gas(len, 60, 12);
}

evm_pc_status evm_pc_sha256(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  struct sha256_ctx c;
  uint8_t d[SHA256_DIGEST_SIZE];
  sha256_init(&c);
  sha256_update(&c, len, in);
  sha256_digest(&c, sizeof d, d);
  return put_out(out, d, sizeof d);
}

uint64_t evm_pc_ripemd160_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  (void)fork;
  return linear_gas(len, 600, 120);
}

evm_pc_status evm_pc_ripemd160(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  struct ripemd160_ctx c;
  uint8_t word[WORD_OUT_LEN] = {0};
  ripemd160_init(&c);
  ripemd160_update(&c, len, in);
  ripemd160_digest(&c, RIPEMD160_DIGEST_SIZE, word + WORD_OUT_LEN - RIPEMD160_DIGEST_SIZE);
  return put_out(out, word, sizeof word);
}

uint64_t evm_pc_identity_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  (void)fork;
  return linear_gas(len, 15, 3);
}

evm_pc_status evm_pc_identity(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  return put_out(out, in, len);
}
