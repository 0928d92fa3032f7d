/*
 * fuzz_rpc.c: arbitrary bytes as a client's JSON-RPC body and as an upstream reply.
 *
 * Checks beyond "no crash": every call's id span lies inside the input; a valid
 * message's response, written with the writers, is itself valid JSON; params that
 * the scanner accepted are planned (validated and pinned) without crashing, and a
 * rewritten params text is valid JSON.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/params.h"
#include "rpc/json_scan.h"
#include "rpc/methods.h"
#include "rpc/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
