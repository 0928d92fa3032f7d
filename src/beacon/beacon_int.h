/*
 * beacon_int.h: the light-client driver's private state, shared by beacon.c (requests,
 * updates, the public API), beacon_checkpoint.c (agreeing on a checkpoint when none is
 * configured) and beacon_state.c (saving and restoring the verified store: a file or
 * the LMDB store). Nothing outside src/beacon/beacon*.c uses it.
 */
#ifndef VT_BEACON_INT_H
#define VT_BEACON_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/lightclient/lc.h"
#include "beacon/beacon.h"
#include "net/fetch.h"
#include "store/lmdb.h"

/* The blob slot in the LMDB store (cache.path) that holds the lc_save blob. */
#define VT_BEACON_LMDB_SLOT "lightclient"

typedef struct {
  char *url; /* base, no trailing slash */
  char shown[96];
  uint64_t requests, failures, rejected;
  unsigned consecutive;
  uint64_t until_ms; /* penalised until (loop clock) */
  char last_error[VT_BEACON_ERR_LEN];
} endpoint;

/* One endpoint's part in a checkpoint agreement round. */
typedef struct {
  vt_beacon *b;
  size_t i;
  vt_fetch *x; /* in flight */
  bool ok;     /* answered with a root */
  uint8_t root[32];
} agree_slot;

/* What step() compares before and after processing to see what changed. */
typedef struct {
  bool bootstrapped, next_known;
  uint64_t fin_slot, opt_slot;
  uint8_t committee[32];
} snapshot;

struct vt_beacon {
  uv_loop_t *loop;
  vt_fetcher *fetcher;
  uv_timer_t tick; /* the next turn after a delay */
  uv_idle_t soon;  /* the next turn at the next loop iteration, after I/O */
  int open_handles;
  lc_chain_config cfg;
  uint8_t checkpoint[32];
  lc_client *lc;
  lc_bootstrap *boot; /* decode scratch */
  lc_update *upd;     /* decode scratch */
  endpoint ep[VT_BEACON_MAX_ENDPOINTS];
  size_t n, cur;
  uint32_t tried; /* endpoints that failed the current round */
  char *state_path; /* the state file; wins over store */
  vt_lmdb *store;   /* one reference on the cache.path store, when no state_path */
  unsigned poll_ms, timeout_ms;
  uint64_t retry_ms; /* after a round where every endpoint failed: the next wait (doubles up to poll_ms) */
  void (*on_update)(void *ud);
  void *ud;
  vt_fetch *inflight;
  size_t inflight_ep;
  lc_request req;
  json_t *batch; /* period updates being verified, one per tick (JSON) */
  uint8_t *ssz_batch; /* or the same as an SSZ stream (our copy); ssz_cur: what is left */
  vc_bytes ssz_cur;
  size_t batch_i, batch_ep;
  bool batch_news;
  bool started, restored, dirty, closing, fetcher_gone;
  bool need_checkpoint; /* none configured or restored yet: agreement rounds */
  char checkpoint_source[64];
  agree_slot agree[VT_BEACON_MAX_ENDPOINTS];
  size_t agree_pending;
  uint64_t applied, rejected;
  char last_error[VT_BEACON_ERR_LEN];
  void (*done)(void *arg);
  void *done_arg;
};

/* beacon.c */
void vt_beacon__arm(vt_beacon *b, uint64_t ms);
/* After a round in which no endpoint answered: arm the next try after the round back-off
 * (VT_BEACON_RETRY_FIRST_MS, doubling, at most poll_ms), so a refusal at start is retried
 * within seconds. A success resets it (vt_beacon__round_ok). */
void vt_beacon__arm_retry(vt_beacon *b);
void vt_beacon__round_ok(vt_beacon *b);
void vt_beacon__step(vt_beacon *b);
/* beacon_checkpoint.c: ask every endpoint for its finalized root; adopt one that
 * enough of them agree on, then continue with vt_beacon__step(). */
void vt_beacon__agree_start(vt_beacon *b);
/* beacon_state.c: pick and open the backend (false with err on a bad path or a store
 * that cannot open); restore into b->lc (any problem: logged, fresh store); save after
 * a durable change (failure: logged, b->dirty stays set); release the backend. */
bool vt_beacon__state_open(vt_beacon *b, const vt_beacon_opts *o, char *err, size_t errlen);
void vt_beacon__load(vt_beacon *b);
void vt_beacon__save(vt_beacon *b);
void vt_beacon__state_close(vt_beacon *b);

#endif
