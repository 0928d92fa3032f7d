/*
 * lc_save.c: the light-client store as a byte blob, so the gateway can persist it
 * (LMDB, a file) and resume without a new bootstrap.
 *
 * Layout (little-endian): "VLCS" | u32 version | u32 preset (slots/epoch, epochs/period,
 * committee size) | genesis validators root | checkpoint | flags | finalized and
 * optimistic headers (u8 fork, u32 length, SSZ) | current committee + root | next
 * committee + root | u64 previous/current max active participants | u8 has best update
 * [+ the best valid update, field by field, and its next committee root] | SHA-256 of all
 * the preceding bytes. lc_load checks the checksum, the version, that the blob belongs to the
 * client's network and preset, decodes the headers with the strict SSZ decoder and
 * recomputes both committee roots; anything off is an error and the client is untouched.
 */
#include "core/lightclient/lc.h"
#include "core/lightclient/lc_internal.h"
#include "core/lightclient/ssz.h"

#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#define SAVE_MAGIC "VLCS"
#define SAVE_VERSION 1u

typedef struct {
  uint8_t *p;
  size_t cap, len;
  bool over;
} writer;

static void put(writer *w, const void *src, size_t n) {
  if (w->over || w->cap - w->len < n) {
    w->over = true;
    return;
  }
  memcpy(w->p + w->len, src, n);
  w->len += n;
}

static void put_u32(writer *w, uint32_t v) {
  uint8_t b[8];
  ssz_write_u64(b, v);
  put(w, b, 4);
}

static void put_u64(writer *w, uint64_t v) {
  uint8_t b[8];
  ssz_write_u64(b, v);
  put(w, b, 8);
}

static vc_status put_header(writer *w, const lc_header *h, vc_err *err) {
  uint8_t buf[LC_HEADER_SSZ_MAX];
  size_t n = 0;
  vc_status st = lc_encode_header(h, buf, sizeof buf, &n, err);
  if (st != VC_OK) return st;
  uint8_t fork = (uint8_t)h->fork;
  put(w, &fork, 1);
  put_u32(w, (uint32_t)n);
  put(w, buf, n);
  return VC_OK;
}

static vc_status put_update(writer *w, const lc_update *u, size_t n, vc_err *err) {
  uint8_t tag[2] = {(uint8_t)u->fork, (uint8_t)u->kind};
  put(w, tag, 2);
  vc_status st = put_header(w, &u->attested_header, err);
  if (st == VC_OK) st = put_header(w, &u->finalized_header, err);
  if (st != VC_OK) return st;
  put(w, u->next_sync_committee.pubkeys, n * 48);
  put(w, u->next_sync_committee.aggregate_pubkey, 48);
  uint8_t lens[2] = {(uint8_t)u->next_branch_len, (uint8_t)u->finality_branch_len};
  put(w, lens, 2);
  put(w, u->next_sync_committee_branch, u->next_branch_len * 32);
  put(w, u->finality_branch, u->finality_branch_len * 32);
  put(w, u->sync_aggregate.bits, n / 8);
  put(w, u->sync_aggregate.signature, 96);
  put_u64(w, u->signature_slot);
  return VC_OK;
}

vc_status lc_save(const lc_client *c, uint8_t *out, size_t cap, size_t *len, vc_err *err) {
  const lc_chain_config *cfg = &c->cfg;
  size_t n = cfg->sync_committee_size;
  writer w = {out, cap, 0, false};
  *len = 0;
  if (!c->bootstrapped) return vc_fail(err, VC_ERR_MISSING, "save: store not bootstrapped");
  put(&w, SAVE_MAGIC, 4);
  put_u32(&w, SAVE_VERSION);
  put_u32(&w, cfg->slots_per_epoch);
  put_u32(&w, cfg->epochs_per_period);
  put_u32(&w, cfg->sync_committee_size);
  put(&w, cfg->genesis_validators_root, 32);
  put(&w, c->checkpoint, 32);
  uint8_t next_known = c->next_known ? 1 : 0;
  put(&w, &next_known, 1);
  vc_status st = put_header(&w, &c->finalized_header, err);
  if (st == VC_OK) st = put_header(&w, &c->optimistic_header, err);
  if (st != VC_OK) return st;
  put(&w, c->current_sync_committee.pubkeys, n * 48);
  put(&w, c->current_sync_committee.aggregate_pubkey, 48);
  put(&w, c->current_committee_root, 32);
  put(&w, c->next_sync_committee.pubkeys, n * 48);
  put(&w, c->next_sync_committee.aggregate_pubkey, 48);
  put(&w, c->next_committee_root, 32);
  put_u64(&w, c->previous_max_active_participants);
  put_u64(&w, c->current_max_active_participants);
  uint8_t has_best = c->has_best_update ? 1 : 0;
  put(&w, &has_best, 1);
  if (has_best) {
    st = put_update(&w, &c->best_valid_update, n, err);
    if (st != VC_OK) return st;
    put(&w, c->best_next_committee_root, 32);
  }
  if (w.over || w.cap - w.len < 32)
    return vc_fail(err, VC_ERR_LIMIT, "save: %zu bytes of output are not enough", cap);
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, w.len, out);
  sha256_digest(&ctx, 32, out + w.len);
  *len = w.len + 32;
  return VC_OK;
}

