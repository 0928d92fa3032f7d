/*
 * mpt.c: Merkle-Patricia proof walk (see mpt.h).
 *
 * The walk keeps a "reference" to the node it expects next: a 32-byte hash (the root,
 * and any child whose encoding is 32 bytes or more) or an embedded node (a child whose
 * encoding is shorter than 32 bytes, stored inline in its parent). A hash reference
 * consumes the next proof node and checks keccak(node) == hash; an embedded reference is
 * walked in place, since proofs (geth, EIP-1186) do not repeat embedded nodes. Each node
 * is a branch (17 items: 16 children + value) or a hex-prefix node (2 items: path and
 * leaf value or extension child). The walk ends in one of three ways: a leaf whose path
 * is the rest of the key (inclusion), an empty slot or a path that diverges (exclusion),
 * or an error naming the node.
 */
#include "core/mpt.h"

#include "core/keccak.h"
#include "core/rlp.h"

#include <string.h>

#define BRANCH_ITEMS 17
#define HP_ITEMS 2

/* Hex-prefix flag nibble: bit 1 = leaf, bit 0 = odd path length. */
typedef struct {
  bool leaf;
  bool odd;
} hp_kind;

static const hp_kind hp_kinds[4] = {
    {false, false}, /* 0: extension, even */
    {false, true},  /* 1: extension, odd */
    {true, false},  /* 2: leaf, even */
    {true, true},   /* 3: leaf, odd */
};

typedef struct {
  const uint8_t *key;
  size_t nkey;  /* nibbles in the key */
  size_t pos;   /* nibbles consumed so far */
} walk_key;

static uint8_t key_nibble(const walk_key *k, size_t i) {
  uint8_t b = k->key[i / 2];
  return (i % 2) ? (b & 15) : (b >> 4);
}

/* The state of the walk between nodes. */
typedef struct {
  const vc_bytes *nodes;
  size_t n_nodes;
  size_t next;            /* index of the next proof node to consume */
  size_t cur;             /* index of the node being examined (embedded: its parent's) */
  walk_key key;
  vc_bytes value;         /* set when the walk ends */
  bool done;
} walk;

