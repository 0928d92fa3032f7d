/*
 * json_scan.h: a validating JSON scanner that does not build a tree.
 *
 * The hot path of a gateway moves JSON it does not need to understand: a client's
 * id goes back byte for byte, an upstream's result goes to the client unchanged.
 * This scanner checks that text is valid JSON (RFC 8259, UTF-8, with a depth cap)
 * and hands out spans (pointer + length into the caller's buffer) for the parts a
 * caller asks for. Nothing is allocated; spans live as long as the input buffer.
 * Values that must be understood (params, results to verify) go to jansson.
 */
#ifndef VT_JSON_SCAN_H
#define VT_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *p;
  size_t n;
} vt_span;

typedef enum {
  VT_JSON_INVALID = 0,
  VT_JSON_OBJECT,
  VT_JSON_ARRAY,
  VT_JSON_STRING,
  VT_JSON_NUMBER,
  VT_JSON_TRUE,
  VT_JSON_FALSE,
  VT_JSON_NULL,
} vt_json_type;

typedef struct {
  const char *p, *end;
  unsigned depth_left;
  bool first;
  bool is_object;
} vt_json_iter;

/* Skip white space. */
const char *vt_json_ws(const char *p, const char *end);

/* Validate the value at *p (leading white space allowed) and move *p past it.
 * depth_cap bounds nesting (1 = scalars and empty containers only... see .c). */
vt_json_type vt_json_skip(const char **p, const char *end, unsigned depth_cap);

/* Validate that [p, p+n) is exactly one JSON value (white space around allowed);
 * on success *out is the value's span without the surrounding white space. */
vt_json_type vt_json_value(const char *p, size_t n, unsigned depth_cap, vt_span *out);

/* Iterate an object or array span (already validated by vt_json_value/skip).
 * next returns 1 with the member, 0 at the end, -1 on malformed input.
 * For arrays, key is set to {NULL, 0}. String keys are the raw bytes between
 * the quotes (escapes not decoded: use vt_json_str_eq). */
bool vt_json_iter_begin(vt_json_iter *it, vt_span container, unsigned depth_cap);
int vt_json_iter_next(vt_json_iter *it, vt_span *key, vt_span *val, vt_json_type *type);

/* Decode a JSON string span (with or without its quotes) into out (NUL-terminated).
 * Returns the decoded length, or -1 if it does not fit or is malformed. */
long vt_json_str_decode(vt_span s, char *out, size_t cap);

/* Does the raw string key (between quotes, may hold escapes) equal lit? */
bool vt_json_str_eq(vt_span raw, const char *lit);

static inline vt_span vt_span_of(const char *p, size_t n) {
  vt_span s = {p, n};
  return s;
}

#endif
