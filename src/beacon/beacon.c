/*
 * beacon.c: the light-client driver (see beacon.h).
 *
 * One activity at a time: either one beacon API request is in flight, or a batch of
 * period updates is being verified (one item per turn of the loop), or the driver
 * waits for its timer. Every turn starts in step(): it reads the current slot, asks
 * the light client what it needs, and sends that to the preferred endpoint. The
 * outcome of a request is one of: applied (the store changed: go on at once), no news
 * (wait poll_ms), or failed (penalise the endpoint, mark it tried for this round, go
 * on with the next one; when all are tried, wait the round back-off: 1 s, doubling up to
 * poll_ms, reset by any success, so endpoints refusing at start are asked again soon).
 *
 * What counts against an endpoint is one table (penalties[]): a failure class, the
 * first back-off and its ceiling; the back-off doubles with each consecutive failure.
 * Saving and restoring the verified store is beacon_state.c.
 *
 * Encodings: every light-client request offers SSZ first (Accept: octet-stream, then
 * JSON); the answer is decoded by its Content-Type: application/octet-stream goes to the
 * SSZ decoders (fork from the slot of the first header; the updates body is the
 * length-prefixed stream, verified one item per turn), anything else to the JSON ones.
 *
 * Checkpoint agreement (no checkpoint configured): before anything else, every endpoint
 * is asked for /eth/v1/beacon/headers/finalized at once; when all have answered or
 * failed, a root given by at least two of them (the only one when one is configured)
 * and by more endpoints than any other root becomes the checkpoint. Otherwise the round
 * is logged with every endpoint's answer and repeated after poll_ms; nothing is synced.
 */
#include "beacon/beacon.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/lightclient/lc_json.h"
#include "obs/log.h"

#define MAX_SHIFT 16u

typedef enum { F_TRANSPORT, F_HTTP, F_EMPTY, F_DECODE, F_VERIFY, F_COUNT } fail_class;

/* First back-off and its ceiling, per class (ms), and how loudly it is logged. */
static const struct {
  const char *name;
  uint64_t base_ms, max_ms;
  int log_level;
} penalties[F_COUNT] = {
    [F_TRANSPORT] = {"transport", 1000, 60000, VT_LOG_WARN},
    [F_HTTP] = {"http", 2000, 120000, VT_LOG_WARN},
    [F_EMPTY] = {"empty", 1000, 30000, VT_LOG_INFO},
    [F_DECODE] = {"decode", 30000, 600000, VT_LOG_WARN},
    [F_VERIFY] = {"verify", 300000, 3600000, VT_LOG_ERROR},
};

/* The beacon API requests, one row per lc_request_kind. */
static const struct {
  const char *name;
  const char *path;
  lc_update_kind kind; /* for the update decoders */
} requests[] = {
    [LC_REQ_NONE] = {"none", "", LC_KIND_UPDATE},
    [LC_REQ_BOOTSTRAP] = {"bootstrap", "/eth/v1/beacon/light_client/bootstrap/", LC_KIND_UPDATE},
    [LC_REQ_UPDATES] = {"updates", "/eth/v1/beacon/light_client/updates", LC_KIND_UPDATE},
    [LC_REQ_FINALITY] = {"finality", "/eth/v1/beacon/light_client/finality_update", LC_KIND_FINALITY},
    [LC_REQ_OPTIMISTIC] = {"optimistic", "/eth/v1/beacon/light_client/optimistic_update",
                           LC_KIND_OPTIMISTIC},
};

#include "beacon/beacon_int.h"


static void on_tick(uv_timer_t *t);
static void on_soon(uv_idle_t *h);

/* ------------------------------------------------------------------ clock ---- */

static uint64_t now_ms(const vt_beacon *b) { return uv_now(b->loop); }

/* The wall clock, read each time: a slot is a wall-clock notion, and a host that steps
 * its clock after boot (NTP's first sync, a resumed VM) must not leave us slots off. */
static uint64_t current_slot(const vt_beacon *b) {
  uv_timeval64_t tv;
  if (uv_gettimeofday(&tv) != 0 || tv.tv_sec < 0) return 0;
  return lc_slot_at_time(&b->cfg, (uint64_t)tv.tv_sec);
}

/* Schedule the next turn. "At once" is an idle handle, not a 0 ms timer: libuv 1.44
 * runs a timer re-armed from its own callback again in the same pass, before any I/O,
 * so a chain of 0 ms timers would starve the loop. */
