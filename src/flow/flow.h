/*
 * flow.h: the values that travel along a request's path, shared by every stage.
 *
 * A client's call is checked and pinned by the plan stage (src/plan/params.c fills a
 * vt_plan), becomes a vt_job (the method row, its name, its params as they go upstream
 * and its plan), is carried down by a vt_carry_fn (the pool's call engine, a prover, or
 * a feature such as chunked eth_getLogs) and comes back up as one vt_answer through a
 * vt_answer_cb. Nothing here does anything: these are plain value types, so a stage can
 * name them without including the stage that makes or consumes them (which is what
 * keeps the folders free of include circles, see scripts/include-graph.sh).
 *
 * Ownership: every pointer in these structs is borrowed. A vt_answer is valid only for
 * the duration of the callback that receives it; a vt_job only during the carry call
 * (a stage that keeps one for later copies what it needs, as the flights do).
 */
#ifndef VT_FLOW_H
#define VT_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/trust.h"
#include "rpc/json_scan.h"
#include "rpc/methods.h"

/* How a carried call ended. */
typedef enum {
  VT_CALL_OK = 0,        /* result holds the raw result JSON */
  VT_CALL_RPC_ERROR,     /* result holds the upstream's raw error object */
  VT_CALL_UNAVAILABLE,   /* result holds the raw JSON for -32002's data */
} vt_call_outcome;

/* The block a call is about, after pinning (params.h says how it is decided). */
typedef enum {
  VT_PIN_NONE = 0,   /* not about a block (gas price, tx by hash, …) */
  VT_PIN_NUMBER,     /* a concrete block number: upstreams need head >= number */
  VT_PIN_HASH,       /* a block by hash: any synced upstream */
  VT_PIN_TAG,        /* safe / finalized / pending (kept), or latest with no head yet */
} vt_pin_kind;

#define VT_PLAN_ERR_MAX 200

/* The block tag a call named, when it was kept as a tag (VT_PIN_TAG): the prove stage
 * pins safe/finalized itself and refuses latest without a fresh head. */
typedef enum {
  VT_TAG_NONE = 0,
  VT_TAG_PENDING,     /* pending, kept for a NO_PIN method (the pending nonce) */
  VT_TAG_SAFE,
  VT_TAG_FINALIZED,
  VT_TAG_LATEST,      /* latest (or omitted) with no head agreed yet: outranks the rest */
} vt_block_tag;

typedef struct {
  vt_pin_kind kind;
  uint64_t number;        /* VT_PIN_NUMBER: the highest block the call touches */
  bool pinned_latest;     /* latest/pending/omitted became `number` */
  uint8_t tag;            /* vt_block_tag: VT_PIN_TAG's tag (the highest-ranked one named) */
  char *params;           /* rewritten params JSON, or NULL to send the original */
  size_t params_len;
  int err_code;           /* 0, or -32602 */
  char err[VT_PLAN_ERR_MAX];
} vt_plan;

/* How one client call ended, whoever carried it (the call engine, a prover, a feature,
 * or a cache tier). */
typedef struct {
  int outcome;              /* vt_call_outcome */
  const char *result;       /* raw result JSON, raw error object, or -32002 data JSON */
  size_t len;
  const char *served_by;    /* upstream name, "cache" / "lmdb" / "redis", or NULL */
  vt_trust trust;           /* how far it is trusted (trust.h) */
  bool has_block;           /* the block it is about, when the carrier knows it (a proof's */
  bool has_hash;            /* anchored header): X-Verity-Block and the cache's block */
  uint64_t block;
  uint8_t block_hash[32];
  const char *method;
  uint64_t t_start_ms;
} vt_answer;
typedef void (*vt_answer_cb)(const vt_answer *a, void *ud);

/* A planned call, ready to be carried: everything needed to start it (also later,
 * after an asynchronous cache lookup), so none of it may point into a client's request
 * once the carrier has returned. */
typedef struct {
  const vt_method *m;
  const char *method;
  vt_span params;       /* as they go upstream (pinned) */
  const vt_plan *plan;  /* kind, number, pinned_latest; plan->params is not used */
} vt_job;

/* Carries a job down the flow; must call cb(answer, ud) exactly once. Returns 0, or
 * -1 when nothing was started (cb not called). ctx is the carrier's own state. */
typedef int (*vt_carry_fn)(void *ctx, const vt_job *job, vt_answer_cb cb, void *ud);

#endif
