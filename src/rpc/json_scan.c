/*
 * json_scan.c: validating, allocation-free JSON scanner (see json_scan.h).
 *
 * Grammar per RFC 8259. Strings must be valid UTF-8 (no overlongs, no surrogates
 * encoded directly, nothing above U+10FFFF); \u escapes must be well formed and
 * surrogate pairs must pair. Numbers follow the JSON number grammar exactly (no
 * leading zeros, no "+", no "NaN"). Depth counts nested containers.
 */
#include "rpc/json_scan.h"

#include <string.h>

static const char *skip_value(const char *p, const char *end, unsigned depth, vt_json_type *t);

const char *vt_json_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static long read_u4(const char *p, const char *end) {
  if (end - p < 4) return -1;
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/* Length of a valid UTF-8 sequence starting at p (>= 0x80), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  size_t n;
  unsigned min;
  unsigned cp;
  if (c >= 0xc2 && c <= 0xdf) { n = 2; min = 0x80; cp = c & 0x1f; }
  else if (c >= 0xe0 && c <= 0xef) { n = 3; min = 0x800; cp = c & 0x0f; }
  else if (c >= 0xf0 && c <= 0xf4) { n = 4; min = 0x10000; cp = c & 0x07; }
  else return 0;
  if ((size_t)(end - p) < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

/* p points at the opening quote; returns the position after the closing quote or NULL. */
static const char *skip_string(const char *p, const char *end) {
  p++;
  while (p < end) {
    unsigned char c = (unsigned char)*p;
    if (c == '"') return p + 1;
    if (c < 0x20) return NULL;
    if (c == '\\') {
      if (++p >= end) return NULL;
      switch (*p) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          p++;
          break;
        case 'u': {
          long u = read_u4(p + 1, end);
          if (u < 0) return NULL;
          p += 5;
          if (u >= 0xdc00 && u <= 0xdfff) return NULL;
          if (u >= 0xd800 && u <= 0xdbff) {
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return NULL;
            long lo = read_u4(p + 2, end);
            if (lo < 0xdc00 || lo > 0xdfff) return NULL;
            p += 6;
          }
          break;
        }
        default:
          return NULL;
      }
      continue;
    }
    if (c < 0x80) { p++; continue; }
    size_t n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
    if (!n) return NULL;
    p += n;
  }
  return NULL;
}

static const char *skip_number(const char *p, const char *end) {
  if (p < end && *p == '-') p++;
  if (p >= end) return NULL;
  if (*p == '0') p++;
  else if (*p >= '1' && *p <= '9') while (p < end && *p >= '0' && *p <= '9') p++;
  else return NULL;
  if (p < end && *p == '.') {
    p++;
    if (p >= end || *p < '0' || *p > '9') return NULL;
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || *p < '0' || *p > '9') return NULL;
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  return p;
}

static const char *skip_lit(const char *p, const char *end, const char *lit, size_t n) {
  if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0) return NULL;
  return p + n;
}

static const char *skip_container(const char *p, const char *end, unsigned depth, bool obj) {
  if (depth == 0) return NULL;
  char close = obj ? '}' : ']';
  p = vt_json_ws(p + 1, end);
  if (p < end && *p == close) return p + 1;
  for (;;) {
    vt_json_type t;
    if (obj) {
      if (p >= end || *p != '"' || !(p = skip_string(p, end))) return NULL;
      p = vt_json_ws(p, end);
      if (p >= end || *p != ':') return NULL;
      p++;
    }
    if (!(p = skip_value(p, end, depth - 1, &t))) return NULL;
    p = vt_json_ws(p, end);
    if (p >= end) return NULL;
    if (*p == close) return p + 1;
    if (*p != ',') return NULL;
    p = vt_json_ws(p + 1, end);
  }
}

static const char *skip_value(const char *p, const char *end, unsigned depth, vt_json_type *t) {
  p = vt_json_ws(p, end);
  if (p >= end) return NULL;
  switch (*p) {
    case '{': *t = VT_JSON_OBJECT; return skip_container(p, end, depth, true);
    case '[': *t = VT_JSON_ARRAY; return skip_container(p, end, depth, false);
    case '"': *t = VT_JSON_STRING; return skip_string(p, end);
    case 't': *t = VT_JSON_TRUE; return skip_lit(p, end, "true", 4);
    case 'f': *t = VT_JSON_FALSE; return skip_lit(p, end, "false", 5);
    case 'n': *t = VT_JSON_NULL; return skip_lit(p, end, "null", 4);
    default: *t = VT_JSON_NUMBER; return skip_number(p, end);
  }
}

