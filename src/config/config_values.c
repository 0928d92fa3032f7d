/*
 * config_values.c: the value setters of the configuration key table: whole numbers,
 * durations ("500ms", "10s"), sizes ("256MiB", "64KB"), booleans, enums, listen
 * addresses, urls with ${ENV} interpolation, and the error messages that name the
 * key, the value and what was expected.
 *
 * Called only through the key table in config.c. Numbers are parsed with strtoull /
 * strtod and an end-pointer check, never atoi: "abc", "-1", "1.5GiB", "10 s" and
 * values out of the row's range are errors. Sizes take whole numbers only (no
 * fractions), IEC units (KiB = 1024) and SI units (KB = 1000).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "config/config_int.h"

/* ---- errors ---- */

int vt_config__fail(loader *L, const char *fmt, ...) {
  if (!L->err || L->errlen == 0) return -1;
  int n = snprintf(L->err, L->errlen, "%s:%zu:%zu: %s%s", L->src, L->mark.line + 1, L->mark.column + 1, L->key,
                   L->key[0] ? ": " : "");
  if (n >= 0 && (size_t)n < L->errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->err + n, L->errlen - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* The value as it may appear in a message: printable ASCII, at most 64 bytes. */
const char *vt_config__shown(const char *text, char *out, size_t n) {
  size_t j = 0;
  for (size_t i = 0; text[i] && j + 5 < n; i++) {
    unsigned char ch = (unsigned char)text[i];
    if (i >= 64) { memcpy(out + j, "...", 3); j += 3; break; }
    if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') out[j++] = (char)ch;
    else j += (size_t)snprintf(out + j, n - j, "\\x%02x", ch);
  }
  out[j] = 0;
  return out;
}

#define BAD(L, text, ...) vt_config__bad_value(L, text, __VA_ARGS__)
int vt_config__bad_value(loader *L, const char *text, const char *fmt, ...) {
  char v[80], what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return vt_config__fail(L, "\"%s\" is not valid: expected %s", vt_config__shown(text, v, sizeof v), what);
}

/* ---- scalar parsing ---- */

/* Whole decimal number, no sign, no spaces. */
static bool parse_ull(const char *s, const char **end, unsigned long long *out) {
  if (*s < '0' || *s > '9') return false;
  errno = 0;
  char *e;
  unsigned long long v = strtoull(s, &e, 10);
  if (errno == ERANGE) return false;
  *out = v;
  *end = e;
  return true;
}

typedef struct { const char *suffix; unsigned long long mul; } unit_row;

static const unit_row g_size_units[] = {
    {"", 1},          {"B", 1},
    {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40},
    {"KB", 1000ull},  {"MB", 1000000ull}, {"GB", 1000000000ull}, {"TB", 1000000000000ull},
};
static const unit_row g_ms_units[] = {{"", 1}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
static const unit_row g_sec_units[] = {{"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};

/* number + optional unit from the table; false when malformed or overflowing. */
static bool parse_with_units(const char *s, const unit_row *units, size_t nunits, unsigned long long *out) {
  const char *end;
  unsigned long long v;
  if (!parse_ull(s, &end, &v)) return false;
  for (size_t i = 0; i < nunits; i++) {
    if (strcmp(end, units[i].suffix) == 0) {
      if (v > ~0ull / units[i].mul) return false;
      *out = v * units[i].mul;
      return true;
    }
  }
  return false;
}

static void fmt_size(unsigned long long v, char *out, size_t n) {
  if (v && v % (1ull << 30) == 0) snprintf(out, n, "%lluGiB", v >> 30);
  else if (v && v % (1ull << 20) == 0) snprintf(out, n, "%lluMiB", v >> 20);
  else if (v && v % (1ull << 10) == 0) snprintf(out, n, "%lluKiB", v >> 10);
  else snprintf(out, n, "%llu", v);
}

#define FIELD(T) (*(T *)field)

int vt_config__set_uint(loader *L, const key_row *r, const char *t, void *field) {
  unsigned long long v;
  const char *end;
  if (!parse_ull(t, &end, &v) || *end || v < r->min || v > r->max)
    return BAD(L, t, "a whole number from %llu to %llu", r->min, r->max);
  FIELD(unsigned) = (unsigned)v;
  return 0;
}

int vt_config__set_u64(loader *L, const key_row *r, const char *t, void *field) {
  unsigned long long v;
  const char *end;
  if (!parse_ull(t, &end, &v) || *end || v < r->min || v > r->max)
    return BAD(L, t, "a whole number from %llu to %llu", r->min, r->max);
  FIELD(uint64_t) = (uint64_t)v;
  return 0;
}

int vt_config__set_count(loader *L, const key_row *r, const char *t, void *field) {
  unsigned long long v;
  const char *end;
  if (!parse_ull(t, &end, &v) || *end || v < r->min || v > r->max)
    return BAD(L, t, "a whole number from %llu to %llu", r->min, r->max);
  FIELD(size_t) = (size_t)v;
  return 0;
}

int vt_config__set_ms(loader *L, const key_row *r, const char *t, void *field) {
  unsigned long long v;
  if (!parse_with_units(t, g_ms_units, sizeof g_ms_units / sizeof g_ms_units[0], &v) || v < r->min || v > r->max)
    return BAD(L, t, "a duration from %llu to %llu ms (milliseconds, or with a unit: 500ms, 10s, 2m, 1h)", r->min,
               r->max);
  FIELD(unsigned) = (unsigned)v;
  return 0;
}

int vt_config__set_secs(loader *L, const key_row *r, const char *t, void *field) {
  unsigned long long v;
  if (!parse_with_units(t, g_sec_units, sizeof g_sec_units / sizeof g_sec_units[0], &v) || v < r->min ||
      v > r->max)
    return BAD(L, t, "a duration from %llu to %llu seconds (seconds, or with a unit: 30s, 5m, 1h, 1d)", r->min,
               r->max);
  FIELD(unsigned) = (unsigned)v;
  return 0;
}

int vt_config__set_size(loader *L, const key_row *r, const char *t, void *field) {
  unsigned long long v;
  if (!parse_with_units(t, g_size_units, sizeof g_size_units / sizeof g_size_units[0], &v) || v < r->min ||
      v > r->max) {
    char lo[32], hi[32];
    fmt_size(r->min, lo, sizeof lo);
    fmt_size(r->max, hi, sizeof hi);
    return BAD(L, t, "a size from %s to %s (a whole number of bytes, optionally with a unit: KiB MiB GiB TiB, KB MB GB TB)",
               lo, hi);
  }
  FIELD(size_t) = (size_t)v;
  return 0;
}

int vt_config__set_chain_id(loader *L, const key_row *r, const char *t, void *field) {
  unsigned long long v;
  const char *end = t;
  bool ok;
  if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && t[2]) {
    errno = 0;
    char *e;
    v = strtoull(t + 2, &e, 16);
    ok = errno != ERANGE && *e == 0 && strchr("0123456789abcdefABCDEF", t[2]);
  } else {
    ok = parse_ull(t, &end, &v) && *end == 0;
  }
  if (!ok || v < r->min || v > r->max) return BAD(L, t, "a chain id from 1 to %llu (decimal or 0x hex)", r->max);
  FIELD(uint64_t) = v;
  L->chain_id_given = true;
  return 0;
}

int vt_config__set_quorum(loader *L, const key_row *r, const char *t, void *field) {
  L->quorum_given = true;
  return vt_config__set_uint(L, r, t, field);
}

typedef struct { const char *name; int value; } name_row;
static const name_row g_bools[] = {{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"on", 1}, {"off", 0}};
static const name_row g_levels[] = {{"error", VT_LOG_ERROR}, {"warn", VT_LOG_WARN}, {"info", VT_LOG_INFO},
                                    {"debug", VT_LOG_DEBUG}};
static const name_row g_formats[] = {{"text", 0}, {"json", 1}};
static const name_row g_anchor[] = {{"quorum", VT_ANCHOR_QUORUM}, {"trusted", VT_ANCHOR_TRUSTED},
                                    {"lightclient", VT_ANCHOR_LIGHTCLIENT}, {"auto", VT_ANCHOR_AUTO}};
static const name_row g_policies[] = {{"default", VT_POLICY_DEFAULT}, {"allow", VT_POLICY_ALLOW},
                                      {"deny", VT_POLICY_DENY}};
static const name_row g_kinds[] = {{"ethereum", VC_CHAIN_ETHEREUM}, {"op-stack", VC_CHAIN_OP_STACK}};
#define NAMES(tbl) tbl, sizeof tbl / sizeof tbl[0]

static int lookup_name(loader *L, const char *t, const name_row *tbl, size_t n, int *out) {
  char list[128] = "";
  for (size_t i = 0; i < n; i++) {
    if (strcasecmp(t, tbl[i].name) == 0) {
      *out = tbl[i].value;
      return 0;
    }
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? (i + 1 == n ? " or " : ", ") : "",
             tbl[i].name);
  }
  return BAD(L, t, "one of %s", list);
}

int vt_config__set_bool(loader *L, const key_row *r, const char *t, void *field) {
  int v;
  (void)r;
  if (lookup_name(L, t, NAMES(g_bools), &v)) return -1;
  FIELD(bool) = v != 0;
  return 0;
}

int vt_config__set_level(loader *L, const key_row *r, const char *t, void *field) {
  (void)r;
  return lookup_name(L, t, NAMES(g_levels), &FIELD(int));
}

int vt_config__set_format(loader *L, const key_row *r, const char *t, void *field) {
  int v;
  (void)r;
  if (lookup_name(L, t, NAMES(g_formats), &v)) return -1;
  FIELD(bool) = v == 1;
  return 0;
}

int vt_config__set_anchor(loader *L, const key_row *r, const char *t, void *field) {
  int v;
  (void)r;
  if (lookup_name(L, t, NAMES(g_anchor), &v)) return -1;
  FIELD(vt_anchor_mode) = (vt_anchor_mode)v;
  return 0;
}

int vt_config__set_chain_kind(loader *L, const key_row *r, const char *t, void *field) {
  int v;
  (void)r;
  if (lookup_name(L, t, NAMES(g_kinds), &v)) return -1;
  FIELD(vc_chain_kind) = (vc_chain_kind)v;
  return 0;
}

/* Optional string: "" or null clears it. */
int vt_config__set_string(loader *L, const key_row *r, const char *t, void *field) {
  (void)r;
  size_t n = strlen(t);
  if (n > VT_CONFIG_MAX_STRING) return BAD(L, t, "at most %d bytes", VT_CONFIG_MAX_STRING);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f) return BAD(L, t, "text without control characters");
  char *v = n ? strdup(t) : NULL;
  if (n && !v) return vt_config__fail(L, "out of memory");
  free(FIELD(char *));
  FIELD(char *) = v;
  return 0;
}

/* cors_origin: "" (no CORS), "*", or one origin scheme://host[:port] (RFC 6454: no
 * path), at most VT_CONFIG_MAX_ORIGIN bytes (the server's cap). */
int vt_config__set_origin(loader *L, const key_row *r, const char *t, void *field) {
  const char *sep = strstr(t, "://");
  bool ok = strcmp(t, "*") == 0 || !*t;
  if (!ok && sep && sep > t && strlen(t) <= VT_CONFIG_MAX_ORIGIN) {
    ok = sep[3] != 0;
    for (const char *p = t; ok && *p; p++)
      ok = (unsigned char)*p > 0x20 && *p != 0x7f && (p < sep + 3 || !strchr("/?#@,", *p));
  }
  if (!ok)
    return BAD(L, t, "\"*\" or one origin such as https://app.example.com (scheme://host[:port], no path), "
                     "at most %d bytes", VT_CONFIG_MAX_ORIGIN);
  return vt_config__set_string(L, r, t, field);
}

int vt_config__set_redis(loader *L, const key_row *r, const char *t, void *field) {
  if (*t && !vt_config__url_ok(t, vt_config__redis_schemes)) {
    char shown_url[160];
    vt_redact_url(t, shown_url, sizeof shown_url);
    return vt_config__fail(L, "\"%s\" is not valid: expected a redis://host:port[/db] url", shown_url);
  }
  return vt_config__set_string(L, r, t, field);
}

int vt_config__set_listen(loader *L, const key_row *r, const char *t, void *field) {
  const char *expect = "HOST:PORT with an IPv4 address or localhost, [IPv6]:PORT, or a PORT alone (0 to 65535)";
  char host[64];
  const char *port;
  (void)r;
  (void)field;
  if (t[0] == '[') {
    const char *close = strchr(t, ']');
    if (!close || close[1] != ':' || (size_t)(close - t - 1) >= sizeof host) return BAD(L, t, "%s", expect);
    memcpy(host, t + 1, (size_t)(close - t - 1));
    host[close - t - 1] = 0;
    port = close + 2;
  } else if (strchr(t, ':')) {
    const char *colon = strrchr(t, ':');
    if ((size_t)(colon - t) >= sizeof host) return BAD(L, t, "%s", expect);
    memcpy(host, t, (size_t)(colon - t));
    host[colon - t] = 0;
    port = colon + 1;
  } else {
    snprintf(host, sizeof host, "127.0.0.1");
    port = t;
  }
  if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
  unsigned char addr[16];
  bool v6 = t[0] == '[';
  if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1) return BAD(L, t, "%s", expect);
  unsigned long long p;
  const char *end;
  if (!parse_ull(port, &end, &p) || *end || p > 65535) return BAD(L, t, "%s", expect);
  char *h = strdup(host);
  if (!h) return vt_config__fail(L, "out of memory");
  free(L->c->listen_host);
  L->c->listen_host = h;
  L->c->listen_port = (int)p;
  return 0;
}

/* chain.name is applied in the pre-pass (it picks the preset); here it only checks. */
int vt_config__set_chain_name(loader *L, const key_row *r, const char *t, void *field) {
  (void)r;
  (void)field;
  size_t n = strlen(t);
  if (n == 0 || n > 64) return BAD(L, t, "a name of 1 to 64 characters");
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)t[i] <= 0x20 || t[i] == 0x7f) return BAD(L, t, "a name without spaces or control characters");
  return 0;
}

