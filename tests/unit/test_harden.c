/* test_harden.c: what a hostile client can no longer do to verity, against mock
 * upstreams in this process (mock_rpc.h) with verification on: blocks past the head
 * and unknown block/transaction hashes that every upstream rightly answers with null
 * are answered null and cost no upstream any health; error texts an upstream sends
 * back reach the client with every configured secret replaced by ***. Loopback only. */
#include "testutil.h"

#include <uv.h>

#include "cli/check.h"
#include "config/config.h"
#include "gateway/gateway.h"
#include "net/fetch.h"
#include "mock_rpc.h"
#include "util/counts.h"
#include "util/redact.h"

#define HASH "0x00000000000000000000000000000000000000000000000000000000000000ab"

static uint64_t failures_of(const vt_upstream *u) {
  uint64_t n = u->lies;
  for (int k = 0; k < VT_FAIL_KINDS; k++) n += u->failures[k];
  return n;
}

/* Agreed absence is an answer: null, and no upstream is charged for saying so. */
static void test_agreed_absence_is_null_and_free(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up_yaml(&w, modes, heads, bal, 2, 300, "verify: true\n", NULL);
  run_ms(&w, 300);
  static const char *const asks[] = {
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_getBlockByNumber\",\"params\":[\"0x%x\",false]}",
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_getBlockByHash\",\"params\":[\"0x%064x\",false]}",
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_getTransactionByHash\",\"params\":[\"0x%064x\"]}",
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_getTransactionReceipt\",\"params\":[\"0x%064x\"]}",
  };
  uint64_t before[3];
  for (int i = 0; i < 3; i++) before[i] = failures_of(&w.gw.pool.ups[i]);
  for (int round = 0; round < 10; round++) {
    for (size_t k = 0; k < sizeof asks / sizeof asks[0]; k++) {
      char body[256];
      snprintf(body, sizeof body, asks[k], 0x1000 + round * 7 + (int)k);
      call_ms(&w, body, 5000);
      assert_int_equal(w.code, 200);
      if (!strstr(w.body, "\"result\":null")) fail_msg("%s -> %s", body, w.body);
    }
  }
  for (int i = 0; i < 3; i++) {
    assert_int_equal(failures_of(&w.gw.pool.ups[i]), before[i]);
    assert_int_equal(w.gw.pool.ups[i].consecutive_failures, 0);
  }
  world_down(&w);
}

/* An answer over limits.max_response is what the client asked for, not the upstream's
 * fault: -32002 naming the limit, and no upstream loses health. */
