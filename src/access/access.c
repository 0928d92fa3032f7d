/*
 * access.c: the client key table, token buckets and per-key method rules (access.h).
 *
 * The table is an open-addressed hash (FNV-1a over the key bytes, linear probing) at
 * most half full, built once from the config; a lookup is one hash, a probe or two and
 * a constant-time compare, so the cache-hit path pays about a microsecond's fraction
 * for keys (docs/benchmarks.md). Each entry keeps its bucket, its tag (hex prefix of
 * SHA-256(key), the only form of a key that leaves this file) and its metric children,
 * looked up once here so a request never formats a label.
 */
#include "access/access.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct vt_client {
  char *key;                 /* SECRET: compared, never printed */
  size_t key_len;
  const vt_key_cfg *cfg;     /* borrowed from the config (outlives the gateway) */
  char tag[VT_ACCESS_TAG_HEX + 1];
  vt_bucket bucket;
  double burst;
  vt_metric_child *m_ok, *m_limited, *m_denied;
};

struct vt_access {
  vt_client *clients;
  size_t nclients;
  size_t *slots;             /* index + 1 into clients, 0 = empty; nslots a power of two */
  size_t nslots;
  vt_access_stats st;
  vt_metric_child *m_missing, *m_wrong;
};

static const char *const L_CLIENT[] = {"client", "key", "outcome"};
static const char *const L_REASON[] = {"reason"};

uint64_t vt_bucket_take(vt_bucket *b, double rate, double burst, uint64_t now_ms, unsigned n) {
  if (rate <= 0) return 0;
  if (burst < 1) burst = 1;
  if (!b->started) {
    b->started = true;
    b->tokens = burst;
    b->last_ms = now_ms;
  }
  if (now_ms > b->last_ms) {
    b->tokens += (double)(now_ms - b->last_ms) * rate / 1000.0;
    if (b->tokens > burst) b->tokens = burst;
    b->last_ms = now_ms;
  }
  double need = n ? (double)n : 1.0;
  if (b->tokens >= need) {
    b->tokens -= need;
    return 0;
  }
  if (need > burst) need = burst; /* never passes: say when the bucket is full */
  double wait = (need - b->tokens) * 1000.0 / rate;
  uint64_t ms = (uint64_t)wait;
  return ms < wait || ms == 0 ? ms + 1 : ms;
}

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

/* Equal lengths compared without an early exit, so timing says nothing of the key. */
static bool same_key(const char *a, const char *b, size_t n) {
  unsigned char d = 0;
  for (size_t i = 0; i < n; i++) d |= (unsigned char)(a[i] ^ b[i]);
  return d == 0;
}

static void make_tag(const char *key, size_t n, char tag[VT_ACCESS_TAG_HEX + 1]) {
  struct sha256_ctx h;
  uint8_t dig[SHA256_DIGEST_SIZE];
  static const char hx[] = "0123456789abcdef";
  sha256_init(&h);
  sha256_update(&h, n, (const uint8_t *)key);
  sha256_digest(&h, sizeof dig, dig);
  for (size_t i = 0; i < VT_ACCESS_TAG_HEX / 2; i++) {
    tag[2 * i] = hx[dig[i] >> 4];
    tag[2 * i + 1] = hx[dig[i] & 15];
  }
  tag[VT_ACCESS_TAG_HEX] = 0;
}

static void client_metrics(vt_client *c, vt_metric *fam) {
  if (!fam) return;
  const char *ok[3] = {c->cfg->name, c->tag, "ok"}, *lim[3] = {c->cfg->name, c->tag, "limited"},
             *den[3] = {c->cfg->name, c->tag, "method_denied"};
  c->m_ok = vt_metric_with(fam, ok);
  c->m_limited = vt_metric_with(fam, lim);
  c->m_denied = vt_metric_with(fam, den);
}

vt_access *vt_access_new(const vt_config *cfg, vt_metrics *reg, char *err, size_t errlen) {
  vt_access *a = calloc(1, sizeof *a);
  if (!a) goto oom;
  if (cfg->nkeys == 0) return a;
  a->nslots = 4;
  while (a->nslots < cfg->nkeys * 2) a->nslots <<= 1;
  a->clients = calloc(cfg->nkeys, sizeof *a->clients);
  a->slots = calloc(a->nslots, sizeof *a->slots);
  if (!a->clients || !a->slots) goto oom;
  vt_metric *fam = NULL, *rej = NULL;
  if (reg) {
    fam = vt_metrics_counter(reg, "verity_client_requests_total",
                             "Requests by client key (name and SHA-256 prefix, never the key) and outcome", L_CLIENT, 3);
    rej = vt_metrics_counter(reg, "verity_client_rejected_total", "Requests refused for a missing or unknown key",
                             L_REASON, 1);
    const char *mi[1] = {"missing"}, *wr[1] = {"wrong"};
    if (rej) {
      a->m_missing = vt_metric_with(rej, mi);
      a->m_wrong = vt_metric_with(rej, wr);
    }
  }
  for (size_t i = 0; i < cfg->nkeys; i++) {
    vt_client *c = &a->clients[i];
    c->cfg = &cfg->keys[i];
    c->key_len = strlen(c->cfg->key);
    if (!(c->key = strdup(c->cfg->key))) goto oom;
    a->nclients = i + 1;
    make_tag(c->key, c->key_len, c->tag);
    c->burst = c->cfg->burst ? (double)c->cfg->burst : (c->cfg->rps > 1 ? (double)(uint64_t)(c->cfg->rps + 0.999) : 1);
    client_metrics(c, fam);
    size_t s = (size_t)fnv1a(c->key, c->key_len) & (a->nslots - 1);
    while (a->slots[s]) s = (s + 1) & (a->nslots - 1);
    a->slots[s] = i + 1;
  }
  a->st.keys = a->nclients;
  return a;
oom:
  snprintf(err, errlen, "out of memory building the client key table (%zu keys)", cfg->nkeys);
  vt_access_free(a);
  return NULL;
}

