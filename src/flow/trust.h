/*
 * trust.h: how far an answer is trusted, as a typed value: its tier (none, single,
 * quorum, verified, stale, local), for a verified answer the anchor it was proven
 * against (quorum k/n, trusted, by hash, light client finalized or optimistic), for a
 * quorum the k and n, for a stale answer its age and block.
 *
 * Stages decide on the fields; the value becomes text only at the edges: the response
 * header X-Verity-Trust (gateway.c) and the cache codec (plan/flight.c stores the text
 * in vt_cache_meta, as every earlier version did, so entries stay compatible). The
 * text forms, exactly as DESIGN.md and the tests spell them:
 *   none | single | local | quorum:K/N | verified | verified:quorum:K/N |
 *   verified:trusted | verified:hash | verified:lightclient:finalized |
 *   verified:lightclient:optimistic | verified:l1:in_progress |
 *   verified:l1:defender_wins | stale:AGE block=0xB
 * No state, no I/O; values are small and copied.
 */
#ifndef VT_TRUST_H
#define VT_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Weakest first: a batch reports its weakest (stale counts as single there). */
typedef enum {
  VT_TRUST_NONE = 0,   /* no answer verity can stand behind */
  VT_TRUST_SINGLE,     /* one upstream, not provable */
  VT_TRUST_QUORUM,     /* k of n upstreams agreed */
  VT_TRUST_VERIFIED,   /* proven against an anchored header */
  VT_TRUST_STALE,      /* degraded.stale: the last proven value, with its age */
  VT_TRUST_LOCAL,      /* answered by verity itself */
} vt_trust_tier;

/* Where a verified answer's header came from. */
typedef enum {
  VT_ANCHOR_SRC_NONE = 0,     /* "verified" without more (a range of several anchors) */
  VT_ANCHOR_SRC_QUORUM,       /* k of n upstreams agreed on the header hash */
  VT_ANCHOR_SRC_TRUSTED,      /* a trusted upstream */
  VT_ANCHOR_SRC_HASH,         /* asked by hash: self-authenticating */
  VT_ANCHOR_SRC_LIGHTCLIENT,  /* the beacon light client */
  VT_ANCHOR_SRC_L1,           /* an op-stack block under an output root proven on L1 (src/l1/) */
} vt_anchor_src;

/* L1: what became of the dispute game that holds the output (core/op_game.h status). */
enum { VT_L1_IN_PROGRESS = 0, VT_L1_CHALLENGER_WINS = 1, VT_L1_DEFENDER_WINS = 2 };

typedef struct {
  uint8_t tier;        /* vt_trust_tier */
  uint8_t anchor;      /* vt_anchor_src, for VT_TRUST_VERIFIED */
  bool finalized;      /* light client: below its finalized head (else optimistic) */
  uint8_t l1_status;   /* L1: the game's status (VT_L1_*) */
  unsigned k, n;       /* quorum and verified-by-quorum: k of n */
  unsigned age_s;      /* stale: seconds since it was proven */
  uint64_t block;      /* stale: the block it is about */
} vt_trust;

#define VT_TRUST_TEXT_MAX 64  /* bytes of any text form, NUL included */

static inline vt_trust vt_trust_of(vt_trust_tier tier) {
  vt_trust t = {.tier = (uint8_t)tier};
  return t;
}
static inline vt_trust vt_trust_quorum(unsigned k, unsigned n) {
  vt_trust t = {.tier = VT_TRUST_QUORUM, .k = k, .n = n};
  return t;
}

/* The text form into out (NUL-terminated, truncated to n like snprintf); returns out. */
const char *vt_trust_format(const vt_trust *t, char *out, size_t n);
/* Read a text form; false (t set to none) when it is not one of the forms above. */
bool vt_trust_parse(const char *s, vt_trust *t);
/* Is it worth caching: verified or quorum-agreed? */
bool vt_trust_cacheable(const vt_trust *t);

#endif
