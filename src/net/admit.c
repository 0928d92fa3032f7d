/*
 * admit.c: per-address connection counts and the admission verdict (see admit.h).
 *
 * A chained hash table: one entry per address that holds at least one connection,
 * freed when its last connection is released, so the table never holds more entries
 * than there are open connections. The hash is FNV-1a over the seed and the address
 * bytes, folded to the bucket count (a power of two).
 */
#include "net/admit.h"

#include <stdlib.h>
#include <string.h>

typedef struct peer {
  struct peer *next;
  uint8_t addr[VT_ADMIT_ADDR_MAX];
  uint8_t len;
  unsigned regular, reserved;
} peer;

struct vt_admit {
  vt_admit_limits lim;
  unsigned regular, reserved; /* slots taken */
  size_t nbuckets;            /* a power of two */
  peer **buckets;
};

static size_t bucket_of(const vt_admit *a, const uint8_t *addr, size_t len) {
  uint64_t h = 1469598103934665603ull ^ a->lim.seed;
  for (size_t i = 0; i < len; i++) {
    h ^= addr[i];
    h *= 1099511628211ull;
  }
  h ^= h >> 29;
  return (size_t)h & (a->nbuckets - 1);
}

static peer **find(const vt_admit *a, const uint8_t *addr, size_t len) {
  peer **pp = &a->buckets[bucket_of(a, addr, len)];
  while (*pp && ((*pp)->len != len || memcmp((*pp)->addr, addr, len) != 0)) pp = &(*pp)->next;
  return pp;
}

vt_admit *vt_admit_new(const vt_admit_limits *l) {
  vt_admit *a = NULL, *ret = NULL;
  if (!l || l->max_connections == 0 || l->max_per_client == 0 || l->reserved >= l->max_connections) goto out;
  a = calloc(1, sizeof *a);
  if (!a) goto out;
  a->lim = *l;
  a->nbuckets = 16;
  while (a->nbuckets < l->max_connections && a->nbuckets < VT_ADMIT_MAX_BUCKETS) a->nbuckets <<= 1;
  a->buckets = calloc(a->nbuckets, sizeof *a->buckets);
  if (!a->buckets) goto out;
  ret = a;
  a = NULL; /* the caller owns it now */
out:
  vt_admit_free(a);
  return ret;
}

void vt_admit_free(vt_admit *a) {
  if (!a) return;
  for (size_t i = 0; a->buckets && i < a->nbuckets; i++) {
    peer *p = a->buckets[i];
    while (p) {
      peer *next = p->next;
      free(p);
      p = next;
    }
  }
  free(a->buckets);
  free(a);
}

vt_admit_verdict vt_admit_decide(vt_admit *a, const uint8_t *addr, size_t len) {
  if (!a || !addr || len == 0 || len > VT_ADMIT_ADDR_MAX) return VT_ADMIT_REFUSED;
  peer **pp = find(a, addr, len);
  peer *p = *pp;
  unsigned regular_cap = a->lim.max_connections - a->lim.reserved;
  bool regular = a->regular < regular_cap && (!p || p->regular < a->lim.max_per_client);
  bool reserved = !regular && a->reserved < a->lim.reserved && (!p || p->reserved == 0);
  if (!regular && !reserved) return VT_ADMIT_REFUSED;
  if (!p) {
    p = calloc(1, sizeof *p);
    if (!p) return VT_ADMIT_REFUSED;
    memcpy(p->addr, addr, len);
    p->len = (uint8_t)len;
    *pp = p;
  }
  if (regular) {
    p->regular++;
    a->regular++;
    return VT_ADMIT_REGULAR;
  }
  p->reserved++;
  a->reserved++;
  return VT_ADMIT_RESERVED;
}

void vt_admit_release(vt_admit *a, const uint8_t *addr, size_t len, vt_admit_verdict v) {
  if (!a || !addr || len == 0 || len > VT_ADMIT_ADDR_MAX || v == VT_ADMIT_REFUSED) return;
  peer **pp = find(a, addr, len);
  peer *p = *pp;
  if (!p) return;
  if (v == VT_ADMIT_REGULAR && p->regular > 0) {
    p->regular--;
    a->regular--;
  } else if (v == VT_ADMIT_RESERVED && p->reserved > 0) {
    p->reserved--;
    a->reserved--;
  }
  if (p->regular == 0 && p->reserved == 0) {
    *pp = p->next;
    free(p);
  }
}

bool vt_admit_full(const vt_admit *a) { return a->regular >= a->lim.max_connections - a->lim.reserved; }

unsigned vt_admit_count(const vt_admit *a, const uint8_t *addr, size_t len) {
  if (!a || !addr || len == 0 || len > VT_ADMIT_ADDR_MAX) return 0;
  const peer *p = *find(a, addr, len);
  return p ? p->regular + p->reserved : 0;
}
