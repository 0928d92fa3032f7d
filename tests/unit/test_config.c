/* test_config.c: YAML configuration: the DESIGN.md example, presets, every key's bad
 * values (the message names key, value, expectation and line:column), unknown and
 * duplicate keys, ${ENV} interpolation and secrecy, sizes and durations, listen
 * forms, cross-field rules, method lookup, the dump (redacted and re-loadable). */
#include "testutil.h"
#include "config/config.h"
#include "config/presets.h"

#include <fcntl.h>
#include <unistd.h>

#define SECRET "s3cr3tKEY0123456789abcdefSECRET"
#define TOKEN "tok-VERY-private-77"

static int load(vt_config *c, const char *yaml, char *err, size_t n) {
  return vt_config_load_string(c, yaml, strlen(yaml), err, n);
}

/* Load must fail and the message must contain every non-NULL needle. */
static void expect_error(const char *yaml, const char *n1, const char *n2, const char *n3) {
  vt_config c;
  char err[512];
  vt_config_defaults(&c);
  int rc = load(&c, yaml, err, sizeof err);
  if (rc == 0) fail_msg("accepted:\n%s", yaml);
  const char *needles[] = {n1, n2, n3};
  for (size_t i = 0; i < 3; i++)
    if (needles[i] && !strstr(err, needles[i])) fail_msg("error \"%s\" lacks \"%s\" for:\n%s", err, needles[i], yaml);
  /* a failed load leaves the config as it was: the mainnet defaults */
  assert_int_equal(c.chain_id, 1);
  assert_int_equal(c.listen_port, 8545);
  vt_config_free(&c);
}

static void test_defaults_are_mainnet(void **st) {
  (void)st;
  vt_config c;
  char err[256];
  vt_config_defaults(&c);
  assert_int_equal(c.chain_id, 1);
  assert_string_equal(c.chain_name, "mainnet");
  assert_string_equal(c.listen_host, "127.0.0.1");
  assert_int_equal(c.listen_port, 8545);
  assert_int_equal(c.log_level, VT_LOG_INFO);
  assert_false(c.log_json);
  assert_int_equal(c.anchor_mode, VT_ANCHOR_AUTO); /* the light client when synced, else quorum */
  assert_int_equal(c.quorum, 2);
  assert_true(c.nupstreams >= 5);
  assert_true(c.nbeacon >= 3);
  assert_int_equal(c.max_body, 5u << 20);
  assert_int_equal(c.cache_memory, 256u << 20);
  assert_int_equal(c.timeout_ms, 10000);
  assert_null(c.cache_path);
  assert_int_equal(vt_config_validate(&c, err, sizeof err), 0);
  /* an empty file is the defaults too */
  assert_int_equal(load(&c, "", err, sizeof err), 0);
  assert_int_equal(c.chain_id, 1);
  assert_int_equal(load(&c, "# only a comment\n", err, sizeof err), 0);
  vt_config_free(&c);
}

/* anchor.mode auto: parsed, named, checked like quorum (k at most the upstreams), and
 * an all-zero checkpoint is refused as in mode lightclient. */
