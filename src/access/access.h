/*
 * access.h: client keys and per-key limits, asked by the front (gateway.c) before a
 * message is planned.
 *
 * With no `keys:` in the config the gateway is open, as it always was (vt_access_on()
 * is false and the front skips everything here). With keys, every JSON-RPC request
 * (HTTP POST or WebSocket upgrade) must carry one, in this order of precedence:
 *   X-Verity-Key: <key>        a header
 *   Authorization: Bearer <key>
 *   /k/<key>                   the URL path (what MetaMask's custom RPC can send)
 * A missing or unknown key is refused (401), a key over its budget is refused with the
 * seconds until a request would pass (429 + Retry-After). Each key has a token bucket
 * (rps, burst: one token per call, so a batch of k calls takes k) and method allow/deny
 * patterns (vt_access_method_ok, asked once per call of a message).
 *
 * Keys are never logged, shown or used as metric labels: each key is known by a tag,
 * the first VT_ACCESS_TAG_HEX hex digits of its SHA-256, and by its configured name.
 *
 * Who owns what: the gateway owns the vt_access (vt_access_new / vt_access_free); a
 * vt_client pointer handed out stays valid until vt_access_free. Nothing is
 * thread-safe; it all runs on the gateway's loop. Time is passed in (now_ms), so the
 * buckets are tested without a clock.
 */
#ifndef VT_ACCESS_H
#define VT_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/vc_base.h"
#include "obs/metrics.h"

#define VT_ACCESS_TAG_HEX 12   /* hex digits of SHA-256(key) shown in logs and metrics */
#define VT_ACCESS_PATH_PREFIX "/k/"
#define VT_ACCESS_WHY_RATE "rate limit: this key's requests per second are used up; retry after the Retry-After seconds"
#define VT_ACCESS_WHY_BATCH \
  "rate limit: this batch has more calls than this key's burst and can never pass; send smaller batches"

/* A token bucket: rate tokens per second up to burst; empty at start is not useful, so
 * a fresh bucket (last_ms == 0 and tokens == 0) starts full. */
typedef struct {
  double tokens;
  uint64_t last_ms;
  bool started;
} vt_bucket;

/* Take n tokens at now_ms (all or none). Returns 0 when taken, else the milliseconds
 * until they will be there (at least 1; for n over burst, until the bucket is full, and
 * the take can never pass). rate <= 0 means unlimited (always 0). */
uint64_t vt_bucket_take(vt_bucket *b, double rate, double burst, uint64_t now_ms, unsigned n) VC_MUST_CHECK;

typedef struct vt_access vt_access;
typedef struct vt_client vt_client;

typedef enum {
  VT_ACCESS_OK = 0,      /* known key within its budget (or access is off: client NULL) */
  VT_ACCESS_MISSING,     /* keys are required and none was given: 401 */
  VT_ACCESS_WRONG,       /* a key that is not configured: 401 */
  VT_ACCESS_LIMITED,     /* over the key's requests/s: 429, retry_after_s */
} vt_access_status;

typedef struct {
  const vt_client *client;   /* the key's entry when OK or LIMITED, else NULL */
  unsigned retry_after_s;    /* LIMITED: whole seconds, at least 1 */
  int http_status;           /* 200, 401 or 429 */
  const char *why;           /* a sentence for the client (never the key) */
} vt_access_verdict;

/* Build the key table from cfg->keys (reg may be NULL: no metrics). NULL when out of
 * memory (err filled). With no keys the table is empty and vt_access_on() is false. */
vt_access *vt_access_new(const vt_config *cfg, vt_metrics *reg, char *err, size_t errlen);
void vt_access_free(vt_access *a);
bool vt_access_on(const vt_access *a);

/* Where the key is in a request: the header value (X-Verity-Key, then a Bearer
 * Authorization), else the segment after "/k/" in path. *key and *len point into the
 * arguments (not copied); *len is 0 when there is none. Returns the path with the
 * "/k/<key>" part removed ("/" for "/k/<key>" or "/k/<key>/"), or path itself. */
const char *vt_access_key_of(const char *path, const char *x_key, const char *authorization, const char **key,
                             size_t *len);

/* Decide a request carrying key[0..len) (len 0: none) at now_ms; fills v. */
vt_access_status vt_access_admit(vt_access *a, const char *key, size_t len, uint64_t now_ms, vt_access_verdict *v)
    VC_MUST_CHECK;

/* Charge n more requests to a client already admitted: a WebSocket message (the key
 * came with the upgrade), or the calls of a batch past its first (the front charges a
 * batch of k calls k tokens). VT_ACCESS_OK or VT_ACCESS_LIMITED; a NULL client is OK. */
vt_access_status vt_access_take(vt_access *a, const vt_client *c, unsigned n, uint64_t now_ms, vt_access_verdict *v)
    VC_MUST_CHECK;

/* Can a batch of ncalls ever pass this client's bucket (ncalls <= burst, or no rate)? */
bool vt_access_batch_fits(const vt_client *c, size_t ncalls) VC_MUST_CHECK;

/* The tag a key would have (for logging a wrong key without the key): out gets
 * VT_ACCESS_TAG_HEX hex digits and a NUL. */
void vt_access_tag_of(const char *key, size_t len, char out[VT_ACCESS_TAG_HEX + 1]);

/* May this client call method? Deny patterns first, then allow (none = all). A NULL
 * client (access off) may call everything. Counts a refusal in the metrics. */
bool vt_access_method_ok(const vt_client *c, const char *method) VC_MUST_CHECK;

/* The key's tag (hex hash prefix) and configured name, for logs and metrics. */
const char *vt_client_tag(const vt_client *c);
const char *vt_client_name(const vt_client *c);

/* Counts by outcome, for /status. */
typedef struct {
  uint64_t admitted, missing, wrong, limited, methods_denied;
  size_t keys;
} vt_access_stats;
void vt_access_stats_get(const vt_access *a, vt_access_stats *s);

#endif
