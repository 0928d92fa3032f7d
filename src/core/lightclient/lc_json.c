/*
 * lc_json.c: beacon-API JSON -> light-client structs (see lc_json.h).
 *
 * Walks the same field tables as the SSZ decoder (lc_internal.h), so the two decoders
 * cannot disagree on a layout. Errors name the JSON path ("attested_header.execution.
 * block_number: not a decimal uint64").
 */
#include "core/lightclient/lc_json.h"
#include "core/lightclient/lc_internal.h"
#include "core/hex.h"

#include <stdio.h>
#include <string.h>

/* Decimal string of at most 78 digits into a little-endian uint256; false on overflow. */
static bool parse_dec256(const char *s, uint8_t out[32]) {
  size_t len = strlen(s);
  memset(out, 0, 32);
  if (len == 0 || len > 78) return false;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    unsigned carry = (unsigned)(s[i] - '0');
    for (int b = 0; b < 32; b++) {
      unsigned v = out[b] * 10u + carry;
      out[b] = (uint8_t)v;
      carry = v >> 8;
    }
    if (carry) return false;
  }
  return true;
}

static bool parse_dec64(const char *s, uint64_t *out) {
  uint8_t v[32];
  if (!parse_dec256(s, v)) return false;
  for (int i = 8; i < 32; i++)
    if (v[i]) return false;
  uint64_t r = 0;
  for (int i = 7; i >= 0; i--) r = (r << 8) | v[i];
  *out = r;
  return true;
}

