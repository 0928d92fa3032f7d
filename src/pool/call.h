/*
 * call.h: one JSON-RPC call carried to the upstreams until it has an answer that
 * may be given to the client, or an honest error.
 *
 * A read goes to the best eligible upstream (healthy, not rate-limited, within
 * budget, and at or past the block the call is pinned to). If it has not answered
 * after the hedge delay, the next one is asked too and the first acceptable answer
 * wins. A transport failure, a 5xx/429, garbage, or a retryable JSON-RPC error
 * ("header not found", "missing trie node", internal errors) moves the call to the
 * next eligible upstream at once. A deterministic error (execution reverted, invalid
 * argument) is the answer.
 *
 * Unknown is not zero: a result that looks like "nothing" for the method (a 0x0
 * balance, a null receipt, an empty log list) is only given to the client when k
 * upstreams (the quorum in force) returned exactly the same bytes; one upstream's
 * "nothing" against another's value makes verity ask further, and when no answer
 * can be confirmed the client gets -32002 with data naming what each upstream did.
 *
 * A write (eth_sendRawTransaction) goes to every usable upstream at once; the first
 * success answers; "already known" counts as success (the hash is the same).
 *
 * The call owns its buffers; `done` is called exactly once, then the owner calls
 * vt_call_free() (which may finish asynchronously: the hedge timer is closed first).
 */
#ifndef VT_CALL_H
#define VT_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "flow/flow.h"
#include "net/fetch.h"
#include "pool/pool.h"
#include "rpc/methods.h"
#include "util/buf.h"

struct vt_upstream;

#define VT_CALL_MAX_PARALLEL 8   /* reads use up to 3 (one + two hedges); writes fan out to 8 */
#define VT_CALL_MAX_HEDGES 2
#define VT_CALL_MAX_VOTES 4

typedef struct vt_call vt_call;
typedef void (*vt_call_done)(vt_call *c, void *ud);

/* A check run on every result an upstream returns, before anything else is done with
 * it. Return 0 to accept: the answer given (or voted on) is `out` if it is non-empty,
 * else the raw result. Return -1 when the answer is provably wrong: the upstream is
 * charged with a wrong answer (VT_FAIL_LIE, why) and the call moves on. */
typedef int (*vt_call_check)(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out,
                             char *why, size_t whylen);

/* Called with a JSON-RPC error an upstream returned, before the retry tables. Return
 * true when the error says the request is too big for that upstream (an eth_getLogs
 * range or result-size limit): neither the answer nor the upstream's fault, so the
 * call moves on to the next upstream without charging it. */
typedef bool (*vt_call_on_error)(vt_call *c, struct vt_upstream *u, long code, const char *message);

typedef struct {
  vt_call_check check;     /* NULL: no check */
  void *check_ud;
  unsigned agree;          /* > 0: finish only when this many upstreams gave the same (checked) answer */
  bool strict;             /* agree is never lowered when upstreams fail (anchoring a header):
                              fewer agreeing answers end the call unavailable */
  bool only_trusted;       /* ask only upstreams marked trusted */
  bool verified;           /* a check that proves: no empty-like confirmation is needed */
  const vt_trust *trust;   /* trust to report on success (the anchor's); NULL: computed */
  vt_call_on_error on_error; /* NULL: the retry tables only */
  uint64_t logs_range;     /* > 0: skip upstreams known to refuse eth_getLogs ranges this wide */
} vt_call_opts;

typedef struct {
  vt_call *call;
  struct vt_upstream *u;
  vt_fetch *fetch;
  uint64_t t0_ms;
  bool active;
  bool hedged;
} vt_attempt;

typedef struct {
  char *val;
  size_t len;
  unsigned count;
  const char *first_by;    /* upstream name of the first voter */
} vt_vote;

struct vt_call {
  vt_pool *pool;
  char method[65];
  const vt_method *m;
  char *body;              /* the request sent upstream */
  size_t body_len;
  vt_pin_kind pin;
  uint64_t pin_number;
  bool broadcast;
  unsigned timeout_ms;

  uint64_t tried;          /* bitmask of upstream indices asked */
  vt_attempt att[VT_CALL_MAX_PARALLEL];
  unsigned inflight;
  unsigned hedges;
  uv_timer_t hedge_timer;
  bool timer_init;
  vt_vote votes[VT_CALL_MAX_VOTES];
  unsigned nvotes;
  uint64_t empty_voters;   /* upstreams that answered with an empty-like result */
  unsigned need_confirm;   /* k for empty-like results */
  unsigned eligible_n;     /* n for quorum:k/n */
  vt_buf why;              /* JSON array of per-upstream failures, for -32002 data */
  char *det_error;         /* a deterministic error seen (answer if nothing better) */
  size_t det_error_len;
  const char *det_error_by;

  bool finished;
  bool released;
  bool freeing;           /* the owner called vt_call_free; freed when nothing is in flight */
  uint64_t t_start_ms;
  vt_call_outcome outcome;
  char *result;
  size_t result_len;
  const char *served_by;   /* upstream name (borrowed from config) */
  vt_trust trust;          /* single, quorum k/n, or opts.trust */
  vt_call_done done;
  void *ud;
  vt_call_opts opts;
};

/* Create and start a call. body is copied. Returns NULL on allocation failure. */
vt_call *vt_call_start(vt_pool *pool, const vt_method *m, const char *method, const char *body,
                       size_t body_len, const vt_plan *plan, vt_call_done done, void *ud);
void vt_call_free(vt_call *c);
/* The same with verification options (copied). */
vt_call *vt_call_start_opts(vt_pool *pool, const vt_method *m, const char *method, const char *body,
                            size_t body_len, const vt_plan *plan, const vt_call_opts *opts, vt_call_done done,
                            void *ud);

/* Is this JSON-RPC error from an upstream worth retrying elsewhere? (table-driven) */
bool vt_rpc_error_retryable(long code, const char *message);
/* Does this raw result look like "nothing" per the method's empty_like flags? */
bool vt_result_is_empty_like(uint8_t empty_like, const char *res, size_t n);

#endif
