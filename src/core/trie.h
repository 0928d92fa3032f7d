/*
 * trie.h: Merkle-Patricia trie ROOT computation (in memory, bounded).
 *
 * Block headers commit to their transactions, receipts and withdrawals through the root
 * of a trie keyed by rlp(index). A verifier that holds the full list recomputes that root
 * and compares it with the header: vc_trie_ordered_root() does exactly that, without
 * copying the values (they are views the caller keeps alive for the call).
 *
 * The general builder (vc_trie) takes arbitrary key/value puts in any order, later puts
 * win, and an empty value deletes the key (the trie never stores empty values). It copies
 * keys and values into memory it owns; vc_trie_free releases it. The root is computed by
 * sorting the live pairs and encoding the trie bottom-up in one pass (each node is built
 * once, children before parents), so no node objects are allocated.
 *
 * Caps: VC_TRIE_MAX_ITEMS pairs, VC_TRIE_MAX_KEY bytes per key, VC_TRIE_MAX_BYTES of keys
 * plus values in total; passing one is VC_ERR_LIMIT with a message naming the cap.
 */
#ifndef VC_TRIE_H
#define VC_TRIE_H

#include "core/vc_base.h"

#define VC_TRIE_MAX_ITEMS (1u << 20)
#define VC_TRIE_MAX_KEY 64
#define VC_TRIE_MAX_BYTES ((size_t)256 << 20)

/* keccak(rlp("")) : the root of the empty trie. */
extern const uint8_t vc_trie_empty_root[32];

/* Root of the trie {rlp(i): values[i]} for i in [0, n). Every value must be non-empty. */
vc_status vc_trie_ordered_root(const vc_bytes *values, size_t n, uint8_t root[32],
                               vc_err *err) VC_MUST_CHECK;

typedef struct {
  size_t key_off, key_len, val_off, val_len, seq;
} vc_trie_pair;

/* General builder. Zero-initialise with vc_trie_init; free with vc_trie_free. */
typedef struct {
  vc_trie_pair *pairs;
  size_t n, cap;
  uint8_t *arena; /* keys and values, addressed by offset (the arena may move) */
  size_t arena_len, arena_cap;
} vc_trie;

void vc_trie_init(vc_trie *t);
void vc_trie_free(vc_trie *t);

/* Insert or replace; vlen == 0 deletes the key. */
vc_status vc_trie_put(vc_trie *t, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                      vc_err *err) VC_MUST_CHECK;

/* Root of the current contents (the builder stays usable afterwards). */
vc_status vc_trie_root(vc_trie *t, uint8_t root[32], vc_err *err) VC_MUST_CHECK;

#endif
