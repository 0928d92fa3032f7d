/*
 * proofbuild.h: build small state/storage tries and their eth_getProof JSON in tests.
 *
 * For testing verifiers of L1 contract storage (dispute games) where no recorded
 * eth_getProof exists: a trie of up to PB_MAX keys (leaves, extensions, branches, built
 * recursively; pb_proof compares its root with the core's general trie builder
 * vc_trie, so the construction is not trusted blindly). The proof of a key is
 * the nodes on its path, root first; for an absent key it ends at the branch with the
 * empty slot or at the leaf that diverges. All JSON returned is owned by the caller.
 */
#ifndef VERITY_PROOFBUILD_H
#define VERITY_PROOFBUILD_H

#include "corefix.h"

#include "core/hex.h"
#include "core/keccak.h"
#include "core/rlp.h"
#include "core/trie.h"

#define PB_MAX 16

typedef struct {
  size_t n;
  uint8_t path[PB_MAX][32]; /* keccak of the key */
  uint8_t val[PB_MAX][160]; /* the stored (RLP) value */
  size_t val_len[PB_MAX];
} pb_trie;

static inline json_t *pb_hex(const uint8_t *p, size_t n) {
  char s[2 * 600 + 3];
  assert_true(n <= 600);
  vc_hex_encode(p, n, s);
  return json_string(s);
}

static inline void pb_put(pb_trie *t, const uint8_t *key, size_t klen, const uint8_t *val,
                          size_t vlen) {
  assert_true(t->n < PB_MAX && vlen <= sizeof t->val[0]);
  vc_keccak256(key, klen, t->path[t->n]);
  for (size_t i = 0; i < t->n; i++) assert_memory_not_equal(t->path[i], t->path[t->n], 32);
  memcpy(t->val[t->n], val, vlen);
  t->val_len[t->n++] = vlen;
}

static inline unsigned pb_nib(const uint8_t path[32], unsigned d) {
  return d % 2 ? path[d / 2] & 0x0f : path[d / 2] >> 4;
}

/* rlp([hp(path nibbles from nib, leaf), value]) */
static inline void pb_leaf(const pb_trie *t, size_t i, unsigned nib, vc_rlp_buf *b) {
  uint8_t hp[33];
  size_t n = 0;
  if ((64 - nib) % 2) {
    hp[n++] = (uint8_t)(0x30 | pb_nib(t->path[i], nib));
    nib++;
  } else {
    hp[n++] = 0x20;
  }
  for (; nib < 64; nib += 2) hp[n++] = t->path[i][nib / 2];
  size_t m = vc_rlp_list_begin(b);
  vc_rlp_put_bytes(b, hp, n);
  vc_rlp_put_bytes(b, t->val[i], t->val_len[i]);
  vc_rlp_list_end(b, m);
}

/* How many nibbles from depth all keys idx[0..n) share. */
static inline unsigned pb_common(const pb_trie *t, const size_t *idx, size_t n, unsigned depth) {
  unsigned l = 0;
  for (; depth + l < 64; l++)
    for (size_t i = 1; i < n; i++)
      if (pb_nib(t->path[idx[i]], depth + l) != pb_nib(t->path[idx[0]], depth + l)) return l;
  return l;
}

static void pb_node(const pb_trie *t, const size_t *idx, size_t n, unsigned depth, vc_rlp_buf *b);

/* keccak of the node, as a 32-byte reference (every node here is >= 32 bytes). */
static inline void pb_ref(const pb_trie *t, const size_t *idx, size_t n, unsigned depth,
                          vc_rlp_buf *b) {
  vc_rlp_buf c;
  uint8_t h[32];
  vc_rlp_buf_init(&c, 1 << 16);
  pb_node(t, idx, n, depth, &c);
  assert_true(c.len >= 32);
  vc_keccak256(c.buf, c.len, h);
  vc_rlp_put_bytes(b, h, 32);
  vc_rlp_buf_free(&c);
}

/* The node for keys idx[0..n) below depth: a leaf for one key; an extension when they
 * share nibbles; else a branch. */
static void pb_node(const pb_trie *t, const size_t *idx, size_t n, unsigned depth, vc_rlp_buf *b) {
  if (n == 1) {
    pb_leaf(t, idx[0], depth, b);
    return;
  }
  unsigned l = pb_common(t, idx, n, depth);
  size_t m = vc_rlp_list_begin(b);
  if (l) {
    uint8_t hp[33];
    size_t k = 0;
    unsigned d = depth;
    if (l % 2) hp[k++] = (uint8_t)(0x10 | pb_nib(t->path[idx[0]], d++));
    else hp[k++] = 0x00;
    for (; d < depth + l; d += 2)
      hp[k++] = (uint8_t)(pb_nib(t->path[idx[0]], d) << 4 | pb_nib(t->path[idx[0]], d + 1));
    vc_rlp_put_bytes(b, hp, k);
    pb_ref(t, idx, n, depth + l, b);
    vc_rlp_list_end(b, m);
    return;
  }
  for (unsigned slot = 0; slot < 16; slot++) {
    size_t sub[PB_MAX], k = 0;
    for (size_t i = 0; i < n; i++)
      if (pb_nib(t->path[idx[i]], depth) == slot) sub[k++] = idx[i];
    if (k) pb_ref(t, sub, k, depth + 1, b);
    else vc_rlp_put_bytes(b, NULL, 0);
  }
  vc_rlp_put_bytes(b, NULL, 0);
  vc_rlp_list_end(b, m);
}

