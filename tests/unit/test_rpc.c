/* test_rpc.c: JSON scanner, JSON-RPC request splitting, response writers, method table. */
#include "testutil.h"
#include "rpc/json_scan.h"
#include "rpc/methods.h"
#include "rpc/rpc.h"

static const vt_rpc_limits lim = {.max_batch = 100, .max_depth = 16};

static vt_json_type val(const char *s) { return vt_json_value(s, strlen(s), 16, NULL); }

static void test_scanner_accepts(void **st) {
  (void)st;
  const char *ok[] = {"0", "-0", "1.5e10", "-12.0E-3", "\"\"", "\"a\\u00e9\\ud83d\\ude00\"",
                      "true", "false", "null", "[]", "{}", " [1, {\"a\":[null]}] ",
                      "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "123456789012345678901234567890"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) assert_int_not_equal(val(ok[i]), VT_JSON_INVALID);
}

static void test_scanner_rejects(void **st) {
  (void)st;
  const char *bad[] = {"", "01", "+1", "1.", ".5", "1e", "NaN", "tru", "[1,]", "{\"a\"}", "{\"a\":1,}",
                       "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"a", "[", "1 2", "\"\x01\"",
                       "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf5\x80\x80\x80\"", "{1:2}", "'a'"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (val(bad[i]) != VT_JSON_INVALID) fail_msg("accepted invalid JSON #%zu: %s", i, bad[i]);
  }
}

static void test_scanner_depth(void **st) {
  (void)st;
  char deep[64];
  memset(deep, '[', 20);
  memset(deep + 20, ']', 20);
  deep[40] = 0;
  assert_int_equal(vt_json_value(deep, 40, 16, NULL), VT_JSON_INVALID);
  assert_int_equal(vt_json_value(deep, 40, 20, NULL), VT_JSON_ARRAY);
}

static void test_str_decode(void **st) {
  (void)st;
  char out[32];
  const char *raw = "\"m\\u0065th\\nod\"";
  vt_span s = vt_span_of(raw, strlen(raw));
  assert_int_equal(vt_json_str_decode(s, out, sizeof out), 7);
  assert_string_equal(out, "meth\nod");
  assert_true(vt_json_str_eq(vt_span_of("m\\u0065thod", 11), "method"));
  assert_false(vt_json_str_eq(vt_span_of("methods", 7), "method"));
}

static void parse(const char *body, vt_rpc_msg *m) {
  assert_int_equal(vt_rpc_parse(body, strlen(body), &lim, m), 0);
}

static void test_single_and_ids(void **st) {
  (void)st;
  vt_rpc_msg m;
  parse("{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,\"method\":\"eth_chainId\"}", &m);
  assert_false(m.is_batch);
  assert_int_equal(m.ncalls, 1);
  assert_int_equal(m.calls[0].err_code, 0);
  assert_string_equal(m.calls[0].method, "eth_chainId");
  assert_int_equal(m.calls[0].id.n, 30);
  assert_memory_equal(m.calls[0].id.p, "123456789012345678901234567890", 30);
  assert_ptr_equal(m.calls, &m.one); /* a single call costs no allocation */
  vt_buf b;
  vt_buf_init(&b, 1024);
  vt_rpc_write_result(&b, m.calls[0].id, "\"0x1\"", 5);
  assert_string_equal(b.data, "{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,\"result\":\"0x1\"}");
  vt_buf_free(&b);
  vt_rpc_msg_free(&m);

  parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"}]", &m); /* a batch of one is a batch */
  assert_true(m.is_batch);
  assert_int_equal(m.ncalls, 1);
  assert_ptr_not_equal(m.calls, &m.one);
  assert_string_equal(m.calls[0].method, "eth_chainId");
  vt_rpc_msg_free(&m);
  assert_null(m.calls);
  vt_rpc_msg_free(&m); /* twice is harmless */

  parse("{\"id\":\"a\\\"b\",\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":[1]}", &m);
  assert_memory_equal(m.calls[0].id.p, "\"a\\\"b\"", 6);
  assert_memory_equal(m.calls[0].params.p, "[1]", 3);
  vt_rpc_msg_free(&m);
}

static void test_notification_and_invalid(void **st) {
  (void)st;
  vt_rpc_msg m;
  parse("{\"jsonrpc\":\"2.0\",\"method\":\"eth_chainId\"}", &m);
  assert_false(m.calls[0].has_id);
  vt_rpc_msg_free(&m);
  const char *invalid[] = {
      "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":5}",
      "{\"jsonrpc\":\"2.0\",\"id\":1}",
      "{\"id\":1,\"method\":\"x\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"extra\":1}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"x\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}",
      "5",
  };
  for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
    parse(invalid[i], &m);
    if (m.calls[0].err_code != VT_RPC_INVALID_REQUEST) fail_msg("accepted invalid request %s", invalid[i]);
    assert_true(m.calls[0].has_id);
    vt_rpc_msg_free(&m);
  }
}

