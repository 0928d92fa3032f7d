/*
 * config.c: the key table and the YAML loader (libyaml document API).
 *
 * One row per key (like redis config.c): its dotted path, the setter that parses the
 * text, the field offset, the range and the default written in file syntax. Defaults
 * are applied by running each row's default text through its own setter, so a default
 * can never disagree with what the file accepts. Keys whose value is a list or a map
 * (upstreams, methods, anchor.beacon, upstream headers) have a node handler instead.
 *
 * Loading: parse the whole document, look at chain.name / chain.id first to pick the
 * preset the file builds on, then walk every mapping against the table (unknown keys,
 * duplicate keys, aliases and wrong shapes are errors), then apply the derived
 * defaults and the cross-field rules. The result is built in a scratch vt_config and
 * moved into the caller's only on success. Errors carry "source:line:column: key: ".
 *
 * ${VAR} is interpolated in upstream urls and header values only ("$${" is a literal
 * "${"); messages name the variable, never its value, and url values are echoed in
 * their redacted form, header values not at all.
 */
#include "config/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "config/config_int.h"
#include "config/presets.h"

/* ---- the YAML walk ---- */

static int visit(loader *L, yaml_node_t *n) {
  size_t idx = (size_t)(n - L->doc->nodes.start);
  L->mark = n->start_mark;
  if (idx >= L->nnodes) return vt_config__fail(L, "internal: node out of range");
  if (L->seen[idx]) return vt_config__fail(L, "YAML aliases (*name) are not supported");
  L->seen[idx] = 1;
  return 0;
}

static yaml_node_t *node_of(loader *L, int id) { return yaml_document_get_node(L->doc, id); }

static bool is_null(const yaml_node_t *n) {
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
  if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
  for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
    if (strcmp((const char *)n->data.scalar.value, nulls[i]) == 0) return true;
  return false;
}

/* The text of a scalar value ("" for null). */
static int scalar_text(loader *L, yaml_node_t *n, const char **out) {
  if (n->type != YAML_SCALAR_NODE) return vt_config__fail(L, "expected a single value, found a %s",
                                               n->type == YAML_MAPPING_NODE ? "mapping" : "list");
  const char *t = (const char *)n->data.scalar.value;
  if (strlen(t) != n->data.scalar.length) return vt_config__fail(L, "the value contains a NUL byte");
  *out = is_null(n) ? "" : t;
  return 0;
}

/* Key of a mapping pair: a scalar, not repeated earlier in the same mapping. */
static int pair_key(loader *L, yaml_node_t *map, yaml_node_pair_t *pair, const char **key) {
  yaml_node_t *k = node_of(L, pair->key);
  if (!k || visit(L, k)) return -1;
  if (k->type != YAML_SCALAR_NODE) return vt_config__fail(L, "a key must be a plain name, not a list or mapping");
  *key = (const char *)k->data.scalar.value;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair; p++) {
    yaml_node_t *pk = node_of(L, p->key);
    if (pk && pk->type == YAML_SCALAR_NODE && strcmp((const char *)pk->data.scalar.value, *key) == 0) {
      char v[80];
      return vt_config__fail(L, "duplicate key \"%s\"", vt_config__shown(*key, v, sizeof v));
    }
  }
  return 0;
}

static void set_key(loader *L, const char *shown_prefix, const char *path) {
  snprintf(L->key, sizeof L->key, "%s%s%s", shown_prefix, *shown_prefix && *path ? "." : "", path);
}

/* Remember where the current key is (bounded by the number of nodes in the file). */
static void note_pos(loader *L, yaml_mark_t mark) {
  if (L->npos == L->cappos) {
    size_t n = L->cappos ? L->cappos * 2 : 64;
    struct vt_config_pos *p = realloc(L->pos, n * sizeof *p);
    if (!p) return;  /* messages lose their line:column, nothing else */
    L->pos = p;
    L->cappos = n;
  }
  snprintf(L->pos[L->npos].key, sizeof L->pos[L->npos].key, "%s", L->key);
  L->pos[L->npos++].mark = mark;
}

/* The position of key, or of its nearest parent that appeared in the file. */
static bool find_pos(const loader *L, const char *key, yaml_mark_t *out) {
  char k[160];
  snprintf(k, sizeof k, "%s", key);
  for (;;) {
    for (size_t i = L->npos; i-- > 0;)
      if (strcmp(L->pos[i].key, k) == 0) {
        *out = L->pos[i].mark;
        return true;
      }
    char *cut = strrchr(k, '.');
    char *br = strrchr(k, '[');
    if (br && (!cut || br > cut)) cut = br;
    if (!cut) return false;
    *cut = 0;
  }
}