/* Follow a child reference (from a branch slot or an extension) into *node_out. */
static vc_status follow(walk *w, const vc_rlp_item *child, vc_rlp_item *node_out, vc_err *err) {
  if (child->is_list) {
    if (child->raw.len >= 32)
      return vc_fail(err, VC_ERR_INPUT, "proof node %zu: embedded child of %zu bytes (must be < 32)",
                     w->cur, child->raw.len);
    *node_out = *child; /* validated as part of its parent's decode */
    /* tolerate a proof that also lists the embedded node on its own */
    if (w->next < w->n_nodes && w->nodes[w->next].len == child->raw.len &&
        memcmp(w->nodes[w->next].ptr, child->raw.ptr, child->raw.len) == 0)
      w->cur = w->next++;
    return VC_OK;
  }
  if (child->payload.len != 32)
    return vc_fail(err, VC_ERR_INPUT, "proof node %zu: child reference of %zu bytes (want 32 or embedded)",
                   w->cur, child->payload.len);
  if (w->next >= w->n_nodes)
    return vc_fail(err, VC_ERR_MISSING, "proof node %zu: missing (proof ends after %zu nodes)",
                   w->next, w->n_nodes);
  size_t idx = w->next++;
  vc_bytes node = w->nodes[idx];
  w->cur = idx;
  if (node.len > VC_MPT_MAX_NODE_SIZE)
    return vc_fail(err, VC_ERR_LIMIT, "proof node %zu: %zu bytes exceeds %u", idx, node.len,
                   VC_MPT_MAX_NODE_SIZE);
  uint8_t h[32];
  vc_keccak256(node.ptr, node.len, h);
  if (memcmp(h, child->payload.ptr, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "proof node %zu: hash mismatch (not the node its parent commits to)",
                   idx);
  vc_err sub;
  vc_status st = vc_rlp_decode(node, node_out, &sub);
  if (st != VC_OK) return vc_fail(err, st, "proof node %zu: %s", idx, sub.msg);
  if (!node_out->is_list) return vc_fail(err, VC_ERR_INPUT, "proof node %zu: not a list", idx);
  return VC_OK;
}

static void finish(walk *w, vc_bytes value) {
  w->value = value;
  w->done = true;
}

static vc_status step_branch(walk *w, const vc_rlp_item *items, vc_rlp_item *next, vc_err *err) {
  if (w->key.pos == w->key.nkey) {
    if (items[16].is_list)
      return vc_fail(err, VC_ERR_INPUT, "proof node %zu: branch value is a list", w->cur);
    finish(w, items[16].payload);
    return VC_OK;
  }
  const vc_rlp_item *child = &items[key_nibble(&w->key, w->key.pos)];
  w->key.pos++;
  if (!child->is_list && child->payload.len == 0) {
    finish(w, vc_bytes_of(NULL, 0)); /* empty slot: proven absent */
    return VC_OK;
  }
  return follow(w, child, next, err);
}

vc_status vc_mpt_hp_decode(vc_bytes hp, uint8_t *nibbles, size_t cap, size_t *n, bool *leaf,
                           vc_err *err) {
  if (hp.len == 0) return vc_fail(err, VC_ERR_INPUT, "hex-prefix path is empty");
  uint8_t flag = hp.ptr[0] >> 4;
  if (flag >= 4) return vc_fail(err, VC_ERR_INPUT, "hex-prefix flag %u", flag);
  hp_kind kind = hp_kinds[flag];
  if (!kind.odd && (hp.ptr[0] & 15))
    return vc_fail(err, VC_ERR_INPUT, "even hex-prefix with non-zero padding");
  size_t first = kind.odd ? 1 : 2; /* first path nibble, counted from hp[0]'s high nibble */
  size_t count = 2 * hp.len - first;
  if (count > cap) return vc_fail(err, VC_ERR_LIMIT, "hex-prefix path of %zu nibbles", count);
  for (size_t i = 0; i < count; i++) {
    size_t j = first + i;
    nibbles[i] = (j % 2) ? (hp.ptr[j / 2] & 15) : (hp.ptr[j / 2] >> 4);
  }
  *n = count;
  *leaf = kind.leaf;
  return VC_OK;
}

static vc_status step_hp(walk *w, const vc_rlp_item *items, vc_rlp_item *next, vc_err *err) {
  if (items[0].is_list) return vc_fail(err, VC_ERR_INPUT, "proof node %zu: path is a list", w->cur);
  uint8_t path[2 * VC_MPT_MAX_KEY + 1];
  size_t plen = 0;
  bool leaf = false;
  vc_err sub;
  vc_status st = vc_mpt_hp_decode(items[0].payload, path, sizeof path, &plen, &leaf, &sub);
  if (st != VC_OK) return vc_fail(err, st, "proof node %zu: %s", w->cur, sub.msg);
  if (!leaf && plen == 0)
    return vc_fail(err, VC_ERR_INPUT, "proof node %zu: extension with an empty path", w->cur);
  size_t left = w->key.nkey - w->key.pos;
  bool match = plen <= left;
  for (size_t i = 0; match && i < plen; i++) match = path[i] == key_nibble(&w->key, w->key.pos + i);
  if (leaf) {
    if (items[1].is_list)
      return vc_fail(err, VC_ERR_INPUT, "proof node %zu: leaf value is a list", w->cur);
    if (!match || plen != left) {
      finish(w, vc_bytes_of(NULL, 0)); /* leaf for another key: proven absent */
      return VC_OK;
    }
    if (items[1].payload.len == 0)
      return vc_fail(err, VC_ERR_INPUT, "proof node %zu: leaf with an empty value", w->cur);
    w->key.pos += plen;
    finish(w, items[1].payload);
    return VC_OK;
  }
  if (!match) {
    finish(w, vc_bytes_of(NULL, 0)); /* extension leads elsewhere: proven absent */
    return VC_OK;
  }
  w->key.pos += plen;
  return follow(w, &items[1], next, err);
}

/* keccak256(rlp("")): the root of a trie with no entries. */
static const uint8_t empty_trie_root[32] = {
    0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e,
    0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21};

/* The empty trie proves every key absent with no nodes, or with its one node 0x80. */
static bool is_empty_trie(const uint8_t root[32], const vc_bytes *nodes, size_t n_nodes) {
  if (memcmp(root, empty_trie_root, 32) != 0) return false;
  return n_nodes == 0 || (n_nodes == 1 && nodes[0].len == 1 && nodes[0].ptr[0] == 0x80);
}

vc_status vc_mpt_verify(const uint8_t root[32], const uint8_t *key, size_t key_len,
                        const vc_bytes *nodes, size_t n_nodes, vc_bytes *value_out,
                        vc_err *err) {
  *value_out = vc_bytes_of(NULL, 0);
  if (key_len > VC_MPT_MAX_KEY)
    return vc_fail(err, VC_ERR_LIMIT, "proof key of %zu bytes exceeds %d", key_len, VC_MPT_MAX_KEY);
  if (n_nodes > VC_MPT_MAX_NODES)
    return vc_fail(err, VC_ERR_LIMIT, "proof of %zu nodes exceeds %d", n_nodes, VC_MPT_MAX_NODES);
  if (is_empty_trie(root, nodes, n_nodes)) return VC_OK; /* nothing is in an empty trie */
  if (n_nodes == 0) return vc_fail(err, VC_ERR_MISSING, "proof is empty");
  walk w = {.nodes = nodes, .n_nodes = n_nodes, .key = {key, 2 * key_len, 0}};
  uint8_t root_ref_enc[33] = {0xa0};
  memcpy(root_ref_enc + 1, root, 32);
  vc_rlp_item root_ref = {false, vc_bytes_of(root_ref_enc + 1, 32), vc_bytes_of(root_ref_enc, 33)};
  vc_rlp_item node;
  vc_status st = follow(&w, &root_ref, &node, err);
  while (st == VC_OK && !w.done) {
    vc_rlp_item items[BRANCH_ITEMS];
    size_t n = 0;
    vc_err sub;
    st = vc_rlp_list_items(node.payload, items, BRANCH_ITEMS, &n, &sub);
    if (st != VC_OK) return vc_fail(err, st, "proof node %zu: %s", w.cur, sub.msg);
    if (n == BRANCH_ITEMS)
      st = step_branch(&w, items, &node, err);
    else if (n == HP_ITEMS)
      st = step_hp(&w, items, &node, err);
    else
      return vc_fail(err, VC_ERR_INPUT, "proof node %zu: list of %zu items (want 17 or 2)", w.cur, n);
  }
  if (st != VC_OK) return st;
  if (w.next != n_nodes)
    return vc_fail(err, VC_ERR_INPUT, "proof has %zu nodes past the end of the path (node %zu on)",
                   n_nodes - w.next, w.next);
  *value_out = w.value;
  return VC_OK;
}
