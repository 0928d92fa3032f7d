/*
 * fstore.c: the filter table, the ring of delivered blocks, and the JSON form a filter
 * takes in the shared Redis (see fstore.h). Called by filters.c on the loop thread and
 * by tests/unit/test_fstore.c. No I/O, no clock.
 *
 * The table is a singly linked list: lookups are by id on every poll and the list is
 * bounded by max_total (10,000 by default), so a scan costs microseconds; a per-client
 * count is a scan at install time only.
 */
#include "filters/fstore.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"

struct vt_fstore {
  vt_filter *list;
  size_t count;
  uint64_t ttl_ms;
  size_t max_per_client, max_total;
};

vt_fstore *vt_fstore_new(uint64_t ttl_ms, size_t max_per_client, size_t max_total) {
  vt_fstore *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->ttl_ms = ttl_ms;
  s->max_per_client = max_per_client;
  s->max_total = max_total;
  return s;
}

void vt_fstore_free(vt_fstore *s) {
  if (!s) return;
  while (s->list) {
    vt_filter *f = s->list;
    s->list = f->next;
    vt_filter_free(f);
  }
  free(s);
}

vt_filter *vt_filter_new(vt_filter_kind kind) {
  vt_filter *f = calloc(1, sizeof *f);
  if (f) f->kind = kind;
  return f;
}

void vt_filter_free(vt_filter *f) {
  if (!f) return;
  for (size_t i = 0; i < f->nring; i++) free(f->ring[i].logs);
  free(f->crit);
  free(f);
}

vt_filter *vt_filter_dup(const vt_filter *f) {
  vt_filter *d = malloc(sizeof *d);
  if (!d) return NULL;
  *d = *f;
  d->next = NULL;
  d->crit = NULL;
  for (size_t i = 0; i < d->nring; i++) d->ring[i].logs = NULL;
  size_t n = d->nring;
  d->nring = 0; /* so a failure below frees only what was copied */
  if (f->crit && !(d->crit = strdup(f->crit))) goto fail;
  for (size_t i = 0; i < n; i++) {
    if (f->ring[i].logs && !(d->ring[i].logs = strdup(f->ring[i].logs))) goto fail;
    d->nring = i + 1;
  }
  return d;
fail:
  vt_filter_free(d);
  return NULL;
}

size_t vt_fstore_client_count(const vt_fstore *s, const char *client) {
  size_t n = 0;
  for (const vt_filter *f = s->list; f; f = f->next)
    if (!strcmp(f->client, client)) n++;
  return n;
}

vt_fstore_status vt_fstore_add(vt_fstore *s, vt_filter *f, uint64_t now_ms) {
  if (vt_fstore_find(s, f->id)) return VT_FSTORE_EXISTS;
  if (s->count >= s->max_total) return VT_FSTORE_FULL;
  if (vt_fstore_client_count(s, f->client) >= s->max_per_client) return VT_FSTORE_CLIENT_FULL;
  f->touched_ms = now_ms;
  f->next = s->list;
  s->list = f;
  s->count++;
  return VT_FSTORE_OK;
}

bool vt_fstore_put(vt_fstore *s, vt_filter *f, uint64_t now_ms) {
  vt_filter **pp = &s->list;
  for (; *pp; pp = &(*pp)->next)
    if (!strcmp((*pp)->id, f->id)) break;
  f->touched_ms = now_ms;
  if (*pp) { /* replace in place */
    vt_filter *old = *pp;
    f->next = old->next;
    *pp = f;
    vt_filter_free(old);
    return true;
  }
  if (s->count >= s->max_total) {
    vt_filter_free(f);
    return false;
  }
  f->next = s->list;
  s->list = f;
  s->count++;
  return true;
}

vt_filter *vt_fstore_find(vt_fstore *s, const char *id) {
  for (vt_filter *f = s->list; f; f = f->next)
    if (!strcmp(f->id, id)) return f;
  return NULL;
}

