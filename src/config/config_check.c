/*
 * config_check.c: the parts of the configuration that do not read YAML: presets
 * applied to a vt_config, the cross-field rules, method lookup, the redacted dump, url
 * checks and the display form of upstream urls, and freeing.
 *
 * Called by config.c (after a load) and by main (`verity config`, command-line
 * overrides followed by vt_config_validate). Everything here works on a complete
 * vt_config and owns nothing beyond what the config owns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "config/config_int.h"
#include "config/presets.h"
#include "util/buf.h"

#define VT_CONFIG_MAX_DUMP (1u << 20)

const char *const vt_config__http_schemes[] = {"http", "https", NULL};
const char *const vt_config__ws_schemes[] = {"ws", "wss", NULL};
const char *const vt_config__redis_schemes[] = {"redis", NULL}; /* what src/store/redis.c speaks */

static const char *const g_anchor_names[] = {"quorum", "trusted", "lightclient", "auto"};
static const char *const g_policy_names[] = {"default", "allow", "deny"};

const char *vt_anchor_mode_name(vt_anchor_mode m) {
  return (unsigned)m < sizeof g_anchor_names / sizeof g_anchor_names[0] ? g_anchor_names[m] : "?";
}

static const char *const g_kind_names[] = {"ethereum", "op-stack"};

const char *vt_chain_kind_name(vc_chain_kind k) {
  return (unsigned)k < sizeof g_kind_names / sizeof g_kind_names[0] ? g_kind_names[k] : "?";
}

const char *vt_method_policy_name(vt_method_policy p) {
  return (unsigned)p < sizeof g_policy_names / sizeof g_policy_names[0] ? g_policy_names[p] : "?";
}

char *vt_config__xstrdup(const char *s) {
  if (!s) return NULL;
  char *d = strdup(s);
  if (!d) {
    fputs("verity: out of memory building the configuration\n", stderr);
    abort();
  }
  return d;
}

void vt_config__free_strv(char **v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

void vt_config__upstream_free(vt_upstream_cfg *u) {
  if (!u) return;
  free(u->name);
  free(u->url);
  free(u->display_url);
  free(u->ws);
  free(u->display_ws);
  vt_config__free_strv(u->secrets, u->nsecrets);
  for (size_t i = 0; i < u->nheaders; i++) {
    free(u->headers[i].name);
    free(u->headers[i].value);
  }
  free(u->headers);
  memset(u, 0, sizeof *u);
}

void vt_config__key_free(vt_key_cfg *k) {
  if (!k) return;
  free(k->name);
  free(k->key);
  vt_config__free_strv(k->allow, k->nallow);
  vt_config__free_strv(k->deny, k->ndeny);
  memset(k, 0, sizeof *k);
}

void vt_config_free(vt_config *c) {
  if (!c) return;
  for (size_t i = 0; i < c->nkeys; i++) vt_config__key_free(&c->keys[i]);
  free(c->keys);
  free(c->lc_preset);
  free(c->lc_fork);
  free(c->lc_gvr);
  free(c->lc_state);
  free(c->listen_host);
  free(c->chain_name);
  free(c->checkpoint);
  vt_config__free_strv(c->beacon, c->nbeacon);
  for (size_t i = 0; i < c->nupstreams; i++) vt_config__upstream_free(&c->upstreams[i]);
  free(c->upstreams);
  for (size_t i = 0; i < c->nl1_upstreams; i++) vt_config__upstream_free(&c->l1_upstreams[i]);
  free(c->l1_upstreams);
  free(c->l1_factory);
  for (size_t i = 0; i < c->nmethods; i++) free(c->methods[i].method);
  free(c->methods);
  free(c->cors_origin);
  free(c->cache_path);
  free(c->redis_url);
  memset(c, 0, sizeof *c);
}

/* ---- urls ---- */

bool vt_config__url_ok(const char *url, const char *const *schemes) {
  if (!url || strlen(url) > VT_CONFIG_MAX_URL) return false;
  const char *sep = strstr(url, "://");
  if (!sep) return false;
  bool known = false;
  for (size_t i = 0; schemes[i]; i++)
    if ((size_t)(sep - url) == strlen(schemes[i]) && strncasecmp(url, schemes[i], (size_t)(sep - url)) == 0)
      known = true;
  if (!known) return false;
  for (const unsigned char *p = (const unsigned char *)url; *p; p++)
    if (*p <= 0x20 || *p == 0x7f) return false;
  if (strncasecmp(url, "unix", 4) == 0) return sep[3] == '/';  /* unix:///path/to/socket */
  const char *host = sep + 3;
  size_t alen = strcspn(host, "/?#");
  const char *at = memchr(host, '@', alen);
  while (at) {  /* the last '@' ends the userinfo */
    alen -= (size_t)(at + 1 - host);
    host = at + 1;
    at = memchr(host, '@', alen);
  }
  return alen > 0 && host[0] != ':';
}

/* A path segment that looks like an API key: long, [A-Za-z0-9_-], letters and digits. */
static bool looks_like_key(const char *s, size_t n) {
  size_t digits = 0, letters = 0;
  if (n < 16) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') digits++;
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) letters++;
    else if (c != '-' && c != '_') return false;
  }
  return digits > 0 && letters > 0;
}

