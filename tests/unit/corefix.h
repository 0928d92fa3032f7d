/*
 * corefix.h: fixture helpers shared by the header/tx/receipt/block/trie unit tests.
 *
 * Loads JSON fixtures from ../shared/fixtures (NULL when absent: callers use
 * FIXTURE_OR_SKIP first), pulls the "result" out of an execution-apis .io file (the
 * "<< " response line), and tampers with hex strings in place for must-fail tests.
 * Everything returned is owned by the caller (json_decref / free).
 */
#ifndef VERITY_COREFIX_H
#define VERITY_COREFIX_H

#include "testutil.h"

#include <jansson.h>

#include "core/header.h"

static inline json_t *cf_load(const char *rel) {
  const char *p = fixture_path(rel);
  if (!p) return NULL;
  json_error_t je;
  json_t *j = json_load_file(p, JSON_DECODE_ANY, &je);
  if (!j) fail_msg("%s: %s (line %d)", rel, je.text, je.line);
  return j;
}

/* The unwrapped "result" of a JSON-RPC response file, or the file itself. */
static inline json_t *cf_load_result(const char *rel) {
  json_t *j = cf_load(rel);
  if (j && json_is_object(j) && json_object_get(j, "result") && json_object_get(j, "jsonrpc")) {
    json_t *r = json_incref(json_object_get(j, "result"));
    json_decref(j);
    return r;
  }
  return j;
}

/* The "result" of the response ("<< " line) in an execution-apis .io file; NULL if it
 * has none (error responses). */
static inline json_t *cf_io_result(const char *rel) {
  const char *p = fixture_path(rel);
  if (!p) return NULL;
  char *txt = read_file(p, NULL);
  assert_non_null(txt);
  json_t *res = NULL;
  for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, "<< ", 3) != 0) continue;
    json_error_t je;
    json_t *j = json_loads(line + 3, 0, &je);
    if (!j) fail_msg("%s: %s", rel, je.text);
    json_t *r = json_object_get(j, "result");
    if (r) res = json_incref(r);
    json_decref(j);
    break;
  }
  free(txt);
  return res;
}

/* Replace the last hex digit of obj[key] with a different one (keeps QUANTITY canonical
 * unless the value is a single digit, where 0 <-> 1). */
static inline void cf_flip_hex(json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  assert_non_null(s);
  char *c = strdup(s);
  size_t n = strlen(c);
  c[n - 1] = c[n - 1] == '0' ? '1' : '0';
  json_object_set_new(obj, key, json_string(c));
  free(c);
}

/* Hex (with 0x) -> malloc'd bytes. */
static inline uint8_t *cf_unhex(const char *s, size_t *len) {
  size_t n = strlen(s);
  uint8_t *out = malloc(n / 2 + 1);
  assert_non_null(out);
  long l = test_unhex(s, out, n / 2 + 1);
  assert_true(l >= 0);
  *len = (size_t)l;
  return out;
}

/* The headers of execution-apis chain.rlp (blocks 1..54), malloc'd; 0 if absent. */
static inline size_t cf_chain_headers(vc_header **out) {
  const char *p = fixture_path("execution-apis/tests/chain.rlp");
  *out = NULL;
  if (!p) return 0;
  size_t len = 0, n = 0;
  uint8_t *buf = (uint8_t *)read_file(p, &len);
  assert_non_null(buf);
  vc_header *hs = calloc(64, sizeof *hs);
  assert_non_null(hs);
  vc_bytes cur = vc_bytes_of(buf, len);
  vc_err err;
  while (cur.len && n < 64) {
    vc_rlp_item blk, hdr;
    assert_int_equal(vc_rlp_next(&cur, &blk, &err), VC_OK);
    vc_bytes inner = blk.payload;
    assert_int_equal(vc_rlp_next(&inner, &hdr, &err), VC_OK);
    assert_int_equal(vc_header_from_rlp(hdr.raw, &hs[n], &err), VC_OK);
    n++;
  }
  free(buf);
  *out = hs;
  return n;
}

/* The chain.rlp header with this hash, or NULL. */
static inline const vc_header *cf_find_header(const vc_header *hs, size_t n, const uint8_t h[32]) {
  for (size_t i = 0; i < n; i++)
    if (memcmp(hs[i].hash, h, 32) == 0) return &hs[i];
  return NULL;
}

#endif
