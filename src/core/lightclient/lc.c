/*
 * lc.c: the light-client store and the sync protocol (consensus-specs
 * altair/light-client/sync-protocol.md, with the Capella execution header, the Deneb blob
 * gas fields and Electra's normalized Merkle branches).
 *
 * Each spec function has a C counterpart of the same name and shape: lc_check_header
 * (is_valid_light_client_header), lc_process_bootstrap (initialize_light_client_store),
 * validate_update, is_better_update, apply_update, lc_process_update and
 * lc_process_force_update. The signature check is in lc_sig.c (lc_verify_sync_aggregate).
 * The store lives in the caller-owned lc_client; nothing is changed unless a check passed.
 */
#include "core/lightclient/lc.h"
#include "core/lightclient/ssz.h"

#include <stdio.h>
#include <string.h>

void lc_init(lc_client *c, const lc_chain_config *cfg, const uint8_t checkpoint_root[32]) {
  memset(c, 0, sizeof *c);
  c->cfg = *cfg;
  memcpy(c->checkpoint, checkpoint_root, 32);
}

static bool exec_is_zero(const lc_header *h) {
  return lc_exec_is_zero(&h->execution) &&
         lc_branch_is_zero((const uint8_t(*)[32])h->execution_branch, LC_EXEC_BRANCH_DEPTH);
}

vc_status lc_execution_root(const lc_chain_config *cfg, const lc_header *h, uint8_t out[32],
                            vc_err *err) {
  const lc_fork_layout *container = lc_fork_info(h->fork);
  if (!container) return vc_fail(err, VC_ERR_INPUT, "header: unknown fork %d", (int)h->fork);
  unsigned at_slot = lc_fork_info(lc_fork_at_epoch(cfg, lc_epoch_at_slot(cfg, h->beacon.slot)))
                         ->exec_fields;
  unsigned fields = at_slot < container->exec_fields ? at_slot : container->exec_fields;
  if (!fields) {
    memset(out, 0, 32);
    return VC_OK;
  }
  return lc_exec_header_root(&h->execution, fields, out, err);
}

vc_status lc_check_header(const lc_chain_config *cfg, const lc_header *h, vc_err *err) {
  const lc_fork_layout *container = lc_fork_info(h->fork);
  if (!container) return vc_fail(err, VC_ERR_INPUT, "header: unknown fork %d", (int)h->fork);
  if (!container->exec_fields) return VC_OK;
  uint64_t epoch = lc_epoch_at_slot(cfg, h->beacon.slot);
  const lc_fork_layout *at = lc_fork_info(lc_fork_at_epoch(cfg, epoch));
  if (!at->exec_fields) {
    if (!exec_is_zero(h))
      return vc_fail(err, VC_ERR_MISMATCH,
                     "header at slot %llu: pre-Capella header carries execution data",
                     (unsigned long long)h->beacon.slot);
    return VC_OK;
  }
  if (at->exec_fields < LC_EXEC_FIELDS_DENEB &&
      (h->execution.blob_gas_used || h->execution.excess_blob_gas))
    return vc_fail(err, VC_ERR_MISMATCH, "header at slot %llu: blob gas before Deneb",
                   (unsigned long long)h->beacon.slot);
  uint8_t root[32];
  vc_status st = lc_execution_root(cfg, h, root, err);
  if (st != VC_OK) return st;
  st = ssz_verify_gindex(root, (const uint8_t(*)[32])h->execution_branch, LC_EXEC_BRANCH_DEPTH,
                         LC_EXEC_PAYLOAD_GINDEX, h->beacon.body_root, err);
  if (st != VC_OK)
    return vc_fail(err, st, "header at slot %llu: execution branch does not match body_root",
                   (unsigned long long)h->beacon.slot);
  return VC_OK;
}

/* Generalized indices of the state fields, by the fork at the attested slot. */
static const lc_fork_layout *gindices_at(const lc_chain_config *cfg, uint64_t slot) {
  return lc_fork_info(lc_fork_at_epoch(cfg, lc_epoch_at_slot(cfg, slot)));
}