/* ---- secrets ---- */

int vt_config__add_secret(vt_upstream_cfg *u, const char *s, size_t n) {
  if (n < VT_CONFIG_MIN_SECRET) return 0;
  for (size_t i = 0; i < u->nsecrets; i++)
    if (strlen(u->secrets[i]) == n && memcmp(u->secrets[i], s, n) == 0) return 0;
  if (u->nsecrets == VT_CONFIG_MAX_SECRETS) {
    /* keep the longest: a longer text hides more */
    size_t shortest = 0;
    for (size_t i = 1; i < u->nsecrets; i++)
      if (strlen(u->secrets[i]) < strlen(u->secrets[shortest])) shortest = i;
    if (strlen(u->secrets[shortest]) >= n) return 0;
    char *d = strndup(s, n);
    if (!d) return -1;
    free(u->secrets[shortest]);
    u->secrets[shortest] = d;
    return 0;
  }
  char **grown = realloc(u->secrets, (u->nsecrets + 1) * sizeof *grown);
  if (!grown) return -1;
  u->secrets = grown;
  if (!(u->secrets[u->nsecrets] = strndup(s, n))) return -1;
  u->nsecrets++;
  return 0;
}

/* The query's values ("?apikey=abcd1234&x=1" keeps "abcd1234"; "1" is under
 * add_secret's floor); a part without '=' is kept whole. */
static int query_secrets(vt_upstream_cfg *u, const char *q, size_t n) {
  while (n) {
    size_t part = 0;
    while (part < n && q[part] != '&' && q[part] != ';') part++;
    const char *eq = memchr(q, '=', part);
    const char *v = eq ? eq + 1 : q;
    if (vt_config__add_secret(u, v, (size_t)(q + part - v))) return -1;
    q += part < n ? part + 1 : part;
    n -= part < n ? part + 1 : part;
  }
  return 0;
}

int vt_config__url_secrets(vt_upstream_cfg *u, const char *url) {
  const char *auth = strstr(url, "://");
  if (!auth) return 0;
  auth += 3;
  size_t alen = strcspn(auth, "/?#");
  const char *at = NULL;
  for (size_t i = 0; i < alen; i++)
    if (auth[i] == '@') at = auth + i;
  if (at) {
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (vt_config__add_secret(u, auth, (size_t)(at - auth))) return -1;
    if (colon && vt_config__add_secret(u, colon + 1, (size_t)(at - colon - 1))) return -1;
  }
  const char *p = auth + alen;
  while (*p == '/') {
    p++;
    size_t n = strcspn(p, "/?#");
    if (looks_like_key(p, n) && vt_config__add_secret(u, p, n)) return -1;
    p += n;
  }
  if (*p == '?') {
    p++;
    if (query_secrets(u, p, strcspn(p, "#"))) return -1;
  }
  return 0;
}

