/*
 * redis.h: the shared cache several verity instances use, on Redis through hiredis's
 * async API (Debian hiredis 0.14) driven by libuv (redis_uv.c: a small replacement for
 * hiredis' bundled libuv adapter, which ignores poll errors in 0.14).
 *
 * Who calls it: the gateway, on its loop thread. The gateway owns the vt_redis and ends
 * it with vt_redis_close(); memory is released just before the done callback runs.
 *
 * Keys are "<namespace>:<chain id>:<cache key bytes>" (binary safe); values are the
 * shared entry format (cache.h). Unfinalized entries are written with a TTL
 * (unfinalized_ttl_ms), finalized ones without (finalized_ttl_ms = 0) or with the TTL
 * configured; run Redis with a maxmemory policy (allkeys-lru) so it stays bounded.
 *
 * Degradation is the point: a get's callback always comes within timeout_ms (plus one
 * loop turn), never from inside vt_redis_get, and the loop never blocks. While Redis is
 * down, unreachable, overloaded (max_inflight commands outstanding) or stalled (a reply
 * outstanding for stall_ms: the connection is dropped), gets answer DOWN or TIMEOUT and
 * puts are dropped, all counted in the stats. The connection is re-established with
 * exponential backoff (backoff_min_ms doubling to backoff_max_ms, +-25% jitter; reset
 * once a reply arrives), and from then on Redis is used again.
 *
 * Redis is a trust boundary: anyone who can write to it could feed every instance
 * answers marked "verified". With auth_key set, each entry carries an HMAC over its Redis
 * key and bytes, and an entry that fails the check is a miss (ERROR, counted in
 * bad_entries). Without it, Redis must be reachable only by the verity fleet.
 *
 * The host name is resolved once, in vt_redis_new (getaddrinfo blocks; hiredis 0.14 would
 * otherwise resolve on every reconnect inside the loop).
 */
#ifndef VT_STORE_REDIS_H
#define VT_STORE_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "store/cache.h"

#define VT_REDIS_URL_MAX 256u
#define VT_REDIS_NAMESPACE_MAX 32u

/* Zero fields take their defaults; limits are checked in vt_redis_new. */
typedef struct {
  uint64_t chain_id;           /* part of every key */
  const char *key_namespace;   /* default "verity"; [A-Za-z0-9_-]{1,32} */
  unsigned timeout_ms;         /* per command (get answer deadline): default 50 */
  unsigned connect_timeout_ms; /* default 500 */
  unsigned stall_ms;           /* a reply outstanding this long drops the connection: default 4*timeout */
  unsigned backoff_min_ms;     /* default 100 */
  unsigned backoff_max_ms;     /* default 5000 */
  unsigned unfinalized_ttl_ms; /* default 60000 */
  unsigned finalized_ttl_ms;   /* default 0 = no TTL */
  unsigned max_inflight;       /* commands outstanding before gets/puts are refused: default 1024 */
  unsigned max_value;          /* bytes of an encoded entry, either way: default 4 MiB */
  const uint8_t *auth_key;     /* optional shared secret, 16..64 bytes, copied: entries */
  size_t auth_key_len;         /* carry HMAC-SHA256(secret, redis key | entry)[0..16] */
} vt_redis_opts;

typedef enum {
  VT_REDIS_HIT = 0,
  VT_REDIS_MISS,    /* Redis answered: no such key */
  VT_REDIS_DOWN,    /* not connected, overloaded or the connection dropped */
  VT_REDIS_TIMEOUT, /* no reply within timeout_ms */
  VT_REDIS_ERROR,   /* an error reply or an entry that does not decode */
  VT_REDIS_CLOSED,  /* vt_redis_close() ran first */
} vt_redis_result;

typedef struct {
  uint64_t gets, hits, misses, down, timeouts, errors, bad_entries, closed;
  uint64_t puts, puts_ok, puts_dropped, put_errors;
  uint64_t connects, connect_failures, disconnects, stalls;
  unsigned inflight;
  bool connected;
} vt_redis_stats;

typedef struct vt_redis vt_redis;

/* Anything but HIT is a miss to the caller. val and meta are valid during the call only. */
typedef void (*vt_redis_get_cb)(void *ud, vt_redis_result res, const uint8_t *val, size_t vlen,
                                const vt_cache_meta *meta);
typedef void (*vt_redis_done_cb)(void *arg);

/* url: redis://host:port[/db] (host a name, an IPv4 address or [IPv6]; db 0..1023).
 * opts may be NULL. Starts connecting at once. NULL with a message in err on failure. */
vt_redis *vt_redis_new(uv_loop_t *loop, const char *url, const vt_redis_opts *opts, char *err,
                       size_t errlen);
/* 0: cb will be called exactly once, later. -1: bad arguments or closing; cb never called. */
int vt_redis_get(vt_redis *r, const void *key, size_t klen, vt_redis_get_cb cb, void *ud);
/* true if the SET was sent; false if dropped (down, overloaded) or refused (bad input). */
bool vt_redis_put(vt_redis *r, const void *key, size_t klen, const void *val, size_t vlen,
                  const vt_cache_meta *meta);
/* Answers pending gets with CLOSED, disconnects, and calls done (may be NULL) once all
 * handles are closed; r is freed just before. */
void vt_redis_close(vt_redis *r, vt_redis_done_cb done, void *arg);
void vt_redis_stats_get(const vt_redis *r, vt_redis_stats *out);
const char *vt_redis_result_str(vt_redis_result res);

#endif
