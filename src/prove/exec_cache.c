/*
 * exec_cache.c: proven state of verified calls kept in the answer cache (exec.h).
 *
 * What a verified call proved is worth keeping for the next call at the same block: an
 * account, under "x:a:" + block hash + address, and a storage slot, under "x:s:" + block
 * hash + address + slot, each stored with the anchor's trust and its block (final when
 * FINALITY_DEPTH below the head, so a reorg drops the others with every other answer of
 * that block); code under "x:c:" + its keccak (content-addressed: true at every block).
 * Values are the fixed binary records below. Only the memory tier is read (a lookup must
 * not wait); puts go to every tier the cache has. Called by exec.c; the tiers are the
 * plan stage's (borrowed through vt_prover.tiers, NULL: no caching).
 */
#include "prove/exec.h"

#include <string.h>

#include "flow/trust.h"
#include "store/tiers.h"

#define FINALITY_DEPTH 64         /* as plan/flight.c: blocks this far below the head are final */
#define ACCT_REC (1 + 32 + 8 + 32 + 1)
#define KEY_MAX (4 + 32 + 20 + 32)

static size_t key_of(char *k, const char *tag, const uint8_t bh[32], const uint8_t addr[20], const uint8_t *slot) {
  size_t n = 0;
  memcpy(k, tag, 4);
  n = 4;
  memcpy(k + n, bh, 32);
  n += 32;
  memcpy(k + n, addr, 20);
  n += 20;
  if (slot) {
    memcpy(k + n, slot, 32);
    n += 32;
  }
  return n;
}

static void meta_of(vt_cache_meta *m, const vt_xblock_ref *at, uint64_t head) {
  char txt[VT_TRUST_TEXT_MAX];
  memset(m, 0, sizeof *m);
  snprintf(m->trust, sizeof m->trust, "%s", vt_trust_format(at->trust, txt, sizeof txt));
  m->block_number = at->number;
  memcpy(m->block_hash, at->hash, 32);
  m->has_hash = true;
  m->finalized = at->number + FINALITY_DEPTH <= head;
}

bool vt_xcache_get_acct(struct vt_tiers *t, const vt_xblock_ref *at, const uint8_t addr[20], vt_xacct *out) {
  char k[KEY_MAX];
  const uint8_t *v;
  size_t vl;
  vt_cache_meta m;
  if (!t || !vt_tiers_get_memory(t, k, key_of(k, "x:a:", at->hash, addr, NULL), &v, &vl, &m) || vl != ACCT_REC) return false;
  memset(out, 0, sizeof *out);
  memcpy(out->addr, addr, 20);
  out->exists = v[0] & 1;
  out->storage_empty = (v[0] >> 1) & 1;
  if (vc_u256_from_be(&out->balance, v + 1, 32) != VC_OK) return false;
  for (int i = 0; i < 8; i++) out->nonce = out->nonce << 8 | v[33 + i];
  memcpy(out->code_hash, v + 41, 32);
  return true;
}

void vt_xcache_put_acct(struct vt_tiers *t, const vt_xblock_ref *at, uint64_t head, const vt_xacct *a) {
  char k[KEY_MAX], v[ACCT_REC];
  vt_cache_meta m;
  if (!t) return;
  v[0] = (char)((a->exists ? 1 : 0) | (a->storage_empty ? 2 : 0));
  vc_u256_to_be(&a->balance, (uint8_t *)v + 1);
  for (int i = 0; i < 8; i++) v[33 + i] = (char)(a->nonce >> (56 - 8 * i));
  memcpy(v + 41, a->code_hash, 32);
  v[ACCT_REC - 1] = 0;
  meta_of(&m, at, head);
  vt_tiers_put(t, k, key_of(k, "x:a:", at->hash, a->addr, NULL), v, sizeof v, &m);
}

bool vt_xcache_get_slot(struct vt_tiers *t, const vt_xblock_ref *at, const uint8_t addr[20], const uint8_t key[32],
                        uint8_t val[32]) {
  char k[KEY_MAX];
  const uint8_t *v;
  size_t vl;
  vt_cache_meta m;
  if (!t || !vt_tiers_get_memory(t, k, key_of(k, "x:s:", at->hash, addr, key), &v, &vl, &m) || vl != 32) return false;
  memcpy(val, v, 32);
  return true;
}

void vt_xcache_put_slot(struct vt_tiers *t, const vt_xblock_ref *at, uint64_t head, const uint8_t addr[20],
                        const uint8_t key[32], const uint8_t val[32]) {
  char k[KEY_MAX];
  vt_cache_meta m;
  if (!t) return;
  meta_of(&m, at, head);
  vt_tiers_put(t, k, key_of(k, "x:s:", at->hash, addr, key), (const char *)val, 32, &m);
}

/* Code: keyed by its hash alone; final (content never changes). */
bool vt_xcache_get_code(struct vt_tiers *t, const uint8_t hash[32], const uint8_t **code, size_t *len) {
  char k[4 + 32];
  vt_cache_meta m;
  memcpy(k, "x:c:", 4);
  memcpy(k + 4, hash, 32);
  return t && vt_tiers_get_memory(t, k, sizeof k, code, len, &m);
}

void vt_xcache_put_code(struct vt_tiers *t, const vt_xblock_ref *at, const uint8_t hash[32], const uint8_t *code, size_t len) {
  char k[4 + 32];
  vt_cache_meta m;
  if (!t || !len) return;
  memcpy(k, "x:c:", 4);
  memcpy(k + 4, hash, 32);
  meta_of(&m, at, UINT64_MAX);
  m.finalized = true;
  m.has_hash = false;
  vt_tiers_put(t, k, sizeof k, (const char *)code, len, &m);
}
