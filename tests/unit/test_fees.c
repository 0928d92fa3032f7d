/* test_fees.c: fees from proven data. The core: EIP-4844 fake_exponential, the blob
 * schedule per chain (Cancun, Prague/EIP-7691, Osaka, BPO1, BPO2 activation times), and
 * the blob base fee of real mainnet headers across the Prague boundary (blocks
 * 22431082..22431086 from nimbus-verified-proxy's test data; expected values computed
 * with the EIP's reference algorithm). The gateway: eth_blobBaseFee answered from the
 * anchored head header while the upstream routing asks first lies about that header's
 * excessBlobGas (charged, not believed) and about eth_blobBaseFee itself (never asked). */
#define MOCK_REPLY_MAX 8192
#include "testutil.h"

#include <jansson.h>
#include <uv.h>

#include "core/fees.h"
#include "core/header.h"
#include "mock_rpc.h"

#define NIMBUS "nimbus-verified-proxy/nimbus_verified_proxy/tests/data/"

static void test_fake_exponential(void **st) {
  (void)st;
  const struct { uint64_t f, n, d; uint64_t want; } v[] = {
      {1, 0, 3338477, 1},           {1, 0x40000, 5007716, 1},        {1, 0x3020000, 5007716, 0x5ced},
      {1, 0x3020000, 3338477, 0x37fce9}, {1, 0x7d00000, 11684671, 0x122b0}, {7, 0, 5, 7},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    unsigned __int128 out = 0;
    vc_err err = {{0}};
    assert_int_equal(vc_fake_exponential(v[i].f, v[i].n, v[i].d, &out, &err), VC_OK);
    if (out != v[i].want) fail_msg("row %zu: got %llu want %llu", i, (unsigned long long)out, (unsigned long long)v[i].want);
  }
  /* a fee past 128 bits is refused, not wrapped */
  unsigned __int128 out;
  vc_err err = {{0}};
  assert_int_equal(vc_fake_exponential(1, UINT64_MAX, 3338477, &out, &err), VC_ERR_INPUT);
  assert_non_null(strstr(err.msg, "128 bits"));
  assert_int_equal(vc_fake_exponential(1, 1, 0, &out, &err), VC_ERR_INPUT);
  char q[40];
  vc_u128_to_quantity(0, q);
  assert_string_equal(q, "0x0");
  vc_u128_to_quantity(((unsigned __int128)1 << 100) + 0xabc, q);
  assert_string_equal(q, "0x10000000000000000000000abc");
}

static void test_schedule(void **st) {
  (void)st;
  const struct { uint64_t chain, t; bool ok; uint64_t fraction; } v[] = {
      {1, 1710338134, false, 0},        {1, 1710338135, true, 3338477},  {1, 1746612310, true, 3338477},
      {1, 1746612311, true, 5007716},   {1, 1764798551, true, 5007716},  {1, 1765290071, true, 8346193},
      {1, 1767747671, true, 11684671},  {11155111, 1706655072, true, 3338477}, {11155111, 1741159776, true, 5007716},
      {11155111, 1761017184, true, 8346193}, {11155111, 1761607008, true, 11684671},
      {560048, 0, true, 3338477},       {560048, 1742999832, true, 5007716}, {560048, 1762365720, true, 8346193},
      {560048, 1762955544, true, 11684671}, {31337, 1767747671, false, 0}, {8453, 1767747671, false, 0},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    uint64_t f = 0;
    bool ok = vc_blob_update_fraction(v[i].chain, v[i].t, &f);
    if (ok != v[i].ok || (ok && f != v[i].fraction))
      fail_msg("row %zu: chain %llu t %llu: %d %llu", i, (unsigned long long)v[i].chain, (unsigned long long)v[i].t,
               ok, (unsigned long long)f);
  }
}

static json_t *load_block(const char *path) {
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  if (!j) fail_msg("%s: %s", path, je.text);
  json_t *r = json_object_get(j, "result");
  if (r) {
    json_incref(r);
    json_decref(j);
    j = r;
  }
  return j;
}