void vt_beacon__arm(vt_beacon *b, uint64_t ms) {
  if (b->closing || b->fetcher_gone) return;
  if (ms == 0) {
    uv_timer_stop(&b->tick);
    uv_idle_start(&b->soon, on_soon);
  } else {
    uv_idle_stop(&b->soon);
    uv_timer_start(&b->tick, on_tick, ms, 0);
  }
}

void vt_beacon__arm_retry(vt_beacon *b) {
  uint64_t ms = b->retry_ms ? b->retry_ms : VT_BEACON_RETRY_FIRST_MS;
  if (ms > b->poll_ms) ms = b->poll_ms;
  b->retry_ms = ms * 2 > b->poll_ms ? b->poll_ms : ms * 2;
  vt_beacon__arm(b, ms);
}

void vt_beacon__round_ok(vt_beacon *b) { b->retry_ms = 0; }

/* ------------------------------------------------------------------ state ---- */

static snapshot snap(const lc_client *c) {
  snapshot s;
  s.bootstrapped = c->bootstrapped;
  s.next_known = c->next_known;
  s.fin_slot = c->finalized_header.beacon.slot;
  s.opt_slot = c->optimistic_header.beacon.slot;
  memcpy(s.committee, c->current_committee_root, 32);
  return s;
}

/* After the store may have changed: persist, notify, log. True when it changed. */
static bool after_change(vt_beacon *b, const snapshot *before) {
  snapshot now = snap(b->lc);
  bool heads = now.bootstrapped != before->bootstrapped || now.fin_slot != before->fin_slot ||
               now.opt_slot != before->opt_slot;
  bool durable = now.bootstrapped != before->bootstrapped || now.fin_slot != before->fin_slot ||
                 now.next_known != before->next_known ||
                 memcmp(now.committee, before->committee, 32) != 0;
  if (!heads && !durable) return false;
  b->dirty = true;
  if (durable) vt_beacon__save(b);
  if (now.fin_slot != before->fin_slot)
    VT_LOG(VT_LOG_INFO, "beacon_finalized", "slot=%llu block=%llu",
           (unsigned long long)now.fin_slot,
           (unsigned long long)b->lc->finalized_header.execution.block_number);
  if (heads && b->on_update) b->on_update(b->ud);
  return true;
}

/* -------------------------------------------------------------- endpoints ---- */

static void succeed(vt_beacon *b, size_t i) {
  endpoint *e = &b->ep[i];
  e->consecutive = 0;
  e->until_ms = 0;
  e->last_error[0] = '\0';
  b->cur = i;
  b->tried = 0;
  vt_beacon__round_ok(b);
}