static int walk_map(loader *L, yaml_node_t *map, const char *prefix, const char *shown_prefix, const key_row *rows,
                    size_t nrows, void *base) {
  if (map->type != YAML_MAPPING_NODE) {
    set_key(L, shown_prefix, prefix);
    return vt_config__fail(L, "expected a mapping of keys");
  }
  for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
    const char *k;
    set_key(L, shown_prefix, prefix);
    if (pair_key(L, map, pair, &k)) return -1;
    char full[128];
    int fl = snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", k);
    yaml_node_t *v = node_of(L, pair->value);
    set_key(L, shown_prefix, full);
    if (fl < 0 || (size_t)fl >= sizeof full || !v) return vt_config__fail(L, "unknown key");
    const key_row *row = NULL;
    bool parent = false;
    for (size_t i = 0; i < nrows; i++) {
      size_t pl = strlen(full);
      if (strcmp(rows[i].path, full) == 0) row = &rows[i];
      else if (strncmp(rows[i].path, full, pl) == 0 && rows[i].path[pl] == '.') parent = true;
    }
    if (!row && !parent) return vt_config__fail(L, "unknown key (see docs/config.md for the keys)");
    if (visit(L, v)) return -1;
    note_pos(L, v->start_mark);
    if (!row) {
      if (walk_map(L, v, full, shown_prefix, rows, nrows, base)) return -1;
      continue;
    }
    void *field = (char *)base + row->off;
    if (row->node) {
      if (row->node(L, row, v, field)) return -1;
      continue;
    }
    const char *text;
    if (scalar_text(L, v, &text) || row->set(L, row, text, field)) return -1;
  }
  return 0;
}

static int node_headers(loader *L, const key_row *r, yaml_node_t *n, void *field);
static int node_beacon(loader *L, const key_row *r, yaml_node_t *n, void *field);
static int node_upstreams(loader *L, const key_row *r, yaml_node_t *n, void *field);
static int node_methods(loader *L, const key_row *r, yaml_node_t *n, void *field);
static int node_keys(loader *L, const key_row *r, yaml_node_t *n, void *field);
static int node_patterns(loader *L, const key_row *r, yaml_node_t *n, void *field);
static int set_client_key(loader *L, const key_row *r, const char *t, void *field);

#define OFF(f) offsetof(vt_config, f)
#define UOFF(f) offsetof(vt_upstream_cfg, f)
#define MOFF(f) offsetof(vt_method_cfg, f)
#define KOFF(f) offsetof(vt_key_cfg, f)
#define KIB(x) ((unsigned long long)(x) << 10)
#define MIB(x) ((unsigned long long)(x) << 20)
#define GIB(x) ((unsigned long long)(x) << 30)