/* Real mainnet headers: the last two Cancun blocks and the first three Prague blocks. */
static void test_mainnet_headers(void **st) {
  (void)st;
  FIXTURE_OR_SKIP(dir, NIMBUS "22431084.json");
  (void)dir;
  const struct { unsigned block; const char *want; } v[] = {
      {22431082, "0x3a3ad4"}, {22431083, "0x3a3ad4"}, {22431084, "0x5ced"}, {22431085, "0x6484"}, {22431086, "0x69eb"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char rel[128], fee[40];
    snprintf(rel, sizeof rel, NIMBUS "%u.json", v[i].block);
    json_t *blk = load_block(fixture_path(rel));
    vc_header h;
    vc_err err = {{0}};
    assert_int_equal(vc_header_from_json(blk, &h, &err), VC_OK);
    assert_int_equal(vc_blob_base_fee(1, &h, fee, sizeof fee, &err), VC_OK);
    if (strcmp(fee, v[i].want) != 0) fail_msg("block %u: %s want %s", v[i].block, fee, v[i].want);
    /* another chain's schedule is not used for it */
    assert_int_equal(vc_blob_base_fee(31337, &h, fee, sizeof fee, &err), VC_ERR_MISSING);
    assert_non_null(strstr(err.msg, "no blob schedule"));
    /* a header without excessBlobGas has no blob fee */
    h.n_fields = VC_HF_EXCESS_BLOB_GAS;
    assert_int_equal(vc_blob_base_fee(1, &h, fee, sizeof fee, &err), VC_ERR_MISSING);
    assert_non_null(strstr(err.msg, "excessBlobGas"));
    json_decref(blk);
  }
}

/* The median effective tip of real mainnet blocks (full transactions; expected values
 * computed independently from the same JSON with the definition in core/fees.h). */
static void test_tip_median(void **st) {
  (void)st;
  FIXTURE_OR_SKIP(dir, NIMBUS "22431084.json");
  (void)dir;
  const struct { unsigned block; size_t ntips; uint64_t base, tip; } v[] = {
      {22431084, 95, 0x548795d3, 0x22adfe2d}, {22431085, 82, 0x50065b27, 0x23799899},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char rel[128];
    snprintf(rel, sizeof rel, NIMBUS "%u.json", v[i].block);
    json_t *blk = load_block(fixture_path(rel));
    unsigned __int128 base = 0, tip = 0;
    size_t n = 0;
    vc_err err = {{0}};
    assert_int_equal(vc_block_tip_median(blk, &base, &tip, &n, &err), VC_OK);
    assert_int_equal(n, v[i].ntips);
    assert_true(base == v[i].base);
    if (tip != v[i].tip) fail_msg("block %u: tip %llu", v[i].block, (unsigned long long)tip);
    /* hashes only: the tips cannot be read */
    json_object_set_new(blk, "transactions", json_pack("[s]", "0x00"));
    assert_int_equal(vc_block_tip_median(blk, &base, &tip, &n, &err), VC_ERR_INPUT);
    /* no transactions: no tip */
    json_object_set_new(blk, "transactions", json_array());
    assert_int_equal(vc_block_tip_median(blk, &base, &tip, &n, &err), VC_OK);
    assert_true(tip == 0 && n == 0);
    json_object_del(blk, "baseFeePerGas");
    assert_int_equal(vc_block_tip_median(blk, &base, &tip, &n, &err), VC_ERR_MISSING);
    json_decref(blk);
  }
  /* legacy tips are gasPrice - base, a price at or below the base fee pays none, a
   * 128-bit price does not wrap */
  json_t *blk = json_pack("{s:s,s:[{s:s},{s:s},{s:s,s:s},{s:s}]}", "baseFeePerGas", "0x10", "transactions",
                          "gasPrice", "0x13", "gasPrice", "0x8", "maxFeePerGas", "0x100", "maxPriorityFeePerGas", "0x6",
                          "gasPrice", "0xffffffffffffffffffffffffffffffff");
  unsigned __int128 base, tip;
  size_t n;
  vc_err err = {{0}};
  assert_int_equal(vc_block_tip_median(blk, &base, &tip, &n, &err), VC_OK);
  assert_int_equal(n, 3); /* 0x8 pays no tip */
  assert_true(tip == 6);  /* tips 3, 6, huge: the middle one */
  json_decref(blk);
}

/* ---- the gateway: eth_blobBaseFee from the anchored head --------------------------- */

typedef struct {
  char *honest; /* eth_getBlockByNumber result JSON */
  char *forged; /* the same header with 1000x the excessBlobGas, hash unchanged */
  unsigned blob_fee_asked, headers_asked;
} fee_env;

static fee_env g_fee;

static bool fee_extra(mock *m, mconn *c, const char *body) {
  bool liar = m == (mock *)m->ud;
  const char *res = NULL;
  if (strstr(body, "\"eth_chainId\"")) res = "\"0x1\"";
  else if (strstr(body, "\"eth_blobBaseFee\"")) {
    g_fee.blob_fee_asked++;
    res = liar ? "\"0x16a62a0\"" : "\"0x5ced\""; /* the liar: 1000x */
  } else if (strstr(body, "\"eth_getBlockByNumber\"")) {
    g_fee.headers_asked++;
    res = liar ? g_fee.forged : g_fee.honest;
  }
  if (!res) return false;
  size_t n = strlen(res) + 64;
  char *out = malloc(n);
  snprintf(out, n, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":%s}", res);
  mreply(c, 200, out);
  free(out);
  return true;
}

static void fee_world_up(world *w) {
  memset(w, 0, sizeof *w);
  assert_int_equal(uv_loop_init(&w->loop), 0);
  char yaml[2048];
  int n = snprintf(yaml, sizeof yaml,
                   "listen: 127.0.0.1:0\nlog: { level: error }\nchain: { id: 1, name: mainnet }\n"
                   "anchor: { mode: quorum, quorum: 2 }\nverify: true\n"
                   "pool: { timeout_ms: 1500, hedge_after_ms: 1000, head_poll_ms: 100 }\nupstreams:\n");
  for (int i = 0; i < 3; i++) {
    w->up[i].mode = UP_OK;
    w->up[i].head = "\"0x156456c\"";
    w->up[i].balance = "\"0x0\"";
    w->up[i].extra = fee_extra;
    w->up[i].ud = &w->up[0]; /* u0 is the liar */
    mock_start(&w->up[i], &w->loop);
    n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  - { name: u%d, url: \"http://127.0.0.1:%d\", weight: %d }\n", i,
                  w->up[i].port, i == 0 ? 1000 : 1);
  }
  world_start_gateway(w, yaml);
}

static void fee_fixtures(void) {
  json_t *blk = load_block(fixture_path(NIMBUS "22431084.json"));
  json_object_set_new(blk, "transactions", json_array()); /* hashes only, as asked; not in the header */
  g_fee.honest = json_dumps(blk, JSON_COMPACT);
  json_object_set_new(blk, "excessBlobGas", json_string("0xbc1a8000")); /* 1000x 0x3020000 */
  g_fee.forged = json_dumps(blk, JSON_COMPACT);
  json_decref(blk);
  assert_non_null(g_fee.honest);
  assert_non_null(g_fee.forged);
}

static void test_gateway_blob_base_fee(void **st) {
  (void)st;
  FIXTURE_OR_SKIP(dir, NIMBUS "22431084.json");
  (void)dir;
  world w;
  memset(&g_fee, 0, sizeof g_fee);
  fee_fixtures();
  fee_world_up(&w);
  run_ms(&w, 400); /* the head is agreed */
  assert_true(w.gw.pool.head_known);
  call_ms(&w, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_blobBaseFee\",\"params\":[]}", 5000);
  assert_int_equal(w.code, 200);
  if (!strstr(w.body, "\"result\":\"0x5ced\"")) fail_msg("body %s", w.body);
  /* the lie was told (the liar's header was asked and rejected) and never believed */
  assert_true(g_fee.headers_asked >= 2);
  assert_true(w.gw.pool.ups[0].lies >= 1);
  assert_int_equal(w.gw.pool.ups[1].lies + w.gw.pool.ups[2].lies, 0);
  assert_int_equal(g_fee.blob_fee_asked, 0);
  world_down(&w);
  free(g_fee.honest);
  free(g_fee.forged);
}

int main(void) {
  (void)world_up_yaml; /* the shared world is for chain 31337 with verify off; fee_world_up is ours */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fake_exponential),
      cmocka_unit_test(test_schedule),
      cmocka_unit_test(test_mainnet_headers),
      cmocka_unit_test(test_tip_median),
      cmocka_unit_test(test_gateway_blob_base_fee),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