char *vt_config__display_url(const char *url, const char *env_raw) {
  if (env_raw) {
    /* ${VAR} was used: show the file's own text (variable names, never their values)
     * cut to scheme://host[:port], so a secret in the host or port stays hidden too. */
    size_t need = vt_redact_url(env_raw, NULL, 0) + 1;
    char *out = malloc(need);
    if (out) vt_redact_url(env_raw, out, need);
    if (out && strcmp(out, "<invalid url>") == 0) {
      free(out);
      out = strdup("<url from environment>");
    }
    return out;
  }
  const char *auth = strstr(url, "://");
  bool redact = !auth;
  if (auth) {
    auth += 3;
    size_t alen = strcspn(auth, "/?#");
    if (memchr(auth, '@', alen) || auth[alen] == '?' || auth[alen] == '#') redact = true;
    const char *p = auth + alen;
    while (!redact && *p == '/') {
      p++;
      size_t n = strcspn(p, "/?#");
      if (looks_like_key(p, n)) redact = true;
      p += n;
      if (*p == '?' || *p == '#') redact = true;
    }
  }
  if (!redact) return strdup(url);
  size_t need = vt_redact_url(url, NULL, 0) + 1;
  char *out = malloc(need);
  if (out) vt_redact_url(url, out, need);
  return out;
}

/* ---- presets ---- */

/* A preset's upstream list into a fresh array (aborts when out of memory, as the rest
 * of the preset does). */
static void preset_upstreams(const vt_preset *p, vt_upstream_cfg **list, size_t *n) {
  size_t nu = 0;
  while (nu < VT_PRESET_MAX_UPSTREAMS && p->upstreams[nu].name) nu++;
  *list = calloc(nu ? nu : 1, sizeof **list);
  if (!*list) {
    fputs("verity: out of memory building the configuration\n", stderr);
    abort();
  }
  for (size_t i = 0; i < nu; i++) {
    vt_upstream_cfg *u = &(*list)[i];
    u->name = vt_config__xstrdup(p->upstreams[i].name);
    u->url = vt_config__xstrdup(p->upstreams[i].url);
    u->display_url = vt_config__display_url(u->url, NULL);
    if (!u->display_url || vt_config__url_secrets(u, u->url)) abort();
    u->weight = 1;
    *n = i + 1;
  }
}

bool vt_config_l1_on(const vt_config *c) {
  return c->chain_kind == VC_CHAIN_OP_STACK && c->l1_factory && c->nl1_upstreams > 0;
}

int vt_config_apply_preset(vt_config *c, const char *name, char *err, size_t errlen) {
  const vt_preset *p = vt_preset_find(name);
  if (!p) {
    snprintf(err, errlen, "chain.name: \"%.64s\" is not a built-in preset: expected mainnet, sepolia, hoodi, base or base-sepolia",
             name ? name : "");
    return -1;
  }
  for (size_t i = 0; i < c->nupstreams; i++) vt_config__upstream_free(&c->upstreams[i]);
  free(c->upstreams);
  for (size_t i = 0; i < c->nl1_upstreams; i++) vt_config__upstream_free(&c->l1_upstreams[i]);
  free(c->l1_upstreams);
  free(c->l1_factory);
  c->l1_upstreams = NULL;
  c->nl1_upstreams = 0;
  c->l1_factory = NULL;
  c->l1_chain_id = 0;
  vt_config__free_strv(c->beacon, c->nbeacon);
  free(c->chain_name);
  free(c->checkpoint);
  c->upstreams = NULL;
  c->nupstreams = c->nbeacon = 0;
  c->beacon = NULL;
  c->chain_name = vt_config__xstrdup(p->name);
  c->chain_id = p->chain_id;
  c->chain_kind = p->kind;
  c->anchor_mode = p->anchor_mode;
  c->quorum = p->quorum;
  c->head_poll_ms = p->head_poll_ms;
  c->checkpoint = vt_config__xstrdup(p->checkpoint);
  size_t nb = 0;
  while (nb < VT_PRESET_MAX_BEACON && p->beacon[nb]) nb++;
  c->beacon = calloc(nb ? nb : 1, sizeof *c->beacon);
  if (!c->beacon) {
    fputs("verity: out of memory building the configuration\n", stderr);
    abort();
  }
  preset_upstreams(p, &c->upstreams, &c->nupstreams);
  const vt_preset *l1 = p->l1_preset ? vt_preset_find(p->l1_preset) : NULL;
  if (l1) {
    preset_upstreams(l1, &c->l1_upstreams, &c->nl1_upstreams);
    c->l1_chain_id = l1->chain_id;
    c->l1_factory = vt_config__xstrdup(p->l1_factory);
  }
  for (size_t i = 0; i < nb; i++) c->beacon[c->nbeacon++] = vt_config__xstrdup(p->beacon[i]);
  /* an op-stack chain's beacon endpoints are its L1's: the L1 anchor's light client */
  for (size_t i = 0; l1 && !nb && i < VT_PRESET_MAX_BEACON && l1->beacon[i]; i++) {
    char **grown = realloc(c->beacon, (c->nbeacon + 1) * sizeof *c->beacon);
    if (!grown) abort();
    c->beacon = grown;
    c->beacon[c->nbeacon++] = vt_config__xstrdup(l1->beacon[i]);
  }
  return 0;
}

