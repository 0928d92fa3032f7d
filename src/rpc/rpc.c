/*
 * rpc.c: JSON-RPC 2.0 request splitting and response writing (see rpc.h).
 *
 * Validation follows the JSON-RPC 2.0 spec: "jsonrpc" must be exactly "2.0", "method"
 * a string, "params" (optional) an array or object, "id" (optional) a string, number
 * or null. Unknown members are invalid. An invalid member gives -32600 for that call
 * only; in a batch the other calls go on. Duplicate members are invalid. An id over
 * VT_RPC_MAX_ID bytes is not kept (the error goes back with id null), and a method
 * name with a NUL in it is refused rather than cut short.
 */
#include "rpc/rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const vt_span null_id = {"null", 4};

enum { F_JSONRPC = 1, F_ID = 2, F_METHOD = 4, F_PARAMS = 8 };

static const struct member {
  const char *name;
  int flag;
} members[] = {
    {"jsonrpc", F_JSONRPC},
    {"id", F_ID},
    {"method", F_METHOD},
    {"params", F_PARAMS},
};

static void invalid(vt_rpc_call *c, const char *why) {
  if (!c->err_code) {
    c->err_code = VT_RPC_INVALID_REQUEST;
    c->err_msg = why;
  }
}

static const char id_too_long[] =
    "invalid request: \"id\" is longer than 1024 bytes of JSON; use a shorter id";

/* The method name: a string of 1..64 bytes once decoded, without NUL (a \u0000 would
 * cut the name short, so "eth_blockNumber\u0000admin_x" must not pass as the first). */
static void set_method(vt_rpc_call *c, vt_span val, vt_json_type vt) {
  if (vt != VT_JSON_STRING) {
    invalid(c, "invalid request: \"method\" must be a string");
    return;
  }
  long n = vt_json_str_decode(val, c->method, sizeof c->method);
  if (n <= 0 || !c->method[0]) {
    invalid(c, "invalid request: \"method\" is empty or longer than 64 bytes");
  } else if ((size_t)n != strlen(c->method)) {
    c->method[0] = 0;
    invalid(c, "invalid request: \"method\" contains a NUL character (\\u0000); method names never do");
  }
}

static void parse_call(vt_span v, vt_json_type t, unsigned depth, vt_rpc_call *c) {
  memset(c, 0, sizeof *c);
  c->id = null_id;
  if (t != VT_JSON_OBJECT) {
    c->has_id = true;
    invalid(c, "invalid request: each request must be a JSON object");
    return;
  }
  vt_json_iter it;
  vt_span key, val;
  vt_json_type vt;
  int seen = 0, r;
  vt_json_iter_begin(&it, v, depth);
  while ((r = vt_json_iter_next(&it, &key, &val, &vt)) == 1) {
    int flag = 0;
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
      if (vt_json_str_eq(key, members[i].name)) flag = members[i].flag;
    if (!flag) { invalid(c, "invalid request: unknown member (allowed: jsonrpc, id, method, params)"); continue; }
    if (seen & flag) { invalid(c, "invalid request: duplicate member"); continue; }
    seen |= flag;
    switch (flag) {
      case F_JSONRPC:
        if (vt != VT_JSON_STRING || val.n != 5 || memcmp(val.p, "\"2.0\"", 5) != 0)
          invalid(c, "invalid request: \"jsonrpc\" must be \"2.0\"");
        break;
      case F_ID:
        if (val.n > VT_RPC_MAX_ID) invalid(c, id_too_long);
        else if (vt == VT_JSON_STRING || vt == VT_JSON_NUMBER || vt == VT_JSON_NULL) c->id = val;
        else invalid(c, "invalid request: \"id\" must be a string, a number or null");
        break;
      case F_METHOD:
        set_method(c, val, vt);
        break;
      case F_PARAMS:
        if (vt == VT_JSON_ARRAY || vt == VT_JSON_OBJECT) c->params = val;
        else invalid(c, "invalid request: \"params\" must be an array or an object");
        break;
      default:
        break;
    }
  }
  c->has_id = (seen & F_ID) != 0;
  if (r < 0) invalid(c, "invalid request: malformed object");
  if (!(seen & F_JSONRPC)) invalid(c, "invalid request: missing \"jsonrpc\": \"2.0\"");
  if (!(seen & F_METHOD)) invalid(c, "invalid request: missing \"method\"");
  /* An invalid request is answered even without an id (spec: id null). */
  if (c->err_code) c->has_id = true;
}

int vt_rpc_parse(const char *body, size_t len, const vt_rpc_limits *lim, vt_rpc_msg *msg) {
  memset(msg, 0, sizeof *msg);
  vt_span v;
  vt_json_type t = vt_json_value(body, len, lim->max_depth, &v);
  if (t == VT_JSON_INVALID) {
    msg->err_code = VT_RPC_PARSE_ERROR;
    msg->err_msg = "parse error: the body is not valid JSON (or nests deeper than the limit)";
    return 0;
  }
  if (t != VT_JSON_ARRAY) {
    msg->calls = &msg->one; /* no allocation for the common case */
    msg->ncalls = 1;
    parse_call(v, t, lim->max_depth, &msg->calls[0]);
    return 0;
  }
  msg->is_batch = true;
  vt_json_iter it;
  vt_span el;
  vt_json_type et;
  size_t n = 0;
  int r;
  vt_json_iter_begin(&it, v, lim->max_depth);
  while ((r = vt_json_iter_next(&it, NULL, &el, &et)) == 1) n++;
  if (n == 0) {
    msg->err_code = VT_RPC_INVALID_REQUEST;
    msg->err_msg = "invalid request: empty batch";
    return 0;
  }
  if (n > lim->max_batch) {
    static char why[96];
    snprintf(why, sizeof why, "invalid request: batch of %zu calls is over the limit of %zu", n,
             lim->max_batch);
    msg->err_code = VT_RPC_INVALID_REQUEST;
    msg->err_msg = why;
    return 0;
  }
  msg->calls = calloc(n, sizeof *msg->calls);
  if (!msg->calls) return -1;
  vt_json_iter_begin(&it, v, lim->max_depth);
  while (msg->ncalls < n && vt_json_iter_next(&it, NULL, &el, &et) == 1)
    parse_call(el, et, lim->max_depth - 1, &msg->calls[msg->ncalls++]);
  return 0;
}