static bool huge_answer(mock *m, mconn *c, const char *body) {
  (void)m;
  if (!strstr(body, "\"eth_gasPrice\"")) return false;
  size_t n = 100 * 1024;
  char *big = malloc(n + 64);
  int k = sprintf(big, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x");
  memset(big + k, 'a', n);
  strcpy(big + k + n, "\"}");
  mreply(c, 200, big);
  free(big);
  return true;
}

static void test_too_large_answer_is_not_charged(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up_yaml(&w, modes, heads, bal, 1, 300, "limits: { max_response: 64KiB }\n", NULL);
  run_ms(&w, 300);
  for (int i = 0; i < 3; i++) w.up[i].extra = huge_answer;
  uint64_t before[3];
  for (int i = 0; i < 3; i++) before[i] = failures_of(&w.gw.pool.ups[i]);
  for (int r = 0; r < 5; r++) {
    call_ms(&w, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_gasPrice\",\"params\":[]}", 5000);
    if (!strstr(w.body, "-32002") || !strstr(w.body, "limits.max_response")) fail_msg("%s", w.body);
  }
  for (int i = 0; i < 3; i++) {
    assert_int_equal(failures_of(&w.gw.pool.ups[i]), before[i]);
    assert_string_equal(vt_breaker_name(w.gw.pool.ups[i].breaker), "closed");
  }
  world_down(&w);
}

/* ---- config keys of the server's limits ----------------------------------------- */

static int load(const char *more, char *err, size_t n, vt_config *c) {
  char yaml[1024];
  snprintf(yaml, sizeof yaml, "chain: { id: 5, name: devnet }\nanchor: { mode: quorum, quorum: 1 }\n"
                              "upstreams: [{ name: a, url: \"http://127.0.0.1:1\" }]\n%s", more);
  vt_config_defaults(c);
  return vt_config_load_string(c, yaml, strlen(yaml), err, n);
}

static void test_limit_keys(void **st) {
  (void)st;
  static const struct { const char *yaml, *err; } bad[] = {
      {"limits: { max_connections: 8, reserved_connections: 8 }\n", "limits.reserved_connections: 8: expected fewer than"},
      {"limits: { busy_idle_ms: 5ms }\n", "limits.busy_idle_ms: 5: expected 0"},
      {"limits: { max_connections_per_client: -1 }\n", "limits.max_connections_per_client"},
      {"limits: { max_inflight_per_client: abc }\n", "limits.max_inflight_per_client"},
      {"limits: { max_subscriptions_per_client: 0 }\n", "limits.max_subscriptions_per_client"},
      {"cors_origin: \"https://app.example/path\"\n", "cors_origin"},
      {"cors_origin: \"evil\"\n", "expected \"*\" or one origin"},
      {"cors_all_paths: maybe\n", "cors_all_paths"},
  };
  vt_config c;
  char err[512];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = 0;
    if (load(bad[i].yaml, err, sizeof err, &c) == 0) fail_msg("accepted: %s", bad[i].yaml);
    if (!strstr(err, bad[i].err)) fail_msg("%s -> %s", bad[i].yaml, err);
    vt_config_free(&c);
  }
  assert_int_equal(load("limits: { max_connections: 100, max_connections_per_client: 10, reserved_connections: 4, "
                        "busy_idle_ms: 2s, max_inflight_per_client: 0, max_subscriptions_per_client: 5 }\n"
                        "cors_origin: \"https://app.example:8443\"\ncors_all_paths: true\n", err, sizeof err, &c), 0);
  assert_int_equal(c.max_connections_per_client, 10);
  assert_int_equal(c.reserved_connections, 4);
  assert_int_equal(c.busy_idle_ms, 2000);
  assert_int_equal(c.max_inflight_per_client, 0);
  assert_int_equal(c.max_subscriptions_per_client, 5);
  assert_string_equal(c.cors_origin, "https://app.example:8443");
  assert_true(c.cors_all_paths);
  vt_config_free(&c);
  assert_int_equal(load("", err, sizeof err, &c), 0);
  assert_int_equal(c.max_inflight_per_client, 1000);
  assert_int_equal(c.max_subscriptions_per_client, 1000);
  assert_null(c.cors_origin);
  assert_false(c.cors_all_paths);
  vt_config_free(&c);
}

static void test_counts_and_peer_addr(void **st) {
  (void)st;
  vt_counts *t = vt_counts_new();
  assert_true(vt_counts_take(t, "10.0.0.1", 2, 3));
  assert_false(vt_counts_take(t, "10.0.0.1", 2, 3));
  assert_true(vt_counts_take(t, "10.0.0.2", 3, 3));
  assert_int_equal(vt_counts_keys(t), 2);
  vt_counts_give(t, "10.0.0.1", 2);
  vt_counts_give(t, "10.0.0.2", 9);
  assert_int_equal(vt_counts_keys(t), 0);
  assert_true(vt_counts_take(t, "x", 5, 0)); /* 0: no limit */
  vt_counts_free(t);
  char a[VT_COUNTS_MAX_KEY];
  vt_peer_addr("127.0.0.2:51234", a);
  assert_string_equal(a, "127.0.0.2");
  vt_peer_addr("[::1]:8545", a);
  assert_string_equal(a, "::1");
  vt_peer_addr("::1", a);
  assert_string_equal(a, "::1");
}

/* ---- verity check's table ------------------------------------------------------ */

/* Display column where the cell that starts with `mark` begins on line `line`. */
static size_t column_of(const char *text, int line, const char *mark) {
  const char *p = text;
  for (int i = 0; i < line; i++) p = strchr(p, '\n') + 1;
  const char *m = strstr(p, mark);
  assert_non_null(m);
  size_t w = 0;
  for (const char *q = p; q < m; q++) w += ((unsigned char)*q & 0xC0) != 0x80;
  return w;
}

static void test_check_table_aligns(void **st) {
  (void)st;
  const char *cells[] = {
      "UPSTREAM", "URL", "CHAIN", "STATUS",
      "a-very-long-upstream-name-of-forty-chars", "https://mainnet.infura.io/\xe2\x80\xa6", "C1", "ok",
      "b", "http://127.0.0.1:8545", "C2", "DOWN: connection refused",
      "c", "https://x.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "C3", "ok",
  };
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  vt_check_table(f, cells, 4, 4);
  fclose(f);
  size_t c0 = column_of(buf, 0, "CHAIN");
  assert_int_equal(column_of(buf, 1, "C1"), c0);
  assert_int_equal(column_of(buf, 2, "C2"), c0);
  assert_int_equal(column_of(buf, 3, "C3"), c0);
  assert_non_null(strstr(buf, "a-very-long-upstream-name-of-forty-chars")); /* never cut at 16 */
  assert_non_null(strstr(buf, "\xe2\x80\xa6  ")); /* the long url is cut with … */
  free(buf);
}