/* The keys of the file: path, setter or node handler, field, min, max, default. */
static const key_row g_rows[] = {
    {"listen", vt_config__set_listen, NULL, 0, 0, 0, "127.0.0.1:8545"},
    {"log.level", vt_config__set_level, NULL, OFF(log_level), 0, 0, "info"},
    {"log.format", vt_config__set_format, NULL, OFF(log_json), 0, 0, "text"},
    {"chain.id", vt_config__set_chain_id, NULL, OFF(chain_id), 1, (1ull << 53) - 1, NULL},
    {"chain.name", vt_config__set_chain_name, NULL, 0, 0, 0, NULL},
    {"chain.kind", vt_config__set_chain_kind, NULL, OFF(chain_kind), 0, 0, NULL},
    {"anchor.mode", vt_config__set_anchor, NULL, OFF(anchor_mode), 0, 0, NULL},
    {"anchor.quorum", vt_config__set_quorum, NULL, OFF(quorum), 1, VT_CONFIG_MAX_UPSTREAMS, NULL},
    {"anchor.checkpoint", vt_config__set_string, NULL, OFF(checkpoint), 0, 0, NULL},
    {"anchor.beacon", NULL, node_beacon, 0, 0, 0, NULL},
    {"anchor.lightclient.preset", vt_config__set_string, NULL, OFF(lc_preset), 0, 0, NULL},
    {"anchor.lightclient.fork", vt_config__set_string, NULL, OFF(lc_fork), 0, 0, NULL},
    {"anchor.lightclient.genesis_validators_root", vt_config__set_string, NULL, OFF(lc_gvr), 0, 0, NULL},
    {"anchor.lightclient.genesis_time", vt_config__set_u64, NULL, OFF(lc_genesis_time), 0, 1ull << 40, "0"},
    {"anchor.lightclient.seconds_per_slot", vt_config__set_uint, NULL, OFF(lc_seconds_per_slot), 1, 600, "12"},
    {"anchor.lightclient.poll_ms", vt_config__set_ms, NULL, OFF(lc_poll_ms), 0, 600000, "0"},
    {"anchor.lightclient.state", vt_config__set_string, NULL, OFF(lc_state), 0, 0, NULL},
    {"anchor.history_walk", vt_config__set_uint, NULL, OFF(history_walk), 0, 1000000, "8192"},
    {"anchor.max_staleness", vt_config__set_secs, NULL, OFF(max_staleness_s), 0, 365ull * 86400, "0"},
    {"upstreams", NULL, node_upstreams, OFF(upstreams), 0, 0, NULL},
    {"l1.chain_id", vt_config__set_u64, NULL, OFF(l1_chain_id), 1, (1ull << 53) - 1, NULL},
    {"l1.quorum", vt_config__set_uint, NULL, OFF(l1_quorum), 1, VT_CONFIG_MAX_UPSTREAMS, "2"},
    {"l1.factory", vt_config__set_string, NULL, OFF(l1_factory), 0, 0, NULL},
    {"l1.poll_ms", vt_config__set_ms, NULL, OFF(l1_poll_ms), 500, 3600000, "12000"},
    {"l1.walk_max", vt_config__set_uint, NULL, OFF(l1_walk), 0, 1000000, "2048"},
    {"l1.upstreams", NULL, node_upstreams, OFF(l1_upstreams), 0, 0, NULL},
    {"methods", NULL, node_methods, 0, 0, 0, NULL},
    {"pool.timeout_ms", vt_config__set_ms, NULL, OFF(timeout_ms), 100, 600000, "10000"},
    {"pool.connect_timeout_ms", vt_config__set_ms, NULL, OFF(connect_timeout_ms), 100, 600000, "3000"},
    {"pool.hedge_after_ms", vt_config__set_ms, NULL, OFF(hedge_after_ms), 0, 600000, "0"},
    {"pool.max_retries", vt_config__set_uint, NULL, OFF(max_retries), 0, 10, "2"},
    {"pool.breaker.failures", vt_config__set_uint, NULL, OFF(breaker_failures), 1, 1000, "5"},
    {"pool.breaker.open_ms", vt_config__set_ms, NULL, OFF(breaker_open_ms), 100, 3600000, "5000"},
    {"pool.head_poll_ms", vt_config__set_ms, NULL, OFF(head_poll_ms), 100, 600000, "2000"},
    {"pool.head_lag_blocks", vt_config__set_uint, NULL, OFF(head_lag_blocks), 1, 100000, "3"},
    {"pool.max_inflight", vt_config__set_uint, NULL, OFF(max_inflight_per_upstream), 0, 100000, "64"},
    {"limits.max_body", vt_config__set_size, NULL, OFF(max_body), KIB(1), MIB(256), "5MiB"},
    {"limits.max_batch", vt_config__set_count, NULL, OFF(max_batch), 1, 10000, "100"},
    {"limits.max_header_bytes", vt_config__set_size, NULL, OFF(max_header_bytes), KIB(1), MIB(1), "16KiB"},
    {"limits.max_response", vt_config__set_size, NULL, OFF(max_response), KIB(64), GIB(1), "32MiB"},
    {"limits.max_ws_message", vt_config__set_size, NULL, OFF(max_ws_message), KIB(1), MIB(256), "5MiB"},
    {"limits.max_connections", vt_config__set_uint, NULL, OFF(max_connections), 1, 1000000, "1024"},
    {"limits.max_json_depth", vt_config__set_uint, NULL, OFF(max_json_depth), 4, 1024, "64"},
    {"limits.max_connections_per_client", vt_config__set_uint, NULL, OFF(max_connections_per_client), 0, 1000000, "0"},
    {"limits.reserved_connections", vt_config__set_uint, NULL, OFF(reserved_connections), 0, 1000, "0"},
    {"limits.busy_idle_ms", vt_config__set_ms, NULL, OFF(busy_idle_ms), 0, 86400000, "0"},
    {"limits.max_inflight_per_client", vt_config__set_uint, NULL, OFF(max_inflight_per_client), 0, 1000000, "1000"},
    {"limits.max_subscriptions_per_client", vt_config__set_uint, NULL, OFF(max_subscriptions_per_client), 1, 10000, "1000"},
    {"cors_origin", vt_config__set_origin, NULL, OFF(cors_origin), 0, 0, NULL},
    {"cors_all_paths", vt_config__set_bool, NULL, OFF(cors_all_paths), 0, 0, "false"},
    {"keys", NULL, node_keys, 0, 0, 0, NULL},
    {"cache.memory", vt_config__set_size, NULL, OFF(cache_memory), 0, GIB(1024), "256MiB"},
    {"cache.path", vt_config__set_string, NULL, OFF(cache_path), 0, 0, NULL},
    {"cache.redis", vt_config__set_redis, NULL, OFF(redis_url), 0, 0, NULL},
    {"degraded.stale", vt_config__set_bool, NULL, OFF(degraded_stale), 0, 0, "false"},
    {"verify", vt_config__set_bool, NULL, OFF(verify), 0, 0, "true"},
    {"logs.max_blocks", vt_config__set_u64, NULL, OFF(logs_max_blocks), 1, 10000000, "10000"},
    {"logs.chunk_blocks", vt_config__set_u64, NULL, OFF(logs_chunk_blocks), 1, 10000000, "2000"},
    {"logs.parallel", vt_config__set_uint, NULL, OFF(logs_parallel), 1, 64, "4"},
    {"filters.ttl", vt_config__set_secs, NULL, OFF(filters_ttl_s), 1, 86400, "5m"},
    {"filters.max_per_client", vt_config__set_count, NULL, OFF(filters_max_per_client), 1, 100000, "100"},
    {"filters.max_total", vt_config__set_count, NULL, OFF(filters_max_total), 1, 1000000, "10000"},
    {"call.max_rounds", vt_config__set_uint, NULL, OFF(call_max_rounds), 1, 64, "8"},
    {"call.gas_cap", vt_config__set_u64, NULL, OFF(call_gas_cap), 21000, 1000000000, "50000000"},
};

static const key_row g_upstream_rows[] = {
    {"name", vt_config__set_upstream_name, NULL, UOFF(name), 0, 0, NULL},
    {"url", vt_config__set_url, NULL, UOFF(url), 0, 0, NULL},
    {"weight", vt_config__set_uint, NULL, UOFF(weight), 1, 1000, "1"},
    {"trusted", vt_config__set_bool, NULL, UOFF(trusted), 0, 0, "false"},
    {"timeout_ms", vt_config__set_ms, NULL, UOFF(timeout_ms), 0, 600000, "0"},
    {"max_rps", vt_config__set_rps, NULL, UOFF(max_rps), 0, 1000000, "0"},
    {"mempool", vt_config__set_bool, NULL, UOFF(mempool), 0, 0, "false"},
    {"ws", vt_config__set_ws, NULL, UOFF(ws), 0, 0, NULL},
    {"headers", NULL, node_headers, 0, 0, 0, NULL},
};