/* ---- interpolation ---- */

/* Replace ${VAR} in raw; "$${" is a literal "${". *used_env is set when a variable was
 * used. Errors name the variable, never a value. */
int vt_config__interpolate(loader *L, const char *raw, size_t cap, char **out, bool *used_env,
                           vt_upstream_cfg *sec) {
  size_t n = strlen(raw), len = 0, alloc = n + 1;
  char *s = malloc(alloc);
  int rc = -1;
  if (!s) return vt_config__fail(L, "out of memory");
  for (size_t i = 0; i < n;) {
    const char *piece = raw + i;
    size_t plen = 1, skip = 1;
    char name[128];
    if (raw[i] == '$' && raw[i + 1] == '$' && raw[i + 2] == '{') {
      piece = "${";
      plen = 2;
      skip = 3;
    } else if (raw[i] == '$' && raw[i + 1] == '{') {
      const char *close = strchr(raw + i + 2, '}');
      size_t nl = close ? (size_t)(close - raw - i - 2) : 0;
      bool ok = close && nl > 0 && nl < sizeof name;
      for (size_t k = 0; ok && k < nl; k++) {
        char ch = raw[i + 2 + k];
        ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' || (k > 0 && ch >= '0' && ch <= '9');
      }
      if (!ok) {
        vt_config__fail(L, "\"${\" at byte %zu does not start a ${NAME} reference (NAME: letters, digits, _); write $${ for a literal ${",
             i);
        goto out;
      }
      memcpy(name, raw + i + 2, nl);
      name[nl] = 0;
      piece = getenv(name);
      if (!piece) {
        vt_config__fail(L, "environment variable %s is not set", name);
        goto out;
      }
      plen = strlen(piece);
      skip = nl + 3;
      *used_env = true;
      if (sec && vt_config__add_secret(sec, piece, plen)) {
        vt_config__fail(L, "out of memory");
        goto out;
      }
    }
    if (len + plen > cap) {
      vt_config__fail(L, "longer than %zu bytes after ${} interpolation", cap);
      goto out;
    }
    if (len + plen + 1 > alloc) {
      size_t na = (len + plen + 1) * 2;
      char *ns = realloc(s, na);
      if (!ns) {
        vt_config__fail(L, "out of memory");
        goto out;
      }
      s = ns;
      alloc = na;
    }
    memcpy(s + len, piece, plen);
    len += plen;
    i += skip;
  }
  s[len] = 0;
  *out = s;
  s = NULL;
  rc = 0;
out:
  free(s);
  return rc;
}

