/*
 * beacon_checkpoint.c: a checkpoint when none is configured.
 *
 * Every configured beacon endpoint is asked for its finalized block root at once. A
 * root is adopted only when at least 2 endpoints (1 of 1 when only one is configured,
 * logged as trust on first use) give it and no other root has as many; otherwise the
 * answers are logged and the round is repeated after the round back-off (1 s doubling up to a poll), and nothing syncs. The
 * adopted root is persisted with the light client's state (beacon.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/hex.h"
#include "beacon/beacon_int.h"
#include "obs/log.h"

#define FINALIZED_PATH "/eth/v1/beacon/headers/finalized"
#define AGREE_MAX_BODY (64u * 1024) /* a header response is under 1 KB */
#define AGREE_LOG_MAX 2048u

/* ------------------------------------------------------------- checkpoint ---- */

static void agree_blame(vt_beacon *b, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An endpoint that gave no usable answer in an agreement round (no back-off: the round
 * waits for every endpoint anyway). */
static void agree_blame(vt_beacon *b, size_t i, const char *fmt, ...) {
  endpoint *e = &b->ep[i];
  char msg[VT_BEACON_ERR_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  e->failures++;
  snprintf(e->last_error, sizeof e->last_error, "checkpoint: %s", msg);
  VT_LOG(VT_LOG_WARN, "beacon_checkpoint_no_answer", "endpoint=%s error=%s", e->shown, msg);
}

/* data.root of a /eth/v1/beacon/headers/finalized answer. */
static bool finalized_root(const vt_fetch_result *r, uint8_t out[32]) {
  json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
  const char *s = json_string_value(json_object_get(json_object_get(j, "data"), "root"));
  bool ok = s && vc_hex_decode_fixed(s, strlen(s), out, 32) == VC_OK;
  json_decref(j);
  return ok;
}

/* Every endpoint has answered or failed: adopt the agreed root, or log and retry. */
static void agree_decide(vt_beacon *b) {
  size_t need = b->n == 1 ? 1 : 2, best = 0, best_k = 0, at = 0;
  bool tie = false;
  char line[AGREE_LOG_MAX] = "", hex[67];
  for (size_t i = 0; i < b->n; i++) {
    if (!b->agree[i].ok) continue;
    size_t k = 0;
    for (size_t j = 0; j < b->n; j++)
      k += b->agree[j].ok && memcmp(b->agree[j].root, b->agree[i].root, 32) == 0;
    if (k > best_k) {
      best_k = k;
      best = i;
      tie = false;
    } else if (k == best_k && memcmp(b->agree[i].root, b->agree[best].root, 32) != 0) {
      tie = true;
    }
  }
  for (size_t i = 0; i < b->n && at < sizeof line; i++) {
    if (b->agree[i].ok) vc_hex_encode(b->agree[i].root, 32, hex);
    int w = snprintf(line + at, sizeof line - at, "%s%s=%s", i ? " " : "", b->ep[i].shown,
                     b->agree[i].ok ? hex : "none");
    if (w > 0) at += (size_t)w;
  }
  if (best_k < need || tie) {
    snprintf(b->last_error, sizeof b->last_error,
             "checkpoint: no agreement: %zu of %zu beacon endpoints must give the same finalized root",
             need, b->n);
    for (size_t i = 0; i < b->n; i++)
      if (b->agree[i].ok) snprintf(b->ep[i].last_error, sizeof b->ep[i].last_error,
                                   "checkpoint: finalized root not agreed by the others");
    VT_LOG(VT_LOG_WARN, "beacon_checkpoint_disagree", "need=%zu answers=%s", need, line);
    vt_beacon__arm_retry(b);
    return;
  }
  for (size_t i = 0; i < b->n; i++)
    if (b->agree[i].ok && memcmp(b->agree[i].root, b->agree[best].root, 32) != 0) {
      snprintf(b->ep[i].last_error, sizeof b->ep[i].last_error,
               "checkpoint: finalized root disagrees with the agreed one");
      VT_LOG(VT_LOG_WARN, "beacon_checkpoint_dissent", "endpoint=%s", b->ep[i].shown);
    }
  memcpy(b->checkpoint, b->agree[best].root, 32);
  lc_free(b->lc);
  lc_init(b->lc, &b->cfg, b->checkpoint);
  b->need_checkpoint = false;
  b->last_error[0] = '\0';
  vt_beacon__round_ok(b);
  snprintf(b->checkpoint_source, sizeof b->checkpoint_source,
           "agreed by %zu of %zu beacon endpoints", best_k, b->n);
  vc_hex_encode(b->checkpoint, 32, hex);
  if (b->n == 1)
    VT_LOG(VT_LOG_WARN, "beacon_checkpoint_tofu",
           "checkpoint=%s endpoint=%s: trust on first use of the only beacon endpoint; pin "
           "anchor.checkpoint for a trustless start", hex, b->ep[0].shown);
  else
    VT_LOG(VT_LOG_INFO, "beacon_checkpoint_agreed", "checkpoint=%s agreed=%zu of=%zu answers=%s",
           hex, best_k, b->n, line);
  vt_beacon__arm(b, 0);
}

static void on_agree(const vt_fetch_result *r, void *ud) {
  agree_slot *s = ud;
  vt_beacon *b = s->b;
  s->x = NULL;
  b->agree_pending--;
  if (r->error == VT_FETCH_E_SHUTDOWN) {
    b->fetcher_gone = true;
    snprintf(b->last_error, sizeof b->last_error, "stopped: the HTTP client was closed");
    return;
  }
  if (r->error != VT_FETCH_OK)
    agree_blame(b, s->i, "%s: %s", vt_fetch_error_name(r->error), r->error_msg);
  else if (r->http_status != 200)
    agree_blame(b, s->i, "HTTP status %ld", r->http_status);
  else if (!(s->ok = finalized_root(r, s->root)))
    agree_blame(b, s->i, "no data.root of 32 bytes in the finalized header answer");
  if (b->agree_pending == 0 && !b->fetcher_gone && !b->closing) agree_decide(b);
}

/* One agreement round: every endpoint at once. */
void vt_beacon__agree_start(vt_beacon *b) {
  static const char *const accept[] = {"Accept: application/json"};
  char url[VT_BEACON_MAX_URL + sizeof FINALIZED_PATH];
  vt_fetch_opts o = {.url = url, .headers = accept, .nheaders = 1, .timeout_ms = b->timeout_ms,
                     .connect_timeout_ms = b->timeout_ms, .max_response = AGREE_MAX_BODY};
  uv_update_time(b->loop);
  b->agree_pending = 0;
  for (size_t i = 0; i < b->n; i++) {
    agree_slot *s = &b->agree[i];
    s->b = b;
    s->i = i;
    s->ok = false;
    snprintf(url, sizeof url, "%s%s", b->ep[i].url, FINALIZED_PATH);
    b->ep[i].requests++;
    s->x = vt_fetch_start(b->fetcher, &o, on_agree, s);
    if (s->x) b->agree_pending++;
    else agree_blame(b, i, "request could not start");
  }
  if (b->agree_pending == 0) agree_decide(b); /* callbacks never run inside start */
}

