/* test_harden.c: what a hostile client can no longer do to verity, against mock
 * upstreams in this process (mock_rpc.h) with verification on: blocks past the head
 * and unknown block/transaction hashes that every upstream rightly answers with null
 * are answered null and cost no upstream any health; error texts an upstream sends
 * back reach the client with every configured secret replaced by ***. Loopback only. */
#include "testutil.h"

#include <uv.h>

#include "config/config.h"
#include "gateway/gateway.h"
#include "net/fetch.h"
#include "mock_rpc.h"
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
  char err[512];
  vt_config_defaults(&w->cfg);
  if (vt_config_load_string(&w->cfg, yaml, strlen(yaml), err, sizeof err) != 0) fail_msg("config: %s", err);
  vt_log_init(VT_LOG_ERROR, false, stderr);
  assert_int_equal(vt_gateway_start(&w->gw, &w->loop, &w->cfg, err, sizeof err), 0);
  snprintf(w->url, sizeof w->url, "http://127.0.0.1:%d/", vt_http_server_port(w->gw.http));
  w->client = vt_fetcher_new(&w->loop, NULL);
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
      cmocka_unit_test(test_redact_secrets),
      cmocka_unit_test(test_config_collects_secrets),
      cmocka_unit_test(test_url_cap_message),
      cmocka_unit_test(test_upstream_error_texts_are_redacted),
  };
  return cmocka_run_group_tests_name("harden", tests, NULL, NULL);
}