void vt_rpc_msg_free(vt_rpc_msg *msg) {
  if (msg->calls != &msg->one) free(msg->calls);
  msg->calls = NULL;
  msg->ncalls = 0;
}

/* A response is written whole or not at all: cut a failed write back to its start. */
static bool finish(vt_buf *b, size_t start) {
  if (vt_buf_ok(b)) return true;
  if (b->data && start <= b->len) {
    b->len = start;
    b->data[start] = 0;
  }
  return false;
}

static void put_head(vt_buf *b, vt_span id) {
  if (!id.n) id = null_id;
  vt_buf_puts(b, "{\"jsonrpc\":\"2.0\",\"id\":");
  vt_buf_append(b, id.p, id.n);
}

bool vt_rpc_write_result(vt_buf *b, vt_span id, const char *result, size_t n) {
  size_t start = b->len;
  put_head(b, id);
  vt_buf_puts(b, ",\"result\":");
  vt_buf_append(b, result, n);
  vt_buf_append(b, "}", 1);
  return finish(b, start);
}

bool vt_rpc_write_error(vt_buf *b, vt_span id, int code, const char *msg, const char *data_json) {
  size_t start = b->len;
  put_head(b, id);
  vt_buf_printf(b, ",\"error\":{\"code\":%d,\"message\":", code);
  vt_buf_json_str(b, msg, strlen(msg));
  if (data_json) {
    vt_buf_puts(b, ",\"data\":");
    vt_buf_puts(b, data_json);
  }
  vt_buf_puts(b, "}}");
  return finish(b, start);
}

bool vt_rpc_write_error_raw(vt_buf *b, vt_span id, const char *err, size_t n) {
  size_t start = b->len;
  put_head(b, id);
  vt_buf_puts(b, ",\"error\":");
  vt_buf_append(b, err, n);
  vt_buf_append(b, "}", 1);
  return finish(b, start);
}

static int parse_error_obj(vt_span e, unsigned depth, vt_rpc_resp *out) {
  vt_json_iter it;
  vt_span k, v;
  vt_json_type t;
  int r, have_code = 0;
  vt_json_iter_begin(&it, e, depth);
  while ((r = vt_json_iter_next(&it, &k, &v, &t)) == 1) {
    if (vt_json_str_eq(k, "code") && t == VT_JSON_NUMBER) {
      char tmp[32];
      size_t n = v.n < sizeof tmp - 1 ? v.n : sizeof tmp - 1;
      memcpy(tmp, v.p, n);
      tmp[n] = 0;
      char *end;
      out->code = strtol(tmp, &end, 10);
      have_code = (*end == 0);
    } else if (vt_json_str_eq(k, "message") && t == VT_JSON_STRING) {
      char tmp[1024];
      vt_span s = v;
      if (s.n > 1000) s.n = 1000; /* truncated messages may break an escape: fall back below */
      if (vt_json_str_decode(s, tmp, sizeof tmp) < 0) tmp[0] = 0;
      snprintf(out->message, sizeof out->message, "%s", tmp);
    }
  }
  return (r == 0 && have_code) ? 0 : -1;
}

int vt_rpc_parse_response(const char *body, size_t len, unsigned max_depth, vt_rpc_resp *out,
                          const char **why) {
  memset(out, 0, sizeof *out);
  vt_span v;
  if (vt_json_value(body, len, max_depth, &v) != VT_JSON_OBJECT) {
    *why = "not a JSON object";
    return -1;
  }
  vt_json_iter it;
  vt_span k, val;
  vt_json_type t;
  int r, have_result = 0, have_error = 0;
  vt_json_iter_begin(&it, v, max_depth);
  while ((r = vt_json_iter_next(&it, &k, &val, &t)) == 1) {
    if (vt_json_str_eq(k, "result")) { out->result = val; have_result = 1; }
    else if (vt_json_str_eq(k, "error") && t == VT_JSON_OBJECT) { out->error = val; have_error = 1; }
  }
  if (r < 0 || have_result == have_error) {
    *why = "neither a result nor an error";
    return -1;
  }
  out->is_error = have_error;
  if (have_error && parse_error_obj(out->error, max_depth, out) != 0) {
    *why = "malformed error object";
    return -1;
  }
  return 0;
}

bool vt_rpc_result_u64(vt_span r, uint64_t *out) {
  if (r.n < 5 || r.n > 20 || r.p[0] != '"' || r.p[1] != '0' || r.p[2] != 'x' || r.p[r.n - 1] != '"') return false;
  uint64_t v = 0;
  for (size_t i = 3; i < r.n - 1; i++) {
    char c = r.p[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return false;
    v = v << 4 | (uint64_t)d;
  }
  *out = v;
  return true;
}
