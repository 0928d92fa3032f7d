/*
 * redis_conf.c: vt_redis's configuration: the option table (name, default, range) and
 * the redis:// URL parser with its one-time name resolution. Called only by
 * vt_redis_new (redis.c) through redis_int.h; fills a vt_redis_conf the caller owns.
 */
#include "store/redis_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* One row per unsigned option: default, minimum, maximum. */
static const struct {
  const char *name;
  size_t off;
  unsigned def, min, max;
} opt_rows[] = {
    {"timeout_ms", offsetof(vt_redis_opts, timeout_ms), 50, 1, 60000},
    {"connect_timeout_ms", offsetof(vt_redis_opts, connect_timeout_ms), 500, 1, 60000},
    {"stall_ms", offsetof(vt_redis_opts, stall_ms), 0, 1, 600000}, /* 0: 4*timeout_ms */
    {"backoff_min_ms", offsetof(vt_redis_opts, backoff_min_ms), 100, 1, 60000},
    {"backoff_max_ms", offsetof(vt_redis_opts, backoff_max_ms), 5000, 1, 600000},
    {"unfinalized_ttl_ms", offsetof(vt_redis_opts, unfinalized_ttl_ms), 60000, 1, 86400000},
    {"finalized_ttl_ms", offsetof(vt_redis_opts, finalized_ttl_ms), 0, 0, 0xffffffffu},
    {"max_inflight", offsetof(vt_redis_opts, max_inflight), 1024, 1, 1000000},
    {"max_value", offsetof(vt_redis_opts, max_value), 4u << 20, 64, VT_CACHE_VALUE_MAX_ABS},
};

static bool ns_char_ok(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || ch == '-';
}

static int conf_opts(vt_redis_conf *c, const vt_redis_opts *in, char *err, size_t errlen) {
  vt_redis_opts o;
  memset(&o, 0, sizeof o);
  if (in) o = *in;
  for (size_t i = 0; i < sizeof opt_rows / sizeof opt_rows[0]; i++) {
    unsigned *f = (unsigned *)((char *)&o + opt_rows[i].off);
    if (*f == 0) {
      *f = opt_rows[i].def;
      if (*f == 0) continue; /* 0 is meaningful (no TTL) or derived (stall_ms) */
    }
    if (*f < opt_rows[i].min || *f > opt_rows[i].max) {
      snprintf(err, errlen, "redis: %s = %u is outside %u..%u", opt_rows[i].name, *f,
               opt_rows[i].min, opt_rows[i].max);
      return -1;
    }
  }
  if (!o.stall_ms) o.stall_ms = o.timeout_ms * 4;
  if (o.backoff_max_ms < o.backoff_min_ms) {
    snprintf(err, errlen, "redis: backoff_max_ms %u is below backoff_min_ms %u", o.backoff_max_ms,
             o.backoff_min_ms);
    return -1;
  }
  const char *ns = o.key_namespace ? o.key_namespace : "verity";
  size_t nl = strnlen(ns, VT_REDIS_NAMESPACE_MAX + 1);
  bool ok = nl > 0 && nl <= VT_REDIS_NAMESPACE_MAX;
  for (size_t i = 0; ok && i < nl; i++) ok = ns_char_ok(ns[i]);
  if (!ok) {
    snprintf(err, errlen, "redis: key namespace \"%.40s\" must be 1..%u of [A-Za-z0-9_-]", ns,
             VT_REDIS_NAMESPACE_MAX);
    return -1;
  }
  if (o.auth_key_len || o.auth_key) {
    if (!o.auth_key || o.auth_key_len < VT_REDIS_AUTH_MIN || o.auth_key_len > VT_REDIS_AUTH_MAX) {
      snprintf(err, errlen, "redis: auth key must be %u..%u bytes", VT_REDIS_AUTH_MIN,
               VT_REDIS_AUTH_MAX);
      return -1;
    }
    hmac_sha256_set_key(&c->mac, o.auth_key_len, o.auth_key);
    c->auth = true;
  }
  c->prefix_len = (size_t)snprintf(c->prefix, sizeof c->prefix, "%s:%llu:", ns,
                                   (unsigned long long)o.chain_id);
  c->o = o;
  c->o.key_namespace = NULL; /* the prefix holds it; the caller's string is not kept */
  c->o.auth_key = NULL;      /* keyed into c->mac; the caller's bytes are not kept */
  c->o.auth_key_len = 0;
  return 0;
}

