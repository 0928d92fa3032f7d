/*
 * fuzz_rpc.c: arbitrary bytes as a client's JSON-RPC body and as an upstream reply.
 *
 * Checks beyond "no crash": every call's id span lies inside the input; a valid
 * message's response, written with the writers, is itself valid JSON; params that
 * the scanner accepted are planned (validated and pinned) without crashing, and a
 * rewritten params text is valid JSON; whatever the params fast path takes, the full
 * (jansson) check takes too, with the same plan and the same bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/params.h"
#include "rpc/json_scan.h"
#include "rpc/methods.h"
#include "rpc/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Differential: the fast path against the full check, with and without a head. */
static void fast_matches_full(const vt_method *m, const char *method, vt_span params) {
  for (int known = 0; known < 2; known++) {
    vt_plan f, s;
    int frc = vt_plan_params_fast(m, params, 0x3039, known, &f);
    if (frc == 1) {
      if (vt_plan_params_full(m, method, params, 0x3039, known, &s) != 0) abort();
      if (s.err_code || f.kind != s.kind || f.number != s.number || f.pinned_latest != s.pinned_latest) abort();
      if (!f.params != !s.params) abort();
      if (s.params && (f.params_len != s.params_len || memcmp(f.params, s.params, s.params_len) != 0)) abort();
      vt_plan_free(&s);
    } else if (frc == 0 && (f.params || f.kind || f.pinned_latest)) {
      abort(); /* a fallback leaves nothing behind */
    }
    vt_plan_free(&f);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *body = (const char *)data;
  vt_rpc_limits lim = {.max_batch = 64, .max_depth = 32};
  vt_rpc_msg msg;
  if (vt_rpc_parse(body, size, &lim, &msg) != 0) return 0;
  vt_buf b;
  vt_buf_init(&b, 1 << 20);
  for (size_t i = 0; i < msg.ncalls; i++) {
    vt_rpc_call *c = &msg.calls[i];
    bool inside = c->id.p >= body && c->id.p + c->id.n <= body + size;
    bool null_id = c->id.n == 4 && memcmp(c->id.p, "null", 4) == 0;
    if (c->id.n && !inside && !null_id) abort();
    vt_buf_reset(&b);
    if (c->err_code) vt_rpc_write_error(&b, c->id, c->err_code, c->err_msg, NULL);
    else vt_rpc_write_result(&b, c->id, "\"0x1\"", 5);
    if (vt_buf_ok(&b) && vt_json_value(b.data, b.len, 64, NULL) == VT_JSON_INVALID) abort();
    if (!c->err_code) {
      const vt_method *m = vt_method_find(c->method);
      if (m) {
        vt_plan p;
        if (vt_plan_params(m, c->method, c->params, 12345, true, &p) == 0 && p.params &&
            vt_json_value(p.params, p.params_len, 64, NULL) == VT_JSON_INVALID)
          abort();
        vt_plan_free(&p);
        fast_matches_full(m, c->method, c->params);
      }
    }
  }
  vt_buf_free(&b);
  vt_rpc_msg_free(&msg);
  vt_rpc_resp r;
  const char *why;
  (void)vt_rpc_parse_response(body, size, 32, &r, &why);
  return 0;
}