/* One client key; allow/deny are lists of method patterns (node_patterns, the row's
 * off is the list; its count follows it in vt_key_cfg). */
static const key_row g_key_rows[] = {
    {"name", vt_config__set_upstream_name, NULL, KOFF(name), 0, 0, NULL},
    {"key", set_client_key, NULL, KOFF(key), 0, 0, NULL},
    {"rps", vt_config__set_rps, NULL, KOFF(rps), 0, 1000000, "0"},
    {"burst", vt_config__set_uint, NULL, KOFF(burst), 0, 1000000, "0"},
    {"allow", NULL, node_patterns, KOFF(allow), 0, 0, NULL},
    {"deny", NULL, node_patterns, KOFF(deny), 0, 0, NULL},
};

static const key_row g_method_rows[] = {
    {"policy", vt_config__set_policy, NULL, MOFF(policy), 0, 0, "default"},
    {"timeout_ms", vt_config__set_ms, NULL, MOFF(timeout_ms), 0, 600000, "0"},
};

/* Run every row's default through its setter (the table is static: a failure is a bug). */
static void apply_defaults(vt_config *c, const key_row *rows, size_t n, void *base) {
  char err[256];
  loader L = {.src = "defaults", .err = err, .errlen = sizeof err, .c = c};
  for (size_t i = 0; i < n; i++) {
    if (!rows[i].def || !rows[i].set) continue;
    snprintf(L.key, sizeof L.key, "%s", rows[i].path);
    if (rows[i].set(&L, &rows[i], rows[i].def, (char *)base + rows[i].off)) {
      fprintf(stderr, "verity: bad built-in default: %s\n", err);
      abort();
    }
  }
}

/* Re-check every numeric field against its row's range (for configs changed by hand
 * after loading, e.g. command-line overrides). */
int vt_config__check_ranges(const vt_config *c, char *err, size_t errlen) {
  for (size_t i = 0; i < sizeof g_rows / sizeof g_rows[0]; i++) {
    const key_row *r = &g_rows[i];
    unsigned long long v;
    const char *field = (const char *)c + r->off;
    if (r->set == vt_config__set_uint || r->set == vt_config__set_ms || r->set == vt_config__set_secs)
      v = *(const unsigned *)(const void *)field;
    else if (r->set == vt_config__set_size || r->set == vt_config__set_count)
      v = *(const size_t *)(const void *)field;
    else
      continue;
    if (v < r->min || v > r->max) {
      snprintf(err, errlen, "%s: %llu: expected %llu to %llu", r->path, v, r->min, r->max);
      return -1;
    }
  }
  if (!c->listen_host || c->listen_port < 0 || c->listen_port > 65535) {
    snprintf(err, errlen, "listen: expected an address and a port from 0 to 65535");
    return -1;
  }
  return 0;
}

/* ---- list and map keys ---- */

/* Header names that verity itself controls (framing, routing): refused. */
static const char *const g_forbidden_headers[] = {"host", "content-length", "transfer-encoding", "connection",
                                                  "content-type", "upgrade", "te", "trailer", "keep-alive"};

static int node_headers(loader *L, const key_row *r, yaml_node_t *n, void *field) {
  vt_upstream_cfg *u = (vt_upstream_cfg *)field;  /* row offset 0: the upstream itself */
  char base[160];
  (void)r;
  snprintf(base, sizeof base, "%s", L->key);
  if (is_null(n)) return 0;
  if (n->type != YAML_MAPPING_NODE) return vt_config__fail(L, "expected a mapping of header names to values");
  size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
  if (count > VT_CONFIG_MAX_HEADERS) return vt_config__fail(L, "%zu headers: at most %d are allowed", count, VT_CONFIG_MAX_HEADERS);
  for (yaml_node_pair_t *pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
    const char *name, *text;
    if (pair_key(L, n, pair, &name)) return -1;
    snprintf(L->key, sizeof L->key, "%s.%.64s", base, name);
    size_t nl = strlen(name);
    bool ok = nl >= 1 && nl <= 64;
    for (size_t i = 0; ok && i < nl; i++) ok = name[i] > 0x20 && name[i] < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", name[i]);
    if (!ok) return vt_config__fail(L, "not a valid header name: expected 1 to 64 token characters (RFC 9110)");
    for (size_t i = 0; i < sizeof g_forbidden_headers / sizeof g_forbidden_headers[0]; i++)
      if (strcasecmp(name, g_forbidden_headers[i]) == 0) return vt_config__fail(L, "this header is set by verity and cannot be configured");
    yaml_node_t *v = node_of(L, pair->value);
    if (!v || visit(L, v) || scalar_text(L, v, &text)) return -1;
    char *value = NULL;
    bool env = false;
    if (vt_config__interpolate(L, text, VT_CONFIG_MAX_HEADER, &value, &env, u)) return -1;
    if (env && vt_config__add_secret(u, value, strlen(value))) {
      free(value);
      return vt_config__fail(L, "out of memory");
    }
    if (strpbrk(value, "\r\n")) {
      free(value);
      return vt_config__fail(L, "the value (not shown: it may be secret) contains a line break");
    }
    char *nm = strdup(name);
    vt_kv *grown = realloc(u->headers, (u->nheaders + 1) * sizeof *grown);
    if (!nm || !grown) {
      free(nm);
      free(value);
      if (grown) u->headers = grown;
      return vt_config__fail(L, "out of memory");
    }
    u->headers = grown;
    u->headers[u->nheaders].name = nm;
    u->headers[u->nheaders].value = value;
    u->nheaders++;
  }
  return 0;
}

