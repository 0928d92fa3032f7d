/*
 * trie.c: Merkle-Patricia trie root from a set of key/value pairs (see trie.h).
 *
 * With the pairs sorted by key, the trie's shape falls out of the keys alone: a range
 * of one pair is a leaf; a range whose keys share a nibble prefix at this depth is an
 * extension over that prefix; anything else is a branch whose children are the sub-ranges
 * that agree on the next nibble (a key that ends exactly here is the branch's value;
 * sorting puts it first). encode_range() walks that recursion, encoding each node into
 * one scratch buffer and turning it into a reference for its parent straight away
 * (embedded when its encoding is shorter than 32 bytes, keccak otherwise), so a parent
 * only keeps 17 small references on the stack. Recursion depth is bounded by the key
 * cap (VC_TRIE_MAX_KEY bytes = 128 nibbles).
 */
#include "core/trie.h"

#include "core/keccak.h"
#include "core/rlp.h"

#include <stdlib.h>
#include <string.h>

const uint8_t vc_trie_empty_root[32] = {
    0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e,
    0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21};

typedef struct {
  const uint8_t *k;
  size_t kl; /* bytes */
  const uint8_t *v;
  size_t vl;
} kv;

/* A child reference: the raw encoding (len < 32) or a keccak hash. len 0 = empty slot. */
typedef struct {
  uint8_t len;
  bool hashed;
  uint8_t b[32];
} noderef;

typedef struct {
  const kv *items;
  vc_rlp_buf b; /* scratch: holds the node being encoded */
} builder;

static inline unsigned nib(const uint8_t *k, size_t i) {
  return (k[i >> 1] >> ((~i & 1u) << 2)) & 0xfu;
}

/* Hex-prefix encoding of nibbles [from, to) of key, with the leaf flag. */
static void put_hp(vc_rlp_buf *b, const uint8_t *key, size_t from, size_t to, bool leaf) {
  uint8_t out[VC_TRIE_MAX_KEY + 1];
  size_t n = to - from, o = 1, pos = from;
  out[0] = (uint8_t)(leaf ? 0x20 : 0x00);
  if (n & 1) {
    out[0] |= (uint8_t)(0x10 | nib(key, from));
    pos++;
  }
  for (; pos < to; pos += 2) out[o++] = (uint8_t)(nib(key, pos) << 4 | nib(key, pos + 1));
  vc_rlp_put_bytes(b, out, o);
}

static void put_ref(vc_rlp_buf *b, const noderef *r) {
  if (r->hashed)
    vc_rlp_put_bytes(b, r->b, 32);
  else if (r->len == 0)
    vc_rlp_put_bytes(b, NULL, 0);
  else
    vc_rlp_put_raw(b, r->b, r->len);
}

/* Turn the node now in the scratch buffer into a reference. */
static void take_ref(builder *bd, noderef *r) {
  if (bd->b.len < 32) {
    r->hashed = false;
    r->len = (uint8_t)bd->b.len;
    memcpy(r->b, bd->b.buf, bd->b.len);
  } else {
    r->hashed = true;
    r->len = 32;
    vc_keccak256(bd->b.buf, bd->b.len, r->b);
  }
}

/* Encode the node for items [lo, hi) at nibble depth into the scratch buffer. */
static vc_status encode_range(builder *bd, size_t lo, size_t hi, size_t depth) {
  const kv *it = bd->items;
  vc_status st;
  if (hi - lo == 1) {
    bd->b.len = 0;
    size_t m = vc_rlp_list_begin(&bd->b);
    put_hp(&bd->b, it[lo].k, depth, it[lo].kl * 2, true);
    vc_rlp_put_bytes(&bd->b, it[lo].v, it[lo].vl);
    vc_rlp_list_end(&bd->b, m);
    return vc_rlp_buf_status(&bd->b);
  }
  /* sorted: the prefix shared by all keys is the one shared by the first and last */
  size_t lf = it[lo].kl * 2, ll = it[hi - 1].kl * 2, cp = depth;
  size_t lim = lf < ll ? lf : ll;
  while (cp < lim && nib(it[lo].k, cp) == nib(it[hi - 1].k, cp)) cp++;
  if (cp > depth) {
    noderef child;
    if ((st = encode_range(bd, lo, hi, cp)) != VC_OK) return st;
    take_ref(bd, &child);
    bd->b.len = 0;
    size_t m = vc_rlp_list_begin(&bd->b);
    put_hp(&bd->b, it[lo].k, depth, cp, false);
    put_ref(&bd->b, &child);
    vc_rlp_list_end(&bd->b, m);
    return vc_rlp_buf_status(&bd->b);
  }
  noderef refs[16];
  memset(refs, 0, sizeof refs);
  size_t i = lo;
  const kv *value = NULL;
  if (it[i].kl * 2 == depth) value = &it[i++];
  while (i < hi) {
    unsigned n0 = nib(it[i].k, depth);
    size_t j = i + 1;
    while (j < hi && nib(it[j].k, depth) == n0) j++;
    if ((st = encode_range(bd, i, j, depth + 1)) != VC_OK) return st;
    take_ref(bd, &refs[n0]);
    i = j;
  }
  bd->b.len = 0;
  size_t m = vc_rlp_list_begin(&bd->b);
  for (unsigned c = 0; c < 16; c++) put_ref(&bd->b, &refs[c]);
  vc_rlp_put_bytes(&bd->b, value ? value->v : NULL, value ? value->vl : 0);
  vc_rlp_list_end(&bd->b, m);
  return vc_rlp_buf_status(&bd->b);
}

