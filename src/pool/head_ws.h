/*
 * head_ws.h: upstream heads by `newHeads` subscription (upstreams[].ws).
 *
 * For an upstream with a ws:// or wss:// url, once its chain id has been checked by a
 * poll, verity opens a WebSocket (net/ws_client.h) and sends eth_subscribe("newHeads").
 * Every notification updates that upstream's head exactly as a successful
 * eth_blockNumber poll does, so blocks reach verity's head without waiting for the next
 * poll. While the subscription is healthy (subscribed, and the server answered the
 * ping of every head tick within two poll intervals and a second) its eth_blockNumber
 * poll is skipped and the live connection keeps the head confirmed; on any failure
 * (refused, TLS or upgrade failure, close, garbage, an error for the subscription,
 * silence) the upstream is polled again at once and the subscription retried after a
 * capped exponential backoff. A WebSocket failure never opens the HTTP breaker, and
 * while the breaker is not closed the poll runs anyway (it is the half-open probe).
 * One upstream's notifications cannot move verity's head alone: the head is still the
 * highest block k upstreams reached (head.c).
 *
 * Called from head.c's tick; /status reads vt_head_ws_info.
 */
#ifndef VT_POOL_HEAD_WS_H
#define VT_POOL_HEAD_WS_H

#include <stdbool.h>
#include <stdint.h>

#include "pool/pool.h"

#define VT_HEAD_WS_BACKOFF_MIN_MS 1000u
#define VT_HEAD_WS_BACKOFF_MAX_MS 30000u
#define VT_HEAD_WS_MAX_MESSAGE (256u * 1024) /* a newHeads notification is a header: ~1 KiB */

typedef struct {
  bool configured;
  const char *state;       /* "connecting", "subscribing", "subscribed", "waiting" (backoff) */
  bool head_source_ws;     /* the head is kept by the subscription now (no poll) */
  uint64_t notifications, connects, failures;
  const char *last_error;  /* redacted; "" when none */
} vt_head_ws_info;

/* One head tick for upstream u (chain id checked): true when the subscription keeps its
 * head now (the caller skips the poll), false when it must be polled. Starts or retries
 * the connection when due. */
bool vt_head_ws_tick(vt_pool *p, vt_upstream *u, uint64_t now);
void vt_head_ws_info_get(const vt_pool *p, size_t i, vt_head_ws_info *out);
/* Close every subscription (pool shutdown); their memory goes when their sockets are closed. */
void vt_head_ws_close_all(vt_pool *p);

#endif