/* ---- upstream keys ---- */

#define UP_FIELD(u, f) ((vt_upstream_cfg *)((char *)(u) - offsetof(vt_upstream_cfg, f)))

int vt_config__set_upstream_name(loader *L, const key_row *r, const char *t, void *field) {
  size_t n = strlen(t);
  bool ok = n >= 1 && n <= 64;
  for (size_t i = 0; ok && i < n; i++) {
    char ch = t[i];
    ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
         ch == '.' || ch == '-';
  }
  if (!ok) return BAD(L, t, "a name of 1 to 64 characters from A-Z a-z 0-9 _ . -");
  return vt_config__set_string(L, r, t, field);
}

/* An upstream's secret url (url, ws): interpolated, checked against schemes, kept with
 * its redacted display form; what names the schemes in the message. */
static int set_secret_url(loader *L, vt_upstream_cfg *u, const char *t, const char *const *schemes, const char *what,
                          char **url_field, char **display_field) {
  char *url = NULL;
  bool env = false;
  if (vt_config__interpolate(L, t, VT_CONFIG_MAX_URL, &url, &env, u)) return -1;
  if (!vt_config__url_ok(url, schemes)) {
    char raw[160];
    free(url);
    vt_redact_url(t, raw, sizeof raw);  /* the file's text, redacted: never the interpolated value */
    return vt_config__fail(L, "\"%s\" is not valid: expected %s url with a host, no spaces, at most %d bytes", raw,
                           what, VT_CONFIG_MAX_URL);
  }
  char *display = vt_config__display_url(url, env ? t : NULL);
  if (!display) {
    free(url);
    return vt_config__fail(L, "out of memory");
  }
  free(*url_field);
  free(*display_field);
  *url_field = url;
  *display_field = display;
  if (vt_config__url_secrets(u, url)) return vt_config__fail(L, "out of memory");
  return 0;
}