/* Root over items sorted by key, keys unique, values non-empty. */
static vc_status root_of_sorted(const kv *items, size_t n, uint8_t root[32], vc_err *err) {
  if (n == 0) {
    memcpy(root, vc_trie_empty_root, 32);
    return VC_OK;
  }
  builder bd = {.items = items};
  vc_rlp_buf_init(&bd.b, VC_TRIE_MAX_BYTES + 1024);
  vc_status st = encode_range(&bd, 0, n, 0);
  if (st != VC_OK) {
    vc_fail(err, st, "trie: node encoding failed (%s)", vc_status_name(st));
    goto out;
  }
  vc_keccak256(bd.b.buf, bd.b.len, root);
out:
  vc_rlp_buf_free(&bd.b);
  return st;
}

/* rlp(i) for the ordered tries; returns its length (at most 9). */
static size_t rlp_index(uint64_t i, uint8_t out[9]) {
  if (i == 0) {
    out[0] = 0x80;
    return 1;
  }
  if (i < 0x80) {
    out[0] = (uint8_t)i;
    return 1;
  }
  size_t n = 0;
  for (uint64_t v = i; v; v >>= 8) n++;
  out[0] = (uint8_t)(0x80 + n);
  for (size_t k = 0; k < n; k++) out[1 + k] = (uint8_t)(i >> (8 * (n - 1 - k)));
  return 1 + n;
}

vc_status vc_trie_ordered_root(const vc_bytes *values, size_t n, uint8_t root[32], vc_err *err) {
  vc_status st = VC_OK;
  kv *items = NULL;
  uint8_t *keys = NULL;
  if (n > VC_TRIE_MAX_ITEMS)
    return vc_fail(err, VC_ERR_LIMIT, "trie: %zu items exceed the cap of %u", n,
                   VC_TRIE_MAX_ITEMS);
  if (n == 0) return root_of_sorted(NULL, 0, root, err);
  items = malloc(n * sizeof *items);
  keys = malloc(n * 9);
  if (!items || !keys) {
    st = vc_fail(err, VC_ERR_NOMEM, "trie: out of memory for %zu items", n);
    goto out;
  }
  /* rlp(i) sorts as 1..127 (0x01..0x7f), then 0 (0x80), then 128.. in numeric order
   * (longer encodings have a larger first byte), so the order is known up front. */
  size_t small = n - 1 < 127 ? n - 1 : 127; /* how many of 1..127 are present */
  size_t pos = 0;
  for (size_t r = 0; r < n; r++) {
    size_t i = r < small ? r + 1 : (r == small ? 0 : r);
    if (values[i].len == 0) {
      st = vc_fail(err, VC_ERR_INPUT, "trie: item %zu is empty", i);
      goto out;
    }
    if (values[i].len > VC_TRIE_MAX_BYTES) {
      st = vc_fail(err, VC_ERR_LIMIT, "trie: item %zu exceeds %zu bytes", i,
                   (size_t)VC_TRIE_MAX_BYTES);
      goto out;
    }
    uint8_t *k = keys + 9 * pos;
    items[pos].k = k;
    items[pos].kl = rlp_index(i, k);
    items[pos].v = values[i].ptr;
    items[pos].vl = values[i].len;
    pos++;
  }
  st = root_of_sorted(items, n, root, err);
out:
  free(items);
  free(keys);
  return st;
}