typedef struct {
  const uint8_t *p;
  size_t len, pos;
  bool short_read;
} reader;

static const uint8_t *take(reader *r, size_t n) {
  if (r->short_read || r->len - r->pos < n) {
    r->short_read = true;
    return NULL;
  }
  const uint8_t *q = r->p + r->pos;
  r->pos += n;
  return q;
}

static uint64_t take_uint(reader *r, size_t n) {
  const uint8_t *q = take(r, n);
  uint64_t v = 0;
  for (size_t i = n; q && i-- > 0;) v = (v << 8) | q[i];
  return v;
}

static vc_status take_header(reader *r, lc_header *h, const char *what, vc_err *err) {
  uint64_t fork = take_uint(r, 1), n = take_uint(r, 4);
  const uint8_t *q = take(r, (size_t)n);
  if (!q || fork >= LC_FORK_COUNT || n > LC_HEADER_SSZ_MAX)
    return vc_fail(err, VC_ERR_INPUT, "load: %s header truncated or malformed", what);
  return lc_decode_header(h, (lc_fork)fork, vc_bytes_of(q, (size_t)n), err);
}

static vc_status take_committee(reader *r, lc_sync_committee *c, uint8_t root[32], size_t n,
                                const char *what, vc_err *err) {
  const uint8_t *keys = take(r, n * 48), *agg = take(r, 48), *want = take(r, 32);
  if (!want) return vc_fail(err, VC_ERR_INPUT, "load: %s committee truncated", what);
  memset(c, 0, sizeof *c);
  memcpy(c->pubkeys, keys, n * 48);
  memcpy(c->aggregate_pubkey, agg, 48);
  memcpy(root, want, 32);
  if (lc_committee_is_zero(c, n)) return VC_OK;
  uint8_t got[32];
  vc_status st = lc_sync_committee_root(c, n, got, err);
  if (st != VC_OK) return st;
  if (memcmp(got, want, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "load: %s committee does not match its root", what);
  return VC_OK;
}

static vc_status take_update(reader *r, lc_update *u, size_t n, vc_err *err) {
  memset(u, 0, sizeof *u);
  uint64_t fork = take_uint(r, 1), kind = take_uint(r, 1);
  if (r->short_read || fork >= LC_FORK_COUNT || kind > LC_KIND_OPTIMISTIC)
    return vc_fail(err, VC_ERR_INPUT, "load: best update tag malformed");
  u->fork = (lc_fork)fork;
  u->kind = (lc_update_kind)kind;
  vc_status st = take_header(r, &u->attested_header, "best attested", err);
  if (st == VC_OK) st = take_header(r, &u->finalized_header, "best finalized", err);
  if (st != VC_OK) return st;
  const uint8_t *keys = take(r, n * 48), *agg = take(r, 48);
  uint64_t nb = take_uint(r, 1), fb = take_uint(r, 1);
  if (!agg || nb > LC_MAX_COMMITTEE_BRANCH || fb > LC_MAX_FINALITY_BRANCH)
    return vc_fail(err, VC_ERR_INPUT, "load: best update malformed");
  memcpy(u->next_sync_committee.pubkeys, keys, n * 48);
  memcpy(u->next_sync_committee.aggregate_pubkey, agg, 48);
  u->next_branch_len = (size_t)nb;
  u->finality_branch_len = (size_t)fb;
  const uint8_t *nbr = take(r, (size_t)nb * 32), *fbr = take(r, (size_t)fb * 32);
  const uint8_t *bits = take(r, n / 8), *sig = take(r, 96);
  if (!sig) return vc_fail(err, VC_ERR_INPUT, "load: best update truncated");
  memcpy(u->next_sync_committee_branch, nbr, (size_t)nb * 32);
  memcpy(u->finality_branch, fbr, (size_t)fb * 32);
  memcpy(u->sync_aggregate.bits, bits, n / 8);
  memcpy(u->sync_aggregate.signature, sig, 96);
  u->signature_slot = take_uint(r, 8);
  return VC_OK;
}

vc_status lc_load(lc_client *c, vc_bytes blob, vc_err *err) {
  const lc_chain_config *cfg = &c->cfg;
  size_t n = cfg->sync_committee_size;
  if (blob.len > LC_SAVE_MAX)
    return vc_fail(err, VC_ERR_LIMIT, "load: %zu bytes over the cap of %u", blob.len, LC_SAVE_MAX);
  if (blob.len < 4 + 32 || memcmp(blob.ptr, SAVE_MAGIC, 4) != 0)
    return vc_fail(err, VC_ERR_INPUT, "load: not a light-client state blob");
  uint8_t sum[32];
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, blob.len - 32, blob.ptr);
  sha256_digest(&ctx, 32, sum);
  if (memcmp(sum, blob.ptr + blob.len - 32, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "load: checksum mismatch (corrupted blob)");
  reader r = {blob.ptr, blob.len - 32, 4, false};
  if (take_uint(&r, 4) != SAVE_VERSION)
    return vc_fail(err, VC_ERR_INPUT, "load: unsupported blob version");
  if (take_uint(&r, 4) != cfg->slots_per_epoch || take_uint(&r, 4) != cfg->epochs_per_period ||
      take_uint(&r, 4) != cfg->sync_committee_size)
    return vc_fail(err, VC_ERR_MISMATCH, "load: blob was saved with another preset");
  const uint8_t *gvr = take(&r, 32), *checkpoint = take(&r, 32);
  if (!checkpoint || memcmp(gvr, cfg->genesis_validators_root, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "load: blob belongs to another network");
  uint64_t next_known = take_uint(&r, 1);
  /* Decode into a scratch client so a bad blob leaves c untouched. Only the store
   * fields are copied out at the end; the key caches stay with c. */
  vc_status st = VC_OK;
  lc_client *tmp = calloc(1, sizeof *tmp);
  if (!tmp) return vc_fail(err, VC_ERR_NOMEM, "load: scratch store");
  st = take_header(&r, &tmp->finalized_header, "finalized", err);
  if (st == VC_OK) st = take_header(&r, &tmp->optimistic_header, "optimistic", err);
  if (st == VC_OK)
    st = take_committee(&r, &tmp->current_sync_committee, tmp->current_committee_root, n,
                        "current", err);
  if (st == VC_OK)
    st = take_committee(&r, &tmp->next_sync_committee, tmp->next_committee_root, n, "next", err);
  if (st != VC_OK) goto out;
  tmp->previous_max_active_participants = take_uint(&r, 8);
  tmp->current_max_active_participants = take_uint(&r, 8);
  uint64_t has_best = take_uint(&r, 1);
  if (has_best == 1) {
    st = take_update(&r, &tmp->best_valid_update, n, err);
    const uint8_t *best_root = take(&r, 32);
    if (st != VC_OK) goto out;
    uint8_t got[32] = {0};
    if (!best_root) {
      st = vc_fail(err, VC_ERR_INPUT, "load: best update truncated");
      goto out;
    }
    if (!lc_committee_is_zero(&tmp->best_valid_update.next_sync_committee, n)) {
      st = lc_sync_committee_root(&tmp->best_valid_update.next_sync_committee, n, got, err);
      if (st != VC_OK) goto out;
    }
    if (memcmp(got, best_root, 32) != 0) {
      st = vc_fail(err, VC_ERR_MISMATCH, "load: best update committee does not match its root");
      goto out;
    }
    memcpy(tmp->best_next_committee_root, best_root, 32);
  }
  if (r.short_read || has_best > 1 || r.pos != r.len || next_known > 1 ||
      lc_committee_is_zero(&tmp->current_sync_committee, n) ||
      (next_known == 1) == lc_committee_is_zero(&tmp->next_sync_committee, n)) {
    st = vc_fail(err, VC_ERR_INPUT, "load: blob layout is inconsistent");
    goto out;
  }
  memcpy(c->checkpoint, checkpoint, 32);
  c->finalized_header = tmp->finalized_header;
  c->optimistic_header = tmp->optimistic_header;
  c->current_sync_committee = tmp->current_sync_committee;
  memcpy(c->current_committee_root, tmp->current_committee_root, 32);
  c->next_sync_committee = tmp->next_sync_committee;
  memcpy(c->next_committee_root, tmp->next_committee_root, 32);
  c->next_known = next_known == 1;
  c->previous_max_active_participants = tmp->previous_max_active_participants;
  c->current_max_active_participants = tmp->current_max_active_participants;
  c->has_best_update = has_best == 1;
  if (c->has_best_update) {
    c->best_valid_update = tmp->best_valid_update;
    memcpy(c->best_next_committee_root, tmp->best_next_committee_root, 32);
  }
  c->bootstrapped = true;
out:
  free(tmp);
  return st;
}
