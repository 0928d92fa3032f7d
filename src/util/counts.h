/*
 * counts.h: counts by a short text key, for per-client limits (a client is its source
 * address): how many calls one address has in flight (gateway.c), how many
 * subscriptions (feature/subs.c). A key's entry exists only while its count is above
 * zero, so the table holds at most one entry per active client.
 *
 * Owned by whoever made it (vt_counts_new / vt_counts_free); keys are copied. One
 * loop thread: no locks.
 */
#ifndef VT_UTIL_COUNTS_H
#define VT_UTIL_COUNTS_H

#include <stdbool.h>
#include <stddef.h>

#define VT_COUNTS_MAX_KEY 64u   /* bytes of a key (an IPv6 address is at most 45); longer keys are cut */

typedef struct vt_counts vt_counts;

vt_counts *vt_counts_new(void);  /* NULL when out of memory */
void vt_counts_free(vt_counts *t);
/* Add n to key's count when the result stays at or below limit (limit 0: no limit).
 * false (nothing added) when it would pass the limit or memory ran out. */
bool vt_counts_take(vt_counts *t, const char *key, unsigned n, unsigned limit);
/* Subtract n (not below 0); the entry goes when it reaches 0. */
void vt_counts_give(vt_counts *t, const char *key, unsigned n);
unsigned vt_counts_get(const vt_counts *t, const char *key);
size_t vt_counts_keys(const vt_counts *t);  /* entries with a count above 0 */

/* The address part of a peer "ip:port" or "[v6]:port" into out (VT_COUNTS_MAX_KEY). */
void vt_peer_addr(const char *peer, char out[VT_COUNTS_MAX_KEY]);

#endif