void vt_access_free(vt_access *a) {
  if (!a) return;
  for (size_t i = 0; i < a->nclients; i++) {
    if (a->clients[i].key) memset(a->clients[i].key, 0, a->clients[i].key_len);
    free(a->clients[i].key);
  }
  free(a->clients);
  free(a->slots);
  free(a);
}

bool vt_access_on(const vt_access *a) { return a && a->nclients > 0; }

const char *vt_access_key_of(const char *path, const char *x_key, const char *authorization, const char **key,
                             size_t *len) {
  static const char bearer[] = "Bearer ";
  *key = NULL;
  *len = 0;
  const char *rest = path;
  size_t pl = sizeof VT_ACCESS_PATH_PREFIX - 1;
  if (path && strncmp(path, VT_ACCESS_PATH_PREFIX, pl) == 0) {
    const char *k = path + pl;
    size_t n = strcspn(k, "/");
    rest = k[n] ? k + n : "/";
    if (n) {
      *key = k;
      *len = n;
    }
  }
  if (authorization && strncasecmp(authorization, bearer, sizeof bearer - 1) == 0) {
    const char *k = authorization + sizeof bearer - 1;
    while (*k == ' ') k++;
    *key = k;
    *len = strcspn(k, " ");
  }
  if (x_key) {
    *key = x_key;
    *len = strlen(x_key);
  }
  return rest;
}

static const vt_client *lookup(const vt_access *a, const char *key, size_t len) {
  if (len < VT_CONFIG_KEY_MIN || len > VT_CONFIG_KEY_MAX) return NULL;
  size_t s = (size_t)fnv1a(key, len) & (a->nslots - 1);
  for (size_t probes = 0; probes < a->nslots && a->slots[s]; probes++, s = (s + 1) & (a->nslots - 1)) {
    const vt_client *c = &a->clients[a->slots[s] - 1];
    if (c->key_len == len && same_key(c->key, key, len)) return c;
  }
  return NULL;
}

vt_access_status vt_access_admit(vt_access *a, const char *key, size_t len, uint64_t now_ms, vt_access_verdict *v) {
  memset(v, 0, sizeof *v);
  v->http_status = 200;
  if (!vt_access_on(a)) return VT_ACCESS_OK;
  if (!len) {
    a->st.missing++;
    if (a->m_missing) vt_metric_inc(a->m_missing, 1);
    v->http_status = 401;
    v->why = "a client key is required: send it as X-Verity-Key, Authorization: Bearer <key>, or in the URL as /k/<key>";
    return VT_ACCESS_MISSING;
  }
  vt_client *c = (vt_client *)lookup(a, key, len);
  if (!c) {
    a->st.wrong++;
    if (a->m_wrong) vt_metric_inc(a->m_wrong, 1);
    v->http_status = 401;
    v->why = "unknown client key: check the key you were given (keys are case-sensitive)";
    return VT_ACCESS_WRONG;
  }
  return vt_access_take(a, c, 1, now_ms, v);
}

vt_access_status vt_access_take(vt_access *a, const vt_client *cc, unsigned n, uint64_t now_ms, vt_access_verdict *v) {
  vt_client *c = (vt_client *)cc; /* the table's own entry: its bucket changes */
  memset(v, 0, sizeof *v);
  v->http_status = 200;
  v->client = c;
  if (!c) return VT_ACCESS_OK;
  uint64_t wait = vt_bucket_take(&c->bucket, c->cfg->rps, c->burst, now_ms, n);
  if (wait) {
    a->st.limited++;
    if (c->m_limited) vt_metric_inc(c->m_limited, 1);
    v->http_status = 429;
    v->retry_after_s = (unsigned)((wait + 999) / 1000);
    v->why = vt_access_batch_fits(c, n) ? VT_ACCESS_WHY_RATE : VT_ACCESS_WHY_BATCH;
    return VT_ACCESS_LIMITED;
  }
  a->st.admitted++;
  if (c->m_ok) vt_metric_inc(c->m_ok, 1);
  return VT_ACCESS_OK;
}

bool vt_access_batch_fits(const vt_client *c, size_t ncalls) {
  return !c || c->cfg->rps <= 0 || (double)ncalls <= c->burst;
}

void vt_access_tag_of(const char *key, size_t len, char out[VT_ACCESS_TAG_HEX + 1]) { make_tag(key, len, out); }

/* A pattern is a name, or a prefix ending in '*'. */
static bool matches(char *const *pats, size_t n, const char *method) {
  for (size_t i = 0; i < n; i++) {
    size_t pl = strlen(pats[i]);
    if (pl && pats[i][pl - 1] == '*' ? strncmp(pats[i], method, pl - 1) == 0 : strcmp(pats[i], method) == 0)
      return true;
  }
  return false;
}

bool vt_access_method_ok(const vt_client *c, const char *method) {
  if (!c) return true;
  bool ok = !matches(c->cfg->deny, c->cfg->ndeny, method) &&
            (c->cfg->nallow == 0 || matches(c->cfg->allow, c->cfg->nallow, method));
  if (!ok && c->m_denied) vt_metric_inc(c->m_denied, 1);
  return ok;
}

const char *vt_client_tag(const vt_client *c) { return c ? c->tag : "-"; }
const char *vt_client_name(const vt_client *c) { return c ? c->cfg->name : "-"; }

void vt_access_stats_get(const vt_access *a, vt_access_stats *s) {
  memset(s, 0, sizeof *s);
  if (a) *s = a->st;
}