int vt_config__set_url(loader *L, const key_row *r, const char *t, void *field) {
  vt_upstream_cfg *u = UP_FIELD(field, url);
  (void)r;
  return set_secret_url(L, u, t, vt_config__http_schemes, "an http:// or https://", &u->url, &u->display_url);
}

/* upstreams[].ws: the WebSocket url newHeads is subscribed on (pool/head_ws.c); kept
 * secret and shown redacted exactly as url is. */
int vt_config__set_ws(loader *L, const key_row *r, const char *t, void *field) {
  vt_upstream_cfg *u = UP_FIELD(field, ws);
  (void)r;
  return set_secret_url(L, u, t, vt_config__ws_schemes, "a ws:// or wss://", &u->ws, &u->display_ws);
}

int vt_config__set_rps(loader *L, const key_row *r, const char *t, void *field) {
  char *end;
  errno = 0;
  double v = (t[0] >= '0' && t[0] <= '9' && !strpbrk(t, "xXpP")) ? strtod(t, &end) : -1;  /* no hex floats */
  if (v < 0 || errno == ERANGE || *end || v > (double)r->max)
    return BAD(L, t, "a number of requests per second from 0 (unlimited) to %llu", r->max);
  FIELD(double) = v;
  return 0;
}


int vt_config__set_policy(loader *L, const key_row *r, const char *t, void *field) {
  int v;
  (void)r;
  if (lookup_name(L, t, NAMES(g_policies), &v)) return -1;
  FIELD(vt_method_policy) = (vt_method_policy)v;
  return 0;
}
