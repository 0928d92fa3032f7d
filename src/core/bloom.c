/*
 * bloom.c: logs bloom (Yellow Paper M3:2048) and eth_getLogs filter matching (see
 * bloom.h).
 *
 * Bit selection: h = keccak(data); for k in 0, 2, 4 the low 11 bits of the big-endian
 * pair h[k], h[k+1] pick a bit, counted from the least significant bit of the last
 * byte of the 256-byte bloom.
 */
#include "core/bloom.h"

#include "core/hex.h"
#include "core/jfield.h"
#include "core/keccak.h"

#include <stdlib.h>
#include <string.h>

static void bits_of(const uint8_t *data, size_t len, size_t byte[3], uint8_t mask[3]) {
  uint8_t h[32];
  vc_keccak256(data, len, h);
  for (int k = 0; k < 3; k++) {
    unsigned bit = ((unsigned)h[2 * k] << 8 | h[2 * k + 1]) & 2047u;
    byte[k] = VC_BLOOM_BYTES - 1 - bit / 8;
    mask[k] = (uint8_t)(1u << (bit % 8));
  }
}

void vc_bloom_add(uint8_t bloom[VC_BLOOM_BYTES], const uint8_t *data, size_t len) {
  size_t byte[3];
  uint8_t mask[3];
  bits_of(data, len, byte, mask);
  for (int k = 0; k < 3; k++) bloom[byte[k]] |= mask[k];
}

bool vc_bloom_contains(const uint8_t bloom[VC_BLOOM_BYTES], const uint8_t *data, size_t len) {
  size_t byte[3];
  uint8_t mask[3];
  bits_of(data, len, byte, mask);
  for (int k = 0; k < 3; k++)
    if (!(bloom[byte[k]] & mask[k])) return false;
  return true;
}

vc_status vc_bloom_add_logs(uint8_t bloom[VC_BLOOM_BYTES], const json_t *logs, vc_err *err) {
  vc_status st;
  if (!json_is_array(logs)) return vc_fail(err, VC_ERR_INPUT, "logs: not an array");
  size_t i;
  const json_t *log;
  json_array_foreach(logs, i, log) {
    uint8_t a[20], t[32];
    if ((st = vc_jf_fixed(log, "address", a, 20, "log", err)) != VC_OK) return st;
    vc_bloom_add(bloom, a, 20);
    const json_t *topics = json_object_get(log, "topics");
    if (!json_is_array(topics) || json_array_size(topics) > VC_FILTER_TOPICS)
      return vc_fail(err, VC_ERR_INPUT, "log %zu: topics: not an array of at most 4", i);
    size_t j;
    const json_t *tv;
    json_array_foreach(topics, j, tv) {
      if ((st = vc_jv_fixed(tv, t, 32, "log", "topics", err)) != VC_OK) return st;
      vc_bloom_add(bloom, t, 32);
    }
  }
  return VC_OK;
}

void vc_log_filter_free(vc_log_filter *f) {
  free(f->addresses);
  for (int i = 0; i < VC_FILTER_TOPICS; i++) free(f->topics[i].v);
  memset(f, 0, sizeof *f);
}

/* A string or an array of strings (null entries make the whole set a wildcard when
 * null_is_wildcard) into a malloc'd array of n-byte values. */
static vc_status parse_set(const json_t *v, size_t width, size_t cap, bool null_is_wildcard,
                           const char *name, uint8_t **out, size_t *n, vc_err *err) {
  vc_status st = VC_OK;
  *out = NULL;
  *n = 0;
  if (!v || json_is_null(v)) return VC_OK;
  size_t count = json_is_array(v) ? json_array_size(v) : 1;
  if (!json_is_array(v) && !json_is_string(v))
    return vc_fail(err, VC_ERR_INPUT, "filter: %s: not a string or array", name);
  if (count > cap)
    return vc_fail(err, VC_ERR_LIMIT, "filter: %s: %zu entries exceed the cap of %zu", name,
                   count, cap);
  if (count == 0) return VC_OK;
  uint8_t *buf = malloc(count * width);
  if (!buf) return vc_fail(err, VC_ERR_NOMEM, "filter: out of memory");
  for (size_t i = 0; i < count; i++) {
    const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
    if (json_is_null(e) && null_is_wildcard) {
      free(buf);
      return VC_OK;
    }
    if ((st = vc_jv_fixed(e, buf + i * width, width, "filter", name, err)) != VC_OK) {
      if (st == VC_ERR_MISSING) st = vc_fail(err, VC_ERR_INPUT, "filter: %s: null entry", name);
      free(buf);
      return st;
    }
  }
  *out = buf;
  *n = count;
  return VC_OK;
}

