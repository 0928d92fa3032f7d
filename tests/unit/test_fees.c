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
#include "corefix.h"

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

#define HIVE_CHAIN 3503995874084926ull

static unsigned __int128 qty_of(const vc_qty *q) {
  unsigned __int128 v = 0;
  for (unsigned i = 0; i < q->len; i++) v = (v << 8) | q->be[i];
  return v;
}

/* eth_feeHistory's next base fee and blob fees against the hive chain (execution-apis
 * chain.rlp, blocks 1..54, London at 27, Cancun..BPO2 at t=420..540): for every block
 * the value computed from its header is the next block's real one. */
static void test_fee_history_hive_chain(void **st) {
  (void)st;
  vc_header *hs = NULL;
  size_t n = cf_chain_headers(&hs);
  if (n == 0) {
    free(hs);
    skip();
  }
  unsigned base_checked = 0, blob_checked = 0, blob_used = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    unsigned __int128 next = vc_next_base_fee(HIVE_CHAIN, &hs[i]);
    unsigned __int128 real = vc_header_has(&hs[i + 1], VC_HF_BASE_FEE) ? qty_of(&hs[i + 1].base_fee) : 0;
    if (next != real)
      fail_msg("block %llu: next base fee %llu, block %llu has %llu", (unsigned long long)hs[i].number,
               (unsigned long long)next, (unsigned long long)hs[i + 1].number, (unsigned long long)real);
    base_checked++;
    if (!vc_header_has(&hs[i], VC_HF_EXCESS_BLOB_GAS)) continue;
    vc_blob_params a, b;
    assert_true(vc_blob_params_at(HIVE_CHAIN, hs[i].timestamp, &a));
    assert_true(vc_blob_params_at(HIVE_CHAIN, hs[i + 1].timestamp, &b));
    if (a.fraction != b.fraction || a.target != b.target) continue; /* a fork boundary: geth uses the parent's */
    vc_blob_fees f, g;
    vc_err err = {{0}};
    assert_int_equal(vc_blob_fees_of(HIVE_CHAIN, &hs[i], &f, &err), VC_OK);
    assert_int_equal(vc_blob_fees_of(HIVE_CHAIN, &hs[i + 1], &g, &err), VC_OK);
    if (f.next_fee != g.fee)
      fail_msg("block %llu: next blob fee %llu, block %llu has %llu", (unsigned long long)hs[i].number,
               (unsigned long long)f.next_fee, (unsigned long long)hs[i + 1].number, (unsigned long long)g.fee);
    assert_true(f.used_ratio >= 0 && f.used_ratio <= 1);
    blob_checked++;
    if (hs[i].blob_gas_used) blob_used++;
  }
  print_message("fee history: %u next base fees, %u next blob fees (%u blocks with blobs) checked\n", base_checked,
                blob_checked, blob_used);
  assert_true(base_checked >= 50);
  assert_true(blob_checked >= 8);
  assert_true(blob_used >= 3);
  free(hs);
}

/* The execution-apis eth_feeHistory pair (block 0x1b, the London block): base fee, next
 * base fee, gasUsedRatio printed as geth prints it, zero blob fields before Cancun. */
static void test_fee_history_fixture(void **st) {
  (void)st;
  FIXTURE_OR_SKIP(p, "execution-apis/tests/eth_feeHistory/fee-history.io");
  (void)p;
  json_t *blk = cf_io_result("execution-apis/tests/eth_getBlockByNumber/get-block-london-fork.io");
  json_t *want = cf_io_result("execution-apis/tests/eth_feeHistory/fee-history.io");
  assert_non_null(blk);
  assert_non_null(want);
  vc_header h;
  vc_err err = {{0}};
  assert_int_equal(vc_header_from_json(blk, &h, &err), VC_OK);
  char q[40], r[40];
  vc_u128_to_quantity(qty_of(&h.base_fee), q);
  assert_string_equal(q, json_string_value(json_array_get(json_object_get(want, "baseFeePerGas"), 0)));
  vc_u128_to_quantity(vc_next_base_fee(HIVE_CHAIN, &h), q);
  assert_string_equal(q, json_string_value(json_array_get(json_object_get(want, "baseFeePerGas"), 1)));
  vc_fmt_ratio((double)h.gas_used / (double)h.gas_limit, r, sizeof r);
  assert_string_equal(r, "0.00072868"); /* the fixture's text */
  assert_true(json_real_value(json_array_get(json_object_get(want, "gasUsedRatio"), 0)) == strtod(r, NULL));
  vc_blob_fees f;
  assert_int_equal(vc_blob_fees_of(HIVE_CHAIN, &h, &f, &err), VC_OK);
  assert_true(f.fee == 0 && f.next_fee == 0 && f.used_ratio == 0);
  json_decref(blk);
  json_decref(want);
}