vc_status lc_process_bootstrap(lc_client *c, const lc_bootstrap *b, vc_err *err) {
  const lc_chain_config *cfg = &c->cfg;
  if (c->bootstrapped) return vc_fail(err, VC_ERR_INPUT, "bootstrap: store already initialized");
  if (b->branch_len > LC_MAX_COMMITTEE_BRANCH)
    return vc_fail(err, VC_ERR_INPUT, "bootstrap: branch of %zu nodes", b->branch_len);
  vc_status st = lc_check_header(cfg, &b->header, err);
  if (st != VC_OK) return st;
  uint8_t root[32], committee_root[32];
  lc_beacon_header_root(&b->header.beacon, root);
  if (memcmp(root, c->checkpoint, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "bootstrap: header root differs from the checkpoint");
  st = lc_sync_committee_root(&b->current_sync_committee, cfg->sync_committee_size,
                              committee_root, err);
  if (st != VC_OK) return st;
  st = ssz_verify_normalized(committee_root, (const uint8_t(*)[32])b->current_sync_committee_branch,
                             b->branch_len, gindices_at(cfg, b->header.beacon.slot)->current_gindex,
                             b->header.beacon.state_root, err);
  if (st != VC_OK) return vc_fail(err, st, "bootstrap: current sync committee branch is invalid");
  c->finalized_header = b->header;
  c->optimistic_header = b->header;
  c->current_sync_committee = b->current_sync_committee;
  memcpy(c->current_committee_root, committee_root, 32);
  memset(&c->next_sync_committee, 0, sizeof c->next_sync_committee);
  memset(c->next_committee_root, 0, 32);
  c->next_known = false;
  c->has_best_update = false;
  c->previous_max_active_participants = 0;
  c->current_max_active_participants = 0;
  c->bootstrapped = true;
  return VC_OK;
}

static bool is_sync_committee_update(const lc_update *u) {
  return !lc_branch_is_zero((const uint8_t(*)[32])u->next_sync_committee_branch,
                            u->next_branch_len);
}

static bool is_finality_update(const lc_update *u) {
  return !lc_branch_is_zero((const uint8_t(*)[32])u->finality_branch, u->finality_branch_len);
}

static size_t participants(const lc_client *c, const lc_update *u) {
  return ssz_bits_count(u->sync_aggregate.bits, c->cfg.sync_committee_size);
}

/* validate_light_client_update; next_root receives hash_tree_root(next_sync_committee). */
static vc_status validate_update(lc_client *c, const lc_update *u, uint64_t current_slot,
                                 uint8_t next_root[32], vc_err *err) {
  const lc_chain_config *cfg = &c->cfg;
  size_t n = cfg->sync_committee_size;
  vc_status st;
  memset(next_root, 0, 32);
  if (!c->bootstrapped) return vc_fail(err, VC_ERR_MISSING, "update: no bootstrap yet");
  if (u->next_branch_len > LC_MAX_COMMITTEE_BRANCH || u->finality_branch_len > LC_MAX_FINALITY_BRANCH)
    return vc_fail(err, VC_ERR_INPUT, "update: branch lengths %zu/%zu over the caps",
                   u->next_branch_len, u->finality_branch_len);
  size_t count = participants(c, u);
  if (count < LC_MIN_SYNC_COMMITTEE_PARTICIPANTS)
    return vc_fail(err, VC_ERR_MISMATCH, "update: %zu sync committee participants, need %d",
                   count, LC_MIN_SYNC_COMMITTEE_PARTICIPANTS);
  st = lc_check_header(cfg, &u->attested_header, err);
  if (st != VC_OK) return st;
  uint64_t att = u->attested_header.beacon.slot, fin = u->finalized_header.beacon.slot;
  if (!(current_slot >= u->signature_slot && u->signature_slot > att && att >= fin))
    return vc_fail(err, VC_ERR_MISMATCH,
                   "update: slots out of order (current %llu, signature %llu, attested %llu, "
                   "finalized %llu)",
                   (unsigned long long)current_slot, (unsigned long long)u->signature_slot,
                   (unsigned long long)att, (unsigned long long)fin);
  uint64_t store_period = lc_period_at_slot(cfg, c->finalized_header.beacon.slot);
  uint64_t sig_period = lc_period_at_slot(cfg, u->signature_slot);
  if (!(sig_period == store_period || (c->next_known && sig_period == store_period + 1)))
    return vc_fail(err, VC_ERR_MISMATCH, "update: signature period %llu, store period %llu",
                   (unsigned long long)sig_period, (unsigned long long)store_period);
  uint64_t att_period = lc_period_at_slot(cfg, att);
  bool sc_update = is_sync_committee_update(u);
  bool has_next = !c->next_known && sc_update && att_period == store_period;
  if (!(att > c->finalized_header.beacon.slot || has_next))
    return vc_fail(err, VC_ERR_MISMATCH, "update: attested slot %llu is not newer than the store",
                   (unsigned long long)att);
  const lc_fork_layout *g = gindices_at(cfg, att);
  if (!is_finality_update(u)) {
    if (!lc_header_is_zero(&u->finalized_header))
      return vc_fail(err, VC_ERR_MISMATCH, "update: finalized header without a finality branch");
  } else {
    uint8_t fin_root[32] = {0};
    if (fin == 0) {
      if (!lc_header_is_zero(&u->finalized_header))
        return vc_fail(err, VC_ERR_MISMATCH, "update: genesis finalized header is not empty");
    } else {
      st = lc_check_header(cfg, &u->finalized_header, err);
      if (st != VC_OK) return st;
      lc_beacon_header_root(&u->finalized_header.beacon, fin_root);
    }
    st = ssz_verify_normalized(fin_root, (const uint8_t(*)[32])u->finality_branch,
                               u->finality_branch_len, g->finalized_gindex,
                               u->attested_header.beacon.state_root, err);
    if (st != VC_OK) return vc_fail(err, st, "update: finality branch is invalid");
  }
  if (!sc_update) {
    if (!lc_committee_is_zero(&u->next_sync_committee, n))
      return vc_fail(err, VC_ERR_MISMATCH, "update: next sync committee without a branch");
  } else {
    if (att_period == store_period && c->next_known &&
        (memcmp(u->next_sync_committee.pubkeys, c->next_sync_committee.pubkeys, n * 48) ||
         memcmp(u->next_sync_committee.aggregate_pubkey, c->next_sync_committee.aggregate_pubkey,
                48)))
      return vc_fail(err, VC_ERR_MISMATCH, "update: next sync committee differs from the store's");
    st = lc_sync_committee_root(&u->next_sync_committee, n, next_root, err);
    if (st != VC_OK) return st;
    st = ssz_verify_normalized(next_root, (const uint8_t(*)[32])u->next_sync_committee_branch,
                               u->next_branch_len, g->next_gindex,
                               u->attested_header.beacon.state_root, err);
    if (st != VC_OK) return vc_fail(err, st, "update: next sync committee branch is invalid");
  }
  bool use_current = sig_period == store_period;
  return lc_verify_sync_aggregate(
      c, use_current ? &c->current_sync_committee : &c->next_sync_committee,
      use_current ? c->current_committee_root : c->next_committee_root, &u->attested_header.beacon,
      &u->sync_aggregate, u->signature_slot, err);
}

vc_status lc_validate_update(lc_client *c, const lc_update *u, uint64_t current_slot,
                             vc_err *err) {
  uint8_t next_root[32];
  return validate_update(c, u, current_slot, next_root, err);
}

/* is_better_update: the spec's ranking, rule by rule. */
static bool is_better_update(const lc_client *c, const lc_update *nu, const lc_update *old) {
  const lc_chain_config *cfg = &c->cfg;
  size_t max = cfg->sync_committee_size;
  size_t nn = participants(c, nu), on = participants(c, old);
  bool n_super = nn * 3 >= max * 2, o_super = on * 3 >= max * 2;
  if (n_super != o_super) return n_super;
  if (!n_super && nn != on) return nn > on;
  bool n_rel = is_sync_committee_update(nu) &&
               lc_period_at_slot(cfg, nu->attested_header.beacon.slot) ==
                   lc_period_at_slot(cfg, nu->signature_slot);
  bool o_rel = is_sync_committee_update(old) &&
               lc_period_at_slot(cfg, old->attested_header.beacon.slot) ==
                   lc_period_at_slot(cfg, old->signature_slot);
  if (n_rel != o_rel) return n_rel;
  bool n_fin = is_finality_update(nu), o_fin = is_finality_update(old);
  if (n_fin != o_fin) return n_fin;
  if (n_fin) {
    bool n_scf = lc_period_at_slot(cfg, nu->finalized_header.beacon.slot) ==
                 lc_period_at_slot(cfg, nu->attested_header.beacon.slot);
    bool o_scf = lc_period_at_slot(cfg, old->finalized_header.beacon.slot) ==
                 lc_period_at_slot(cfg, old->attested_header.beacon.slot);
    if (n_scf != o_scf) return n_scf;
  }
  if (nn != on) return nn > on;
  if (nu->attested_header.beacon.slot != old->attested_header.beacon.slot)
    return nu->attested_header.beacon.slot < old->attested_header.beacon.slot;
  return nu->signature_slot < old->signature_slot;
}

/* apply_light_client_update. fin is the header to finalize (the update's finalized header,
 * or its attested header on a forced update). Leaves the store unchanged on error. */
static vc_status apply_update(lc_client *c, const lc_update *u, const lc_header *fin,
                              const uint8_t next_root[32], vc_err *err) {
  const lc_chain_config *cfg = &c->cfg;
  uint64_t store_period = lc_period_at_slot(cfg, c->finalized_header.beacon.slot);
  uint64_t fin_period = lc_period_at_slot(cfg, fin->beacon.slot);
  bool next_nonzero = !lc_committee_is_zero(&u->next_sync_committee, cfg->sync_committee_size);
  if (!c->next_known) {
    if (fin_period != store_period)
      return vc_fail(err, VC_ERR_MISMATCH, "apply: finalized period %llu, store period %llu",
                     (unsigned long long)fin_period, (unsigned long long)store_period);
    c->next_sync_committee = u->next_sync_committee;
    memcpy(c->next_committee_root, next_root, 32);
    c->next_known = next_nonzero;
  } else if (fin_period == store_period + 1) {
    c->current_sync_committee = c->next_sync_committee;
    memcpy(c->current_committee_root, c->next_committee_root, 32);
    c->next_sync_committee = u->next_sync_committee;
    memcpy(c->next_committee_root, next_root, 32);
    c->next_known = next_nonzero;
    c->previous_max_active_participants = c->current_max_active_participants;
    c->current_max_active_participants = 0;
  }
  if (fin->beacon.slot > c->finalized_header.beacon.slot) {
    c->finalized_header = *fin;
    if (c->finalized_header.beacon.slot > c->optimistic_header.beacon.slot)
      c->optimistic_header = c->finalized_header;
  }
  return VC_OK;
}

vc_status lc_process_update(lc_client *c, const lc_update *u, uint64_t current_slot,
                            vc_err *err) {
  const lc_chain_config *cfg = &c->cfg;
  uint8_t next_root[32];
  vc_status st = validate_update(c, u, current_slot, next_root, err);
  if (st != VC_OK) return st;
  size_t count = participants(c, u);
  if (!c->has_best_update || is_better_update(c, u, &c->best_valid_update)) {
    c->best_valid_update = *u;
    memcpy(c->best_next_committee_root, next_root, 32);
    c->has_best_update = true;
  }
  if (count > c->current_max_active_participants) c->current_max_active_participants = count;
  uint64_t prev = c->previous_max_active_participants, cur = c->current_max_active_participants;
  uint64_t safety = (prev > cur ? prev : cur) / 2;
  if (count > safety && u->attested_header.beacon.slot > c->optimistic_header.beacon.slot)
    c->optimistic_header = u->attested_header;
  bool finalized_next =
      !c->next_known && is_sync_committee_update(u) && is_finality_update(u) &&
      lc_period_at_slot(cfg, u->finalized_header.beacon.slot) ==
          lc_period_at_slot(cfg, u->attested_header.beacon.slot);
  if (count * 3 >= (size_t)cfg->sync_committee_size * 2 &&
      (u->finalized_header.beacon.slot > c->finalized_header.beacon.slot || finalized_next)) {
    st = apply_update(c, u, &u->finalized_header, next_root, err);
    if (st != VC_OK) return st;
    c->has_best_update = false;
  }
  return VC_OK;
}

vc_status lc_process_update_stream(lc_client *c, vc_bytes stream, uint64_t current_slot,
                                   lc_update *scratch, size_t *processed, vc_err *err) {
  vc_bytes payload;
  uint8_t digest[4];
  *processed = 0;
  for (;;) {
    vc_status st = lc_stream_next(&stream, digest, &payload, err);
    if (st == VC_ERR_MISSING) return *processed ? VC_OK : st;
    if (st == VC_OK) st = lc_decode_update_auto(scratch, &c->cfg, payload, err);
    if (st == VC_OK) st = lc_process_update(c, scratch, current_slot, err);
    if (st != VC_OK) {
      char why[sizeof err->msg];
      snprintf(why, sizeof why, "%s", err ? err->msg : "");
      return vc_fail(err, st, "update %zu of the stream: %s", *processed, why);
    }
    (*processed)++;
  }
}

bool lc_process_force_update(lc_client *c, uint64_t current_slot) {
  const lc_chain_config *cfg = &c->cfg;
  uint64_t timeout = (uint64_t)cfg->slots_per_epoch * cfg->epochs_per_period;
  if (!c->bootstrapped || !c->has_best_update ||
      current_slot <= c->finalized_header.beacon.slot + timeout)
    return false;
  lc_update *best = &c->best_valid_update;
  const lc_header *fin = &best->finalized_header;
  if (fin->beacon.slot <= c->finalized_header.beacon.slot) fin = &best->attested_header;
  vc_status st = apply_update(c, best, fin, c->best_next_committee_root, NULL);
  c->has_best_update = false;
  return st == VC_OK;
}

void lc_next_request(const lc_client *c, uint64_t current_slot, lc_request *out) {
  const lc_chain_config *cfg = &c->cfg;
  memset(out, 0, sizeof *out);
  if (!c->bootstrapped) {
    out->kind = LC_REQ_BOOTSTRAP;
    memcpy(out->root, c->checkpoint, 32);
    return;
  }
  uint64_t fin_slot = c->finalized_header.beacon.slot;
  uint64_t store_period = lc_period_at_slot(cfg, fin_slot);
  uint64_t now_period = lc_period_at_slot(cfg, current_slot);
  /* Without the next committee, the update of the store's own period supplies it; with
   * it, once the wall clock is in a later period, updates from the next period on move
   * the store forward. */
  bool want = !c->next_known || now_period > store_period;
  uint64_t start = c->next_known ? store_period + 1 : store_period;
  if (want && now_period >= start) {
    uint64_t count = now_period - start + 1;
    out->kind = LC_REQ_UPDATES;
    out->start_period = start;
    out->count = count > LC_MAX_REQUEST_UPDATES ? LC_MAX_REQUEST_UPDATES : count;
    return;
  }
  /* A newer checkpoint is due once the chain is three epochs past the finalized one. */
  if (lc_epoch_at_slot(cfg, current_slot) >= lc_epoch_at_slot(cfg, fin_slot) + 3) {
    out->kind = LC_REQ_FINALITY;
    return;
  }
  if (current_slot > c->optimistic_header.beacon.slot) out->kind = LC_REQ_OPTIMISTIC;
}

static vc_status anchor_of(const lc_client *c, const lc_header *h, lc_exec_anchor *out,
                           const char *which, vc_err *err) {
  memset(out, 0, sizeof *out);
  if (!c->bootstrapped) return vc_fail(err, VC_ERR_MISSING, "%s header: not bootstrapped", which);
  const lc_fork_layout *at =
      lc_fork_info(lc_fork_at_epoch(&c->cfg, lc_epoch_at_slot(&c->cfg, h->beacon.slot)));
  if (!lc_fork_info(h->fork)->exec_fields || !at->exec_fields)
    return vc_fail(err, VC_ERR_MISSING, "%s header at slot %llu has no execution payload", which,
                   (unsigned long long)h->beacon.slot);
  out->beacon_slot = h->beacon.slot;
  lc_beacon_header_root(&h->beacon, out->beacon_root);
  out->block_number = h->execution.block_number;
  memcpy(out->block_hash, h->execution.block_hash, 32);
  memcpy(out->state_root, h->execution.state_root, 32);
  out->timestamp = h->execution.timestamp;
  return VC_OK;
}

vc_status lc_finalized_execution(const lc_client *c, lc_exec_anchor *out, vc_err *err) {
  return anchor_of(c, &c->finalized_header, out, "finalized", err);
}

vc_status lc_optimistic_execution(const lc_client *c, lc_exec_anchor *out, vc_err *err) {
  return anchor_of(c, &c->optimistic_header, out, "optimistic", err);
}