static void test_anchor_auto(void **st) {
  (void)st;
  vt_config c;
  char err[512];
  vt_config_defaults(&c);
  if (load(&c, "chain: {name: sepolia}\nanchor: {mode: AUTO, quorum: 3}\n", err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(c.anchor_mode, VT_ANCHOR_AUTO);
  assert_string_equal(vt_anchor_mode_name(c.anchor_mode), "auto");
  assert_int_equal(c.quorum, 3);
  assert_true(c.nbeacon >= 3);
  assert_int_equal(c.history_walk, 8192);
  if (load(&c, "anchor: {mode: lightclient, history_walk: 0}\n", err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(c.history_walk, 0);
  vt_config_free(&c);
  expect_error("anchor: {mode: auto, checkpoint: '0x0000000000000000000000000000000000000000000000000000000000000000'}\n",
               "anchor.checkpoint", "all zero", NULL);
  expect_error("chain: {id: 5, name: x}\nanchor: {mode: auto, quorum: 2}\nupstreams:\n  - {name: a, url: 'http://127.0.0.1:1'}\n",
               "anchor.quorum", "mode auto", NULL);
  expect_error("anchor: {mode: automatic}\n", "anchor.mode", "auto", NULL);
  expect_error("anchor: {history_walk: 2000000}\n", "anchor.history_walk", NULL, NULL);
}

static void test_design_example(void **st) {
  (void)st;
  const char *yaml =
      "listen: 127.0.0.1:8545          # HTTP and WebSocket\n"
      "chain:\n"
      "  id: 1\n"
      "  name: mainnet\n"
      "anchor:\n"
      "  mode: lightclient\n"
      "  checkpoint: \"0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95\"\n"
      "  beacon: [https://a.example.org, https://b.example.org]\n"
      "  max_staleness: 0\n"
      "  quorum: 2\n"
      "upstreams:\n"
      "  - name: infura\n"
      "    url: https://mainnet.infura.io/v3/${VT_TEST_INFURA_KEY}\n"
      "    ws: wss://mainnet.infura.io/ws/v3/${VT_TEST_INFURA_KEY}\n"
      "    weight: 1\n"
      "  - name: own-node\n"
      "    url: http://127.0.0.1:8546\n"
      "    trusted: true\n"
      "cache:\n"
      "  memory: 256MiB\n"
      "  path: ./verity-data\n"
      "  redis: redis://127.0.0.1:6379\n";
  setenv("VT_TEST_INFURA_KEY", SECRET, 1);
  vt_config c;
  char err[512], dump[16384];
  vt_config_defaults(&c);
  if (load(&c, yaml, err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(c.anchor_mode, VT_ANCHOR_LIGHTCLIENT);
  assert_int_equal(c.nbeacon, 2);
  assert_int_equal(c.nupstreams, 2);
  assert_string_equal(c.upstreams[0].url, "https://mainnet.infura.io/v3/" SECRET);
  assert_string_equal(c.upstreams[0].display_url, "https://mainnet.infura.io/…");
  assert_string_equal(c.upstreams[1].display_url, "http://127.0.0.1:8546");
  assert_string_equal(c.upstreams[0].ws, "wss://mainnet.infura.io/ws/v3/" SECRET);
  assert_string_equal(c.upstreams[0].display_ws, "wss://mainnet.infura.io/…");
  assert_null(c.upstreams[1].ws);
  assert_true(c.upstreams[1].trusted);
  assert_int_equal(c.cache_memory, 256u << 20);
  assert_string_equal(c.cache_path, "./verity-data");
  assert_string_equal(c.redis_url, "redis://127.0.0.1:6379");
  int n = vt_config_dump(&c, dump, sizeof dump);
  assert_true(n > 0);
  assert_null(strstr(dump, SECRET));
  assert_non_null(strstr(dump, "mode: lightclient"));
  assert_non_null(strstr(dump, "https://mainnet.infura.io/…"));
  assert_non_null(strstr(dump, "ws: \"wss://mainnet.infura.io/…\""));
  /* a dump that does not fit says so */
  assert_int_equal(vt_config_dump(&c, dump, 10), -1);
  assert_int_equal(strlen(dump), 9);
  vt_config_free(&c);
  unsetenv("VT_TEST_INFURA_KEY");
}

/* The last two labels of a URL's host ("chainsafe.io" of https://lodestar-mainnet.chainsafe.io). */
static void beacon_operator(const char *url, char *out, size_t cap) {
  const char *h = strstr(url, "://");
  h = h ? h + 3 : url;
  size_t len = strcspn(h, "/:");
  size_t dots = 0, at = 0;
  for (size_t k = len; k > 0; k--)
    if (h[k - 1] == '.' && ++dots == 2) { at = k; break; }
  snprintf(out, cap, "%.*s", (int)(len - at), h + at);
}

static void test_presets(void **st) {
  (void)st;
  const struct {
    const char *name;
    uint64_t id;
    size_t min_beacon;
    vc_chain_kind kind;
    unsigned poll;
    vt_anchor_mode mode;
  } want[] = {
      {"mainnet", 1, 3, VC_CHAIN_ETHEREUM, 2000, VT_ANCHOR_AUTO},
      {"sepolia", 11155111, 3, VC_CHAIN_ETHEREUM, 2000, VT_ANCHOR_AUTO},
      {"hoodi", 560048, 3, VC_CHAIN_ETHEREUM, 2000, VT_ANCHOR_AUTO},
      {"base", 8453, 0, VC_CHAIN_OP_STACK, 1000, VT_ANCHOR_QUORUM},
      {"base-sepolia", 84532, 0, VC_CHAIN_OP_STACK, 1000, VT_ANCHOR_QUORUM}};
  assert_int_equal(vt_preset_count(), 5);
  for (size_t i = 0; i < 5; i++) {
    vt_config c;
    char err[256], yaml[128];
    vt_config_defaults(&c);
    assert_int_equal(vt_config_apply_preset(&c, want[i].name, err, sizeof err), 0);
    assert_int_equal(c.chain_id, want[i].id);
    assert_int_equal(vt_config_validate(&c, err, sizeof err), 0);
    snprintf(yaml, sizeof yaml, "chain:\n  name: %s\n", want[i].name);
    if (load(&c, yaml, err, sizeof err)) fail_msg("%s: %s", want[i].name, err);
    assert_int_equal(c.chain_id, want[i].id);
    assert_int_equal(c.chain_kind, want[i].kind);
    assert_int_equal(c.head_poll_ms, want[i].poll); /* Base: a block every 2 s */
    assert_true(c.nupstreams >= 5);
    assert_true(c.nbeacon >= want[i].min_beacon);
    assert_int_equal(c.anchor_mode, want[i].mode);
    /* op-stack presets post outputs to their L1: its upstreams, chain id and factory */
    assert_int_equal(vt_config_l1_on(&c), want[i].kind == VC_CHAIN_OP_STACK);
    if (want[i].kind == VC_CHAIN_OP_STACK) {
      assert_true(c.nbeacon >= 3); /* its L1's beacon endpoints: the L1 anchor's light client */
      assert_int_equal(c.l1_chain_id, want[i].id == 8453 ? 1 : 11155111);
      assert_true(c.nl1_upstreams >= 5);
      assert_int_equal(c.l1_quorum, 2);
      assert_string_equal(c.l1_factory, want[i].id == 8453 ? "0x43edB88C4B80fDD2AdFF2412A7BebF9dF42cB40e"
                                                           : "0xd6E6dBf4F7EA0ac412fD8b65ED297e64BB7a06E1");
    } else {
      assert_int_equal(c.nl1_upstreams, 0);
      assert_null(c.l1_factory);
    }
    for (size_t u = 0; u < c.nbeacon; u++)
      for (size_t v = 0; v < u; v++) {
        /* beacon endpoints from different operators: no two share a registered domain */
        char da[64], db[64];
        beacon_operator(c.beacon[u], da, sizeof da);
        beacon_operator(c.beacon[v], db, sizeof db);
        if (strcmp(da, db) == 0) fail_msg("%s: %s and %s are one operator", want[i].name, c.beacon[u], c.beacon[v]);
      }
    for (size_t u = 0; u < c.nupstreams; u++) {
      assert_int_equal(strncmp(c.upstreams[u].url, "https://", 8), 0);
      assert_string_equal(c.upstreams[u].url, c.upstreams[u].display_url);  /* keyless: nothing to hide */
      for (size_t v = 0; v < u; v++) {
        /* different operators: no two upstreams share a host */
        const char *a = c.upstreams[u].url + 8, *b = c.upstreams[v].url + 8;
        size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
        assert_false(la == lb && memcmp(a, b, la) == 0);
      }
    }
    /* the preset by chain id alone */
    snprintf(yaml, sizeof yaml, "chain:\n  id: %llu\n", (unsigned long long)want[i].id);
    if (load(&c, yaml, err, sizeof err)) fail_msg("%s: %s", want[i].name, err);
    assert_string_equal(c.chain_name, want[i].name);
    vt_config_free(&c);
  }
  vt_config c;
  char err[256];
  vt_config_defaults(&c);
  /* fields changed by hand are range-checked by validate */
  c.timeout_ms = 5;
  assert_int_equal(vt_config_validate(&c, err, sizeof err), -1);
  assert_non_null(strstr(err, "pool.timeout_ms: 5: expected 100 to 600000"));
  c.timeout_ms = 10000;
  c.max_body = 0;
  assert_int_equal(vt_config_validate(&c, err, sizeof err), -1);
  assert_non_null(strstr(err, "limits.max_body"));
  c.max_body = 1024;
  c.listen_port = 70000;
  assert_int_equal(vt_config_validate(&c, err, sizeof err), -1);
  assert_non_null(strstr(err, "listen"));
  c.listen_port = 1;
  assert_int_equal(vt_config_validate(&c, err, sizeof err), 0);
  assert_int_equal(vt_config_apply_preset(&c, "goerli", err, sizeof err), -1);
  assert_non_null(strstr(err, "goerli"));
  vt_config_free(&c);
}

/* chain.kind: from the preset, or given for a chain without one; a bad value named. */
static void test_chain_kind(void **st) {
  (void)st;
  vt_config c;
  char err[256];
  vt_config_defaults(&c);
  assert_int_equal(c.chain_kind, VC_CHAIN_ETHEREUM);
  const char *y = "chain: { id: 901, name: my-op, kind: op-stack }\n"
                  "upstreams:\n  - { name: a, url: \"http://127.0.0.1:1\" }\n";
  if (load(&c, y, err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(c.chain_kind, VC_CHAIN_OP_STACK);
  static char dump[1 << 16];
  assert_true(vt_config_dump(&c, dump, sizeof dump) >= 0);
  assert_non_null(strstr(dump, "kind: op-stack"));
  /* a custom chain is Ethereum-kind unless it says otherwise */
  if (load(&c, "chain: { id: 902, name: other }\nupstreams:\n  - { name: a, url: \"http://127.0.0.1:1\" }\n", err,
           sizeof err))
    fail_msg("%s", err);
  assert_int_equal(c.chain_kind, VC_CHAIN_ETHEREUM);
  assert_int_equal(load(&c, "chain: { name: base, kind: optimism }\n", err, sizeof err), -1);
  assert_non_null(strstr(err, "chain.kind"));
  assert_non_null(strstr(err, "op-stack"));
  vt_config_free(&c);
}

/* Each key with a bad value: the message names the key, the value and "expected". */
static void test_bad_values(void **st) {
  (void)st;
  static const struct { const char *yaml, *key, *value; } cases[] = {
      {"listen: 127.0.0.1:99999\n", "listen", "127.0.0.1:99999"},
      {"listen: example.com:80\n", "listen", "example.com:80"},
      {"log:\n  level: verbose\n", "log.level", "verbose"},
      {"log:\n  format: xml\n", "log.format", "xml"},
      {"chain:\n  id: abc\n  name: mainnet\n", "chain.id", "abc"},
      {"chain:\n  id: 0\n  name: mainnet\n", "chain.id", "\"0\""},
      {"chain:\n  name: \"has space\"\n  id: 5\n", "chain.name", "has space"},
      {"anchor:\n  mode: magic\n", "anchor.mode", "magic"},
      {"anchor:\n  quorum: 0\n", "anchor.quorum", "\"0\""},
      {"anchor:\n  quorum: many\n", "anchor.quorum", "many"},
      {"anchor:\n  checkpoint: 0x1234\n", "anchor.checkpoint", "0x1234"},
      {"anchor:\n  beacon: [ftp://x.org]\n", "anchor.beacon[0]", "ftp://x.org"},
      {"anchor:\n  max_staleness: soon\n", "anchor.max_staleness", "soon"},
      {"pool:\n  timeout_ms: abc\n", "pool.timeout_ms", "abc"},
      {"pool:\n  timeout_ms: 5\n", "pool.timeout_ms", "\"5\""},
      {"pool:\n  connect_timeout_ms: -1\n", "pool.connect_timeout_ms", "-1"},
      {"pool:\n  hedge_after_ms: 1.5\n", "pool.hedge_after_ms", "1.5"},
      {"pool:\n  max_retries: 11\n", "pool.max_retries", "11"},
      {"pool:\n  breaker:\n    failures: 0\n", "pool.breaker.failures", "\"0\""},
      {"pool:\n  breaker:\n    open_ms: x\n", "pool.breaker.open_ms", "\"x\""},
      {"pool:\n  head_poll_ms: 10\n", "pool.head_poll_ms", "\"10\""},
      {"pool:\n  head_lag_blocks: 0\n", "pool.head_lag_blocks", "\"0\""},
      {"pool:\n  max_inflight: lots\n", "pool.max_inflight", "lots"},
      {"limits:\n  max_body: 1.5GiB\n", "limits.max_body", "1.5GiB"},
      {"limits:\n  max_body: 1TiB\n", "limits.max_body", "1TiB"},
      {"limits:\n  max_batch: 0\n", "limits.max_batch", "\"0\""},
      {"limits:\n  max_header_bytes: 10\n", "limits.max_header_bytes", "\"10\""},
      {"limits:\n  max_response: 5 MiB\n", "limits.max_response", "5 MiB"},
      {"limits:\n  max_ws_message: 1mib\n", "limits.max_ws_message", "1mib"},
      {"limits:\n  max_connections: 0\n", "limits.max_connections", "\"0\""},
      {"limits:\n  max_json_depth: 99999\n", "limits.max_json_depth", "99999"},
      {"cors_origin: \"a\\nb\"\n", "cors_origin", "a\\x0ab"},
      {"cache:\n  memory: 18446744073709551616\n", "cache.memory", "18446744073709551616"},
      {"cache:\n  memory: 17179869184GiB\n", "cache.memory", "17179869184GiB"},
      {"cache:\n  redis: http://x\n", "cache.redis", "http://x"},
      {"degraded:\n  stale: maybe\n", "degraded.stale", "maybe"},
      {"upstreams:\n  - name: a\n    url: ftp://x.org\n", "upstreams[0].url", "ftp://x.org"},
      {"upstreams:\n  - name: \"a b\"\n    url: https://x.org\n", "upstreams[0].name", "a b"},
      {"upstreams:\n  - name: a\n    url: https://x.org\n    ws: https://x.org\n", "upstreams[0].ws", "https://x.org"},
      {"upstreams:\n  - name: a\n    url: https://x.org\n    ws: ws://\n", "upstreams[0].ws", "ws://"},
      {"upstreams:\n  - name: a\n    url: https://x.org\n    ws: \"ws://x.org/a b\"\n", "upstreams[0].ws", "ws://x.org/…"},
      {"upstreams:\n  - name: a\n    url: https://x.org\n    weight: 0\n", "upstreams[0].weight", "\"0\""},
      {"upstreams:\n  - name: a\n    url: https://x.org\n    weight: 1001\n", "upstreams[0].weight", "1001"},
      {"upstreams:\n  - name: a\n    url: https://x.org\n    trusted: 2\n", "upstreams[0].trusted", "\"2\""},
      {"upstreams:\n  - name: a\n    url: https://x.org\n    timeout_ms: 1h1\n", "upstreams[0].timeout_ms", "1h1"},
      {"upstreams:\n  - name: a\n    url: https://x.org\n    max_rps: nan\n", "upstreams[0].max_rps", "nan"},
      {"upstreams:\n  - name: a\n    url: https://x.org\n    max_rps: -3\n", "upstreams[0].max_rps", "-3"},
      {"upstreams:\n  - name: a\n    url: https://x.org\n    max_rps: 0x10\n", "upstreams[0].max_rps", "0x10"},
      {"methods:\n  eth_call: maybe\n", "methods.eth_call", "maybe"},
      {"methods:\n  eth_call:\n    timeout_ms: never\n", "methods.eth_call.timeout_ms", "never"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    expect_error(cases[i].yaml, cases[i].key, cases[i].value, "expected");
  /* the position is line:column of the value */
  expect_error("log:\n  level: info\npool:\n  timeout_ms: abc\n", "config:4:15: pool.timeout_ms", NULL, NULL);
}

static void test_shapes_and_unknown_keys(void **st) {
  (void)st;
  expect_error("pool:\n  timeout: 5\n", "pool.timeout", "unknown key", NULL);
  expect_error("colour: blue\n", "colour", "unknown key", NULL);
  expect_error("upstreams:\n  - name: a\n    url: https://x.org\n    proxy: y\n", "upstreams[0].proxy", "unknown key",
               NULL);
  expect_error("pool: 5\n", "pool", "expected a mapping", NULL);
  expect_error("log:\n  level: [info]\n", "log.level", "expected a single value", NULL);
  expect_error("pool:\n  max_retries: 1\n  max_retries: 2\n", "duplicate key", "max_retries", NULL);
  expect_error("upstreams:\n  name: a\n", "upstreams", "expected a list", NULL);
  expect_error("upstreams:\n  - name: a\n", "upstreams[0]", "missing key \"url\"", NULL);
  expect_error("upstreams:\n  - url: https://x.org\n", "upstreams[0]", "missing key \"name\"", NULL);
  expect_error("a: &x 1\nb: *x\n", "a", "unknown key", NULL);
  expect_error("pool: &p\n  max_retries: 1\nlimits: *p\n", "aliases", NULL, NULL);
  expect_error("log: {level: info\n", "config:", "YAML syntax error", NULL);
  expect_error("log:\n  level: info\n---\nlog:\n  level: debug\n", "more than one YAML document", NULL, NULL);
  expect_error("- a\n- b\n", "expected a mapping", NULL, NULL);
}

static void test_cross_field_rules(void **st) {
  (void)st;
  const char *two = "upstreams:\n  - name: a\n    url: https://a.org\n  - name: b\n    url: https://b.org\n";
  char yaml[512];
  snprintf(yaml, sizeof yaml, "%sanchor:\n  quorum: 3\n", two);
  expect_error(yaml, "config:7:11: anchor.quorum", "3", NULL);
  /* l1: only for op-stack, factory and upstreams together, an address, k <= L1 upstreams */
  const char *op = "chain: {id: 10, name: opdev, kind: op-stack}\nupstreams:\n  - {name: a, url: 'http://127.0.0.1:1'}\n";
  const char *l1ups = "  upstreams:\n    - {name: x, url: 'http://127.0.0.1:2'}\n    - {name: y, url: 'http://127.0.0.1:3'}\n";
  expect_error("l1:\n  factory: '0x43edB88C4B80fDD2AdFF2412A7BebF9dF42cB40e'\n", "l1:", "op-stack", NULL);
  snprintf(yaml, sizeof yaml, "%sl1:\n  chain_id: 1\n%s", op, l1ups);
  expect_error(yaml, "l1", "l1.factory is missing", NULL);
  snprintf(yaml, sizeof yaml, "%sl1:\n  chain_id: 1\n  factory: '0x43ed'\n%s", op, l1ups);
  expect_error(yaml, "l1.factory", "40 hex", NULL);
  snprintf(yaml, sizeof yaml, "%sl1:\n  chain_id: 1\n  quorum: 3\n  factory: '0x43edB88C4B80fDD2AdFF2412A7BebF9dF42cB40e'\n%s", op,
           l1ups);
  expect_error(yaml, "l1.quorum", "3", "(2)");
  snprintf(yaml, sizeof yaml, "%sl1:\n  factory: '0x43edB88C4B80fDD2AdFF2412A7BebF9dF42cB40e'\n%s", op, l1ups);
  expect_error(yaml, "l1.chain_id", "missing", NULL);
  snprintf(yaml, sizeof yaml, "%sl1:\n  chain_id: 1\n  factory: '0x43edB88C4B80fDD2AdFF2412A7BebF9dF42cB40e'\n"
           "  upstreams:\n    - {name: x, url: 'http://127.0.0.1:2'}\n    - {name: x, url: 'http://127.0.0.1:3'}\n", op);
  expect_error(yaml, "l1.upstreams[1].name", "unique", NULL);
  /* an op-stack chain has no beacon chain: anchor.beacon is its L1's, and needs l1: */
  snprintf(yaml, sizeof yaml, "%sanchor: {mode: auto}\n", op);
  expect_error(yaml, "anchor.mode: auto", "no beacon chain of its own", NULL);
  snprintf(yaml, sizeof yaml, "%sanchor: {mode: quorum, quorum: 1, beacon: ['https://b.example.org']}\n", op);
  expect_error(yaml, "anchor.beacon", "l1: is needed", NULL);
  {
    vt_config c;
    char err[256];
    vt_config_defaults(&c);
    snprintf(yaml, sizeof yaml, "%sl1:\n  chain_id: 1\n  factory: '0x43edB88C4B80fDD2AdFF2412A7BebF9dF42cB40e'\n%s", op,
             l1ups);
    if (load(&c, yaml, err, sizeof err)) fail_msg("%s", err);
    assert_true(vt_config_l1_on(&c));
    assert_int_equal(c.nl1_upstreams, 2);
    assert_string_equal(c.l1_upstreams[1].name, "y");
    assert_int_equal(c.l1_poll_ms, 12000);
    assert_int_equal(c.l1_walk, 2048);
    vt_config_free(&c);
  }
  snprintf(yaml, sizeof yaml, "%sanchor:\n  mode: trusted\n", two);
  expect_error(yaml, "trusted", "at least one upstream with trusted: true", NULL);
  expect_error("upstreams:\n  - name: a\n    url: https://a.org\n  - name: a\n    url: https://b.org\n",
               "config:4:11: upstreams[1].name", "\"a\"", "unique");
  expect_error("upstreams: []\n", "upstreams", "at least one upstream", NULL);
  expect_error("chain:\n  name: mychain\nupstreams:\n  - name: a\n    url: https://a.org\n", "chain.id", "missing",
               NULL);
  expect_error("chain:\n  name: mainnet\n  id: 5\n", "chain.id", "5", "mainnet");
  /* no checkpoint: the beacon endpoints' agreed finalized root is taken at first start */
  {
    vt_config c3;
    char e3[256];
    vt_config_defaults(&c3);
    const char *y = "anchor:\n  mode: lightclient\n";
    if (vt_config_load_string(&c3, y, strlen(y), e3, sizeof e3) != 0) fail_msg("%s", e3);
    vt_config_free(&c3);
  }
  expect_error("anchor:\n  mode: lightclient\n  checkpoint: \"0x0000000000000000000000000000000000000000000000000000000000000000\"\n",
               "anchor.checkpoint", "all zero", NULL);
  {
    /* a connect timeout above the request timeout is bounded by it, not an error */
    vt_config c2;
    char e2[256];
    vt_config_defaults(&c2);
    const char *y = "pool:\n  timeout_ms: 1000\n";
    assert_int_equal(vt_config_load_string(&c2, y, strlen(y), e2, sizeof e2), 0);
    assert_int_equal(c2.timeout_ms, 1000);
    vt_config_free(&c2);
  }

  /* a custom chain: no preset upstreams; the default quorum shrinks to what exists */
  vt_config c;
  char err[512];
  vt_config_defaults(&c);
  if (load(&c, "chain:\n  id: 31337\n  name: anvil\nupstreams:\n  - name: a\n    url: http://127.0.0.1:8546\n",
           err, sizeof err))
    fail_msg("%s", err);
  assert_int_equal(c.chain_id, 31337);
  assert_string_equal(c.chain_name, "anvil");
  assert_int_equal(c.nupstreams, 1);
  assert_int_equal(c.nbeacon, 0);
  assert_int_equal(c.quorum, 1);
  /* trusted mode with a trusted upstream */
  if (load(&c, "chain: {id: 0x7a69}\nanchor: {mode: trusted}\nupstreams:\n  - {name: n, url: 'http://[::1]:1', trusted: yes}\n",
           err, sizeof err))
    fail_msg("%s", err);
  assert_int_equal(c.chain_id, 31337);
  assert_string_equal(c.chain_name, "custom");
  assert_int_equal(c.anchor_mode, VT_ANCHOR_TRUSTED);
  vt_config_free(&c);
}

static void test_interpolation_and_secrets(void **st) {
  (void)st;
  setenv("VT_TEST_KEY", SECRET, 1);
  setenv("VT_TEST_TOKEN", TOKEN, 1);
  setenv("VT_TEST_URL", "https://" SECRET ".example.org/x", 1);
  unsetenv("VT_TEST_UNSET");
  const char *yaml =
      "chain: {name: mainnet}\n"
      "upstreams:\n"
      "  - name: keyed\n"
      "    url: https://${VT_TEST_KEY}@rpc.example.org:8443/v2/${VT_TEST_KEY}?x=1\n"
      "    headers:\n"
      "      Authorization: \"Bearer ${VT_TEST_TOKEN}\"\n"
      "      X-Literal: \"a$${b}$c\"\n"
      "  - name: literal-key\n"
      "    url: https://eth-mainnet.example.com/v2/AbCdEf0123456789XyZ\n"
      "  - name: query\n"
      "    url: https://rpc.example.net/?apikey=abc\n"
      "  - name: plain\n"
      "    url: https://rpc.example.com/eth/public\n"
      "  - name: host-from-env\n"
      "    url: http://127.0.0.1${VT_TEST_TOKEN}:8546\n"
      "  - name: all-from-env\n"
      "    url: ${VT_TEST_URL}\n";
  vt_config c;
  char err[512], dump[16384];
  vt_config_defaults(&c);
  if (load(&c, yaml, err, sizeof err)) fail_msg("%s", err);
  assert_string_equal(c.upstreams[0].url, "https://" SECRET "@rpc.example.org:8443/v2/" SECRET "?x=1");
  assert_string_equal(c.upstreams[0].display_url, "https://rpc.example.org:8443/…");
  assert_int_equal(c.upstreams[0].nheaders, 2);
  assert_string_equal(c.upstreams[0].headers[0].name, "Authorization");
  assert_string_equal(c.upstreams[0].headers[0].value, "Bearer " TOKEN);
  assert_string_equal(c.upstreams[0].headers[1].value, "a${b}$c");
  assert_string_equal(c.upstreams[1].display_url, "https://eth-mainnet.example.com/…");
  assert_string_equal(c.upstreams[2].display_url, "https://rpc.example.net/…");
  assert_string_equal(c.upstreams[3].display_url, "https://rpc.example.com/eth/public");
  /* a secret in the host or port is hidden too (found by fuzz_config) */
  assert_string_equal(c.upstreams[4].url, "http://127.0.0.1" TOKEN ":8546");
  assert_string_equal(c.upstreams[4].display_url, "http://127.0.0.1${VT_TEST_TOKEN}:8546");
  assert_string_equal(c.upstreams[5].display_url, "<url from environment>");
  assert_true(vt_config_dump(&c, dump, sizeof dump) > 0);
  assert_null(strstr(dump, SECRET));
  assert_null(strstr(dump, TOKEN));
  assert_null(strstr(dump, "AbCdEf0123456789XyZ"));
  assert_non_null(strstr(dump, "<redacted>"));
  for (size_t i = 0; i < c.nupstreams; i++) assert_null(strstr(c.upstreams[i].display_url, SECRET));
  vt_config_free(&c);

  /* an unset variable is named; nothing secret is echoed */
  expect_error("upstreams:\n  - name: a\n    url: https://x.org/${VT_TEST_UNSET}\n", "upstreams[0].url",
               "VT_TEST_UNSET is not set", NULL);
  expect_error("upstreams:\n  - name: a\n    url: https://x.org/${bad-name}\n", "upstreams[0].url", "$${", NULL);
  expect_error("upstreams:\n  - name: a\n    url: https://x.org/${VT_TEST_KEY\n", "upstreams[0].url", "${NAME}", NULL);
  /* an interpolated url that is bad is shown redacted, never with the value */
  setenv("VT_TEST_BADURL", "ftp://" SECRET, 1);
  vt_config_defaults(&c);
  assert_int_equal(load(&c, "upstreams:\n  - name: a\n    url: ${VT_TEST_BADURL}\n", err, sizeof err), -1);
  assert_null(strstr(err, SECRET));
  assert_non_null(strstr(err, "upstreams[0].url"));
  /* a header value with a line break from the environment: refused, not echoed */
  setenv("VT_TEST_CRLF", TOKEN "\r\nX-Evil: 1", 1);
  assert_int_equal(load(&c, "upstreams:\n  - name: a\n    url: https://x.org\n    headers:\n      A: ${VT_TEST_CRLF}\n",
                        err, sizeof err), -1);
  assert_null(strstr(err, TOKEN));
  assert_non_null(strstr(err, "line break"));
  /* ${} outside url and header values is not interpolated */
  assert_int_equal(load(&c, "cache:\n  path: ./data-${VT_TEST_KEY}\n", err, sizeof err), 0);
  assert_string_equal(c.cache_path, "./data-${VT_TEST_KEY}");
  expect_error("upstreams:\n  - name: a\n    url: https://x.org\n    headers:\n      Host: x\n", "Host", "set by verity",
               NULL);
  expect_error("upstreams:\n  - name: a\n    url: https://x.org\n    headers:\n      \"Bad Name\": x\n", "Bad Name",
               "header name", NULL);
  vt_config_free(&c);
  unsetenv("VT_TEST_KEY");
  unsetenv("VT_TEST_TOKEN");
  unsetenv("VT_TEST_BADURL");
  unsetenv("VT_TEST_CRLF");
  unsetenv("VT_TEST_URL");
}

static void test_sizes_durations_listen(void **st) {
  (void)st;
  vt_config c;
  char err[512];
  vt_config_defaults(&c);
  const char *yaml =
      "listen: \"[::1]:9000\"\n"
      "limits:\n  max_body: 64KiB\n  max_response: 1GiB\n  max_ws_message: 2000000\n  max_header_bytes: 8KB\n"
      "cache:\n  memory: 0\n"
      "pool:\n  timeout_ms: 10s\n  connect_timeout_ms: 1500\n  breaker:\n    open_ms: 2m\n  hedge_after_ms: 250ms\n"
      "anchor:\n  max_staleness: 5m\n";
  if (load(&c, yaml, err, sizeof err)) fail_msg("%s", err);
  assert_string_equal(c.listen_host, "::1");
  assert_int_equal(c.listen_port, 9000);
  assert_int_equal(c.max_body, 65536);
  assert_int_equal(c.max_response, 1u << 30);
  assert_int_equal(c.max_ws_message, 2000000);
  assert_int_equal(c.max_header_bytes, 8000);
  assert_int_equal(c.cache_memory, 0);
  assert_int_equal(c.timeout_ms, 10000);
  assert_int_equal(c.connect_timeout_ms, 1500);
  assert_int_equal(c.breaker_open_ms, 120000);
  assert_int_equal(c.hedge_after_ms, 250);
  assert_int_equal(c.max_staleness_s, 300);
  if (load(&c, "listen: 0.0.0.0:0\n", err, sizeof err)) fail_msg("%s", err);
  assert_string_equal(c.listen_host, "0.0.0.0");
  assert_int_equal(c.listen_port, 0);
  if (load(&c, "listen: 8600\n", err, sizeof err)) fail_msg("%s", err);
  assert_string_equal(c.listen_host, "127.0.0.1");
  assert_int_equal(c.listen_port, 8600);
  if (load(&c, "listen: localhost:7000\nlog: {level: DEBUG, format: json}\n", err, sizeof err)) fail_msg("%s", err);
  assert_string_equal(c.listen_host, "127.0.0.1");
  assert_int_equal(c.log_level, VT_LOG_DEBUG);
  assert_true(c.log_json);
  vt_config_free(&c);
  expect_error("listen: \"[::1]9000\"\n", "listen", NULL, NULL);
  expect_error("listen: \"1.2.3.4:\"\n", "listen", NULL, NULL);
  expect_error("limits:\n  max_body: \"+5\"\n", "limits.max_body", "+5", NULL);
  expect_error("limits:\n  max_body: \"\"\n", "limits.max_body", NULL, NULL);
  expect_error("pool:\n  timeout_ms: 10 s\n", "pool.timeout_ms", "10 s", NULL);
  expect_error("pool:\n  timeout_ms: 99999999999999999999\n", "pool.timeout_ms", NULL, NULL);
  expect_error("pool:\n  timeout_ms: 9999999999999999h\n", "pool.timeout_ms", NULL, NULL);
}

static void test_methods(void **st) {
  (void)st;
  vt_config c;
  char err[512];
  vt_config_defaults(&c);
  const char *yaml =
      "methods:\n"
      "  eth_sendRawTransaction: deny\n"
      "  debug_*: allow\n"
      "  debug_trace*: {policy: deny}\n"
      "  eth_call: {timeout_ms: 30s}\n";
  if (load(&c, yaml, err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(c.nmethods, 4);
  assert_int_equal(vt_config_method(&c, "eth_sendRawTransaction")->policy, VT_POLICY_DENY);
  assert_int_equal(vt_config_method(&c, "debug_getRawHeader")->policy, VT_POLICY_ALLOW);
  assert_int_equal(vt_config_method(&c, "debug_traceTransaction")->policy, VT_POLICY_DENY);
  const vt_method_cfg *m = vt_config_method(&c, "eth_call");
  assert_int_equal(m->policy, VT_POLICY_DEFAULT);
  assert_int_equal(m->timeout_ms, 30000);
  assert_null(vt_config_method(&c, "eth_getBalance"));
  assert_null(vt_config_method(&c, "debug"));
  vt_config_free(&c);
  expect_error("methods:\n  \"eth call\": deny\n", "methods.eth call", "not a method name", NULL);
  expect_error("methods:\n  a*b: deny\n", "methods.a*b", NULL, NULL);
  expect_error("methods:\n  eth_call: deny\n  eth_call: allow\n", "duplicate key", "eth_call", NULL);
  expect_error("methods: [eth_call]\n", "methods", "expected a mapping", NULL);
}

static void test_dump_reloads(void **st) {
  (void)st;
  vt_config c;
  char err[512], d1[16384], d2[16384];
  vt_config_defaults(&c);
  if (load(&c, "chain: {name: sepolia}\nlog: {level: warn}\nmethods: {eth_call: deny}\ncors_origin: '*'\n", err,
           sizeof err))
    fail_msg("%s", err);
  assert_true(vt_config_dump(&c, d1, sizeof d1) > 0);
  vt_config c2;
  vt_config_defaults(&c2);
  if (load(&c2, d1, err, sizeof err)) fail_msg("dump does not reload: %s\n%s", err, d1);
  assert_true(vt_config_dump(&c2, d2, sizeof d2) > 0);
  assert_string_equal(d1, d2);
  assert_string_equal(c2.cors_origin, "*");
  vt_config_free(&c);
  vt_config_free(&c2);
}

static void test_load_file(void **st) {
  (void)st;
  vt_config c;
  char err[512], path[] = "/tmp/verity-test-config-XXXXXX";
  vt_config_defaults(&c);
  assert_int_equal(vt_config_load_file(&c, "/nonexistent/verity.yaml", err, sizeof err), -1);
  assert_non_null(strstr(err, "/nonexistent/verity.yaml"));
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *body = "log:\n  level: debug\npool:\n  max_retries: x\n";
  assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
  close(fd);
  assert_int_equal(vt_config_load_file(&c, path, err, sizeof err), -1);
  char want[128];
  snprintf(want, sizeof want, "%s:4:16: pool.max_retries", path);
  if (!strstr(err, want)) fail_msg("%s lacks %s", err, want);
  assert_int_equal(c.log_level, VT_LOG_INFO);  /* untouched */
  fd = open(path, O_WRONLY | O_TRUNC);
  assert_true(fd >= 0);
  body = "log:\n  level: debug\n";
  assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
  close(fd);
  assert_int_equal(vt_config_load_file(&c, path, err, sizeof err), 0);
  assert_int_equal(c.log_level, VT_LOG_DEBUG);
  unlink(path);
  vt_config_free(&c);
}

static void test_caps(void **st) {
  (void)st;
  vt_config c;
  char err[512];
  vt_config_defaults(&c);
  size_t big = VT_CONFIG_MAX_FILE + 1;
  char *yaml = malloc(big + 1);
  memset(yaml, '#', big);
  yaml[big] = 0;
  assert_int_equal(vt_config_load_string(&c, yaml, big, err, sizeof err), -1);
  assert_non_null(strstr(err, "at most"));
  /* 65 upstreams */
  size_t off = (size_t)snprintf(yaml, big, "upstreams:\n");
  for (int i = 0; i < VT_CONFIG_MAX_UPSTREAMS + 1; i++)
    off += (size_t)snprintf(yaml + off, big - off, "  - {name: u%d, url: 'https://u%d.org'}\n", i, i);
  assert_int_equal(load(&c, yaml, err, sizeof err), -1);
  assert_non_null(strstr(err, "at most 64"));
  /* a 3000-byte url */
  off = (size_t)snprintf(yaml, big, "upstreams:\n  - name: a\n    url: https://x.org/");
  memset(yaml + off, 'a', 3000);
  yaml[off + 3000] = '\n';
  yaml[off + 3001] = 0;
  assert_int_equal(load(&c, yaml, err, sizeof err), -1);
  assert_non_null(strstr(err, "upstreams[0].url"));
  /* deep nesting is refused before libyaml's O(depth) per token scanner runs long */
  off = (size_t)snprintf(yaml, big, "a: ");
  for (int i = 0; i < 300000; i++) yaml[off++] = '[';
  yaml[off] = 0;
  assert_int_equal(load(&c, yaml, err, sizeof err), -1);
  assert_non_null(strstr(err, "config:1:"));
  assert_non_null(strstr(err, "nested deeper than 16 levels"));
  free(yaml);
  /* errors with a tiny buffer stay terminated */
  char tiny[8];
  assert_int_equal(load(&c, "pool: {max_retries: x}\n", tiny, sizeof tiny), -1);
  assert_int_equal(strlen(tiny), 7);
  vt_config_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_are_mainnet),
      cmocka_unit_test(test_anchor_auto),
      cmocka_unit_test(test_design_example),
      cmocka_unit_test(test_presets),
      cmocka_unit_test(test_chain_kind),
      cmocka_unit_test(test_bad_values),
      cmocka_unit_test(test_shapes_and_unknown_keys),
      cmocka_unit_test(test_cross_field_rules),
      cmocka_unit_test(test_interpolation_and_secrets),
      cmocka_unit_test(test_sizes_durations_listen),
      cmocka_unit_test(test_methods),
      cmocka_unit_test(test_dump_reloads),
      cmocka_unit_test(test_load_file),
      cmocka_unit_test(test_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
