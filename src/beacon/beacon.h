/*
 * beacon.h: the host side of the light-client anchor. A vt_beacon owns one lc_client
 * (src/core/lightclient/lc.h, sans-I/O) and runs it against several beacon API
 * endpoints on the gateway's libuv loop.
 *
 * What it does: asks lc_next_request() what the store needs at the current slot (the
 * slot comes from the chain's genesis time and the wall clock; back-offs and polls run
 * on the loop clock), GETs it from /eth/v1/beacon/light_client/{bootstrap/{root},
 * updates?start_period=&count=, finality_update, optimistic_update} offering SSZ first
 * (Accept: application/octet-stream;q=1, application/json;q=0.9), decodes it by the
 * response's Content-Type (application/octet-stream: the SSZ decoders of lc_types.h, the
 * fork taken from the slot of the first header, /updates as the length-prefixed stream;
 * anything else: JSON, lc_json.h) and hands it to the light client, which checks every
 * branch and every sync-committee signature. Nothing an endpoint says is applied unless
 * that check passes.
 *
 * Checkpoint: the configured one, else the one restored from the saved store, else one
 * agreed at first start: every endpoint is asked for GET /eth/v1/beacon/headers/finalized
 * (data.root) in one round; a root given by at least 2 endpoints (the only endpoint when
 * n == 1: trust on first use, logged as a warning) and by more endpoints than any other
 * root is taken. Any other outcome (disagreement, too few answers) logs every
 * endpoint's answer and repeats the round after poll_ms; nothing is synced meanwhile.
 * The agreed root is only a starting point: the bootstrap must still hash to it. It is
 * persisted with the store (lc_save keeps the checkpoint), so a restart does not ask
 * again (status source then "agreed by beacon endpoints (state file)", or "(lmdb store)"). A restart
 * before the first bootstrap verified has nothing saved and agrees again.
 *
 * Failover: one endpoint is preferred at a time. An endpoint that cannot be reached,
 * times out, answers a non-200 status, sends something that does not decode, or sends
 * data that fails verification is penalised (a back-off that grows with consecutive
 * failures, far longer for data that fails verification: a forged update is evidence,
 * not bad luck) and the same request goes to the next endpoint at once; so is one that
 * answers only old news while the head lags the clock. When every endpoint has failed
 * the request, the driver waits poll_ms and starts again.
 *
 * Period updates are verified one per loop turn, so a long catch-up does not stall the
 * gateway's other work. When caught up it polls every poll_ms (a slot by default).
 *
 * Persistence (beacon_state.c): the verified store is saved with lc_save whenever the
 * finalized header or a sync committee changes (about once an epoch; at most
 * LC_SAVE_MAX bytes, written synchronously on the loop), and on close; vt_beacon_start()
 * restores it with lc_load, so a restart resumes without a new bootstrap. Where:
 *   - state_path (anchor.lightclient.state) set: that file (temp file, fsync, rename: a
 *     crash leaves the old file or the new one). It wins when store_path is set too;
 *   - else store_path (cache.path) set: blob slot "lightclient" of the LMDB store there
 *     (its own named database, so it cannot collide with a cache key), committed with
 *     fsync before the save counts as done; the handle is shared with the answer cache
 *     (src/store/lmdb.h: one environment per directory per process);
 *   - neither: nothing persists.
 * A saved store made from another checkpoint or another network, or one that fails its
 * checksum, is ignored (logged; last_error says "<state file|lmdb store> ignored: …").
 *
 * Who calls it: the gateway's anchor (mode lightclient). Ownership: the caller owns the
 * loop and the fetcher, which must outlive the vt_beacon until close's done callback;
 * vt_beacon_new() copies the options (URLs, path, chain config). Loop thread only.
 */
#ifndef VT_GATEWAY_BEACON_H
#define VT_GATEWAY_BEACON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/lightclient/lc.h"
#include "net/fetch.h"

#define VT_BEACON_MAX_ENDPOINTS 16u
#define VT_BEACON_MAX_URL 2048u                       /* bytes of one base URL */
#define VT_BEACON_MAX_RESPONSE (16u * 1024 * 1024)    /* bytes of one beacon API body */
#define VT_BEACON_MAX_UPDATES 16u                     /* period updates asked per request */
#define VT_BEACON_DEFAULT_TIMEOUT_MS 10000u
#define VT_BEACON_ERR_LEN 160u
#define VT_BEACON_RETRY_FIRST_MS 1000u /* first wait after a round where every endpoint failed */
/* An answer with nothing new while the optimistic head is more than this many slots
 * behind the clock counts against the endpoint (so a lagging or withholding endpoint
 * cannot pin the anchor to the past: the next one is asked). */
