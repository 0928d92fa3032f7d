/*
 * trust.c: the text forms of a vt_trust (see trust.h), both ways, from one table of
 * anchor names.
 */
#include "flow/trust.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tier_names[] = {
    [VT_TRUST_NONE] = "none", [VT_TRUST_SINGLE] = "single", [VT_TRUST_LOCAL] = "local",
};
/* An L1-anchored answer names its game's status (a CHALLENGER_WINS game anchors nothing). */
static const char *const l1_status_names[] = {
    [VT_L1_IN_PROGRESS] = "in_progress", [VT_L1_DEFENDER_WINS] = "defender_wins",
};
static const char *const anchor_names[] = {
    [VT_ANCHOR_SRC_TRUSTED] = "trusted", [VT_ANCHOR_SRC_HASH] = "hash",
};

/* The text being laid out by vt_trust_format: what fits of it in out[0..n), as snprintf
 * would truncate it. No printf: the trust of every answer goes through here. */
typedef struct {
  char *out;
  size_t n, len;
} text_out;

static void put_s(text_out *o, const char *s) {
  for (; *s; s++, o->len++)
    if (o->len + 1 < o->n) o->out[o->len] = *s;
}

static void put_num(text_out *o, unsigned long long v, unsigned base) {
  static const char digits[] = "0123456789abcdef";
  char d[24]; /* 2^64 in decimal is 20 digits */
  size_t i = sizeof d;
  d[--i] = 0;
  do d[--i] = digits[v % base]; while ((v /= base) != 0);
  put_s(o, d + i);
}

static void put_kn(text_out *o, const char *prefix, const vt_trust *t) {
  put_s(o, prefix);
  put_num(o, t->k, 10);
  put_s(o, "/");
  put_num(o, t->n, 10);
}

const char *vt_trust_format(const vt_trust *t, char *out, size_t n) {
  text_out o = {out, n, 0};
  switch (t->tier) {
    case VT_TRUST_QUORUM: put_kn(&o, "quorum:", t); break;
    case VT_TRUST_STALE:
      put_s(&o, "stale:");
      put_num(&o, t->age_s, 10);
      put_s(&o, " block=0x");
      put_num(&o, t->block, 16);
      break;
    case VT_TRUST_VERIFIED:
      switch (t->anchor) {
        case VT_ANCHOR_SRC_QUORUM: put_kn(&o, "verified:quorum:", t); break;
        case VT_ANCHOR_SRC_LIGHTCLIENT:
          put_s(&o, t->finalized ? "verified:lightclient:finalized" : "verified:lightclient:optimistic");
          break;
        case VT_ANCHOR_SRC_L1:
          put_s(&o, "verified:l1:");
          put_s(&o, t->l1_status < sizeof l1_status_names / sizeof l1_status_names[0] && l1_status_names[t->l1_status]
                        ? l1_status_names[t->l1_status] : "unknown");
          break;
        case VT_ANCHOR_SRC_TRUSTED: case VT_ANCHOR_SRC_HASH:
          put_s(&o, "verified:");
          put_s(&o, anchor_names[t->anchor]);
          break;
        default: put_s(&o, "verified"); break;
      }
      break;
    default:
      put_s(&o, t->tier < sizeof tier_names / sizeof tier_names[0] && tier_names[t->tier] ? tier_names[t->tier] : "none");
      break;
  }
  if (n) out[o.len < n ? o.len : n - 1] = 0;
  return out;
}

/* A decimal number up to UINT32_MAX at *s (digits only, at least one): *s moves past it. */
static bool read_u32(const char **s, unsigned *v) {
  const char *p = *s;
  uint64_t a = 0;
  if (*p < '0' || *p > '9') return false;
  for (; *p >= '0' && *p <= '9'; p++)
    if ((a = a * 10 + (uint64_t)(*p - '0')) > UINT32_MAX) return false;
  *v = (unsigned)a;
  *s = p;
  return true;
}

/* "K/N" exactly (decimal, no sign, no spaces), the whole of s. strtoul is not used: the
 * trust of every cache hit is read back through here. */
static bool read_kn(const char *s, unsigned *k, unsigned *n) {
  unsigned a, b;
  if (!read_u32(&s, &a) || *s++ != '/' || !read_u32(&s, &b) || *s) return false;
  *k = a;
  *n = b;
  return true;
}

static bool parse_verified(const char *s, vt_trust *t) {
  t->tier = VT_TRUST_VERIFIED;
  if (!*s) { t->anchor = VT_ANCHOR_SRC_NONE; return true; }
  if (*s++ != ':') return false;
  if (!strncmp(s, "quorum:", 7)) {
    t->anchor = VT_ANCHOR_SRC_QUORUM;
    return read_kn(s + 7, &t->k, &t->n);
  }
  if (!strcmp(s, "lightclient:finalized") || !strcmp(s, "lightclient:optimistic")) {
    t->anchor = VT_ANCHOR_SRC_LIGHTCLIENT;
    t->finalized = s[12] == 'f';
    return true;
  }
  if (!strncmp(s, "l1:", 3)) {
    for (size_t i = 0; i < sizeof l1_status_names / sizeof l1_status_names[0]; i++)
      if (l1_status_names[i] && !strcmp(s + 3, l1_status_names[i])) {
        t->anchor = VT_ANCHOR_SRC_L1;
        t->l1_status = (uint8_t)i;
        return true;
      }
    return false;
  }
  for (size_t i = 0; i < sizeof anchor_names / sizeof anchor_names[0]; i++)
    if (anchor_names[i] && !strcmp(s, anchor_names[i])) { t->anchor = (uint8_t)i; return true; }
  return false;
}

static bool parse_stale(const char *s, vt_trust *t) {
  char *e;
  if (*s < '0' || *s > '9') return false;
  unsigned long age = strtoul(s, &e, 10);
  if (strncmp(e, " block=0x", 9) != 0 || age > UINT32_MAX) return false;
  const char *h = e + 9;
  if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f'))) return false;
  unsigned long long b = strtoull(h, &e, 16);
  if (*e) return false;
  t->tier = VT_TRUST_STALE;
  t->age_s = (unsigned)age;
  t->block = b;
  return true;
}

bool vt_trust_parse(const char *s, vt_trust *t) {
  memset(t, 0, sizeof *t);
  bool ok = false;
  if (!s) return false;
  if (!strncmp(s, "verified", 8)) ok = parse_verified(s + 8, t);
  else if (!strncmp(s, "quorum:", 7)) ok = (t->tier = VT_TRUST_QUORUM, read_kn(s + 7, &t->k, &t->n));
  else if (!strncmp(s, "stale:", 6)) ok = parse_stale(s + 6, t);
  else
    for (size_t i = 0; i < sizeof tier_names / sizeof tier_names[0]; i++)
      if (tier_names[i] && !strcmp(s, tier_names[i])) { t->tier = (uint8_t)i; ok = true; }
  if (!ok) memset(t, 0, sizeof *t);
  return ok;
}

bool vt_trust_cacheable(const vt_trust *t) { return t->tier == VT_TRUST_VERIFIED || t->tier == VT_TRUST_QUORUM; }