vc_status vc_log_filter_from_json(const json_t *filter, vc_log_filter *out, vc_err *err) {
  vc_status st;
  memset(out, 0, sizeof *out);
  if (!json_is_object(filter)) return vc_fail(err, VC_ERR_INPUT, "filter: not an object");
  uint8_t *p;
  size_t n;
  st = parse_set(json_object_get(filter, "address"), 20, VC_FILTER_MAX_ADDRESSES, false,
                 "address", &p, &n, err);
  if (st != VC_OK) goto out;
  out->addresses = (uint8_t(*)[20])p;
  out->n_addresses = n;
  const json_t *topics = json_object_get(filter, "topics");
  if (topics && !json_is_null(topics)) {
    if (!json_is_array(topics) || json_array_size(topics) > VC_FILTER_TOPICS) {
      st = vc_fail(err, VC_ERR_INPUT, "filter: topics: not an array of at most 4 positions");
      goto out;
    }
    for (size_t i = 0; i < json_array_size(topics); i++) {
      st = parse_set(json_array_get(topics, i), 32, VC_FILTER_MAX_TOPIC_OR, true, "topics", &p,
                     &n, err);
      if (st != VC_OK) goto out;
      out->topics[i].v = (uint8_t(*)[32])p;
      out->topics[i].n = n;
    }
  }
out:
  if (st != VC_OK) vc_log_filter_free(out);
  return st;
}

bool vc_log_filter_match(const vc_log_filter *f, const uint8_t address[20],
                         const uint8_t (*topics)[32], size_t n_topics) {
  if (f->n_addresses) {
    size_t i = 0;
    while (i < f->n_addresses && memcmp(f->addresses[i], address, 20) != 0) i++;
    if (i == f->n_addresses) return false;
  }
  for (size_t pos = 0; pos < VC_FILTER_TOPICS; pos++) {
    const vc_topic_set *s = &f->topics[pos];
    if (s->n == 0) continue;
    if (pos >= n_topics) return false;
    size_t i = 0;
    while (i < s->n && memcmp(s->v[i], topics[pos], 32) != 0) i++;
    if (i == s->n) return false;
  }
  return true;
}

bool vc_log_filter_match_json(const vc_log_filter *f, const json_t *log) {
  uint8_t addr[20], topics[VC_FILTER_TOPICS][32];
  const json_t *a = json_object_get(log, "address"), *ts = json_object_get(log, "topics");
  if (!json_is_string(a) || vc_hex_decode_fixed(json_string_value(a), json_string_length(a), addr, 20) != VC_OK)
    return false;
  size_t n = json_array_size(ts);
  if (!json_is_array(ts) || n > VC_FILTER_TOPICS) return false;
  for (size_t i = 0; i < n; i++) {
    const json_t *t = json_array_get(ts, i);
    if (!json_is_string(t) || vc_hex_decode_fixed(json_string_value(t), json_string_length(t), topics[i], 32) != VC_OK)
      return false;
  }
  return vc_log_filter_match(f, addr, (const uint8_t(*)[32])topics, n);
}

bool vc_bloom_may_match(const uint8_t bloom[VC_BLOOM_BYTES], const vc_log_filter *f) {
  if (f->n_addresses) {
    size_t i = 0;
    while (i < f->n_addresses && !vc_bloom_contains(bloom, f->addresses[i], 20)) i++;
    if (i == f->n_addresses) return false;
  }
  for (size_t pos = 0; pos < VC_FILTER_TOPICS; pos++) {
    const vc_topic_set *s = &f->topics[pos];
    if (s->n == 0) continue;
    size_t i = 0;
    while (i < s->n && !vc_bloom_contains(bloom, s->v[i], 32)) i++;
    if (i == s->n) return false;
  }
  return true;
}