/* ---- per-client limits above the transport ------------------------------------ */

/* limits.max_inflight_per_client: 2 and three calls waiting on hung upstreams: the
 * third is refused at once with -32005 naming the key; when the two are answered the
 * client's count is back to zero (no entry left). */
static void test_inflight_per_client(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up_yaml(&w, modes, heads, bal, 1, 300, "limits: { max_inflight_per_client: 2 }\n", NULL);
  run_ms(&w, 300);
  for (int i = 0; i < 3; i++) w.up[i].mode = UP_HANG;
  const char *batch =
      "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_gasPrice\",\"params\":[]},"
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_gasPrice\",\"params\":[]},"
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"eth_gasPrice\",\"params\":[]},"
      "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"eth_chainId\",\"params\":[]}]";
  call_ms(&w, batch, 5000);
  assert_int_equal(w.code, 200);
  const char *lim = strstr(w.body, "limits.max_inflight_per_client");
  if (!lim) fail_msg("no per-client limit error: %s", w.body);
  assert_null(strstr(lim + 1, "limits.max_inflight_per_client")); /* exactly one refused */
  assert_non_null(strstr(w.body, "\"id\":3,\"error\":{\"code\":-32005"));
  assert_non_null(strstr(w.body, "\"result\":\"0x7a69\"")); /* local answers are not counted */
  assert_int_equal(vt_counts_keys(w.gw.inflight), 0);
  size_t n;
  char *m = vt_metrics_text(&w.gw, &n);
  assert_non_null(strstr(m, "verity_client_limited_total{limit=\"inflight\"} 1"));
  assert_non_null(strstr(m, "verity_http_connections_refused_total 0"));
  free(m);
  world_down(&w);
}

/* ---- secrets never reach a client ---------------------------------------------- */

#define KEY "k3yFromEnv0123456789abcdef"

static void test_redact_secrets(void **st) {
  (void)st;
  const char *const sec[] = {"abcd", "abcdef", "", NULL, "zz99"};
  vt_buf b;
  vt_buf_init(&b, 256);
  assert_true(vt_redact_secrets(sec, 5, "x abcdefg abcd zz99zz99 abc", 27, &b));
  assert_string_equal(b.data, "x ***g *** ****** abc");
  vt_buf_reset(&b);
  assert_true(vt_redact_secrets(sec, 0, "abcd", 4, &b));
  assert_string_equal(b.data, "abcd");
  vt_buf_free(&b);
}

/* The config collects what is secret: ${ENV} values, userinfo, query values, key-like
 * path segments, header values that used ${ENV}; a plain url keeps nothing. */
static void test_config_collects_secrets(void **st) {
  (void)st;
  setenv("VT_TEST_KEY", KEY, 1);
  setenv("VT_TEST_TOKEN", "Bearer t0ken-from-env", 1);
  const char *yaml =
      "chain: { id: 31337, name: devnet }\nanchor: { mode: quorum, quorum: 1 }\nupstreams:\n"
      "  - { name: a, url: \"https://node.example/v3/${VT_TEST_KEY}\", headers: { Authorization: \"${VT_TEST_TOKEN}\" } }\n"
      "  - { name: b, url: \"https://user:pa55word@node.example/rpc?apikey=qu3rykey&x=1\" }\n"
      "  - { name: c, url: \"https://node.example/v2/AbCdEf0123456789xyz\" }\n"
      "  - { name: d, url: \"http://127.0.0.1:8545/\" }\n";
  vt_config c;
  char err[512];
  vt_config_defaults(&c);
  if (vt_config_load_string(&c, yaml, strlen(yaml), err, sizeof err) != 0) fail_msg("%s", err);
  const char *want[4][3] = {{KEY, "Bearer t0ken-from-env", NULL},
                            {"user:pa55word", "pa55word", "qu3rykey"},
                            {"AbCdEf0123456789xyz", NULL, NULL},
                            {NULL, NULL, NULL}};
  size_t wantn[4] = {2, 3, 1, 0};
  for (int i = 0; i < 4; i++) {
    const vt_upstream_cfg *u = &c.upstreams[i];
    assert_int_equal(u->nsecrets, wantn[i]);
    for (size_t k = 0; k < wantn[i]; k++) {
      bool found = false;
      for (size_t j = 0; j < u->nsecrets; j++) found |= strcmp(u->secrets[j], want[i][k]) == 0;
      if (!found) fail_msg("upstream %s: %s is not kept as a secret", u->name, want[i][k]);
    }
  }
  vt_config_free(&c);
}