static void test_batch(void **st) {
  (void)st;
  vt_rpc_msg m;
  parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\"},5,{\"jsonrpc\":\"2.0\",\"method\":\"b\"}]", &m);
  assert_true(m.is_batch);
  assert_int_equal(m.ncalls, 3);
  assert_int_equal(m.calls[0].err_code, 0);
  assert_int_equal(m.calls[1].err_code, VT_RPC_INVALID_REQUEST);
  assert_false(m.calls[2].has_id);
  vt_rpc_msg_free(&m);
  parse("[]", &m);
  assert_int_equal(m.err_code, VT_RPC_INVALID_REQUEST);
  vt_rpc_msg_free(&m);
  parse("{\"jsonrpc\":", &m);
  assert_int_equal(m.err_code, VT_RPC_PARSE_ERROR);
  vt_rpc_msg_free(&m);
  char big[4096] = "[";
  for (int i = 0; i < 101; i++) strcat(big, i ? ",1" : "1");
  strcat(big, "]");
  parse(big, &m);
  assert_int_equal(m.err_code, VT_RPC_INVALID_REQUEST);
  assert_non_null(strstr(m.err_msg, "101"));
  vt_rpc_msg_free(&m);
}

/* A JSON request whose id is a string of idlen bytes of 'x' (idlen + 2 bytes of JSON). */
static char *req_with_id(size_t idlen) {
  char *s = malloc(idlen + 128);
  assert_non_null(s);
  int n = sprintf(s, "{\"jsonrpc\":\"2.0\",\"method\":\"eth_chainId\",\"id\":\"");
  memset(s + n, 'x', idlen);
  strcpy(s + n + idlen, "\"}");
  return s;
}

/* Ids at and past VT_RPC_MAX_ID and the old 64 KiB response cut (65,494 characters). */
static void test_long_ids(void **st) {
  (void)st;
  static const struct { size_t idlen; bool ok; } rows[] = {
      {VT_RPC_MAX_ID - 2, true}, {VT_RPC_MAX_ID - 1, false}, {4096, false},
      {65493, false}, {65494, false}, {65536, false}, {1u << 20, false},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char *s = req_with_id(rows[i].idlen);
    vt_rpc_msg m;
    parse(s, &m);
    assert_int_equal(m.ncalls, 1);
    if (rows[i].ok) {
      assert_int_equal(m.calls[0].err_code, 0);
      assert_int_equal(m.calls[0].id.n, rows[i].idlen + 2);
    } else {
      if (m.calls[0].err_code != VT_RPC_INVALID_REQUEST) fail_msg("id of %zu accepted", rows[i].idlen);
      assert_non_null(strstr(m.calls[0].err_msg, "longer than 1024"));
      assert_int_equal(m.calls[0].id.n, 4); /* answered with id null */
      assert_memory_equal(m.calls[0].id.p, "null", 4);
      assert_true(m.calls[0].has_id);
    }
    vt_rpc_msg_free(&m);
    free(s);
  }
}

/* In a batch, a call with an over-long id gets its own error; its neighbours are whole. */
static void test_long_id_in_batch(void **st) {
  (void)st;
  char *one = req_with_id(70000);
  char *s = malloc(strlen(one) + 256);
  sprintf(s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\"},%s,{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"b\"}]", one);
  vt_rpc_msg m;
  parse(s, &m);
  assert_int_equal(m.ncalls, 3);
  assert_int_equal(m.calls[0].err_code, 0);
  assert_int_equal(m.calls[1].err_code, VT_RPC_INVALID_REQUEST);
  assert_int_equal(m.calls[2].err_code, 0);
  assert_memory_equal(m.calls[2].id.p, "3", 1);
  vt_rpc_msg_free(&m);
  free(s);
  free(one);
}

/* A write that passes the buffer's cap leaves nothing half-written behind. */
static void test_writers_all_or_nothing(void **st) {
  (void)st;
  char id[300];
  memset(id, 'i', sizeof id);
  id[0] = id[sizeof id - 1] = '"';
  vt_buf b;
  vt_buf_init(&b, 256);
  assert_true(vt_rpc_write_result(&b, vt_span_of("1", 1), "true", 4));
  size_t len = b.len;
  assert_false(vt_rpc_write_result(&b, vt_span_of(id, sizeof id), "true", 4));
  assert_int_equal(b.len, len);
  assert_false(vt_buf_ok(&b));
  assert_string_equal(b.data, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
  vt_buf_reset(&b);
  assert_false(vt_rpc_write_error(&b, vt_span_of(id, sizeof id), -32600, "x", NULL));
  assert_int_equal(b.len, 0);
  vt_buf_reset(&b);
  assert_false(vt_rpc_write_error_raw(&b, vt_span_of(id, sizeof id), "{}", 2));
  assert_int_equal(b.len, 0);
  vt_buf_free(&b);
}

/* "eth_blockNumber\u0000admin_nodeInfo" is not eth_blockNumber; invalid UTF-8 in an
 * id makes the whole body a parse error (the id is never echoed). */
static void test_nul_method_and_bad_utf8_id(void **st) {
  (void)st;
  vt_rpc_msg m;
  parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\\u0000admin_nodeInfo\"}", &m);
  assert_int_equal(m.calls[0].err_code, VT_RPC_INVALID_REQUEST);
  assert_non_null(strstr(m.calls[0].err_msg, "NUL"));
  assert_string_equal(m.calls[0].method, "");
  vt_rpc_msg_free(&m);
  parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\\u0000\"}", &m);
  assert_int_equal(m.calls[0].err_code, VT_RPC_INVALID_REQUEST);
  vt_rpc_msg_free(&m);
  parse("{\"jsonrpc\":\"2.0\",\"id\":\"\xff\xfe\",\"method\":\"eth_chainId\"}", &m);
  assert_int_equal(m.err_code, VT_RPC_PARSE_ERROR);
  vt_rpc_msg_free(&m);
  parse("[{\"jsonrpc\":\"2.0\",\"id\":\"\xc0\xaf\",\"method\":\"eth_chainId\"}]", &m);
  assert_int_equal(m.err_code, VT_RPC_PARSE_ERROR);
  vt_rpc_msg_free(&m);
}