static int node_beacon(loader *L, const key_row *r, yaml_node_t *n, void *field) {
  vt_config *c = L->c;
  const char *text;
  (void)r;
  (void)field;
  vt_config__free_strv(c->beacon, c->nbeacon);
  c->beacon = NULL;
  c->nbeacon = 0;
  if (is_null(n)) return 0;
  yaml_node_item_t single = 0, *start = &single, *top = &single + 1;
  if (n->type == YAML_SEQUENCE_NODE) {
    start = n->data.sequence.items.start;
    top = n->data.sequence.items.top;
  } else if (n->type == YAML_SCALAR_NODE) {
    single = (yaml_node_item_t)(n - L->doc->nodes.start) + 1;
    L->seen[n - L->doc->nodes.start] = 0;  /* visited again below */
  } else {
    return vt_config__fail(L, "expected a list of beacon API urls");
  }
  if (top - start > VT_CONFIG_MAX_BEACON) return vt_config__fail(L, "%td urls: at most %d are allowed", top - start, VT_CONFIG_MAX_BEACON);
  c->beacon = calloc((size_t)(top - start) + 1, sizeof *c->beacon);
  if (!c->beacon) return vt_config__fail(L, "out of memory");
  char base[160];
  snprintf(base, sizeof base, "%s", L->key);
  for (yaml_node_item_t *it = start; it < top; it++) {
    yaml_node_t *v = node_of(L, *it);
    snprintf(L->key, sizeof L->key, "%s[%td]", base, it - start);
    if (!v || visit(L, v) || scalar_text(L, v, &text)) return -1;
    if (!vt_config__url_ok(text, vt_config__http_schemes)) {
      char raw[160];
      vt_redact_url(text, raw, sizeof raw);
      return vt_config__fail(L, "\"%s\" is not valid: expected an http:// or https:// url", raw);
    }
    c->beacon[c->nbeacon] = strdup(text);
    if (!c->beacon[c->nbeacon]) return vt_config__fail(L, "out of memory");
    c->nbeacon++;
  }
  return 0;
}

/* upstreams and l1.upstreams (field is c->upstreams or c->l1_upstreams). */
static int node_upstreams(loader *L, const key_row *r, yaml_node_t *n, void *field) {
  vt_config *c = L->c;
  bool l1 = field == (void *)&c->l1_upstreams;
  vt_upstream_cfg **list = l1 ? &c->l1_upstreams : &c->upstreams;
  size_t *nlist = l1 ? &c->nl1_upstreams : &c->nupstreams;
  (void)r;
  for (size_t i = 0; i < *nlist; i++) vt_config__upstream_free(&(*list)[i]);
  free(*list);
  *list = NULL;
  *nlist = 0;
  if (is_null(n)) return 0;
  if (n->type != YAML_SEQUENCE_NODE) return vt_config__fail(L, "expected a list of upstreams (- name: ..., url: ...)");
  size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  if (count > VT_CONFIG_MAX_UPSTREAMS) return vt_config__fail(L, "%zu upstreams: at most %d are allowed", count, VT_CONFIG_MAX_UPSTREAMS);
  *list = calloc(count + 1, sizeof **list);
  if (!*list) return vt_config__fail(L, "out of memory");
  for (size_t i = 0; i < count; i++) {
    vt_upstream_cfg *u = &(*list)[i];
    char shown_prefix[32];
    snprintf(shown_prefix, sizeof shown_prefix, "%supstreams[%zu]", l1 ? "l1." : "", i);
    *nlist = i + 1;  /* owned by the config from here on, freed on any error */
    apply_defaults(c, g_upstream_rows, sizeof g_upstream_rows / sizeof g_upstream_rows[0], u);
    yaml_node_t *item = node_of(L, n->data.sequence.items.start[i]);
    snprintf(L->key, sizeof L->key, "%s", shown_prefix);
    if (!item || visit(L, item)) return -1;
    note_pos(L, item->start_mark);
    yaml_mark_t at = item->start_mark;
    if (walk_map(L, item, "", shown_prefix, g_upstream_rows, sizeof g_upstream_rows / sizeof g_upstream_rows[0], u))
      return -1;
    L->mark = at;
    snprintf(L->key, sizeof L->key, "%s", shown_prefix);
    if (!u->name) return vt_config__fail(L, "missing key \"name\"");
    if (!u->url) return vt_config__fail(L, "missing key \"url\"");
  }
  return 0;
}

static int method_pattern_ok(const char *m) {
  size_t n = strlen(m);
  if (n == 0 || n > 64) return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = m[i];
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              (ch == '*' && i == n - 1);
    if (!ok) return 0;
  }
  return 1;
}