static const char *str_at(const json_t *obj, const char *key) {
  const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static vc_status get_u64(const json_t *obj, const char *key, uint64_t *out, const char *path,
                         vc_err *err) {
  const char *s = str_at(obj, key);
  if (!s || !parse_dec64(s, out))
    return vc_fail(err, VC_ERR_INPUT, "%s.%s: missing or not a decimal uint64", path, key);
  return VC_OK;
}

static vc_status get_hex(const json_t *obj, const char *key, uint8_t *out, size_t n,
                         const char *path, vc_err *err) {
  const char *s = str_at(obj, key);
  if (!s || vc_hex_decode_fixed(s, strlen(s), out, n) != VC_OK)
    return vc_fail(err, VC_ERR_INPUT, "%s.%s: missing or not 0x-hex of %zu bytes", path, key, n);
  return VC_OK;
}

static vc_status fill_table(const lc_field *tab, size_t nf, const json_t *obj, void *base,
                            const char *path, vc_err *err) {
  if (!json_is_object(obj)) return vc_fail(err, VC_ERR_INPUT, "%s: missing or not an object", path);
  for (size_t i = 0; i < nf; i++) {
    uint8_t *p = (uint8_t *)base + tab[i].off;
    const char *s = str_at(obj, tab[i].name);
    vc_status st = VC_OK;
    switch (tab[i].kind) {
    case LC_F_U64: {
      uint64_t v;
      st = get_u64(obj, tab[i].name, &v, path, err);
      if (st == VC_OK) memcpy(p, &v, 8);
      break;
    }
    case LC_F_U256:
      if (!s || !parse_dec256(s, p))
        st = vc_fail(err, VC_ERR_INPUT, "%s.%s: missing or not a decimal uint256", path,
                     tab[i].name);
      break;
    case LC_F_BYTES:
      st = get_hex(obj, tab[i].name, p, tab[i].size, path, err);
      break;
    case LC_F_LIST: {
      size_t got = 0;
      if (!s || vc_hex_decode(s, strlen(s), p, LC_MAX_EXTRA_DATA, &got) != VC_OK)
        st = vc_fail(err, VC_ERR_INPUT, "%s.%s: missing, not hex, or over %d bytes", path,
                     tab[i].name, LC_MAX_EXTRA_DATA);
      else
        *((uint8_t *)base + tab[i].len_off) = (uint8_t)got;
      break;
    }
    }
    if (st != VC_OK) return st;
  }
  return VC_OK;
}

static vc_status get_branch(const json_t *obj, const char *key, uint8_t (*out)[32], size_t depth,
                            const char *path, vc_err *err) {
  const json_t *arr = json_is_object(obj) ? json_object_get(obj, key) : NULL;
  if (!json_is_array(arr) || json_array_size(arr) != depth)
    return vc_fail(err, VC_ERR_INPUT, "%s.%s: not an array of %zu roots", path, key, depth);
  for (size_t i = 0; i < depth; i++) {
    const json_t *e = json_array_get(arr, i);
    const char *s = json_is_string(e) ? json_string_value(e) : NULL;
    if (!s || vc_hex_decode_fixed(s, strlen(s), out[i], 32) != VC_OK)
      return vc_fail(err, VC_ERR_INPUT, "%s.%s[%zu]: not a 32-byte root", path, key, i);
  }
  return VC_OK;
}

static vc_status header_from_json(lc_header *h, lc_fork fork, const json_t *obj,
                                  const char *path, vc_err *err) {
  char sub[96];
  const lc_fork_layout *L = lc_fork_info(fork);
  memset(h, 0, sizeof *h);
  h->fork = fork;
  if (!json_is_object(obj)) return vc_fail(err, VC_ERR_INPUT, "%s: missing or not an object", path);
  snprintf(sub, sizeof sub, "%s.beacon", path);
  vc_status st = fill_table(lc_beacon_fields, LC_BEACON_FIELDS, json_object_get(obj, "beacon"),
                            &h->beacon, sub, err);
  if (st != VC_OK || !L->exec_fields) return st;
  snprintf(sub, sizeof sub, "%s.execution", path);
  st = fill_table(lc_exec_fields, L->exec_fields, json_object_get(obj, "execution"), &h->execution,
                  sub, err);
  if (st != VC_OK) return st;
  return get_branch(obj, "execution_branch", h->execution_branch, LC_EXEC_BRANCH_DEPTH, path, err);
}

static vc_status committee_from_json(lc_sync_committee *c, size_t n, const json_t *obj,
                                     const char *path, vc_err *err) {
  const json_t *arr = json_is_object(obj) ? json_object_get(obj, "pubkeys") : NULL;
  if (!json_is_array(arr) || json_array_size(arr) != n)
    return vc_fail(err, VC_ERR_INPUT, "%s.pubkeys: not an array of %zu keys", path, n);
  for (size_t i = 0; i < n; i++) {
    const json_t *e = json_array_get(arr, i);
    const char *s = json_is_string(e) ? json_string_value(e) : NULL;
    if (!s || vc_hex_decode_fixed(s, strlen(s), c->pubkeys[i], 48) != VC_OK)
      return vc_fail(err, VC_ERR_INPUT, "%s.pubkeys[%zu]: not a 48-byte key", path, i);
  }
  return get_hex(obj, "aggregate_pubkey", c->aggregate_pubkey, 48, path, err);
}

static vc_status check_args(lc_fork *fork, const char *version, size_t n, vc_err *err) {
  if (n == 0 || n > LC_MAX_COMMITTEE || n % 8)
    return vc_fail(err, VC_ERR_INPUT, "sync committee size %zu unsupported", n);
  return lc_fork_from_name(version, fork, err);
}

vc_status lc_bootstrap_from_json(lc_bootstrap *out, const char *version, const json_t *data,
                                 size_t n, vc_err *err) {
  memset(out, 0, sizeof *out);
  lc_fork fork;
  vc_status st = check_args(&fork, version, n, err);
  if (st != VC_OK) return st;
  const lc_fork_layout *L = lc_fork_info(fork);
  out->fork = fork;
  st = header_from_json(&out->header, fork, json_object_get(data, "header"), "header", err);
  if (st == VC_OK)
    st = committee_from_json(&out->current_sync_committee, n,
                             json_object_get(data, "current_sync_committee"),
                             "current_sync_committee", err);
  if (st == VC_OK)
    st = get_branch(data, "current_sync_committee_branch", out->current_sync_committee_branch,
                    L->committee_depth, "bootstrap", err);
  out->branch_len = L->committee_depth;
  return st;
}

vc_status lc_update_from_json(lc_update *out, lc_update_kind kind, const char *version,
                              const json_t *data, size_t n, vc_err *err) {
  memset(out, 0, sizeof *out);
  lc_fork fork;
  vc_status st = check_args(&fork, version, n, err);
  if (st != VC_OK) return st;
  if (!json_is_object(data)) return vc_fail(err, VC_ERR_INPUT, "update: data is not an object");
  const lc_fork_layout *L = lc_fork_info(fork);
  out->fork = fork;
  out->kind = kind;
  out->next_branch_len = L->committee_depth;
  out->finality_branch_len = L->finality_depth;
  out->finalized_header.fork = fork;
  st = header_from_json(&out->attested_header, fork, json_object_get(data, "attested_header"),
                        "attested_header", err);
  if (st == VC_OK && kind == LC_KIND_UPDATE) {
    st = committee_from_json(&out->next_sync_committee, n,
                             json_object_get(data, "next_sync_committee"), "next_sync_committee",
                             err);
    if (st == VC_OK)
      st = get_branch(data, "next_sync_committee_branch", out->next_sync_committee_branch,
                      L->committee_depth, "update", err);
  }
  if (st == VC_OK && kind != LC_KIND_OPTIMISTIC) {
    st = header_from_json(&out->finalized_header, fork, json_object_get(data, "finalized_header"),
                          "finalized_header", err);
    if (st == VC_OK)
      st = get_branch(data, "finality_branch", out->finality_branch, L->finality_depth, "update",
                      err);
  }
  if (st != VC_OK) return st;
  const json_t *agg = json_object_get(data, "sync_aggregate");
  st = get_hex(agg, "sync_committee_bits", out->sync_aggregate.bits, n / 8, "sync_aggregate", err);
  if (st == VC_OK)
    st = get_hex(agg, "sync_committee_signature", out->sync_aggregate.signature, 96,
                 "sync_aggregate", err);
  if (st == VC_OK) st = get_u64(data, "signature_slot", &out->signature_slot, "update", err);
  return st;
}

vc_status lc_bootstrap_from_response(lc_bootstrap *out, const json_t *resp, size_t n,
                                     vc_err *err) {
  return lc_bootstrap_from_json(out, str_at(resp, "version"), json_object_get(resp, "data"), n,
                                err);
}

vc_status lc_update_from_response(lc_update *out, lc_update_kind kind, const json_t *resp,
                                  size_t n, vc_err *err) {
  return lc_update_from_json(out, kind, str_at(resp, "version"), json_object_get(resp, "data"), n,
                             err);
}