vt_json_type vt_json_skip(const char **pp, const char *end, unsigned depth_cap) {
  vt_json_type t = VT_JSON_INVALID;
  const char *q = skip_value(*pp, end, depth_cap, &t);
  if (!q) return VT_JSON_INVALID;
  *pp = q;
  return t;
}

vt_json_type vt_json_value(const char *p, size_t n, unsigned depth_cap, vt_span *out) {
  const char *end = p + n;
  const char *start = vt_json_ws(p, end);
  const char *q = start;
  vt_json_type t = vt_json_skip(&q, end, depth_cap);
  if (t == VT_JSON_INVALID || vt_json_ws(q, end) != end) return VT_JSON_INVALID;
  if (out) *out = vt_span_of(start, (size_t)(q - start));
  return t;
}

bool vt_json_iter_begin(vt_json_iter *it, vt_span c, unsigned depth_cap) {
  if (c.n < 2 || (c.p[0] != '{' && c.p[0] != '[')) return false;
  it->is_object = c.p[0] == '{';
  it->p = c.p + 1;
  it->end = c.p + c.n - 1; /* the closing bracket */
  it->depth_left = depth_cap ? depth_cap - 1 : 0;
  it->first = true;
  return true;
}

int vt_json_iter_next(vt_json_iter *it, vt_span *key, vt_span *val, vt_json_type *type) {
  const char *p = vt_json_ws(it->p, it->end);
  if (p >= it->end) return 0;
  if (!it->first) {
    if (*p != ',') return -1;
    p = vt_json_ws(p + 1, it->end);
  }
  it->first = false;
  if (key) *key = vt_span_of(NULL, 0);
  if (it->is_object) {
    if (p >= it->end || *p != '"') return -1;
    const char *k = skip_string(p, it->end);
    if (!k) return -1;
    if (key) *key = vt_span_of(p + 1, (size_t)(k - p - 2));
    p = vt_json_ws(k, it->end);
    if (p >= it->end || *p != ':') return -1;
    p = vt_json_ws(p + 1, it->end);
  }
  const char *v = p;
  vt_json_type t = vt_json_skip(&p, it->end, it->depth_left);
  if (t == VT_JSON_INVALID) return -1;
  if (val) *val = vt_span_of(v, (size_t)(p - v));
  if (type) *type = t;
  it->p = p;
  return 1;
}

static size_t put_utf8(char *o, unsigned long cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) { o[0] = (char)(0xc0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f)); return 3;
  }
  o[0] = (char)(0xf0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f)); return 4;
}

long vt_json_str_decode(vt_span s, char *out, size_t cap) {
  const char *p = s.p, *end = s.p + s.n;
  if (s.n >= 2 && p[0] == '"' && end[-1] == '"') { p++; end--; }
  size_t o = 0;
  while (p < end) {
    char tmp[4];
    size_t n = 1;
    if (*p != '\\') { tmp[0] = *p++; }
    else {
      if (++p >= end) return -1;
      static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
      const char *f = *p ? strchr(from, *p) : NULL;
      if (f) { tmp[0] = to[f - from]; p++; }
      else if (*p == 'u') {
        long u = read_u4(p + 1, end);
        if (u < 0) return -1;
        p += 5;
        unsigned long cp = (unsigned long)u;
        if (u >= 0xd800 && u <= 0xdbff) {
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return -1;
          long lo = read_u4(p + 2, end);
          if (lo < 0xdc00 || lo > 0xdfff) return -1;
          cp = 0x10000 + (((unsigned long)u - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
          p += 6;
        }
        n = put_utf8(tmp, cp);
      } else return -1;
    }
    if (o + n + 1 > cap) return -1;
    memcpy(out + o, tmp, n);
    o += n;
  }
  out[o] = 0;
  return (long)o;
}

bool vt_json_str_eq(vt_span raw, const char *lit) {
  size_t n = strlen(lit);
  if (!memchr(raw.p, '\\', raw.n)) return raw.n == n && memcmp(raw.p, lit, n) == 0;
  char tmp[256];
  long m = vt_json_str_decode(raw, tmp, sizeof tmp);
  return m >= 0 && (size_t)m == n && memcmp(tmp, lit, n) == 0;
}
