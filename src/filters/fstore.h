/*
 * fstore.h: the filter table behind eth_newFilter / eth_newBlockFilter /
 * eth_getFilterChanges (the engine that polls upstreams is filters.c).
 *
 * A vt_filter is one installed filter: its kind (logs, blocks, or pending transactions
 * kept by the one upstream whose mempool is the source), its criteria, the cursor (the next block whose
 * changes the client has not seen) and a short ring of the blocks already delivered
 * (number, hash, and for log filters the logs delivered in that block). The ring is
 * what makes reorgs visible: when the block at a ring entry's number no longer has that
 * hash, the entry is popped, its logs are handed back flagged `removed: true` (as geth
 * does) and the cursor goes back to that number, so the new chain's blocks are
 * delivered again, none skipped.
 *
 * The table (vt_fstore) holds filters by id, with a cap per client (source address) and
 * in total, and drops filters not polled for ttl_ms (5 minutes by default, as geth).
 * A filter also travels as JSON (vt_filter_to_json / vt_filter_from_json) so that the
 * shared Redis can carry it to another instance behind the same load balancer.
 *
 * No I/O and no clock here: callers pass the time in. The table owns its filters;
 * vt_fstore_find hands out a borrowed pointer valid until the next add/remove/expire.
 */
#ifndef VT_FSTORE_H
#define VT_FSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_FILTER_ID_MAX 36          /* "0x" + 32 hex + NUL */
#define VT_FILTER_CLIENT_MAX 64      /* bytes of a client name (its source address) */
#define VT_FILTER_CRIT_MAX 16384     /* bytes of a log filter's {address, topics} JSON */
#define VT_FILTER_RING 32            /* delivered blocks remembered for reorgs */
#define VT_FILTER_LOGS_MAX (256u * 1024u) /* bytes of delivered logs kept for `removed` */
#define VT_FILTER_UPSTREAM_MAX 72    /* pending filters: the upstream's name */
#define VT_FILTER_UPID_MAX 80        /* pending filters: the upstream's filter id */
#define VT_FILTER_JSON_MAX (2u * 1024u * 1024u) /* a serialized filter */

typedef enum { VT_FK_LOGS = 1, VT_FK_BLOCKS, VT_FK_PENDING } vt_filter_kind;

typedef struct {
  uint64_t number;
  uint8_t hash[32];
  char *logs;            /* log filters: the logs delivered for this block (JSON array), or NULL */
} vt_fblock;

typedef struct vt_filter {
  struct vt_filter *next;
  char id[VT_FILTER_ID_MAX];
  vt_filter_kind kind;
  char client[VT_FILTER_CLIENT_MAX];
  char *crit;            /* logs: compact {"address":…,"topics":…}; owned */
  bool has_from, has_to; /* explicit block numbers in the filter */
  uint64_t from, to;
  uint64_t cursor;       /* next block to deliver */
  vt_fblock ring[VT_FILTER_RING]; /* oldest first */
  size_t nring;
  size_t logs_bytes;     /* sum of ring[].logs lengths */
  uint64_t touched_ms;   /* last created or polled */
  char upstream[VT_FILTER_UPSTREAM_MAX]; /* pending: the mempool upstream's name */
  char up_id[VT_FILTER_UPID_MAX];        /* pending: that upstream's filter id */
} vt_filter;

typedef enum {
  VT_FSTORE_OK = 0,
  VT_FSTORE_CLIENT_FULL,  /* this client has max_per_client filters */
  VT_FSTORE_FULL,         /* max_total filters are installed */
  VT_FSTORE_EXISTS,       /* the id is taken (replaced only by vt_fstore_put) */
} vt_fstore_status;

typedef struct vt_fstore vt_fstore;

vt_fstore *vt_fstore_new(uint64_t ttl_ms, size_t max_per_client, size_t max_total);
void vt_fstore_free(vt_fstore *s);

/* A new filter (calloc'd, owned by the caller until added). */
vt_filter *vt_filter_new(vt_filter_kind kind);
void vt_filter_free(vt_filter *f); /* NULL-safe */

/* Install f (touched at now_ms). On VT_FSTORE_OK the table owns f; otherwise the caller
 * still does. Caps apply. */
vt_fstore_status vt_fstore_add(vt_fstore *s, vt_filter *f, uint64_t now_ms);
/* Install or replace a filter by its id (a copy that came back from Redis): no caps,
 * except that a new id is dropped (freed, false) when the table is full. Takes f. */
bool vt_fstore_put(vt_fstore *s, vt_filter *f, uint64_t now_ms);
vt_filter *vt_fstore_find(vt_fstore *s, const char *id);
bool vt_fstore_remove(vt_fstore *s, const char *id);
/* Drop filters not touched for ttl_ms; returns how many. */
size_t vt_fstore_expire(vt_fstore *s, uint64_t now_ms);
size_t vt_fstore_count(const vt_fstore *s);
size_t vt_fstore_client_count(const vt_fstore *s, const char *client);
uint64_t vt_fstore_ttl_ms(const vt_fstore *s);

/* A deep copy (NULL when out of memory). */
vt_filter *vt_filter_dup(const vt_filter *f);

/* Remember a delivered block (appended after the ring's last entry, or merged into it
 * when the number is the same). logs: a JSON array text to keep (copied), or NULL. The
 * oldest entries go when the ring is full or the logs pass VT_FILTER_LOGS_MAX. false
 * when out of memory or number is below the last entry's. */
bool vt_filter_note_block(vt_filter *f, uint64_t number, const uint8_t hash[32], const char *logs);
/* The ring's last entry, or NULL. */
const vt_fblock *vt_filter_last(const vt_filter *f);
/* A reorg: the last entry's block changed. Pops it, moves the cursor back to its number
 * and returns its logs with "removed":true (a JSON array text, malloc'd, "[]" when it
 * had none), or NULL when out of memory (nothing changed then). */
char *vt_filter_pop_removed(vt_filter *f);

/* Serialize (malloc'd compact JSON, *len set) / parse. Parse returns NULL on anything
 * malformed or past the caps (a Redis entry that is not ours is no filter). */
char *vt_filter_to_json(const vt_filter *f, size_t *len);
vt_filter *vt_filter_from_json(const char *s, size_t len);

#endif
