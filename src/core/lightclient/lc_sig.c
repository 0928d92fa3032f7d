/*
 * lc_sig.c: the sync-committee signature check and the decompressed public-key cache.
 *
 * lc_verify_sync_aggregate is the single place where the light client decides that a
 * sync committee signed an attested header: it computes the domain from the fork version
 * at (signature_slot - 1) // SLOTS_PER_EPOCH and the genesis validators root, the signing
 * root hash_tree_root(SigningData(header_root, domain)), and calls the BLS12-381
 * FastAggregateVerify of src/core/bls over the participating keys.
 *
 * Decompressing 512 G1 points costs far more than one aggregate verification, so each
 * committee is decompressed once (keyed by its hash_tree_root) into one of two cached
 * slots owned by the lc_client (current and next committee); lc_free releases them.
 */
#include "core/lightclient/lc.h"
#include "core/lightclient/ssz.h"

#include <stdlib.h>
#include <string.h>

#include "core/bls/bls.h"

struct lc_pkcache {
  uint8_t root[32];
  size_t n;
  uint64_t last_use;
  bls_g1 pks[LC_MAX_COMMITTEE];
};

static uint64_t use_clock(lc_client *c) {
  uint64_t t = 0;
  for (int i = 0; i < 2; i++)
    if (c->pk_cache[i] && c->pk_cache[i]->last_use > t) t = c->pk_cache[i]->last_use;
  return t + 1;
}

/* The cached keys of the committee with this root, decompressing them on first use. */
static vc_status committee_keys(lc_client *c, const lc_sync_committee *committee,
                                const uint8_t root[32], const bls_g1 **out, vc_err *err) {
  size_t n = c->cfg.sync_committee_size;
  struct lc_pkcache *slot = NULL;
  for (int i = 0; i < 2; i++)
    if (c->pk_cache[i] && c->pk_cache[i]->n == n && memcmp(c->pk_cache[i]->root, root, 32) == 0) {
      c->pk_cache[i]->last_use = use_clock(c);
      *out = c->pk_cache[i]->pks;
      return VC_OK;
    }
  /* Reuse an empty slot, else the least recently used one. */
  int victim = !c->pk_cache[0] ? 0
               : !c->pk_cache[1] ? 1
               : (c->pk_cache[0]->last_use <= c->pk_cache[1]->last_use ? 0 : 1);
  if (!c->pk_cache[victim]) {
    c->pk_cache[victim] = calloc(1, sizeof(struct lc_pkcache));
    if (!c->pk_cache[victim]) return vc_fail(err, VC_ERR_NOMEM, "sync committee key cache");
  }
  slot = c->pk_cache[victim];
  slot->n = 0; /* invalid until every key decompressed */
  for (size_t i = 0; i < n; i++) {
    vc_status st = bls_g1_decompress(&slot->pks[i], committee->pubkeys[i], err);
    if (st != VC_OK) return vc_fail(err, st, "sync committee key %zu: invalid G1 point", i);
  }
  memcpy(slot->root, root, 32);
  slot->n = n;
  slot->last_use = use_clock(c);
  c->pk_decompressions++;
  *out = slot->pks;
  return VC_OK;
}

vc_status lc_verify_sync_aggregate(lc_client *c, const lc_sync_committee *committee,
                                   const uint8_t committee_root[32],
                                   const lc_beacon_header *attested,
                                   const lc_sync_aggregate *agg, uint64_t signature_slot,
                                   vc_err *err) {
  const lc_chain_config *cfg = &c->cfg;
  uint64_t version_slot = (signature_slot > 1 ? signature_slot : 1) - 1;
  uint8_t version[4], domain[32], header_root[32], signing_root[32];
  lc_fork_version_at_epoch(cfg, lc_epoch_at_slot(cfg, version_slot), version);
  lc_sync_domain(cfg, version, domain);
  lc_beacon_header_root(attested, header_root);
  ssz_hash_pair(header_root, domain, signing_root);
  const bls_g1 *pks = NULL;
  vc_status st = committee_keys(c, committee, committee_root, &pks, err);
  if (st != VC_OK) return st;
  st = bls_fast_aggregate_verify_points(pks, agg->bits, cfg->sync_committee_size, signing_root,
                                        32, agg->signature, err);
  if (st != VC_OK)
    return vc_fail(err, st, "sync aggregate signature (slot %llu, fork %02x%02x%02x%02x) invalid",
                   (unsigned long long)signature_slot, version[0], version[1], version[2],
                   version[3]);
  return VC_OK;
}


void lc_free(lc_client *c) {
  for (int i = 0; i < 2; i++) {
    free(c->pk_cache[i]);
    c->pk_cache[i] = NULL;
  }
}
