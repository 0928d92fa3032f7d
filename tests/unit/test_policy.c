/* test_policy.c: which method row serves a client's method (plan/policy.c): the method
 * table's row as the config's `methods:` allow or deny it, by name or by the longest
 * matching prefix pattern; a method the config allows that verity does not know (or
 * denies by default) is served as a plain read; the table's verifier and local-handler
 * columns are where the provers and the front look. No I/O. */
#include "testutil.h"

#include <string.h>

#include "config/config.h"
#include "plan/policy.h"

static const char YAML[] =
    "chain: { id: 31337, name: devnet }\n"
    "anchor: { mode: quorum, quorum: 1 }\n"
    "upstreams:\n  - { name: a, url: \"http://127.0.0.1:1\" }\n"
    "methods:\n"
    "  eth_gasPrice: deny\n"
    "  debug_*: allow\n"
    "  debug_trace*: deny\n"
    "  anvil_mine: allow\n"
    "  eth_sign: allow\n"
    "  eth_call: {timeout_ms: 30s}\n";

static void load(vt_config *c) {
  char err[256];
  vt_config_defaults(c);
  if (vt_config_load_string(c, YAML, strlen(YAML), err, sizeof err) != 0) fail_msg("config: %s", err);
}

static void test_rows_as_the_config_allows_them(void **st) {
  (void)st;
  vt_config c;
  load(&c);
  bool denied;
  const vt_method *m = vt_plan_method(&c, "eth_getBalance", &denied);
  assert_non_null(m);
  assert_false(denied);
  assert_string_equal(m->name, "eth_getBalance");
  m = vt_plan_method(&c, "eth_gasPrice", &denied); /* denied by name: the row is still returned */
  assert_non_null(m);
  assert_true(denied);
  m = vt_plan_method(&c, "debug_getRawBlock", &denied); /* a denied namespace, allowed by prefix */
  assert_false(denied);
  assert_ptr_equal(m, vt_method_generic_read());
  m = vt_plan_method(&c, "debug_traceTransaction", &denied); /* the longest pattern wins */
  assert_true(denied);
  m = vt_plan_method(&c, "anvil_mine", &denied);
  assert_false(denied);
  assert_ptr_equal(m, vt_method_generic_read());
  m = vt_plan_method(&c, "eth_sign", &denied); /* a row denied by default, allowed by name */
  assert_false(denied);
  assert_ptr_equal(m, vt_method_generic_read());
  m = vt_plan_method(&c, "eth_call", &denied); /* a timeout only: policy stays the row's */
  assert_false(denied);
  assert_string_equal(m->name, "eth_call");
  m = vt_plan_method(&c, "admin_peers", &denied); /* denied namespace, not allowed */
  assert_non_null(m);
  assert_true(denied);
  assert_null(vt_plan_method(&c, "foo_bar", &denied)); /* unknown, not allowed */
  assert_false(denied);
  vt_config_free(&c);
}

static void test_the_row_names_verifier_and_local_handler(void **st) {
  (void)st;
  static const struct {
    const char *name;
    vt_verifier v;
    vt_local l;
  } rows[] = {
      {"eth_getBalance", VT_V_BALANCE, VT_L_NONE},
      {"eth_getTransactionCount", VT_V_NONCE, VT_L_NONE},
      {"eth_getStorageAt", VT_V_STORAGE, VT_L_NONE},
      {"eth_getProof", VT_V_PROOF, VT_L_NONE},
      {"eth_getCode", VT_V_CODE, VT_L_NONE},
      {"eth_getBlockByNumber", VT_V_BLOCK_BY_NUMBER, VT_L_NONE},
      {"eth_getBlockByHash", VT_V_BLOCK_BY_HASH, VT_L_NONE},
      {"eth_getBlockReceipts", VT_V_BLOCK_RECEIPTS, VT_L_NONE},
      {"eth_getTransactionReceipt", VT_V_RECEIPT, VT_L_NONE},
      {"eth_getTransactionByHash", VT_V_TX_BY_HASH, VT_L_NONE},
      {"eth_getTransactionByBlockHashAndIndex", VT_V_TX_BY_BLOCK_HASH_INDEX, VT_L_NONE},
      {"eth_getTransactionByBlockNumberAndIndex", VT_V_TX_BY_BLOCK_NUMBER_INDEX, VT_L_NONE},
      {"eth_getLogs", VT_V_LOGS, VT_L_NONE},
      {"eth_blobBaseFee", VT_V_BLOB_BASE_FEE, VT_L_NONE},
      {"eth_call", VT_V_CALL, VT_L_NONE},
      {"eth_estimateGas", VT_V_ESTIMATE, VT_L_NONE},
      {"eth_createAccessList", VT_V_ACCESS_LIST, VT_L_NONE},
      {"eth_simulateV1", VT_V_NONE, VT_L_NONE},
      {"eth_gasPrice", VT_V_GAS_PRICE, VT_L_NONE},
      {"eth_maxPriorityFeePerGas", VT_V_MAX_PRIORITY_FEE, VT_L_NONE},
      {"eth_chainId", VT_V_NONE, VT_L_CHAIN_ID},
      {"net_version", VT_V_NONE, VT_L_NET_VERSION},
      {"web3_clientVersion", VT_V_NONE, VT_L_CLIENT_VERSION},
      {"eth_blockNumber", VT_V_NONE, VT_L_BLOCK_NUMBER},
      {"eth_accounts", VT_V_NONE, VT_L_ACCOUNTS},
      {"eth_syncing", VT_V_NONE, VT_L_FALSE},
      {"eth_mining", VT_V_NONE, VT_L_FALSE},
      {"net_listening", VT_V_NONE, VT_L_TRUE},
      {"web3_sha3", VT_V_NONE, VT_L_SHA3},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const vt_method *m = vt_method_find(rows[i].name);
    assert_non_null(m);
    if (m->verifier != rows[i].v || m->local != rows[i].l) fail_msg("row %s: verifier %u local %u", rows[i].name,
                                                                    m->verifier, m->local);
  }
  /* every local method has a handler, and only local methods have one */
  for (size_t i = 0; i < vt_method_count(); i++) {
    const vt_method *m = vt_method_at(i);
    if ((m->kind == VT_M_LOCAL) != (m->local != VT_L_NONE)) fail_msg("row %s: kind and local handler disagree", m->name);
    if (m->verifier != VT_V_NONE && m->kind != VT_M_READ) fail_msg("row %s: a verifier on a method that is not a read", m->name);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_as_the_config_allows_them),
      cmocka_unit_test(test_the_row_names_verifier_and_local_handler),
  };
  return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