#define VT_BEACON_LAG_SLOTS 4u

typedef struct vt_beacon vt_beacon;

typedef struct {
  const char *chain;               /* "mainnet" | "sepolia" | "hoodi"; used when cfg is NULL */
  const lc_chain_config *cfg;      /* a custom chain (devnets, tests); copied */
  uint8_t checkpoint[32];          /* trusted beacon block root; all zero: none configured,
                                      agree on one (see above) */
  const char *const *urls;         /* beacon API base URLs, tried in this order */
  size_t n;                        /* 1..VT_BEACON_MAX_ENDPOINTS */
  const char *state_path;          /* a state file; NULL: none (wins over store_path) */
  const char *store_path;          /* an LMDB directory (cache.path); NULL or "": none */
  unsigned poll_ms;                /* 0: one slot (cfg seconds_per_slot) */
  unsigned timeout_ms;             /* per request; 0: VT_BEACON_DEFAULT_TIMEOUT_MS */
  uint64_t genesis_time;           /* 0: the chain's; tests move the clock with this */
  void (*on_update)(void *ud);     /* the finalized or optimistic head changed */
  void *ud;
} vt_beacon_opts;

/* A verified execution head (from lc_exec_anchor). */
typedef struct {
  uint64_t beacon_slot;
  uint8_t beacon_root[32];
  uint64_t block_number;
  uint8_t block_hash[32];
  uint8_t state_root[32];
  uint64_t timestamp;              /* execution block time (unix seconds) */
} vt_beacon_exec;

typedef struct {
  char url[96];                    /* redacted (scheme://host:port/…) */
  uint64_t requests, failures, rejected; /* rejected: data that failed verification */
  bool penalised;                  /* in back-off now */
  char last_error[VT_BEACON_ERR_LEN]; /* "" when the last request succeeded */
} vt_beacon_endpoint_status;

typedef struct {
  bool bootstrapped;               /* the store holds a verified header */
  bool synced;                     /* bootstrapped and caught up with the current period */
  bool restored;                   /* started from the saved store (file or LMDB) */
  uint64_t current_slot;           /* from the clock */
  uint64_t finalized_slot, optimistic_slot;
  uint64_t finalized_block, optimistic_block; /* 0 when the header has no execution */
  uint64_t applied, rejected;      /* objects verified and applied / rejected */
  char last_error[VT_BEACON_ERR_LEN];
  bool checkpoint_known;           /* configured, agreed, or restored from the saved store */
  uint8_t checkpoint[32];          /* all zero while unknown */
  char checkpoint_source[64];      /* "configured" | "agreed by k of n beacon endpoints" |
                                      "agreed by beacon endpoints (state file|lmdb store)" |
                                      "pending: …" */
  size_t n;
  vt_beacon_endpoint_status endpoints[VT_BEACON_MAX_ENDPOINTS];
} vt_beacon_status;

/* NULL on a bad option (unknown chain, n out of range, URL too long or not http(s), a
 * store_path that cannot be opened), with the reason in err (may be NULL). Nothing runs until vt_beacon_start(). */
vt_beacon *vt_beacon_new(uv_loop_t *loop, vt_fetcher *f, const vt_beacon_opts *o, char *err,
                         size_t errlen) __attribute__((warn_unused_result));
/* Restore the saved store (if any), then start fetching (from the loop). Once only. */
void vt_beacon_start(vt_beacon *b);
/* The verified head (finalized or optimistic); false before the first bootstrap or when
 * the header carries no execution payload. The head may be old after a restore from a
 * stale file: compare out->timestamp with the clock (anchor max_staleness). */
bool vt_beacon_head(const vt_beacon *b, bool finalized, vt_beacon_exec *out);
void vt_beacon_get_status(const vt_beacon *b, vt_beacon_status *out);
/* Whether the light client can anchor now: bootstrapped, caught up with the current
 * period and its optimistic head at most VT_BEACON_LAG_SLOTS behind the clock. When
 * not, why names what is missing (anchor mode auto falls back to quorum and /status
 * shows it). */
bool vt_beacon_synced(const vt_beacon *b, char *why, size_t wl);
/* The status as a JSON object for /status (caller decrefs); NULL on allocation failure. */
json_t *vt_beacon_status_json(const vt_beacon *b);
/* Cancel the request in flight, save the store if it changed, close the handles; done(arg)
 * (may be NULL) runs from the loop when all memory is freed. NULL b is a no-op. */
void vt_beacon_close(vt_beacon *b, void (*done)(void *arg), void *arg);

#endif