static int node_methods(loader *L, const key_row *r, yaml_node_t *n, void *field) {
  vt_config *c = L->c;
  (void)r;
  (void)field;
  if (is_null(n)) return 0;
  if (n->type != YAML_MAPPING_NODE) return vt_config__fail(L, "expected a mapping of method names to allow, deny or {policy, timeout_ms}");
  size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
  if (count > VT_CONFIG_MAX_METHODS) return vt_config__fail(L, "%zu methods: at most %d are allowed", count, VT_CONFIG_MAX_METHODS);
  for (size_t i = 0; i < c->nmethods; i++) free(c->methods[i].method);
  free(c->methods);
  c->nmethods = 0;
  c->methods = calloc(count + 1, sizeof *c->methods);
  if (!c->methods) return vt_config__fail(L, "out of memory");
  for (yaml_node_pair_t *pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
    const char *name, *text;
    snprintf(L->key, sizeof L->key, "methods");
    if (pair_key(L, n, pair, &name)) return -1;
    char shown_prefix[96], v[80];
    snprintf(shown_prefix, sizeof shown_prefix, "methods.%s", vt_config__shown(name, v, sizeof v));
    snprintf(L->key, sizeof L->key, "%s", shown_prefix);
    if (!method_pattern_ok(name)) return vt_config__fail(L, "not a method name: expected 1 to 64 of A-Z a-z 0-9 _, optionally ending in *");
    vt_method_cfg *m = &c->methods[c->nmethods];
    m->method = strdup(name);
    if (!m->method) return vt_config__fail(L, "out of memory");
    c->nmethods++;
    apply_defaults(c, g_method_rows, sizeof g_method_rows / sizeof g_method_rows[0], m);
    yaml_node_t *val = node_of(L, pair->value);
    if (!val || visit(L, val)) return -1;
    if (val->type == YAML_MAPPING_NODE) {
      if (walk_map(L, val, "", shown_prefix, g_method_rows, sizeof g_method_rows / sizeof g_method_rows[0], m)) return -1;
      continue;
    }
    if (scalar_text(L, val, &text) || vt_config__set_policy(L, NULL, text, &m->policy)) return -1;
  }
  return 0;
}

/* keys[].key: interpolated (${ENV}), a URL path segment so /k/<key> can carry it. */
static int set_client_key(loader *L, const key_row *r, const char *t, void *field) {
  char *k = NULL;
  bool env = false;
  (void)r;
  if (vt_config__interpolate(L, t, VT_CONFIG_KEY_MAX, &k, &env, NULL)) return -1;
  size_t n = strlen(k);
  bool ok = n >= VT_CONFIG_KEY_MIN && n <= VT_CONFIG_KEY_MAX;
  for (size_t i = 0; ok && i < n; i++)
    ok = (k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= '0' && k[i] <= '9') ||
         strchr("-_.~", k[i]) != NULL;
  if (!ok) {
    free(k);
    return vt_config__fail(L, "the key (not shown: it is secret) must be %d to %d of A-Z a-z 0-9 - _ . ~",
                           VT_CONFIG_KEY_MIN, VT_CONFIG_KEY_MAX);
  }
  char **dst = field;
  free(*dst);
  *dst = k;
  return 0;
}

/* keys[].allow / keys[].deny: a list of method names or prefixes ("debug_*"). */
static int node_patterns(loader *L, const key_row *r, yaml_node_t *n, void *field) {
  char ***list = field;
  size_t *count = (size_t *)((char *)field + sizeof(char **)); /* nallow follows allow, ndeny deny */
  _Static_assert(offsetof(vt_key_cfg, nallow) == offsetof(vt_key_cfg, allow) + sizeof(char **) &&
                     offsetof(vt_key_cfg, ndeny) == offsetof(vt_key_cfg, deny) + sizeof(char **),
                 "node_patterns finds a list's count right after it");
  (void)r;
  if (is_null(n)) return 0;
  if (n->type != YAML_SEQUENCE_NODE) return vt_config__fail(L, "expected a list of method names or prefixes (eth_*)");
  size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  if (k > VT_CONFIG_MAX_KEY_RULES) return vt_config__fail(L, "%zu patterns: at most %d are allowed", k, VT_CONFIG_MAX_KEY_RULES);
  vt_config__free_strv(*list, *count);
  *count = 0;
  if (!(*list = calloc(k + 1, sizeof **list))) return vt_config__fail(L, "out of memory");
  for (size_t i = 0; i < k; i++) {
    yaml_node_t *item = node_of(L, n->data.sequence.items.start[i]);
    const char *text;
    if (!item || visit(L, item) || scalar_text(L, item, &text)) return -1;
    if (!method_pattern_ok(text)) return vt_config__bad_value(L, text, "a method name or a prefix ending in *");
    if (!((*list)[i] = strdup(text))) return vt_config__fail(L, "out of memory");
    *count = i + 1;
  }
  return 0;
}