bool vt_fstore_remove(vt_fstore *s, const char *id) {
  for (vt_filter **pp = &s->list; *pp; pp = &(*pp)->next) {
    if (strcmp((*pp)->id, id) != 0) continue;
    vt_filter *f = *pp;
    *pp = f->next;
    vt_filter_free(f);
    s->count--;
    return true;
  }
  return false;
}

size_t vt_fstore_expire(vt_fstore *s, uint64_t now_ms) {
  size_t n = 0;
  vt_filter **pp = &s->list;
  while (*pp) {
    vt_filter *f = *pp;
    if (now_ms >= f->touched_ms && now_ms - f->touched_ms >= s->ttl_ms) {
      *pp = f->next;
      vt_filter_free(f);
      s->count--;
      n++;
      continue;
    }
    pp = &f->next;
  }
  return n;
}

size_t vt_fstore_count(const vt_fstore *s) { return s ? s->count : 0; }
uint64_t vt_fstore_ttl_ms(const vt_fstore *s) { return s->ttl_ms; }

/* --- the ring of delivered blocks ---------------------------------------------- */

static void drop_oldest(vt_filter *f) {
  if (!f->nring) return;
  if (f->ring[0].logs) f->logs_bytes -= strlen(f->ring[0].logs);
  free(f->ring[0].logs);
  memmove(&f->ring[0], &f->ring[1], (f->nring - 1) * sizeof f->ring[0]);
  f->nring--;
}

bool vt_filter_note_block(vt_filter *f, uint64_t number, const uint8_t hash[32], const char *logs) {
  vt_fblock *last = f->nring ? &f->ring[f->nring - 1] : NULL;
  if (last && number < last->number) return false;
  char *copy = NULL;
  size_t ll = logs ? strlen(logs) : 0;
  if (logs && ll > VT_FILTER_LOGS_MAX) ll = 0, logs = NULL; /* too big to remember: no `removed` for it */
  if (logs && !(copy = strdup(logs))) return false;
  if (last && number == last->number) {
    if (copy) { /* logs replace (a block's logs are delivered once) */
      if (last->logs) f->logs_bytes -= strlen(last->logs);
      free(last->logs);
      last->logs = copy;
      f->logs_bytes += ll;
    }
    memcpy(last->hash, hash, 32);
  } else {
    if (f->nring == VT_FILTER_RING) drop_oldest(f);
    vt_fblock *b = &f->ring[f->nring++];
    b->number = number;
    memcpy(b->hash, hash, 32);
    b->logs = copy;
    f->logs_bytes += ll;
  }
  while (f->logs_bytes > VT_FILTER_LOGS_MAX && f->nring > 1) drop_oldest(f);
  return true;
}

const vt_fblock *vt_filter_last(const vt_filter *f) { return f->nring ? &f->ring[f->nring - 1] : NULL; }

char *vt_filter_pop_removed(vt_filter *f) {
  if (!f->nring) return strdup("[]");
  vt_fblock *b = &f->ring[f->nring - 1];
  char *out = NULL;
  json_t *arr = b->logs ? json_loads(b->logs, 0, NULL) : json_array();
  if (!json_is_array(arr)) goto out;
  size_t i;
  json_t *log;
  json_array_foreach(arr, i, log) {
    if (json_is_object(log)) json_object_set_new(log, "removed", json_true());
  }
  out = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!out) goto out;
  if (b->logs) f->logs_bytes -= strlen(b->logs);
  free(b->logs);
  f->cursor = b->number;
  f->nring--;
out:
  json_decref(arr);
  return out;
}

/* --- JSON form (the shared Redis) ------------------------------------------------ */

static json_t *ring_json(const vt_filter *f) {
  json_t *ring = json_array();
  for (size_t i = 0; ring && i < f->nring; i++) {
    char h[67];
    vc_hex_encode(f->ring[i].hash, 32, h);
    json_t *logs = f->ring[i].logs ? json_loads(f->ring[i].logs, 0, NULL) : json_null();
    if (json_array_append_new(ring, json_pack("[Iso]", (json_int_t)f->ring[i].number, h, logs ? logs : json_null())) != 0) {
      json_decref(ring);
      return NULL;
    }
  }
  return ring;
}