static void test_fmt_ratio(void **st) {
  (void)st;
  const struct { double x; const char *want; } v[] = {
      {0, "0"}, {0.5, "0.5"}, {1, "1"}, {0.1, "0.1"}, {1.0 / 3, "0.3333333333333333"}, {1e-7, "1e-7"},
      {1.5e-7, "1.5e-7"}, {0.000001, "0.000001"}, {0.0021, "0.0021"}, {123.25, "123.25"}, {1e21, "1e+21"},
      {2.5e20, "250000000000000000000"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char out[40];
    vc_fmt_ratio(v[i].x, out, sizeof out);
    if (strcmp(out, v[i].want)) fail_msg("%.17g: got %s want %s", v[i].x, out, v[i].want);
  }
}

static void test_percentiles(void **st) {
  (void)st;
  double p[VC_FEE_MAX_PERCENTILES];
  size_t n;
  vc_err err = {{0}};
  const char *bad[] = {"[50,10]", "[10,10]", "[-1]", "[100.5]", "[\"10\"]", "{}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_t *a = json_loads(bad[i], 0, NULL);
    if (vc_fee_percentiles(a, p, &n, &err) == VC_OK) fail_msg("%s accepted", bad[i]);
    assert_non_null(strstr(err.msg, "invalid reward percentile"));
    json_decref(a);
  }
  json_t *many = json_array();
  for (int i = 0; i <= (int)VC_FEE_MAX_PERCENTILES; i++) json_array_append_new(many, json_real(i * 0.5));
  assert_int_not_equal(vc_fee_percentiles(many, p, &n, &err), VC_OK);
  json_decref(many);
  json_t *ok = json_loads("[0, 25.5, 100]", 0, NULL);
  assert_int_equal(vc_fee_percentiles(ok, p, &n, &err), VC_OK);
  assert_int_equal(n, 3);
  assert_true(p[1] == 25.5);
  json_decref(ok);
  assert_int_equal(vc_fee_percentiles(NULL, p, &n, &err), VC_OK);
  assert_int_equal(n, 0);
}

/* geth's reward rows: tips sorted, weighted by the receipts' gasUsed; legacy tips at the
 * base fee, a deposit and a fee cap at the base fee pay 0; an empty block is zeros. */
static void test_rewards(void **st) {
  (void)st;
  /* base 10; gasUsed 100 = 10 + 20 + 30 + 40 */
  json_t *blk = json_loads(
      "{\"baseFeePerGas\":\"0xa\",\"gasUsed\":\"0x64\",\"transactions\":["
      "{\"maxFeePerGas\":\"0x64\",\"maxPriorityFeePerGas\":\"0x5\"},"        /* tip 5, gas 10 */
      "{\"gasPrice\":\"0xd\"},"                                             /* tip 3, gas 20 */
      "{\"maxFeePerGas\":\"0xc\",\"maxPriorityFeePerGas\":\"0x9\"},"        /* tip 2 (cap), gas 30 */
      "{\"type\":\"0x7e\",\"gasPrice\":\"0x0\"}]}",                         /* deposit: 0, gas 40 */
      0, NULL);
  json_t *rc = json_loads("[{\"gasUsed\":\"0xa\"},{\"gasUsed\":\"0x14\"},{\"gasUsed\":\"0x1e\"},{\"gasUsed\":\"0x28\"}]", 0, NULL);
  /* sorted: 0 (40), 2 (30), 3 (20), 5 (10): running 40, 70, 90, 100 */
  const double pct[] = {0, 40, 41, 70, 71, 90, 95, 100};
  const unsigned want[] = {0, 0, 2, 2, 3, 3, 5, 5};
  unsigned __int128 out[8];
  vc_err err = {{0}};
  assert_int_equal(vc_fee_rewards(blk, rc, pct, 8, out, &err), VC_OK);
  for (int i = 0; i < 8; i++)
    if (out[i] != want[i]) fail_msg("p%.0f: got %u want %u", pct[i], (unsigned)out[i], want[i]);
  /* receipts that do not match the transactions */
  json_array_remove(rc, 3);
  assert_int_not_equal(vc_fee_rewards(blk, rc, pct, 8, out, &err), VC_OK);
  json_decref(blk);
  json_decref(rc);
  json_t *empty = json_loads("{\"baseFeePerGas\":\"0xa\",\"gasUsed\":\"0x0\",\"transactions\":[]}", 0, NULL);
  out[0] = 7;
  assert_int_equal(vc_fee_rewards(empty, NULL, pct, 1, out, &err), VC_OK);
  assert_true(out[0] == 0);
  json_decref(empty);
}

/* A devnet (no blob schedule): exact only while no blob gas is used or in excess. */
static void test_blob_fees_without_schedule(void **st) {
  (void)st;
  vc_header h;
  memset(&h, 0, sizeof h);
  h.n_fields = VC_HF_EXCESS_BLOB_GAS + 1;
  vc_blob_fees f;
  vc_err err = {{0}};
  assert_int_equal(vc_blob_fees_of(31337, &h, &f, &err), VC_OK);
  assert_true(f.fee == 1 && f.next_fee == 1 && f.used_ratio == 0);
  h.blob_gas_used = 131072;
  assert_int_equal(vc_blob_fees_of(31337, &h, &f, &err), VC_ERR_MISSING);
  assert_non_null(strstr(err.msg, "no blob schedule"));
}

int main(void) {
  (void)world_up_yaml; /* the shared world is for chain 31337 with verify off; fee_world_up is ours */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fake_exponential),
      cmocka_unit_test(test_schedule),
      cmocka_unit_test(test_mainnet_headers),
      cmocka_unit_test(test_tip_median),
      cmocka_unit_test(test_fee_history_hive_chain),
      cmocka_unit_test(test_fee_history_fixture),
      cmocka_unit_test(test_fmt_ratio),
      cmocka_unit_test(test_percentiles),
      cmocka_unit_test(test_rewards),
      cmocka_unit_test(test_blob_fees_without_schedule),
      cmocka_unit_test(test_gateway_blob_base_fee),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