static int node_keys(loader *L, const key_row *r, yaml_node_t *n, void *field) {
  vt_config *c = L->c;
  (void)r;
  (void)field;
  for (size_t i = 0; i < c->nkeys; i++) vt_config__key_free(&c->keys[i]);
  free(c->keys);
  c->keys = NULL;
  c->nkeys = 0;
  if (is_null(n)) return 0;
  if (n->type != YAML_SEQUENCE_NODE) return vt_config__fail(L, "expected a list of client keys (- name: ..., key: ...)");
  size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  if (count > VT_CONFIG_MAX_KEYS) return vt_config__fail(L, "%zu keys: at most %d are allowed", count, VT_CONFIG_MAX_KEYS);
  if (!(c->keys = calloc(count + 1, sizeof *c->keys))) return vt_config__fail(L, "out of memory");
  for (size_t i = 0; i < count; i++) {
    vt_key_cfg *k = &c->keys[i];
    char shown_prefix[32];
    snprintf(shown_prefix, sizeof shown_prefix, "keys[%zu]", i);
    c->nkeys = i + 1;  /* owned by the config from here on */
    apply_defaults(c, g_key_rows, sizeof g_key_rows / sizeof g_key_rows[0], k);
    yaml_node_t *item = node_of(L, n->data.sequence.items.start[i]);
    snprintf(L->key, sizeof L->key, "%s", shown_prefix);
    if (!item || visit(L, item)) return -1;
    note_pos(L, item->start_mark);
    yaml_mark_t at = item->start_mark;
    if (walk_map(L, item, "", shown_prefix, g_key_rows, sizeof g_key_rows / sizeof g_key_rows[0], k)) return -1;
    L->mark = at;
    snprintf(L->key, sizeof L->key, "%s", shown_prefix);
    if (!k->name) return vt_config__fail(L, "missing key \"name\"");
    if (!k->key) return vt_config__fail(L, "missing key \"key\" (the client's secret, e.g. key: ${TEAM_KEY})");
  }
  return 0;
}

/* ---- defaults and loading ---- */

void vt_config_defaults(vt_config *c) {
  char err[256];
  memset(c, 0, sizeof *c);
  apply_defaults(c, g_rows, sizeof g_rows / sizeof g_rows[0], c);
  if (vt_config_apply_preset(c, "mainnet", err, sizeof err)) abort();
}

/* Read chain.name / chain.id before the walk: they choose the preset the file builds on. */
static int choose_preset(loader *L, yaml_node_t *root) {
  const char *name = NULL, *id = NULL;
  char err[256];
  if (!root || root->type != YAML_MAPPING_NODE) return 0;
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_of(L, p->key), *v = node_of(L, p->value);
    if (!k || !v || k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, "chain") != 0 ||
        v->type != YAML_MAPPING_NODE)
      continue;
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
      yaml_node_t *kk = node_of(L, q->key), *vv = node_of(L, q->value);
      if (!kk || !vv || kk->type != YAML_SCALAR_NODE || vv->type != YAML_SCALAR_NODE) continue;
      if (strcmp((const char *)kk->data.scalar.value, "name") == 0) name = (const char *)vv->data.scalar.value;
      if (strcmp((const char *)kk->data.scalar.value, "id") == 0) id = (const char *)vv->data.scalar.value;
    }
  }
  const vt_preset *p = name ? vt_preset_find(name) : NULL;
  if (!name && id) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(id, &end, 0);
    if (errno == 0 && *end == 0) p = vt_preset_by_chain_id(v);
  }
  if (p) return vt_config_apply_preset(L->c, p->name, err, sizeof err) ? vt_config__fail(L, "%s", err) : 0;
  if (!name && !id) return 0;  /* mainnet, from the defaults */
  vt_config *c = L->c;  /* a chain without a preset: nothing is assumed */
  for (size_t i = 0; i < c->nupstreams; i++) vt_config__upstream_free(&c->upstreams[i]);
  free(c->upstreams);
  vt_config__free_strv(c->beacon, c->nbeacon);
  free(c->checkpoint);
  free(c->chain_name);
  c->upstreams = NULL;
  c->beacon = NULL;
  c->checkpoint = NULL;
  c->nupstreams = c->nbeacon = 0;
  c->chain_id = 0;
  c->chain_kind = VC_CHAIN_ETHEREUM; /* unless chain.kind says otherwise */
  c->anchor_mode = VT_ANCHOR_QUORUM;
  c->chain_name = strdup(name && *name ? name : "custom");
  return c->chain_name ? 0 : vt_config__fail(L, "out of memory");
}

/* libyaml's scanner costs O(depth) per token, so a deeply nested file costs O(n^2):
 * a first pass over the events refuses nesting deeper than VT_CONFIG_MAX_DEPTH before
 * the document is built (and reports syntax errors with their position). */
#define VT_CONFIG_MAX_DEPTH 16

static int check_depth(loader *L, const char *yaml, size_t len) {
  yaml_parser_t parser;
  yaml_event_t ev;
  int depth = 0, rc = -1;
  if (!yaml_parser_initialize(&parser)) return vt_config__fail(L, "out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
  for (;;) {
    if (!yaml_parser_parse(&parser, &ev)) {
      L->mark = parser.problem_mark;
      vt_config__fail(L, "YAML syntax error: %s%s%s", parser.problem ? parser.problem : "malformed",
                      parser.context ? " " : "", parser.context ? parser.context : "");
      goto out;
    }
    yaml_event_type_t t = ev.type;
    yaml_mark_t at = ev.start_mark;
    yaml_event_delete(&ev);
    if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) depth++;
    if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT) depth--;
    if (depth > VT_CONFIG_MAX_DEPTH) {
      L->mark = at;
      vt_config__fail(L, "nested deeper than %d levels", VT_CONFIG_MAX_DEPTH);
      goto out;
    }
    if (t == YAML_STREAM_END_EVENT) break;
  }
  rc = 0;
