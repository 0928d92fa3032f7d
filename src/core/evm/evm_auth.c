/*
 * evm_auth.c: EIP-7702 authorizations (Prague): each valid tuple of a type-4
 * transaction points its signer's code at a delegate (0xef0100 || address).
 *
 * For each tuple, in order: the chain id must be 0 or the block's, the nonce below
 * 2^64-1, the signature recoverable with s in the lower half; the authority
 * (keccak256(0x05 || rlp([chain_id, address, nonce])) signer, recovered with
 * libsecp256k1) becomes warm; its code must be empty or a delegation and its nonce
 * equal the tuple's. Then the delegation is written (address zero clears it), the nonce
 * goes up, and an authority that already existed refunds 25000 - 12500. An invalid
 * tuple is skipped, never fatal. Caller: run_tx in evm_tx.c, after the gas purchase.
 */
#include "core/evm/evm_int.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "core/keccak.h"

#define AUTH_MAGIC 0x05
#define AUTH_REFUND (25000 - 12500)
#define AUTH_RLP_MAX 128 /* 0x05 + list header + u256 + address + u64 */

/* secp256k1 group order n, and n/2 (EIP-2 low s) */
static const uint8_t HALF_N[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

/* RLP of an unsigned integer given as big-endian bytes; returns bytes written. */
static size_t rlp_uint(uint8_t *out, const uint8_t *be, size_t len) {
  while (len && *be == 0) {
    be++;
    len--;
  }
  if (len == 1 && be[0] < 0x80) {
    out[0] = be[0];
    return 1;
  }
  out[0] = (uint8_t)(0x80 + len);
  memcpy(out + 1, be, len);
  return 1 + len;
}

static void auth_hash(const evm_authorization *au, uint8_t h[32]) {
  uint8_t body[AUTH_RLP_MAX], buf[AUTH_RLP_MAX + 4], be[32], nb[8];
  size_t n = 0;
  w_to_be(&au->chain_id, be);
  n += rlp_uint(body + n, be, 32);
  body[n++] = 0x94;
  memcpy(body + n, au->addr, 20);
  n += 20;
  for (int i = 0; i < 8; i++) nb[i] = (uint8_t)(au->nonce >> (56 - 8 * i));
  n += rlp_uint(body + n, nb, 8);
  size_t k = 0;
  buf[k++] = AUTH_MAGIC;
  buf[k++] = (uint8_t)(0xc0 + n); /* n < 56 always */
  memcpy(buf + k, body, n);
  vc_keccak256(buf, k + n, h);
}

/* The signer of au, or false when the signature is not valid. */
static bool authority_of(const evm_authorization *au, uint8_t out[20]) {
  static const uint8_t zero[32];
  if (au->y_parity > 1 || memcmp(au->s, HALF_N, 32) > 0 || memcmp(au->s, zero, 32) == 0 ||
      memcmp(au->r, zero, 32) == 0)
    return false;
  uint8_t rs[64], h[32], pub[65];
  memcpy(rs, au->r, 32);
  memcpy(rs + 32, au->s, 32);
  auth_hash(au, h);
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey pk;
  size_t pl = sizeof pub;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(secp256k1_context_static, &sig, rs,
                                                           au->y_parity) ||
      !secp256k1_ecdsa_recover(secp256k1_context_static, &pk, &sig, h))
    return false;
  secp256k1_ec_pubkey_serialize(secp256k1_context_static, pub, &pl, &pk,
                                SECP256K1_EC_UNCOMPRESSED);
  vc_keccak256(pub + 1, 64, h);
  memcpy(out, h + 12, 20);
  return true;
}

static void apply_one(vm *v, const evm_authorization *au) {
  evm_word chain;
  w_u64(&chain, v->b->chain_id);
  if (!w_is_zero(&au->chain_id) && !w_eq(&au->chain_id, &chain)) return;
  if (au->nonce == UINT64_MAX) return;
  uint8_t who[20];
  if (!authority_of(au, who)) return;
  uint32_t a = vm_acct(v, who);
  if (a == EVM_NO_IDX) return;
  vm_warm_acct(v, a);
  const evm_code *c = vm_code(v, a, NULL);
  uint8_t t[20];
  if (c->len && !vm_delegation(c->bytes, c->len, t)) return;
  evm_state *s = v->s;
  if (s->accts[a].nonce != au->nonce) return;
  if (vm_exists(v, a)) v->refund += AUTH_REFUND;
  static const uint8_t zero[20];
  uint32_t ci = 0;
  if (memcmp(au->addr, zero, 20) != 0) {
    uint8_t code[23] = {0xef, 0x01, 0x00};
    memcpy(code + 3, au->addr, 20);
    ci = st_code_add(s, code, sizeof code);
    if (ci == EVM_NO_IDX) return;
  }
  st_journal_acct(s, a);
  evm_acct *x = &s->accts[a];
  x->code = ci;
  x->nonce++;
  x->flags |= AF_KNOWN | AF_EXISTS;
  x->touched_tx = s->tx_id;
}

void evm_apply_auths(vm *v) {
  for (size_t i = 0; i < v->tx->n_auths; i++) apply_one(v, &v->tx->auths[i]);
}
