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
static const char *const anchor_names[] = {
    [VT_ANCHOR_SRC_TRUSTED] = "trusted", [VT_ANCHOR_SRC_HASH] = "hash",
};

const char *vt_trust_format(const vt_trust *t, char *out, size_t n) {
  switch (t->tier) {
    case VT_TRUST_QUORUM:
      snprintf(out, n, "quorum:%u/%u", t->k, t->n);
      break;
    case VT_TRUST_STALE:
      snprintf(out, n, "stale:%u block=0x%llx", t->age_s, (unsigned long long)t->block);
      break;
    case VT_TRUST_VERIFIED:
      switch (t->anchor) {
        case VT_ANCHOR_SRC_QUORUM: snprintf(out, n, "verified:quorum:%u/%u", t->k, t->n); break;
        case VT_ANCHOR_SRC_LIGHTCLIENT:
          snprintf(out, n, "verified:lightclient:%s", t->finalized ? "finalized" : "optimistic");
          break;
        case VT_ANCHOR_SRC_TRUSTED: case VT_ANCHOR_SRC_HASH:
          snprintf(out, n, "verified:%s", anchor_names[t->anchor]);
          break;
        default: snprintf(out, n, "verified"); break;
      }
      break;
    default:
      snprintf(out, n, "%s", t->tier < sizeof tier_names / sizeof tier_names[0] && tier_names[t->tier]
                                 ? tier_names[t->tier] : "none");
      break;
  }
  return out;
}

/* "K/N" exactly (decimal, no sign, no spaces), the whole of s. */
static bool read_kn(const char *s, unsigned *k, unsigned *n) {
  char *e;
  if (*s < '0' || *s > '9') return false;
  unsigned long a = strtoul(s, &e, 10);
  if (*e != '/' || e[1] < '0' || e[1] > '9' || a > UINT32_MAX) return false;
  unsigned long b = strtoul(e + 1, &e, 10);
  if (*e || b > UINT32_MAX) return false;
  *k = (unsigned)a;
  *n = (unsigned)b;
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
