/*
 * subs.h: WebSocket sessions and eth_subscribe.
 *
 * A vt_ws_sess is verity's side of one WebSocket connection. It is refcounted: the
 * connection holds one reference until it closes, and every request in flight on it
 * holds one, so an answer that arrives after the client left is dropped safely.
 *
 * Subscriptions are served from verity's own head, never from one upstream's feed:
 * when the pinned head advances, each new block's header is fetched (pinned to that
 * number, so only upstreams that have it are asked) and pushed to every newHeads
 * subscriber in order, without gaps (at most VT_SUBS_MAX_CATCHUP blocks after a jump);
 * `logs` subscribers get that block's matching logs from eth_getLogs.
 */
#ifndef VT_SUBS_H
#define VT_SUBS_H

#include <stddef.h>

#include "net/http_server.h"
#include "pool/pool.h"
#include "rpc/rpc.h"
#include "util/buf.h"

typedef struct vt_ws_sess vt_ws_sess;
typedef struct vt_subs vt_subs;

#define VT_SUBS_PER_SESSION 64
#define VT_SUBS_MAX_TOTAL 10000
#define VT_SUBS_MAX_CATCHUP 32

/* A session for a new connection; it reports its close to subs (borrowed). The
 * session remembers the client's address (vt_ws_peer without the port). */
vt_ws_sess *vt_ws_sess_new(vt_subs *subs, vt_ws_conn *c);
vt_ws_sess *vt_ws_sess_ref(vt_ws_sess *s);      /* NULL-safe */
void vt_ws_sess_unref(vt_ws_sess *s);           /* NULL-safe */
void vt_ws_sess_send(vt_ws_sess *s, const char *data, size_t len); /* dropped once closed */
void vt_ws_sess_closed(vt_ws_sess *s);          /* the connection is gone */
const char *vt_ws_sess_addr(const vt_ws_sess *s); /* the client's address, "" if unknown */

/* Subscriptions over the pool (borrowed: calls and the head). */
vt_subs *vt_subs_new(vt_pool *pool);
/* At most `limit` subscriptions from one client address (all its connections; 0: no
 * limit), besides VT_SUBS_PER_SESSION per connection and VT_SUBS_MAX_TOTAL in all. */
void vt_subs_set_client_limit(vt_subs *subs, unsigned limit);
/* Stop fetching, no more pushes; done(arg) once its timer is closed. */
void vt_subs_shutdown(vt_subs *subs, void (*done)(void *arg), void *arg);
void vt_subs_free(vt_subs *subs);
/* eth_subscribe / eth_unsubscribe from a session; writes the response into b. */
void vt_subs_handle(vt_subs *subs, vt_ws_sess *s, const vt_rpc_call *rc, vt_buf *b);
/* The pinned head advanced (wired as the pool's on_head hook). */
void vt_subs_on_head(vt_subs *subs, uint64_t old_head, uint64_t new_head);
size_t vt_subs_count(const vt_subs *subs);

#endif
