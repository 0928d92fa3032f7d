/*
 * jfield.c: typed readers for execution JSON-RPC object fields (see jfield.h).
 */
#include "core/jfield.h"

#include "core/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vc_jf_present(const json_t *obj, const char *key) {
  const json_t *v = json_object_get(obj, key);
  return v && !json_is_null(v);
}

/* The string value of a present field, or a MISSING/INPUT failure naming it. */
static vc_status get_str(const json_t *v, const char *what, const char *name, const char **s,
                         size_t *n, vc_err *err) {
  if (!v || json_is_null(v)) return vc_fail(err, VC_ERR_MISSING, "%s: %s: absent", what, name);
  if (!json_is_string(v))
    return vc_fail(err, VC_ERR_INPUT, "%s: %s: not a hex string", what, name);
  *s = json_string_value(v);
  *n = json_string_length(v);
  return VC_OK;
}

static vc_status bad(vc_err *err, vc_status st, const char *what, const char *name,
                     const char *shape) {
  if (st == VC_ERR_LIMIT) return vc_fail(err, st, "%s: %s: too long for %s", what, name, shape);
  return vc_fail(err, VC_ERR_INPUT, "%s: %s: not %s", what, name, shape);
}

vc_status vc_jv_fixed(const json_t *v, uint8_t *out, size_t n, const char *what,
                      const char *name, vc_err *err) {
  const char *s = NULL;
  size_t sl = 0;
  vc_status st = get_str(v, what, name, &s, &sl, err);
  if (st != VC_OK) return st;
  if (vc_hex_decode_fixed(s, sl, out, n) != VC_OK) {
    char shape[48];
    snprintf(shape, sizeof shape, "DATA of %zu bytes", n);
    return bad(err, VC_ERR_INPUT, what, name, shape);
  }
  return VC_OK;
}

vc_status vc_jv_u64(const json_t *v, uint64_t *out, const char *what, const char *name,
                    vc_err *err) {
  const char *s = NULL;
  size_t sl = 0;
  vc_status st = get_str(v, what, name, &s, &sl, err);
  if (st != VC_OK) return st;
  if ((st = vc_hex_quantity_u64(s, sl, out)) != VC_OK)
    return bad(err, st, what, name, "a 64-bit QUANTITY");
  return VC_OK;
}

vc_status vc_jf_fixed(const json_t *obj, const char *key, uint8_t *out, size_t n,
                      const char *what, vc_err *err) {
  return vc_jv_fixed(json_object_get(obj, key), out, n, what, key, err);
}

vc_status vc_jf_u64(const json_t *obj, const char *key, uint64_t *out, const char *what,
                    vc_err *err) {
  return vc_jv_u64(json_object_get(obj, key), out, what, key, err);
}

vc_status vc_jf_qty(const json_t *obj, const char *key, vc_qty *out, const char *what,
                    vc_err *err) {
  const char *s = NULL;
  size_t sl = 0, len = 0;
  vc_status st = get_str(json_object_get(obj, key), what, key, &s, &sl, err);
  if (st != VC_OK) return st;
  if ((st = vc_hex_quantity(s, sl, out->be, &len)) != VC_OK)
    return bad(err, st, what, key, "a 256-bit QUANTITY");
  out->len = (uint8_t)len;
  return VC_OK;
}

vc_status vc_jf_data(const json_t *obj, const char *key, uint8_t *out, size_t cap, size_t *len,
                     const char *what, vc_err *err) {
  const char *s = NULL;
  size_t sl = 0;
  vc_status st = get_str(json_object_get(obj, key), what, key, &s, &sl, err);
  if (st != VC_OK) return st;
  if ((st = vc_hex_decode(s, sl, out, cap, len)) != VC_OK) {
    char shape[64];
    snprintf(shape, sizeof shape, "DATA (at most %zu bytes)", cap);
    return bad(err, st, what, key, shape);
  }
  return VC_OK;
}

vc_status vc_jf_data_alloc(const json_t *obj, const char *key, size_t cap, uint8_t **out,
                           size_t *len, const char *what, vc_err *err) {
  const char *s = NULL;
  size_t sl = 0;
  *out = NULL;
  *len = 0;
  vc_status st = get_str(json_object_get(obj, key), what, key, &s, &sl, err);
  if (st != VC_OK) return st;
  size_t n = sl >= 2 ? (sl - 2) / 2 : 0;
  if (n > cap)
    return vc_fail(err, VC_ERR_LIMIT, "%s: %s: %zu bytes exceed the cap of %zu", what, key, n,
                   cap);
  if (n == 0) {
    uint8_t dummy;
    if (vc_hex_decode(s, sl, &dummy, 0, len) != VC_OK) return bad(err, VC_ERR_INPUT, what, key, "DATA");
    return VC_OK;
  }
  uint8_t *buf = malloc(n);
  if (!buf) return vc_fail(err, VC_ERR_NOMEM, "%s: %s: out of memory", what, key);
  if ((st = vc_hex_decode(s, sl, buf, n, len)) != VC_OK) {
    free(buf);
    return bad(err, st, what, key, "DATA");
  }
  *out = buf;
  return VC_OK;
}

vc_status vc_eq_fixed(const json_t *o, const char *key, const uint8_t *want, size_t n,
                      const char *what, vc_err *err) {
  uint8_t got[256];
  if (n > sizeof got) return vc_fail(err, VC_ERR_LIMIT, "%s: %s: too wide to compare", what, key);
  vc_status st = vc_jf_fixed(o, key, got, n, what, err);
  if (st != VC_OK) return st;
  if (memcmp(got, want, n) != 0) return vc_fail(err, VC_ERR_MISMATCH, "%s: %s differs", what, key);
  return VC_OK;
}

vc_status vc_eq_u64(const json_t *o, const char *key, uint64_t want, const char *what,
                    vc_err *err) {
  uint64_t got;
  vc_status st = vc_jf_u64(o, key, &got, what, err);
  if (st != VC_OK) return st;
  if (got != want)
    return vc_fail(err, VC_ERR_MISMATCH, "%s: %s is %llu, want %llu", what, key,
                   (unsigned long long)got, (unsigned long long)want);
  return VC_OK;
}