void vc_trie_init(vc_trie *t) {
  memset(t, 0, sizeof *t);
}

void vc_trie_free(vc_trie *t) {
  free(t->pairs);
  free(t->arena);
  memset(t, 0, sizeof *t);
}

static bool arena_add(vc_trie *t, const uint8_t *p, size_t n, size_t *off) {
  if (t->arena_len + n > t->arena_cap) {
    size_t nc = t->arena_cap ? t->arena_cap : 4096;
    while (nc < t->arena_len + n) nc *= 2;
    uint8_t *na = realloc(t->arena, nc);
    if (!na) return false;
    t->arena = na;
    t->arena_cap = nc;
  }
  if (n) memcpy(t->arena + t->arena_len, p, n);
  *off = t->arena_len;
  t->arena_len += n;
  return true;
}

vc_status vc_trie_put(vc_trie *t, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                      vc_err *err) {
  if (klen > VC_TRIE_MAX_KEY)
    return vc_fail(err, VC_ERR_LIMIT, "trie: key of %zu bytes exceeds the cap of %d", klen,
                   VC_TRIE_MAX_KEY);
  if (t->n >= VC_TRIE_MAX_ITEMS)
    return vc_fail(err, VC_ERR_LIMIT, "trie: more than %u puts", VC_TRIE_MAX_ITEMS);
  if (vlen > VC_TRIE_MAX_BYTES || t->arena_len + klen + vlen > VC_TRIE_MAX_BYTES)
    return vc_fail(err, VC_ERR_LIMIT, "trie: contents exceed %zu bytes",
                   (size_t)VC_TRIE_MAX_BYTES);
  if (t->n == t->cap) {
    size_t nc = t->cap ? t->cap * 2 : 16;
    vc_trie_pair *np = realloc(t->pairs, nc * sizeof *np);
    if (!np) return vc_fail(err, VC_ERR_NOMEM, "trie: out of memory");
    t->pairs = np;
    t->cap = nc;
  }
  vc_trie_pair *p = &t->pairs[t->n];
  if (!arena_add(t, key, klen, &p->key_off) || !arena_add(t, val, vlen, &p->val_off))
    return vc_fail(err, VC_ERR_NOMEM, "trie: out of memory");
  p->key_len = klen;
  p->val_len = vlen;
  p->seq = t->n++;
  return VC_OK;
}

/* Sort key: the key bytes, then the order of the puts (so the last put of a key wins). */
static int pair_cmp(const void *a, const void *b, void *arena) {
  const vc_trie_pair *x = a, *y = b;
  const uint8_t *sort_arena = arena;
  size_t m = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = m ? memcmp(sort_arena + x->key_off, sort_arena + y->key_off, m) : 0;
  if (c) return c;
  if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

static bool same_key(const vc_trie *t, const vc_trie_pair *a, const vc_trie_pair *b) {
  return a->key_len == b->key_len &&
         (a->key_len == 0 || memcmp(t->arena + a->key_off, t->arena + b->key_off, a->key_len) == 0);
}

vc_status vc_trie_root(vc_trie *t, uint8_t root[32], vc_err *err) {
  vc_status st;
  kv *items = NULL;
  if (t->n > 1) {
    qsort_r(t->pairs, t->n, sizeof *t->pairs, pair_cmp, t->arena);
  }
  /* keep the last put of each key, drop deleted keys; the builder stays compacted */
  size_t w = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (i + 1 < t->n && same_key(t, &t->pairs[i], &t->pairs[i + 1])) continue;
    if (t->pairs[i].val_len == 0) continue;
    t->pairs[w] = t->pairs[i];
    t->pairs[w].seq = w;
    w++;
  }
  t->n = w;
  if (w) {
    items = malloc(w * sizeof *items);
    if (!items) return vc_fail(err, VC_ERR_NOMEM, "trie: out of memory");
  }
  for (size_t i = 0; i < w; i++) {
    items[i].k = t->arena + t->pairs[i].key_off;
    items[i].kl = t->pairs[i].key_len;
    items[i].v = t->arena + t->pairs[i].val_off;
    items[i].vl = t->pairs[i].val_len;
  }
  st = root_of_sorted(items, w, root, err);
  free(items);
  return st;
}