/* The url cap is 2048 bytes and the message says so (it said 2049 for a 2049-byte url). */
static void test_url_cap_message(void **st) {
  (void)st;
  for (size_t len = 2048; len <= 2049; len++) {
    char *yaml = malloc(len + 256);
    char *url = malloc(len + 1);
    memset(url, 'a', len);
    memcpy(url, "http://h/", 9);
    url[len] = 0;
    snprintf(yaml, len + 256, "chain: { id: 5, name: devnet }\nanchor: { mode: quorum, quorum: 1 }\nupstreams:\n"
                              "  - { name: a, url: \"%s\" }\n", url);
    vt_config c;
    char err[512] = "";
    vt_config_defaults(&c);
    int rc = vt_config_load_string(&c, yaml, strlen(yaml), err, sizeof err);
    if (len == 2048) assert_int_equal(rc, 0);
    else {
      assert_int_not_equal(rc, 0);
      if (!strstr(err, "longer than 2048 bytes")) fail_msg("%s", err);
    }
    vt_config_free(&c);
    free(yaml);
    free(url);
  }
}

/* An upstream that echoes its url (with the key from ${ENV}) in its errors. */
static bool echo_key(mock *m, mconn *c, const char *body) {
  (void)m;
  if (strstr(body, "\"eth_call\"")) {
    mreply(c, 200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":3,\"message\":\"execution reverted at "
                   "https://node/v3/" KEY "\",\"data\":\"/v3/" KEY "\"}}");
    return true;
  }
  if (strstr(body, "\"eth_gasPrice\"")) {
    mreply(c, 200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,\"message\":\"rate limit for key "
                   KEY "\"}}");
    return true;
  }
  return false;
}

static void test_upstream_error_texts_are_redacted(void **st) {
  (void)st;
  world *w = calloc(1, sizeof *w);
  setenv("VT_TEST_KEY", KEY, 1);
  assert_int_equal(uv_loop_init(&w->loop), 0);
  char yaml[2048];
  int n = snprintf(yaml, sizeof yaml,
                   "listen: 127.0.0.1:0\nlog: { level: error }\nchain: { id: 31337, name: devnet }\n"
                   "anchor: { mode: quorum, quorum: 1 }\nverify: false\n"
                   "pool: { timeout_ms: 1500, head_poll_ms: 100 }\nupstreams:\n");
  for (int i = 0; i < 3; i++) {
    w->up[i].head = "\"0x10\"";
    w->up[i].balance = "\"0x5\"";
    w->up[i].extra = echo_key;
    mock_start(&w->up[i], &w->loop);
    n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  - { name: u%d, url: \"http://127.0.0.1:%d/v3/${VT_TEST_KEY}\" }\n",
                  i, w->up[i].port);
  }
  world_start_gateway(w, yaml);
  run_ms(w, 300);
  /* a deterministic error is the answer: relayed, with the key replaced */
  call_ms(w, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{\"to\":\"0x00000000000000000000000000000000000000aa\"},\"latest\"]}", 5000);
  if (strstr(w->body, KEY) || !strstr(w->body, "/v3/***")) fail_msg("eth_call: %s", w->body);
  assert_non_null(strstr(w->body, "\"code\":3"));
  /* retryable errors from every upstream: the -32002 data names each, key replaced */
  call_ms(w, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_gasPrice\",\"params\":[]}", 5000);
  if (strstr(w->body, KEY) || !strstr(w->body, "rate limit for key ***")) fail_msg("eth_gasPrice: %s", w->body);
  assert_non_null(strstr(w->body, "-32002"));
  for (int i = 0; i < 3; i++)
    if (strstr(w->gw.pool.ups[i].last_error, KEY)) fail_msg("last_error: %s", w->gw.pool.ups[i].last_error);
  size_t sl;
  char *status = vt_status_json(&w->gw, &sl);
  assert_non_null(status);
  assert_null(strstr(status, KEY));
  free(status);
  world_down(w);
  free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_agreed_absence_is_null_and_free),
      cmocka_unit_test(test_too_large_answer_is_not_charged),
      cmocka_unit_test(test_limit_keys),
      cmocka_unit_test(test_counts_and_peer_addr),
      cmocka_unit_test(test_inflight_per_client),
      cmocka_unit_test(test_check_table_aligns),
      cmocka_unit_test(test_redact_secrets),
      cmocka_unit_test(test_config_collects_secrets),
      cmocka_unit_test(test_url_cap_message),
      cmocka_unit_test(test_upstream_error_texts_are_redacted),
  };
  return cmocka_run_group_tests_name("harden", tests, NULL, NULL);
}
