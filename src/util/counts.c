/*
 * counts.c: counts by key (see counts.h). A chained hash table of BUCKETS lists
 * (FNV-1a). An entry is taken when a count becomes positive and given back when it
 * returns to zero; given-back entries wait on a short free list (at most SPARE), so a
 * client whose calls come one at a time (every cache hit takes and gives) costs no
 * malloc/free per call.
 */
#include "util/counts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 1024u
#define SPARE 64u /* entries kept for reuse */

typedef struct entry {
  struct entry *next;
  unsigned count;
  char key[VT_COUNTS_MAX_KEY];
} entry;

struct vt_counts {
  entry *b[BUCKETS];
  size_t n;
  entry *spare; /* free list, linked through next */
  size_t nspare;
};

vt_counts *vt_counts_new(void) { return calloc(1, sizeof(vt_counts)); }

static void free_list(entry *e) {
  while (e) {
    entry *next = e->next;
    free(e);
    e = next;
  }
}

void vt_counts_free(vt_counts *t) {
  if (!t) return;
  for (size_t i = 0; i < BUCKETS; i++) free_list(t->b[i]);
  free_list(t->spare);
  free(t);
}

static entry **slot(vt_counts *t, const char *key, char cut[VT_COUNTS_MAX_KEY]) {
  size_t n = strnlen(key, VT_COUNTS_MAX_KEY - 1);
  memcpy(cut, key, n);
  cut[n] = 0;
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)cut[i]) * 16777619u;
  entry **pp = &t->b[h % BUCKETS];
  while (*pp && strcmp((*pp)->key, cut) != 0) pp = &(*pp)->next;
  return pp;
}

bool vt_counts_take(vt_counts *t, const char *key, unsigned n, unsigned limit) {
  char cut[VT_COUNTS_MAX_KEY];
  entry **pp = slot(t, key, cut);
  unsigned have = *pp ? (*pp)->count : 0;
  if (limit && (n > limit || have > limit - n)) return false;
  if (!n) return true;
  if (!*pp) {
    entry *e = t->spare;
    if (e) {
      t->spare = e->next;
      t->nspare--;
    } else if (!(e = malloc(sizeof *e))) {
      return false;
    }
    e->next = NULL;
    e->count = 0;
    memcpy(e->key, cut, sizeof cut);
    *pp = e;
    t->n++;
  }
  (*pp)->count += n;
  return true;
}

void vt_counts_give(vt_counts *t, const char *key, unsigned n) {
  char cut[VT_COUNTS_MAX_KEY];
  entry **pp = slot(t, key, cut);
  entry *e = *pp;
  if (!e) return;
  e->count = e->count > n ? e->count - n : 0;
  if (e->count) return;
  *pp = e->next;
  t->n--;
  if (t->nspare < SPARE) {
    e->next = t->spare;
    t->spare = e;
    t->nspare++;
  } else {
    free(e);
  }
}

unsigned vt_counts_get(const vt_counts *t, const char *key) {
  char cut[VT_COUNTS_MAX_KEY];
  entry **pp = slot((vt_counts *)t, key, cut);
  return *pp ? (*pp)->count : 0;
}

size_t vt_counts_keys(const vt_counts *t) { return t->n; }

void vt_peer_addr(const char *peer, char out[VT_COUNTS_MAX_KEY]) {
  const char *p = peer ? peer : "";
  size_t n = strlen(p);
  if (p[0] == '[') {
    const char *close = strchr(p, ']');
    p++;
    n = close ? (size_t)(close - p) : n - 1;
  } else {
    const char *colon = strrchr(p, ':');
    if (colon && strchr(p, ':') == colon) n = (size_t)(colon - p); /* one colon: v4:port */
  }
  if (n >= VT_COUNTS_MAX_KEY) n = VT_COUNTS_MAX_KEY - 1;
  memcpy(out, p, n);
  out[n] = 0;
}