char *vt_filter_to_json(const vt_filter *f, size_t *len) {
  json_t *crit = f->crit ? json_loads(f->crit, 0, NULL) : json_null();
  json_t *o = json_pack("{s:i,s:s,s:i,s:s,s:o,s:o,s:o,s:I,s:s,s:s,s:o}", "v", 1, "id", f->id, "k", (int)f->kind,
                        "c", f->client, "crit", crit ? crit : json_null(),
                        "from", f->has_from ? json_integer((json_int_t)f->from) : json_null(),
                        "to", f->has_to ? json_integer((json_int_t)f->to) : json_null(),
                        "cur", (json_int_t)f->cursor, "up", f->upstream, "upid", f->up_id, "ring", ring_json(f));
  char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  if (s && len) *len = strlen(s);
  return s;
}

/* A string member copied into dst of cap bytes; false when missing or too long. */
static bool copy_str(json_t *o, const char *key, char *dst, size_t cap) {
  const char *v = json_string_value(json_object_get(o, key));
  if (!v || strlen(v) >= cap) return false;
  memcpy(dst, v, strlen(v) + 1);
  return true;
}

static bool opt_u64(json_t *o, const char *key, bool *has, uint64_t *v) {
  json_t *x = json_object_get(o, key);
  *has = json_is_integer(x);
  if (*has && json_integer_value(x) < 0) return false;
  if (*has) *v = (uint64_t)json_integer_value(x);
  return *has || json_is_null(x);
}

static bool ring_from(vt_filter *f, json_t *ring) {
  size_t i;
  json_t *e;
  if (!json_is_array(ring) || json_array_size(ring) > VT_FILTER_RING) return false;
  json_array_foreach(ring, i, e) {
    json_t *num = json_array_get(e, 0), *logs = json_array_get(e, 2);
    const char *h = json_string_value(json_array_get(e, 1));
    uint8_t hash[32];
    if (!json_is_integer(num) || json_integer_value(num) < 0 || !h || vc_hex_decode_fixed(h, strlen(h), hash, 32) != VC_OK)
      return false;
    char *lt = json_is_array(logs) ? json_dumps(logs, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    bool ok = (!json_is_array(logs) || lt) && vt_filter_note_block(f, (uint64_t)json_integer_value(num), hash, lt);
    free(lt);
    if (!ok) return false;
  }
  return true;
}

vt_filter *vt_filter_from_json(const char *s, size_t len) {
  if (len > VT_FILTER_JSON_MAX) return NULL;
  json_t *o = json_loadb(s, len, 0, NULL);
  vt_filter *f = NULL, *ok = NULL;
  json_t *k = json_object_get(o, "k"), *crit = json_object_get(o, "cur");
  if (!json_is_object(o) || json_integer_value(json_object_get(o, "v")) != 1 || !json_is_integer(k) ||
      json_integer_value(k) < VT_FK_LOGS || json_integer_value(k) > VT_FK_PENDING || !json_is_integer(crit) ||
      json_integer_value(crit) < 0)
    goto out;
  f = vt_filter_new((vt_filter_kind)json_integer_value(k));
  if (!f) goto out;
  f->cursor = (uint64_t)json_integer_value(crit);
  if (!copy_str(o, "id", f->id, sizeof f->id) || !copy_str(o, "c", f->client, sizeof f->client) ||
      !copy_str(o, "up", f->upstream, sizeof f->upstream) || !copy_str(o, "upid", f->up_id, sizeof f->up_id) ||
      !opt_u64(o, "from", &f->has_from, &f->from) || !opt_u64(o, "to", &f->has_to, &f->to))
    goto out;
  crit = json_object_get(o, "crit");
  if (json_is_object(crit)) {
    f->crit = json_dumps(crit, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!f->crit || strlen(f->crit) > VT_FILTER_CRIT_MAX) goto out;
  }
  if (!ring_from(f, json_object_get(o, "ring"))) goto out;
  ok = f;
  f = NULL;
out:
  vt_filter_free(f);
  json_decref(o);
  return ok;
}