/* Parse an unsigned decimal in [lo, hi] from s..end; no sign, no spaces. */
static bool parse_uint(const char *s, const char *end, unsigned long lo, unsigned long hi,
                       unsigned long *out) {
  if (s == end || end - s > 10) return false;
  char buf[12];
  memcpy(buf, s, (size_t)(end - s));
  buf[end - s] = 0;
  if (buf[0] < '0' || buf[0] > '9') return false;
  char *e;
  errno = 0;
  unsigned long v = strtoul(buf, &e, 10);
  if (errno || *e || v < lo || v > hi) return false;
  *out = v;
  return true;
}

static int conf_url(vt_redis_conf *c, const char *url, char *err, size_t errlen) {
  static const char scheme[] = "redis://";
  char host[VT_REDIS_URL_MAX];
  unsigned long port = 6379, db = 0;
  if (!url || strnlen(url, VT_REDIS_URL_MAX + 1) > VT_REDIS_URL_MAX) {
    snprintf(err, errlen, "redis: url missing or longer than %u bytes", VT_REDIS_URL_MAX);
    return -1;
  }
  if (strncmp(url, scheme, sizeof scheme - 1) != 0) {
    snprintf(err, errlen, "redis: url \"%s\" must start with redis://", url);
    return -1;
  }
  const char *h = url + sizeof scheme - 1, *path = strchr(h, '/');
  const char *hend = path ? path : h + strlen(h), *port_at = NULL;
  if (memchr(h, '@', (size_t)(hend - h))) {
    snprintf(err, errlen, "redis: url \"%s\": credentials in the url are not supported", url);
    return -1;
  }
  const char *hs = h, *he;
  if (*h == '[') { /* [IPv6]:port */
    he = memchr(h, ']', (size_t)(hend - h));
    if (!he) goto bad;
    hs = h + 1;
    if (he + 1 < hend) {
      if (he[1] != ':') goto bad;
      port_at = he + 2;
    }
  } else {
    he = memchr(h, ':', (size_t)(hend - h));
    if (he) port_at = he + 1;
    else he = hend;
  }
  if (he == hs) goto bad;
  if (port_at && !parse_uint(port_at, hend, 1, 65535, &port)) goto bad;
  if (path && path[1] && !parse_uint(path + 1, path + strlen(path), 0, 1023, &db)) goto bad;
  memcpy(host, hs, (size_t)(he - hs));
  host[he - hs] = 0;

  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int gai = getaddrinfo(host, NULL, &hints, &res);
  if (gai != 0 || !res) {
    snprintf(err, errlen, "redis: cannot resolve \"%s\": %s", host, gai_strerror(gai));
    if (res) freeaddrinfo(res);
    return -1;
  }
  for (struct addrinfo *ai = res; ai && c->nip < VT_REDIS_ADDRS_MAX; ai = ai->ai_next) {
    const void *addr = ai->ai_family == AF_INET6
                           ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                           : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
    if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
        inet_ntop(ai->ai_family, addr, c->ip[c->nip], sizeof c->ip[0]))
      c->nip++;
  }
  freeaddrinfo(res);
  if (!c->nip) {
    snprintf(err, errlen, "redis: \"%s\" has no usable address", host);
    return -1;
  }
  c->port = (int)port;
  c->db = (unsigned)db;
  return 0;
bad:
  snprintf(err, errlen, "redis: url \"%s\" is not redis://host:port[/db] (port 1..65535, db 0..1023)", url);
  return -1;
}

int vt_redis__conf(vt_redis_conf *c, const char *url, const vt_redis_opts *o, char *err,
                   size_t errlen) {
  memset(c, 0, sizeof *c);
  if (conf_opts(c, o, err, errlen) != 0) return -1;
  return conf_url(c, url, err, errlen);
}