out:
  yaml_parser_delete(&parser);
  return rc;
}

static int load_buffer(vt_config *c, const char *src, const char *yaml, size_t len, char *err, size_t errlen) {
  yaml_parser_t parser;
  yaml_document_t doc;
  vt_config tmp;
  bool parser_ok = false, doc_ok = false;
  int rc = -1;
  loader L = {.doc = &doc, .src = src, .err = err, .errlen = errlen, .c = &tmp};
  if (err && errlen) err[0] = 0;
  vt_config_defaults(&tmp);
  L.key[0] = 0;
  if (len > VT_CONFIG_MAX_FILE) {
    vt_config__fail(&L, "the configuration is %zu bytes: at most %u are allowed", len, VT_CONFIG_MAX_FILE);
    goto out;
  }
  if (check_depth(&L, yaml, len)) goto out;
  if (!yaml_parser_initialize(&parser)) {
    vt_config__fail(&L, "out of memory");
    goto out;
  }
  parser_ok = true;
  yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
  if (!yaml_parser_load(&parser, &doc)) {
    L.mark = parser.problem_mark;
    vt_config__fail(&L, "YAML syntax error: %s%s%s", parser.problem ? parser.problem : "malformed",
         parser.context ? " " : "", parser.context ? parser.context : "");
    goto out;
  }
  doc_ok = true;
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  L.nnodes = (size_t)(doc.nodes.top - doc.nodes.start);
  L.seen = calloc(L.nnodes + 1, 1);
  if (!L.seen) {
    vt_config__fail(&L, "out of memory");
    goto out;
  }
  if (root && !is_null(root)) {
    yaml_document_t next;
    if (!yaml_parser_load(&parser, &next)) {
      L.mark = parser.problem_mark;
      vt_config__fail(&L, "YAML syntax error: %s", parser.problem ? parser.problem : "malformed");
      goto out;
    }
    bool more = yaml_document_get_root_node(&next) != NULL;
    yaml_document_delete(&next);
    if (more) {
      vt_config__fail(&L, "more than one YAML document: expected one");
      goto out;
    }
    if (choose_preset(&L, root)) goto out;
    if (visit(&L, root) || walk_map(&L, root, "", "", g_rows, sizeof g_rows / sizeof g_rows[0], &tmp)) goto out;
  }
  const vt_preset *p = vt_preset_find(tmp.chain_name);
  if (p && tmp.chain_id != p->chain_id) {
    snprintf(L.key, sizeof L.key, "chain.id");
    vt_config__fail(&L, "%llu does not match the preset %s (chain id %llu)", (unsigned long long)tmp.chain_id, p->name,
         (unsigned long long)p->chain_id);
    goto out;
  }
  if (!L.quorum_given && (tmp.anchor_mode == VT_ANCHOR_QUORUM || tmp.anchor_mode == VT_ANCHOR_AUTO) &&
      tmp.quorum > tmp.nupstreams)
    tmp.quorum = tmp.nupstreams ? (unsigned)tmp.nupstreams : 1;
  char verr[384], vkey[160];
  if (vt_config_validate(&tmp, verr, sizeof verr)) {
    yaml_mark_t at;
    snprintf(vkey, sizeof vkey, "%.*s", (int)strcspn(verr, ": "), verr);
    if (!(err && errlen)) goto out;
    if (find_pos(&L, vkey, &at)) snprintf(err, errlen, "%s:%zu:%zu: %s", L.src, at.line + 1, at.column + 1, verr);
    else snprintf(err, errlen, "%s: %s", L.src, verr);
    goto out;
  }
  vt_config_free(c);
  *c = tmp;
  memset(&tmp, 0, sizeof tmp);  /* the caller owns it now */
  rc = 0;
out:
  vt_config_free(&tmp);
  free(L.seen);
  free(L.pos);
  if (doc_ok) yaml_document_delete(&doc);
  if (parser_ok) yaml_parser_delete(&parser);
  return rc;
}

int vt_config_load_string(vt_config *c, const char *yaml, size_t len, char *err, size_t errlen) {
  return load_buffer(c, "config", yaml, len, err, errlen);
}

int vt_config_load_file(vt_config *c, const char *path, char *err, size_t errlen) {
  char *data = NULL;
  int rc = -1;
  FILE *f = fopen(path, "rb");
  struct stat st;
  if (!f) {
    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    goto out;
  }
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "%s: not a regular file", path);
    goto out;
  }
  if ((unsigned long long)st.st_size > VT_CONFIG_MAX_FILE) {
    snprintf(err, errlen, "%s: %lld bytes: a configuration file may have at most %u", path, (long long)st.st_size,
             VT_CONFIG_MAX_FILE);
    goto out;
  }
  data = malloc((size_t)st.st_size + 1);
  if (!data) {
    snprintf(err, errlen, "%s: out of memory", path);
    goto out;
  }
  size_t n = fread(data, 1, (size_t)st.st_size, f);
  if (ferror(f)) {
    snprintf(err, errlen, "%s: read error", path);
    goto out;
  }
  rc = load_buffer(c, path, data, n, err, errlen);
out:
  free(data);
  if (f) fclose(f);
  return rc;
}