static void test_error_writer_escapes(void **st) {
  (void)st;
  vt_buf b;
  vt_buf_init(&b, 1024);
  vt_rpc_write_error(&b, vt_span_of(NULL, 0), -32602, "bad \"x\"\n", "{\"k\":1}");
  assert_string_equal(b.data, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32602,\"message\":\"bad \\\"x\\\"\\n\",\"data\":{\"k\":1}}}");
  assert_int_not_equal(val(b.data), VT_JSON_INVALID);
  vt_buf_free(&b);
  vt_buf_init(&b, 10);
  assert_false(vt_rpc_write_result(&b, vt_span_of("1", 1), "\"0x123456789\"", 13));
  vt_buf_free(&b);
}

static void test_parse_response(void **st) {
  (void)st;
  vt_rpc_resp r;
  const char *why;
  const char *ok = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"a\":[1,2]}}";
  assert_int_equal(vt_rpc_parse_response(ok, strlen(ok), 16, &r, &why), 0);
  assert_false(r.is_error);
  assert_memory_equal(r.result.p, "{\"a\":[1,2]}", 11);
  const char *er = "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32000,\"message\":\"header not found\"}}";
  assert_int_equal(vt_rpc_parse_response(er, strlen(er), 16, &r, &why), 0);
  assert_true(r.is_error);
  assert_int_equal(r.code, -32000);
  assert_string_equal(r.message, "header not found");
  const char *bad[] = {"<html>", "{\"id\":1}", "{\"result\":1,\"error\":{\"code\":1}}", "{\"error\":{\"message\":\"x\"}}"};
  for (size_t i = 0; i < 4; i++) assert_int_equal(vt_rpc_parse_response(bad[i], strlen(bad[i]), 16, &r, &why), -1);
}

static void test_result_u64(void **st) {
  (void)st;
  uint64_t v = 0;
  assert_true(vt_rpc_result_u64(vt_span_of("\"0x1a\"", 6), &v));
  assert_int_equal(v, 26);
  assert_true(vt_rpc_result_u64(vt_span_of("\"0xffffffffffffffff\"", 20), &v));
  assert_true(v == UINT64_MAX);
  const char *bad[] = {"\"0x\"", "\"1a\"", "26", "\"0x1g\"", "\"0x10000000000000000\"", "null"};
  for (size_t i = 0; i < 6; i++) assert_false(vt_rpc_result_u64(vt_span_of(bad[i], strlen(bad[i])), &v));
}

static void test_method_table(void **st) {
  (void)st;
  for (size_t i = 1; i < vt_method_count(); i++)
    assert_true(strcmp(vt_method_at(i - 1)->name, vt_method_at(i)->name) < 0);
  assert_int_equal(vt_method_find("eth_getBalance")->kind, VT_M_READ);
  assert_int_equal(vt_method_find("eth_getBalance")->block_idx, 1);
  assert_int_equal(vt_method_find("admin_peers")->kind, VT_M_DENY);
  assert_int_equal(vt_method_find("debug_traceTransaction")->kind, VT_M_DENY);
  assert_null(vt_method_find("foo_bar"));
  assert_int_equal(vt_method_find("eth_sendRawTransaction")->kind, VT_M_WRITE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scanner_accepts),  cmocka_unit_test(test_scanner_rejects),
      cmocka_unit_test(test_scanner_depth),    cmocka_unit_test(test_str_decode),
      cmocka_unit_test(test_single_and_ids),   cmocka_unit_test(test_notification_and_invalid),
      cmocka_unit_test(test_batch),            cmocka_unit_test(test_error_writer_escapes),
      cmocka_unit_test(test_parse_response),   cmocka_unit_test(test_method_table),
      cmocka_unit_test(test_result_u64),       cmocka_unit_test(test_long_ids),
      cmocka_unit_test(test_long_id_in_batch), cmocka_unit_test(test_writers_all_or_nothing),
      cmocka_unit_test(test_nul_method_and_bad_utf8_id),
  };
  return cmocka_run_group_tests_name("rpc", tests, NULL, NULL);
}