/* ---- cross-field rules ---- */

static bool valid_upstream_name(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > 64) return false;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '.' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

static bool valid_checkpoint(const char *s) {
  if (strlen(s) != 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  for (size_t i = 2; i < 66; i++)
    if (!strchr("0123456789abcdefABCDEF", s[i])) return false;
  return true;
}

/* Every upstream: a valid unique name, an http(s) url, a weight in range. 0, or -1 with
 * err; *ntrusted counts the trusted ones. */
static int check_upstreams(const vt_upstream_cfg *list, size_t n, const char *key, size_t *ntrusted, char *err,
                           size_t errlen) {
  *ntrusted = 0;
  for (size_t i = 0; i < n; i++) {
    const vt_upstream_cfg *u = &list[i];
    if (!valid_upstream_name(u->name)) {
      snprintf(err, errlen, "%s[%zu].name: \"%.64s\": expected 1 to 64 of A-Z a-z 0-9 _ . -", key, i,
               u->name ? u->name : "");
      return -1;
    }
    if (!vt_config__url_ok(u->url, vt_config__http_schemes)) {
      snprintf(err, errlen, "%s[%zu].url (%s): expected an http:// or https:// url", key, i,
               u->display_url ? u->display_url : "?");
      return -1;
    }
    for (size_t j = 0; j < i; j++) {
      if (strcmp(list[j].name, u->name) == 0) {
        snprintf(err, errlen, "%s[%zu].name: \"%s\" is already used by %s[%zu]: names must be unique", key, i,
                 u->name, key, j);
        return -1;
      }
    }
    if (u->weight < 1 || u->weight > 1000) {
      snprintf(err, errlen, "%s[%zu].weight: %u: expected an integer from 1 to 1000", key, i, u->weight);
      return -1;
    }
    *ntrusted += u->trusted;
  }
  return 0;
}

/* l1: only for an op-stack chain; a factory address; k of the L1 upstreams; an L1
 * chain id (an L1 upstream on another chain is never used). */
static int check_l1(const vt_config *c, char *err, size_t errlen) {
  size_t ntrusted;
  if (!c->l1_factory && !c->nl1_upstreams) return 0;
  if (c->chain_kind != VC_CHAIN_OP_STACK) {
    snprintf(err, errlen, "l1: only an op-stack chain (chain.kind: op-stack) posts outputs to an L1");
    return -1;
  }
  if (!c->l1_factory || !c->nl1_upstreams) {
    snprintf(err, errlen, "l1: %s: both l1.factory and l1.upstreams are needed",
             c->l1_factory ? "l1.upstreams is empty" : "l1.factory is missing");
    return -1;
  }
  const char *f = c->l1_factory;
  if (strlen(f) != 42 || f[0] != '0' || (f[1] != 'x' && f[1] != 'X') || strspn(f + 2, "0123456789abcdefABCDEF") != 40) {
    snprintf(err, errlen, "l1.factory: \"%.80s\": expected 0x followed by 40 hex digits", f);
    return -1;
  }
  if (c->l1_chain_id == 0) {
    snprintf(err, errlen, "l1.chain_id: missing: the L1's chain id is needed");
    return -1;
  }
  if (c->nl1_upstreams > VT_CONFIG_MAX_UPSTREAMS) {
    snprintf(err, errlen, "l1.upstreams: %zu given: at most %d are allowed", c->nl1_upstreams, VT_CONFIG_MAX_UPSTREAMS);
    return -1;
  }
  if (check_upstreams(c->l1_upstreams, c->nl1_upstreams, "l1.upstreams", &ntrusted, err, errlen) != 0) return -1;
  if (c->l1_quorum < 1 || c->l1_quorum > c->nl1_upstreams) {
    snprintf(err, errlen, "l1.quorum: %u: expected 1 to the number of l1.upstreams (%zu)", c->l1_quorum,
             c->nl1_upstreams);
    return -1;
  }
  return 0;
}

/* An all-zero checkpoint root (with or without 0x). */
static bool zero_root(const char *cp) {
  return strspn(cp + (cp[0] == '0' && cp[1] ? 2 : 0), "0") == 64;
}

/* Client keys: unique names and unique keys (a key shown by name only, never its value). */
static int check_keys(const vt_config *c, char *err, size_t errlen) {
  for (size_t i = 0; i < c->nkeys; i++) {
    const vt_key_cfg *k = &c->keys[i];
    if (!valid_upstream_name(k->name) || !k->key) {
      snprintf(err, errlen, "keys[%zu]: needs a name (1 to 64 of A-Z a-z 0-9 _ . -) and a key", i);
      return -1;
    }
    for (size_t j = 0; j < i; j++) {
      if (strcmp(c->keys[j].name, k->name) == 0 || strcmp(c->keys[j].key, k->key) == 0) {
        snprintf(err, errlen, "keys[%zu] (%s): the same %s as keys[%zu] (%s): names and keys must be unique", i,
                 k->name, strcmp(c->keys[j].name, k->name) == 0 ? "name" : "key", j, c->keys[j].name);
        return -1;
      }
    }
  }
  return 0;
}

/* What each anchor mode needs. 0, or -1 with err. */
static int check_anchor_mode(const vt_config *c, size_t ntrusted, char *err, size_t errlen) {
  if (c->chain_kind == VC_CHAIN_OP_STACK) {
    /* an L2 has no beacon chain: anchor.beacon and anchor.lightclient are its L1's */
    if (c->anchor_mode == VT_ANCHOR_LIGHTCLIENT || c->anchor_mode == VT_ANCHOR_AUTO) {
      snprintf(err, errlen, "anchor.mode: %s: an op-stack chain has no beacon chain of its own (anchor.beacon serves "
               "its L1, with l1:): use quorum or trusted", vt_anchor_mode_name(c->anchor_mode));
      return -1;
    }
    if (c->nbeacon && !vt_config_l1_on(c)) {
      snprintf(err, errlen, "anchor.beacon: on an op-stack chain the beacon endpoints are its L1's: l1: is needed");
      return -1;
    }
  }
  switch (c->anchor_mode) {
    case VT_ANCHOR_QUORUM:
    case VT_ANCHOR_AUTO: /* quorum until the light client is synced; no beacon list: quorum only */
      if (c->quorum < 1 || c->quorum > c->nupstreams) {
        snprintf(err, errlen, "anchor.quorum: %u: expected 1 to the number of upstreams (%zu) in mode %s",
                 c->quorum, c->nupstreams, vt_anchor_mode_name(c->anchor_mode));
        return -1;
      }
      if (c->anchor_mode == VT_ANCHOR_AUTO && c->checkpoint && zero_root(c->checkpoint)) {
        snprintf(err, errlen, "anchor.checkpoint: all zero: not a beacon block root (omit it to agree on one)");
        return -1;
      }
      break;
    case VT_ANCHOR_TRUSTED:
      if (ntrusted == 0) {
        snprintf(err, errlen, "anchor.mode: trusted: needs at least one upstream with trusted: true");
        return -1;
      }
      break;
    case VT_ANCHOR_LIGHTCLIENT:
      if (c->nbeacon == 0) {
        snprintf(err, errlen, "anchor.beacon: empty: mode lightclient needs at least one beacon API url");
        return -1;
      }
      /* No anchor.checkpoint: the beacon driver agrees on one at first start (see
       * src/beacon/beacon.h and docs/config.md). An all-zero root is no block and is
       * how the driver is told "none", so it is refused rather than taken as absent. */
      if (c->checkpoint && zero_root(c->checkpoint)) {
        snprintf(err, errlen, "anchor.checkpoint: all zero: not a beacon block root (omit it to agree on one)");
        return -1;
      }
      break;
  }
  return 0;
}

int vt_config_validate(const vt_config *c, char *err, size_t errlen) {
  size_t ntrusted = 0;
  if (vt_config__check_ranges(c, err, errlen)) return -1;
  if (c->chain_id == 0) {
    snprintf(err, errlen, "chain.id: missing: a chain that is not a preset (%s) needs its chain id",
             c->chain_name ? c->chain_name : "?");
    return -1;
  }
  if (c->nupstreams == 0) {
    snprintf(err, errlen, "upstreams: empty: at least one upstream is needed");
    return -1;
  }
  if (c->nupstreams > VT_CONFIG_MAX_UPSTREAMS) {
    snprintf(err, errlen, "upstreams: %zu given: at most %d are allowed", c->nupstreams, VT_CONFIG_MAX_UPSTREAMS);
    return -1;
  }
  if (c->reserved_connections && c->reserved_connections >= c->max_connections) {
    snprintf(err, errlen, "limits.reserved_connections: %u: expected fewer than limits.max_connections (%u), "
             "so that a regular connection is left", c->reserved_connections, c->max_connections);
    return -1;
  }
  if (c->busy_idle_ms && c->busy_idle_ms < 10) {
    snprintf(err, errlen, "limits.busy_idle_ms: %u: expected 0 (the default, 5 s) or 10 ms and more", c->busy_idle_ms);
    return -1;
  }
  if (check_upstreams(c->upstreams, c->nupstreams, "upstreams", &ntrusted, err, errlen) != 0 ||
      check_anchor_mode(c, ntrusted, err, errlen) != 0 || check_l1(c, err, errlen) != 0)
    return -1;
  if (check_keys(c, err, errlen) != 0) return -1;
  if (c->checkpoint && !valid_checkpoint(c->checkpoint)) {
    snprintf(err, errlen, "anchor.checkpoint: \"%.80s\": expected 0x followed by 64 hex digits", c->checkpoint);
    return -1;
  }
  for (size_t i = 0; i < c->nbeacon; i++) {
    if (!vt_config__url_ok(c->beacon[i], vt_config__http_schemes)) {
      snprintf(err, errlen, "anchor.beacon[%zu]: expected an http:// or https:// url", i);
      return -1;
    }
  }
  if (c->redis_url && !vt_config__url_ok(c->redis_url, vt_config__redis_schemes)) {
    snprintf(err, errlen, "cache.redis: expected a redis://host:port[/db] url (TLS, unix sockets and passwords are not supported: keep Redis on a private network)");
    return -1;
  }
  /* connect_timeout_ms above timeout_ms is not an error: the whole-request timeout
   * bounds the connect too (so `timeout_ms: 1000` alone needs no second key). */
  return 0;
}

/* ---- method lookup ---- */

const vt_method_cfg *vt_config_method(const vt_config *c, const char *method) {
  const vt_method_cfg *best = NULL;
  size_t best_len = 0;
  if (!c || !method) return NULL;
  for (size_t i = 0; i < c->nmethods; i++) {
    const char *m = c->methods[i].method;
    size_t n = strlen(m);
    if (n && m[n - 1] == '*') {
      if (strncmp(method, m, n - 1) == 0 && (!best || n - 1 > best_len)) {
        best = &c->methods[i];
        best_len = n - 1;
      }
    } else if (strcmp(method, m) == 0) {
      return &c->methods[i];
    }
  }
  return best;
}

/* ---- dump ---- */

/* A YAML double-quoted scalar. */
static void dump_str(vt_buf *b, const char *s) {
  if (!s) {
    vt_buf_puts(b, "null");
    return;
  }
  vt_buf_json_str(b, s, strlen(s));
}

static void dump_size(vt_buf *b, size_t v) {
  static const struct { const char *unit; size_t mul; } units[] = {
      {"GiB", (size_t)1 << 30}, {"MiB", (size_t)1 << 20}, {"KiB", (size_t)1 << 10}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (v && v % units[i].mul == 0) {
      vt_buf_printf(b, "%zu%s", v / units[i].mul, units[i].unit);
      return;
    }
  }
  vt_buf_printf(b, "%zu", v);
}

/* A list of upstreams, each item indented by ind (two spaces more under l1:). */
static void dump_upstream_list(vt_buf *b, const vt_upstream_cfg *list, size_t n, const char *ind);

static void dump_upstreams(vt_buf *b, const vt_config *c) {
  vt_buf_puts(b, "upstreams:\n");
  dump_upstream_list(b, c->upstreams, c->nupstreams, "");
  if (!c->l1_factory && !c->nl1_upstreams) return;
  vt_buf_printf(b, "l1:\n  chain_id: %llu\n  quorum: %u\n  factory: ", (unsigned long long)c->l1_chain_id,
                c->l1_quorum);
  dump_str(b, c->l1_factory);
  vt_buf_printf(b, "\n  poll_ms: %u\n  walk_max: %u\n  upstreams:\n", c->l1_poll_ms, c->l1_walk);
  dump_upstream_list(b, c->l1_upstreams, c->nl1_upstreams, "  ");
}

static void dump_upstream_list(vt_buf *b, const vt_upstream_cfg *list, size_t n, const char *ind) {
  for (size_t i = 0; i < n; i++) {
    const vt_upstream_cfg *u = &list[i];
    vt_buf_printf(b, "%s  - name: ", ind);
    dump_str(b, u->name);
    vt_buf_printf(b, "\n%s    url: ", ind);
    dump_str(b, u->display_url);  /* never the interpolated url */
    vt_buf_printf(b, "\n%s    weight: %u\n%s    trusted: %s\n%s    timeout_ms: %u\n%s    max_rps: %g\n", ind, u->weight, ind,
                  u->trusted ? "true" : "false", ind, u->timeout_ms, ind, u->max_rps);
    if (u->mempool) vt_buf_printf(b, "%s    mempool: true\n", ind);
    if (u->display_ws) {
      vt_buf_printf(b, "%s    ws: ", ind);
      dump_str(b, u->display_ws);  /* never the interpolated url */
      vt_buf_puts(b, "\n");
    }
    if (u->nheaders) {
      vt_buf_printf(b, "%s    headers:\n", ind);
      for (size_t h = 0; h < u->nheaders; h++) {
        vt_buf_printf(b, "%s      ", ind);
        dump_str(b, u->headers[h].name);
        vt_buf_puts(b, ": \"<redacted>\"\n");
      }
    }
  }
}

static void dump_patterns(vt_buf *b, const char *what, char **v, size_t n) {
  vt_buf_printf(b, "    %s: [", what);
  for (size_t i = 0; i < n; i++) {
    if (i) vt_buf_puts(b, ", ");
    dump_str(b, v[i]);
  }
  vt_buf_puts(b, "]\n");
}

int vt_config_dump(const vt_config *c, char *buf, size_t len) {
  vt_buf b;
  int rc = -1;
  vt_buf_init(&b, VT_CONFIG_MAX_DUMP);
  bool v6 = c->listen_host && strchr(c->listen_host, ':');
  vt_buf_printf(&b, "listen: \"%s%s%s:%d\"\n", v6 ? "[" : "", c->listen_host ? c->listen_host : "", v6 ? "]" : "",
                c->listen_port);
  vt_buf_printf(&b, "log:\n  level: %s\n  format: %s\n", vt_log_level_name(c->log_level),
                c->log_json ? "json" : "text");
  vt_buf_printf(&b, "chain:\n  id: %llu\n  name: ", (unsigned long long)c->chain_id);
  dump_str(&b, c->chain_name);
  vt_buf_printf(&b, "\n  kind: %s", vt_chain_kind_name(c->chain_kind));
  vt_buf_printf(&b, "\nanchor:\n  mode: %s\n  quorum: %u\n  checkpoint: ", vt_anchor_mode_name(c->anchor_mode),
                c->quorum);
  dump_str(&b, c->checkpoint);
  vt_buf_puts(&b, "\n  beacon: [");
  for (size_t i = 0; i < c->nbeacon; i++) {
    if (i) vt_buf_puts(&b, ", ");
    dump_str(&b, c->beacon[i]);
  }
  vt_buf_printf(&b, "]\n  max_staleness: %u\n", c->max_staleness_s);
  dump_upstreams(&b, c);
  vt_buf_puts(&b, c->nmethods ? "methods:\n" : "methods: {}\n");
  for (size_t i = 0; i < c->nmethods; i++) {
    vt_buf_puts(&b, "  ");
    dump_str(&b, c->methods[i].method);
    vt_buf_printf(&b, ": {policy: %s, timeout_ms: %u}\n", vt_method_policy_name(c->methods[i].policy),
                  c->methods[i].timeout_ms);
  }
  vt_buf_printf(&b,
                "pool:\n  timeout_ms: %u\n  connect_timeout_ms: %u\n  hedge_after_ms: %u\n  max_retries: %u\n"
                "  breaker:\n    failures: %u\n    open_ms: %u\n  head_poll_ms: %u\n  head_lag_blocks: %u\n"
                "  max_inflight: %u\n",
                c->timeout_ms, c->connect_timeout_ms, c->hedge_after_ms, c->max_retries, c->breaker_failures,
                c->breaker_open_ms, c->head_poll_ms, c->head_lag_blocks, c->max_inflight_per_upstream);
  vt_buf_puts(&b, "limits:\n  max_body: ");
  dump_size(&b, c->max_body);
  vt_buf_printf(&b, "\n  max_batch: %zu\n  max_header_bytes: ", c->max_batch);
  dump_size(&b, c->max_header_bytes);
  vt_buf_puts(&b, "\n  max_response: ");
  dump_size(&b, c->max_response);
  vt_buf_puts(&b, "\n  max_ws_message: ");
  dump_size(&b, c->max_ws_message);
  vt_buf_printf(&b,
                "\n  max_connections: %u\n  max_connections_per_client: %u\n  reserved_connections: %u\n"
                "  busy_idle_ms: %u\n  max_inflight_per_client: %u\n  max_subscriptions_per_client: %u\n"
                "  max_json_depth: %u\ncors_origin: ",
                c->max_connections, c->max_connections_per_client, c->reserved_connections, c->busy_idle_ms,
                c->max_inflight_per_client, c->max_subscriptions_per_client, c->max_json_depth);
  dump_str(&b, c->cors_origin);
  vt_buf_printf(&b, "\ncors_all_paths: %s", c->cors_all_paths ? "true" : "false");
  vt_buf_puts(&b, c->nkeys ? "\nkeys:\n" : "\nkeys: []\n");
  for (size_t i = 0; i < c->nkeys; i++) {
    vt_buf_puts(&b, "  - name: ");
    dump_str(&b, c->keys[i].name);
    vt_buf_printf(&b, "\n    key: \"<redacted>\"\n    rps: %g\n    burst: %u\n", c->keys[i].rps, c->keys[i].burst);
    dump_patterns(&b, "allow", c->keys[i].allow, c->keys[i].nallow);
    dump_patterns(&b, "deny", c->keys[i].deny, c->keys[i].ndeny);
  }
  vt_buf_puts(&b, "cache:\n  memory: ");
  dump_size(&b, c->cache_memory);
  vt_buf_puts(&b, "\n  path: ");
  dump_str(&b, c->cache_path);
  vt_buf_puts(&b, "\n  redis: ");
  if (c->redis_url && strncasecmp(c->redis_url, "unix://", 7) == 0) {
    dump_str(&b, c->redis_url);  /* a socket path, no secret */
  } else if (c->redis_url) {
    char *shown = vt_config__display_url(NULL, c->redis_url);  /* may hold a password */
    dump_str(&b, shown ? shown : "<redacted>");
    free(shown);
  } else {
    dump_str(&b, NULL);
  }
  vt_buf_printf(&b, "\ndegraded:\n  stale: %s\n", c->degraded_stale ? "true" : "false");
  vt_buf_printf(&b, "verify: %s\n", c->verify ? "true" : "false");
  vt_buf_printf(&b, "logs:\n  max_blocks: %llu\n  chunk_blocks: %llu\n  parallel: %u\n",
                (unsigned long long)c->logs_max_blocks, (unsigned long long)c->logs_chunk_blocks, c->logs_parallel);
  vt_buf_printf(&b, "filters:\n  ttl: %us\n  max_per_client: %zu\n  max_total: %zu\n", c->filters_ttl_s,
                c->filters_max_per_client, c->filters_max_total);
  vt_buf_printf(&b, "call:\n  max_rounds: %u\n  gas_cap: %llu\n", c->call_max_rounds, (unsigned long long)c->call_gas_cap);
  if (!vt_buf_ok(&b)) goto out;
  if (len > 0) {
    size_t n = b.len < len - 1 ? b.len : len - 1;
    memcpy(buf, b.data, n);
    buf[n] = 0;
  }
  if (b.len < len && b.len <= (size_t)__INT_MAX__) rc = (int)b.len;
out:
  vt_buf_free(&b);
  return rc;
}