static void fail(vt_beacon *b, size_t i, fail_class k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(vt_beacon *b, size_t i, fail_class k, const char *fmt, ...) {
  endpoint *e = &b->ep[i];
  char msg[VT_BEACON_ERR_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  e->failures++;
  if (k == F_VERIFY) {
    e->rejected++;
    b->rejected++;
  }
  e->consecutive++;
  unsigned shift = e->consecutive - 1 < MAX_SHIFT ? e->consecutive - 1 : MAX_SHIFT;
  uint64_t delay = penalties[k].base_ms << shift;
  if (delay > penalties[k].max_ms) delay = penalties[k].max_ms;
  e->until_ms = now_ms(b) + delay;
  snprintf(e->last_error, sizeof e->last_error, "%s %s: %s", requests[b->req.kind].name,
           penalties[k].name, msg);
  memcpy(b->last_error, e->last_error, sizeof b->last_error);
  b->tried |= 1u << i;
  VT_LOG(penalties[k].log_level, "beacon_endpoint_failed", "endpoint=%s request=%s class=%s penalty_ms=%llu error=%s",
         e->shown, requests[b->req.kind].name, penalties[k].name, (unsigned long long)delay, msg);
}

/* The next endpoint to ask: the preferred one first, then in order; one not tried in
 * this round and not in back-off, else the untried one whose back-off ends first. */
static bool pick(const vt_beacon *b, size_t *out) {
  uint64_t now = now_ms(b), best_until = UINT64_MAX;
  bool found = false;
  for (size_t k = 0; k < b->n; k++) {
    size_t i = (b->cur + k) % b->n;
    if (b->tried & (1u << i)) continue;
    if (b->ep[i].until_ms <= now) {
      *out = i;
      return true;
    }
    if (b->ep[i].until_ms < best_until) {
      best_until = b->ep[i].until_ms;
      *out = i;
      found = true;
    }
  }
  return found;
}

/* ---------------------------------------------------------------- updates ---- */

/* Whether an update could change the store. Stale answers (an endpoint behind the
 * others, a repeated poll) are skipped without verification and without blame. */
static bool is_news(const vt_beacon *b, const lc_update *u, uint64_t slot) {
  const lc_client *c = b->lc;
  uint64_t fin = c->finalized_header.beacon.slot, att = u->attested_header.beacon.slot;
  if (u->signature_slot > slot) return false; /* ahead of our clock: try again later */
  if (u->kind == LC_KIND_UPDATE)
    return att > fin || (!c->next_known &&
                         lc_period_at_slot(&c->cfg, att) == lc_period_at_slot(&c->cfg, fin));
  return att > c->optimistic_header.beacon.slot || u->finalized_header.beacon.slot > fin;
}

/* Verify and apply the update decoded into b->upd; false after fail() was called. */
static bool apply_update(vt_beacon *b, size_t i, bool *news) {
  vc_err err = {{0}};
  uint64_t slot = current_slot(b);
  *news = false;
  if (!is_news(b, b->upd, slot)) return true;
  snapshot before = snap(b->lc);
  if (lc_process_update(b->lc, b->upd, slot, &err) != VC_OK) {
    fail(b, i, F_VERIFY, "update at slot %llu rejected: %s",
         (unsigned long long)b->upd->attested_header.beacon.slot, err.msg);
    return false;
  }
  b->applied++;
  *news = after_change(b, &before);
  return true;
}

static void drop_batch(vt_beacon *b) {
  json_decref(b->batch);
  b->batch = NULL;
  free(b->ssz_batch);
  b->ssz_batch = NULL;
  b->ssz_cur = vc_bytes_of(NULL, 0);
}

/* The next period update of the batch into b->upd; *more is false at its end. False
 * after fail() was called. */
static bool batch_decode(vt_beacon *b, size_t i, bool *more) {
  vc_err err = {{0}};
  vc_status st;
  *more = false;
  if (b->batch) {
    if (b->batch_i >= json_array_size(b->batch)) return true;
    st = lc_update_from_response(b->upd, LC_KIND_UPDATE, json_array_get(b->batch, b->batch_i),
                                 b->cfg.sync_committee_size, &err);
  } else {
    uint8_t digest[4];
    vc_bytes item;
    st = lc_stream_next(&b->ssz_cur, digest, &item, &err);
    if (st == VC_ERR_MISSING) return true;
    if (st == VC_OK) st = lc_decode_update_auto(b->upd, &b->cfg, item, &err);
  }
  *more = true;
  if (st == VC_OK) return true;
  fail(b, i, F_DECODE, "%s%s", b->batch ? "" : "SSZ: ", err.msg);
  return false;
}

/* One period update of the batch per turn of the loop. */
static void batch_step(vt_beacon *b) {
  size_t i = b->batch_ep;
  bool news = false, more = false;
  if (!batch_decode(b, i, &more) || (more && !apply_update(b, i, &news))) {
    drop_batch(b);
    vt_beacon__arm(b, 0);
    return;
  }
  if (more) {
    b->batch_news = b->batch_news || news;
    b->batch_i++;
    vt_beacon__arm(b, 0);
    return;
  }
  drop_batch(b);
  if (!b->batch_news) {
    fail(b, i, F_EMPTY, "no usable update for periods %llu..%llu",
         (unsigned long long)b->req.start_period,
         (unsigned long long)(b->req.start_period + b->req.count - 1));
    vt_beacon__arm(b, 0);
    return;
  }
  succeed(b, i);
  vt_beacon__arm(b, 0);
}

/* --------------------------------------------------------------- requests ---- */

/* The media type (before any parameter) is application/octet-stream. */
static bool is_ssz(const char *content_type) {
  static const char want[] = "application/octet-stream";
  const char *p = content_type ? content_type : "";
  while (*p == ' ' || *p == '\t') p++;
  if (strncasecmp(p, want, sizeof want - 1) != 0) return false;
  p += sizeof want - 1;
  while (*p == ' ' || *p == '\t') p++;
  return *p == '\0' || *p == ';';
}

/* The fork of an SSZ light-client object from the slot of its first header: read as the
 * Capella+ layout (header behind an offset) when that slot's fork has an execution
 * header, else as the fixed Altair layout. */
static vc_status ssz_fork(const lc_chain_config *cfg, vc_bytes in, lc_fork *out, vc_err *err) {
  uint64_t slot = 0;
  if (lc_peek_slot(in, true, &slot, NULL) == VC_OK) {
    *out = lc_fork_at_epoch(cfg, lc_epoch_at_slot(cfg, slot));
    if (lc_fork_info(*out)->exec_fields) return VC_OK;
  }
  vc_status st = lc_peek_slot(in, false, &slot, err);
  if (st != VC_OK) return st;
  *out = lc_fork_at_epoch(cfg, lc_epoch_at_slot(cfg, slot));
  if (lc_fork_info(*out)->exec_fields)
    return vc_fail(err, VC_ERR_INPUT, "slot %llu does not match its fork's layout",
                   (unsigned long long)slot);
  return VC_OK;
}

static vc_status decode_ssz(vt_beacon *b, vc_bytes in, vc_err *err) {
  lc_fork fork;
  size_t n = b->cfg.sync_committee_size;
  switch (b->req.kind) {
  case LC_REQ_BOOTSTRAP: return lc_decode_bootstrap_auto(b->boot, &b->cfg, in, err);
  case LC_REQ_FINALITY:
  case LC_REQ_OPTIMISTIC: {
    vc_status st = ssz_fork(&b->cfg, in, &fork, err);
    if (st != VC_OK) return st;
    return b->req.kind == LC_REQ_FINALITY ? lc_decode_finality_update(b->upd, fork, n, in, err)
                                          : lc_decode_optimistic_update(b->upd, fork, n, in, err);
  }
  case LC_REQ_UPDATES:
  case LC_REQ_NONE: break;
  }
  return vc_fail(err, VC_ERR_INPUT, "no single object expected");
}

static json_t *parse_json(vt_beacon *b, size_t i, const vt_fetch_result *r) {
  json_error_t jerr;
  json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
  if (!j) fail(b, i, F_DECODE, "invalid JSON at line %d: %s", jerr.line, jerr.text);
  return j;
}

/* Decode a 200 body for a bootstrap, finality or optimistic request into b->boot or
 * b->upd, by its Content-Type; false after fail() was called. */
static bool decode_body(vt_beacon *b, size_t i, const vt_fetch_result *r, bool ssz) {
  vc_err err = {{0}};
  vc_status st;
  if (ssz) {
    st = decode_ssz(b, vc_bytes_of(r->body, r->body_len), &err);
  } else {
    json_t *j = parse_json(b, i, r);
    if (!j) return false;
    if (b->req.kind == LC_REQ_BOOTSTRAP)
      st = lc_bootstrap_from_response(b->boot, j, b->cfg.sync_committee_size, &err);
    else
      st = lc_update_from_response(b->upd, requests[b->req.kind].kind, j,
                                   b->cfg.sync_committee_size, &err);
    json_decref(j);
  }
  if (st == VC_OK) return true;
  fail(b, i, F_DECODE, "%s%s", ssz ? "SSZ: " : "", err.msg);
  return false;
}

/* Take an updates answer as the batch (checked for shape here, verified item by item
 * in batch_step); false after fail() was called. */
static bool start_batch(vt_beacon *b, size_t i, const vt_fetch_result *r, bool ssz) {
  size_t items = 0;
  if (ssz) {
    vc_err err = {{0}};
    vc_bytes cur = vc_bytes_of(r->body, r->body_len), item;
    uint8_t digest[4];
    vc_status st;
    while ((st = lc_stream_next(&cur, digest, &item, &err)) == VC_OK) items++;
    if (st != VC_ERR_MISSING) {
      fail(b, i, F_DECODE, "SSZ: %s", err.msg);
      return false;
    }
  } else {
    json_t *j = parse_json(b, i, r);
    if (!j) return false;
    if (!json_is_array(j)) items = SIZE_MAX;
    else items = json_array_size(j);
    b->batch = j; /* the batch owns it now */
  }
  if (items > b->req.count) {
    drop_batch(b);
    fail(b, i, F_DECODE, "updates: expected %s of at most %llu items",
         ssz ? "a stream" : "an array", (unsigned long long)b->req.count);
    return false;
  }
  if (ssz) {
    if (r->body_len == 0) {
      b->ssz_batch = NULL; /* an empty stream: no usable update (batch_step) */
    } else if (!(b->ssz_batch = malloc(r->body_len))) {
      fail(b, i, F_TRANSPORT, "out of memory");
      return false;
    } else {
      memcpy(b->ssz_batch, r->body, r->body_len);
    }
    b->ssz_cur = vc_bytes_of(b->ssz_batch, r->body_len);
    if (!b->ssz_batch) {
      fail(b, i, F_EMPTY, "no usable update for periods %llu..%llu",
           (unsigned long long)b->req.start_period,
           (unsigned long long)(b->req.start_period + b->req.count - 1));
      return false;
    }
  }
  b->batch_i = 0;
  b->batch_ep = i;
  b->batch_news = false;
  return true;
}

/* Apply the decoded bootstrap or update. Returns whether the store changed; *ok false
 * after fail() was called. */
static bool handle_body(vt_beacon *b, size_t i, bool *ok) {
  vc_err err = {{0}};
  bool news = false;
  *ok = false;
  if (b->req.kind == LC_REQ_BOOTSTRAP) {
    snapshot before = snap(b->lc);
    if (lc_process_bootstrap(b->lc, b->boot, &err) != VC_OK) {
      fail(b, i, F_VERIFY, "bootstrap rejected: %s", err.msg);
      return false;
    }
    b->applied++;
    *ok = true;
    return after_change(b, &before);
  }
  *ok = apply_update(b, i, &news);
  return news;
}

/* The optimistic head lags the clock by more than VT_BEACON_LAG_SLOTS. */
static bool behind(const vt_beacon *b) {
  return current_slot(b) > b->lc->optimistic_header.beacon.slot + VT_BEACON_LAG_SLOTS;
}

static void on_fetch(const vt_fetch_result *r, void *ud) {
  vt_beacon *b = ud;
  size_t i = b->inflight_ep;
  bool ok = false, news = false, ssz;
  uint64_t delay = 0; /* after a failure: the next endpoint at once */
  b->inflight = NULL;
  if (r->error == VT_FETCH_E_SHUTDOWN) {
    b->fetcher_gone = true; /* the fetcher is closing: nothing more can be sent */
    snprintf(b->last_error, sizeof b->last_error, "stopped: the HTTP client was closed");
    return;
  }
  if (r->error != VT_FETCH_OK) {
    fail(b, i, F_TRANSPORT, "%s: %s", vt_fetch_error_name(r->error), r->error_msg);
    goto out;
  }
  if (r->http_status != 200) {
    fail(b, i, F_HTTP, "HTTP status %ld", r->http_status);
    goto out;
  }
  ssz = is_ssz(r->content_type);
  if (b->req.kind == LC_REQ_UPDATES) {
    (void)start_batch(b, i, r, ssz); /* on_tick verifies it item by item */
    goto out;
  }
  if (!decode_body(b, i, r, ssz)) goto out;
  news = handle_body(b, i, &ok);
  if (!ok) goto out;
  if (!news && behind(b)) {
    /* An endpoint that keeps answering old news must not pin us to the past. */
    fail(b, i, F_EMPTY, "nothing newer than slot %llu at clock slot %llu",
         (unsigned long long)b->lc->optimistic_header.beacon.slot,
         (unsigned long long)current_slot(b));
    goto out;
  }
  succeed(b, i);
  /* Applied: go on at once. No news: the endpoint is fine, the chain has not moved. */
  delay = news ? 0 : b->poll_ms;
out:
  vt_beacon__arm(b, delay);
}

static bool build_url(const vt_beacon *b, size_t i, char *out, size_t cap) {
  const lc_request *q = &b->req;
  char tail[128] = "";
  if (q->kind == LC_REQ_BOOTSTRAP) {
    vc_hex_encode(q->root, 32, tail);
  } else if (q->kind == LC_REQ_UPDATES) {
    snprintf(tail, sizeof tail, "?start_period=%llu&count=%llu",
             (unsigned long long)q->start_period, (unsigned long long)q->count);
  }
  int n = snprintf(out, cap, "%s%s%s", b->ep[i].url, requests[q->kind].path, tail);
  return n > 0 && (size_t)n < cap;
}

/* One turn: what does the store need now, and who do we ask. */
void vt_beacon__step(vt_beacon *b) {
  static const char *const accept[] = {
      "Accept: application/octet-stream;q=1, application/json;q=0.9"};
  char url[VT_BEACON_MAX_URL + 256];
  size_t i = 0;
  uint64_t slot = current_slot(b);
  if (b->need_checkpoint) {
    vt_beacon__agree_start(b);
    return;
  }
  snapshot before = snap(b->lc);
  if (lc_process_force_update(b->lc, slot)) (void)after_change(b, &before);
  lc_next_request(b->lc, slot, &b->req);
  if (b->req.kind == LC_REQ_NONE) {
    vt_beacon__arm(b, b->poll_ms);
    return;
  }
  if (b->req.kind == LC_REQ_UPDATES && b->req.count > VT_BEACON_MAX_UPDATES)
    b->req.count = VT_BEACON_MAX_UPDATES;
  if (!pick(b, &i)) { /* every endpoint failed this round: retry after the round back-off */
    b->tried = 0;
    vt_beacon__arm_retry(b);
    return;
  }
  vt_fetch_opts o = {.url = url, .headers = accept, .nheaders = 1, .timeout_ms = b->timeout_ms,
                     .connect_timeout_ms = b->timeout_ms, .max_response = VT_BEACON_MAX_RESPONSE};
  if (!build_url(b, i, url, sizeof url)) {
    fail(b, i, F_TRANSPORT, "request URL too long");
    vt_beacon__arm(b, 0);
    return;
  }
  b->ep[i].requests++;
  b->inflight_ep = i;
  uv_update_time(b->loop); /* request timers count from the loop clock: make it current */
  b->inflight = vt_fetch_start(b->fetcher, &o, on_fetch, b);
  if (!b->inflight) {
    fail(b, i, F_TRANSPORT, "request could not start");
    vt_beacon__arm(b, b->poll_ms);
  }
}

static void turn(vt_beacon *b) {
  if (b->batch || b->ssz_batch)
    batch_step(b);
  else
    vt_beacon__step(b);
}

static void on_tick(uv_timer_t *t) { turn(t->data); }

static void on_soon(uv_idle_t *h) {
  uv_idle_stop(h);
  turn(h->data);
}

/* ------------------------------------------------------------------ public ---- */

static bool set_err(char *err, size_t errlen, const char *msg) {
  if (err && errlen) snprintf(err, errlen, "%s", msg);
  return false;
}

static bool copy_urls(vt_beacon *b, const vt_beacon_opts *o, char *err, size_t errlen) {
  if (!o->urls || o->n == 0 || o->n > VT_BEACON_MAX_ENDPOINTS)
    return set_err(err, errlen, "anchor.beacon: 1 to 16 beacon API URLs are needed");
  for (size_t i = 0; i < o->n; i++) {
    const char *u = o->urls[i];
    size_t len = u ? strnlen(u, VT_BEACON_MAX_URL + 1) : 0;
    if (len == 0 || len > VT_BEACON_MAX_URL)
      return set_err(err, errlen, "anchor.beacon: a URL is empty or over 2048 bytes");
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
      return set_err(err, errlen, "anchor.beacon: URLs must start with http:// or https://");
    while (len > 0 && u[len - 1] == '/') len--;
    b->ep[i].url = strndup(u, len);
    if (!b->ep[i].url) return set_err(err, errlen, "out of memory");
    vt_redact_url(b->ep[i].url, b->ep[i].shown, sizeof b->ep[i].shown);
  }
  b->n = o->n;
  return true;
}

static void free_beacon(vt_beacon *b) {
  if (b->lc) lc_free(b->lc);
  free(b->lc);
  free(b->boot);
  free(b->upd);
  json_decref(b->batch);
  free(b->ssz_batch);
  for (size_t i = 0; i < b->n; i++) free(b->ep[i].url);
  vt_beacon__state_close(b);
  free(b);
}

vt_beacon *vt_beacon_new(uv_loop_t *loop, vt_fetcher *f, const vt_beacon_opts *o, char *err,
                         size_t errlen) {
  vt_beacon *b = NULL;
  const lc_chain_config *cfg = o ? (o->cfg ? o->cfg : lc_chain_config_get(o->chain ? o->chain : ""))
                                 : NULL;
  if (!loop || !f || !o) {
    set_err(err, errlen, "beacon: loop, fetcher and options are required");
    goto fail;
  }
  if (!cfg || cfg->seconds_per_slot == 0 || cfg->sync_committee_size == 0 ||
      cfg->sync_committee_size > LC_MAX_COMMITTEE) {
    set_err(err, errlen, "chain: no light-client configuration for this chain");
    goto fail;
  }
  b = calloc(1, sizeof *b);
  if (!b || !(b->lc = calloc(1, sizeof *b->lc)) || !(b->boot = malloc(sizeof *b->boot)) ||
      !(b->upd = malloc(sizeof *b->upd))) {
    set_err(err, errlen, "out of memory");
    goto fail;
  }
  if (!copy_urls(b, o, err, errlen) || !vt_beacon__state_open(b, o, err, errlen)) goto fail;
  b->cfg = *cfg;
  if (o->genesis_time) b->cfg.genesis_time = o->genesis_time;
  memcpy(b->checkpoint, o->checkpoint, 32);
  b->need_checkpoint = true;
  for (size_t i = 0; i < 32; i++) b->need_checkpoint = b->need_checkpoint && !b->checkpoint[i];
  if (!b->need_checkpoint)
    snprintf(b->checkpoint_source, sizeof b->checkpoint_source, "configured");
  else if (b->n == 1)
    snprintf(b->checkpoint_source, sizeof b->checkpoint_source,
             "pending: the only beacon endpoint's finalized root");
  else
    snprintf(b->checkpoint_source, sizeof b->checkpoint_source,
             "pending: agreement of 2 of %zu beacon endpoints", b->n);
  lc_init(b->lc, &b->cfg, b->checkpoint);
  b->loop = loop;
  b->fetcher = f;
  b->poll_ms = o->poll_ms ? o->poll_ms : b->cfg.seconds_per_slot * 1000u;
  b->timeout_ms = o->timeout_ms ? o->timeout_ms : VT_BEACON_DEFAULT_TIMEOUT_MS;
  b->on_update = o->on_update;
  b->ud = o->ud;
  uv_timer_init(loop, &b->tick);
  uv_idle_init(loop, &b->soon);
  b->tick.data = b->soon.data = b;
  b->open_handles = 2;
  return b;
fail:
  if (b) free_beacon(b);
  return NULL;
}

void vt_beacon_start(vt_beacon *b) {
  if (b->started || b->closing) return;
  b->started = true;
  vt_beacon__load(b);
  vt_beacon__arm(b, 0);
}

bool vt_beacon_head(const vt_beacon *b, bool finalized, vt_beacon_exec *out) {
  lc_exec_anchor a;
  vc_err err = {{0}};
  vc_status st = finalized ? lc_finalized_execution(b->lc, &a, &err)
                           : lc_optimistic_execution(b->lc, &a, &err);
  memset(out, 0, sizeof *out);
  if (st != VC_OK) return false;
  out->beacon_slot = a.beacon_slot;
  memcpy(out->beacon_root, a.beacon_root, 32);
  out->block_number = a.block_number;
  memcpy(out->block_hash, a.block_hash, 32);
  memcpy(out->state_root, a.state_root, 32);
  out->timestamp = a.timestamp;
  return true;
}

bool vt_beacon_synced(const vt_beacon *b, char *why, size_t wl) {
  lc_request q;
  vt_beacon_exec h;
  uint64_t slot = current_slot(b);
  if (b->need_checkpoint) {
    snprintf(why, wl, "the light client has no checkpoint yet (%s)", b->last_error[0] ? b->last_error : "agreeing");
    return false;
  }
  if (!b->lc->bootstrapped || !vt_beacon_head(b, false, &h)) {
    snprintf(why, wl, "the light client is not bootstrapped yet");
    return false;
  }
  lc_next_request(b->lc, slot, &q);
  if (q.kind == LC_REQ_BOOTSTRAP || q.kind == LC_REQ_UPDATES) {
    snprintf(why, wl, "the light client is catching up with the sync-committee periods");
    return false;
  }
  if (behind(b)) {
    snprintf(why, wl, "the light client's head (slot %llu) is behind the clock (slot %llu)",
             (unsigned long long)h.beacon_slot, (unsigned long long)slot);
    return false;
  }
  snprintf(why, wl, "the light client is synced (block %llu)", (unsigned long long)h.block_number);
  return true;
}

void vt_beacon_get_status(const vt_beacon *b, vt_beacon_status *out) {
  vt_beacon_exec h;
  lc_request q;
  memset(out, 0, sizeof *out);
  out->bootstrapped = b->lc->bootstrapped;
  out->restored = b->restored;
  out->current_slot = current_slot(b);
  lc_next_request(b->lc, out->current_slot, &q);
  out->synced = out->bootstrapped && q.kind != LC_REQ_BOOTSTRAP && q.kind != LC_REQ_UPDATES;
  if (out->bootstrapped) {
    out->finalized_slot = b->lc->finalized_header.beacon.slot;
    out->optimistic_slot = b->lc->optimistic_header.beacon.slot;
  }
  if (vt_beacon_head(b, true, &h)) out->finalized_block = h.block_number;
  if (vt_beacon_head(b, false, &h)) out->optimistic_block = h.block_number;
  out->applied = b->applied;
  out->rejected = b->rejected;
  out->checkpoint_known = !b->need_checkpoint;
  memcpy(out->checkpoint, b->checkpoint, 32);
  memcpy(out->checkpoint_source, b->checkpoint_source, sizeof out->checkpoint_source);
  memcpy(out->last_error, b->last_error, sizeof out->last_error);
  out->n = b->n;
  for (size_t i = 0; i < b->n; i++) {
    const endpoint *e = &b->ep[i];
    vt_beacon_endpoint_status *s = &out->endpoints[i];
    memcpy(s->url, e->shown, sizeof s->url);
    s->requests = e->requests;
    s->failures = e->failures;
    s->rejected = e->rejected;
    s->penalised = e->until_ms > now_ms(b);
    memcpy(s->last_error, e->last_error, sizeof s->last_error);
  }
}

json_t *vt_beacon_status_json(const vt_beacon *b) {
  vt_beacon_status *s = malloc(sizeof *s);
  json_t *o = NULL, *eps = NULL, *ckpt = NULL;
  char hex[67];
  if (!s) return NULL;
  vt_beacon_get_status(b, s);
  vc_hex_encode(s->checkpoint, 32, hex);
  ckpt = s->checkpoint_known ? json_string(hex) : json_null();
  eps = json_array();
  for (size_t i = 0; eps && i < s->n; i++) {
    const vt_beacon_endpoint_status *e = &s->endpoints[i];
    if (json_array_append_new(eps, json_pack("{s:s, s:I, s:I, s:I, s:b, s:s}", "url", e->url,
                                             "requests", (json_int_t)e->requests, "failures",
                                             (json_int_t)e->failures, "rejected",
                                             (json_int_t)e->rejected, "penalised", e->penalised,
                                             "last_error", e->last_error)) != 0) {
      json_decref(eps);
      eps = NULL;
    }
  }
  if (eps && ckpt)
    o = json_pack("{s:b, s:b, s:b, s:I, s:{s:I, s:I}, s:{s:I, s:I}, s:I, s:I, s:s, s:o, s:O, s:s}",
                  "bootstrapped", s->bootstrapped, "synced", s->synced, "restored", s->restored,
                  "current_slot", (json_int_t)s->current_slot, "finalized", "slot",
                  (json_int_t)s->finalized_slot, "block", (json_int_t)s->finalized_block,
                  "optimistic", "slot", (json_int_t)s->optimistic_slot, "block",
                  (json_int_t)s->optimistic_block, "applied", (json_int_t)s->applied, "rejected",
                  (json_int_t)s->rejected, "last_error", s->last_error, "endpoints", eps,
                  "checkpoint", ckpt, "checkpoint_source", s->checkpoint_source);
  else
    json_decref(eps);
  json_decref(ckpt);
  free(s);
  return o;
}

static void on_closed(uv_handle_t *h) {
  vt_beacon *b = h->data;
  if (--b->open_handles > 0) return;
  void (*done)(void *) = b->done;
  void *arg = b->done_arg;
  free_beacon(b);
  if (done) done(arg);
}

void vt_beacon_close(vt_beacon *b, void (*done)(void *arg), void *arg) {
  if (!b || b->closing) return;
  b->closing = true;
  b->done = done;
  b->done_arg = arg;
  if (b->inflight) vt_fetch_cancel(b->inflight);
  b->inflight = NULL;
  for (size_t i = 0; i < b->n; i++) {
    vt_fetch_cancel(b->agree[i].x); /* NULL: a no-op */
    b->agree[i].x = NULL;
  }
  if (b->dirty) vt_beacon__save(b);
  uv_close((uv_handle_t *)&b->tick, on_closed);
  uv_close((uv_handle_t *)&b->soon, on_closed);
}