/* The proof nodes, root first, for the key whose hash is path (absent keys too), as a
 * JSON array; root (may be NULL) gets the trie root, checked against vc_trie. */
static inline json_t *pb_proof(const pb_trie *t, const uint8_t path[32], uint8_t root[32]) {
  json_t *arr = json_array();
  size_t idx[PB_MAX], n = t->n;
  unsigned depth = 0;
  uint8_t r[32];
  for (size_t i = 0; i < n; i++) idx[i] = i;
  for (bool first = true; n > 0; first = false) {
    vc_rlp_buf b;
    vc_rlp_buf_init(&b, 1 << 16);
    pb_node(t, idx, n, depth, &b);
    if (first) vc_keccak256(b.buf, b.len, r);
    json_array_append_new(arr, pb_hex(b.buf, b.len));
    vc_rlp_buf_free(&b);
    if (n == 1) break; /* a leaf: the walk ends here (match or divergence) */
    unsigned l = pb_common(t, idx, n, depth);
    if (l) { /* an extension: follow it if the path shares its nibbles */
      for (unsigned d = depth; d < depth + l; d++)
        if (pb_nib(path, d) != pb_nib(t->path[idx[0]], d)) n = 0;
      depth += l;
      continue;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (pb_nib(t->path[idx[i]], depth) == pb_nib(path, depth)) idx[k++] = idx[i];
    n = k;
    depth++;
  }
  vc_trie vt;
  uint8_t check[32];
  vc_err err;
  vc_trie_init(&vt);
  for (size_t i = 0; i < t->n; i++)
    assert_int_equal(vc_trie_put(&vt, t->path[i], 32, t->val[i], t->val_len[i], &err), VC_OK);
  assert_int_equal(vc_trie_root(&vt, check, &err), VC_OK);
  vc_trie_free(&vt);
  if (t->n) assert_memory_equal(check, r, 32);
  if (root) memcpy(root, t->n ? r : check, 32);
  return arr;
}

/* A storage slot: key = the 32-byte slot, value = rlp(minimal big-endian word). */
static inline void pb_put_slot(pb_trie *t, const uint8_t slot[32], const uint8_t word[32]) {
  size_t z = 0;
  while (z < 32 && word[z] == 0) z++;
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, 64);
  vc_rlp_put_bytes(&b, word + z, 32 - z);
  pb_put(t, slot, 32, b.buf, b.len);
  vc_rlp_buf_free(&b);
}

/* An account leaf value rlp([nonce, balance, storageRoot, codeHash]). */
static inline void pb_put_account(pb_trie *t, const uint8_t addr[20], uint64_t nonce,
                                  const uint8_t storage_root[32], const uint8_t code_hash[32]) {
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, 160);
  size_t m = vc_rlp_list_begin(&b);
  vc_rlp_put_uint(&b, nonce);
  vc_rlp_put_uint(&b, 0);
  vc_rlp_put_bytes(&b, storage_root, 32);
  vc_rlp_put_bytes(&b, code_hash, 32);
  vc_rlp_list_end(&b, m);
  pb_put(t, addr, 20, b.buf, b.len);
  vc_rlp_buf_free(&b);
}

/* eth_getProof JSON for addr (an account of state, with nonce 1, balance 0) and the
 * given slots of its storage trie (words: their values, zero = absent). */
static inline json_t *pb_get_proof(const pb_trie *state, const uint8_t addr[20],
                                   const pb_trie *storage, const uint8_t (*slots)[32],
                                   const uint8_t (*words)[32], size_t nslots,
                                   const uint8_t storage_root[32], const uint8_t code_hash[32]) {
  uint8_t path[32];
  vc_keccak256(addr, 20, path);
  json_t *p = json_object();
  json_object_set_new(p, "address", pb_hex(addr, 20));
  json_object_set_new(p, "accountProof", pb_proof(state, path, NULL));
  json_object_set_new(p, "balance", json_string("0x0"));
  json_object_set_new(p, "nonce", json_string("0x1"));
  json_object_set_new(p, "codeHash", pb_hex(code_hash, 32));
  json_object_set_new(p, "storageHash", pb_hex(storage_root, 32));
  json_t *sp = json_array();
  for (size_t i = 0; i < nslots; i++) {
    char q[70];
    uint8_t sp_path[32];
    vc_keccak256(slots[i], 32, sp_path);
    vc_hex_encode_quantity(words[i], 32, q);
    json_t *e = json_object();
    json_object_set_new(e, "key", pb_hex(slots[i], 32));
    json_object_set_new(e, "value", json_string(q));
    json_object_set_new(e, "proof", pb_proof(storage, sp_path, NULL));
    json_array_append_new(sp, e);
  }
  json_object_set_new(p, "storageProof", sp);
  return p;
}

#endif
