/*
 * logs.h: eth_getLogs over a block range, in chunks every upstream accepts.
 *
 * Providers cap eth_getLogs, by block range ("exceed maximum block range: 5000") or by
 * result size ("query returned more than 10000 results"). Instead of passing those
 * errors to the client, verity learns the limits and splits the range:
 *   - the range is cut into chunks as wide as the widest range an available upstream
 *     is known to accept (logs.chunk_blocks until one has refused);
 *   - chunks run logs.parallel at a time, each a normal call (failover, hedging,
 *     "nothing" confirmed by the quorum), asked only of upstreams not known to refuse
 *     its width;
 *   - a refusal records the upstream's limit (the number in its message, or the range
 *     it suggests) and moves the chunk to the next upstream without charging it; a
 *     chunk no upstream takes is split (to the widest known limit below its width,
 *     else in half) and the pieces are queued;
 *   - every chunk's result is checked: a JSON array of logs inside the chunk's range,
 *     in block order, each matching the filter; anything else is a wrong answer;
 *   - a chunk nobody can answer is asked once more, then the whole call fails with
 *     -32002 naming the chunk. The client gets every log of the range, in order, or
 *     an error: never a partial list.
 * This is eth_getLogs when verification is off. With it on, verify_logs.c proves the
 * logs from receipts and asks upstreams for no eth_getLogs at all.
 */
#ifndef VT_LOGS_H
#define VT_LOGS_H

#include <stdint.h>

#include "pool/pool.h"
#include "flow/flow.h"
#include "rpc/json_scan.h"

/* Start a chunked eth_getLogs. params: as they go upstream (pinned). Returns 1 when
 * started (cb runs exactly once, maybe before this returns); 0 when the call is not
 * a numeric range at or below the head (carry it the plain way; cb not called); -1
 * when it was answered with an error (cb called). */
int vt_logs_start(vt_pool *pool, vt_span params, const vt_plan *plan, vt_answer_cb cb, void *ud);

typedef enum {
  VT_LOGS_LIMIT_NONE = 0,  /* not a size refusal */
  VT_LOGS_LIMIT_RANGE,     /* the block range is too wide; *limit set when the message says how wide */
  VT_LOGS_LIMIT_RESULTS,   /* too many results or too large a response for this range */
} vt_logs_limit;

/* Classify an upstream's eth_getLogs error message for a request `width` blocks wide.
 * *limit (0 when unknown) is the widest range the message says is accepted, below width. */
vt_logs_limit vt_logs_classify(const char *message, uint64_t width, uint64_t *limit);

#endif
