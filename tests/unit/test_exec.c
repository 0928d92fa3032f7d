/* test_exec.c: verified eth_call / eth_estimateGas / eth_createAccessList (prove/exec*).
 *
 * Pure part (exec_input.c, exec_run.c): geth's revert errors byte for byte against the
 * execution-apis pairs (Error(string), Panic), the call object reader, the fork table,
 * and the three answers on a proven store built by hand: the partial run names what it
 * lacks, estimateGas finds the smallest limit that succeeds (21000 for a transfer),
 * the access list is what the run reads, overrides win over proven values.
 *
 * Gateway part: a real gateway (verify on, quorum 2) in front of three mock upstreams
 * serving one consistent, synthesized world (a header whose stateRoot commits to a
 * contract and its storage, built with proofbuild.h): eth_call is answered from the
 * local run (no upstream is ever asked eth_call); a liar that changes a storage value
 * in its proof, omits slots from its hint, refuses the hint, or serves wrong code is
 * caught (charged, and the answer is still right); when every upstream lies the client
 * gets -32002, never the wrong value; BLOCKHASH is answered from a header the anchor
 * proves by number. Loopback only. */
#define MOCK_REPLY_MAX 65536
#include "testutil.h"

#include <jansson.h>
#include <uv.h>

#include "core/account.h"
#include "core/hex.h"
#include "flow/jvalue.h"
#include "core/keccak.h"
#include "prove/exec.h"
#include "mock_rpc.h"
#include "proofbuild.h"

/* --- pure: reverts ----------------------------------------------------------------- */

static void hexbytes(const char *hex, uint8_t *out, size_t *n) {
  size_t sl = strlen(hex);
  assert_int_equal(vc_hex_decode(hex, sl, out, sl / 2, n), VC_OK);
}

static void test_revert_json(void **st) {
  (void)st;
  uint8_t d[256];
  size_t n;
  vt_buf b;
  vt_buf_init(&b, 4096);
  /* execution-apis eth_call/call-revert-abi-error.io */
  hexbytes("0x08c379a00000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000000a75736572206572726f72", d, &n);
  vt_exec_revert_json(d, n, &b);
  assert_string_equal(b.data, "{\"code\":3,\"message\":\"execution reverted: user error\",\"data\":\"0x08c379a00000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000000a75736572206572726f72\"}");
  /* call-revert-abi-panic.io */
  vt_buf_reset(&b);
  hexbytes("0x4e487b710000000000000000000000000000000000000000000000000000000000000001", d, &n);
  vt_exec_revert_json(d, n, &b);
  assert_string_equal(b.data, "{\"code\":3,\"message\":\"execution reverted: assert(false)\",\"data\":\"0x4e487b710000000000000000000000000000000000000000000000000000000000000001\"}");
  /* estimate-failed-call.io: raw bytes, no reason */
  vt_buf_reset(&b);
  hexbytes("0x77726f6e672d63616c6c6461746173697a65", d, &n);
  vt_exec_revert_json(d, n, &b);
  assert_string_equal(b.data, "{\"code\":3,\"message\":\"execution reverted\",\"data\":\"0x77726f6e672d63616c6c6461746173697a65\"}");
  /* a custom error (selector + word) is data only; an Error(string) with a lying offset too */
  vt_buf_reset(&b);
  hexbytes("0x08c379a000000000000000000000000000000000000000000000000000000000000000ff0000000000000000000000000000000000000000000000000000000000000001", d, &n);
  vt_exec_revert_json(d, n, &b);
  assert_non_null(strstr(b.data, "\"message\":\"execution reverted\","));
  vt_buf_free(&b);
}

/* --- pure: the call object and the fork --------------------------------------------- */

static vc_status read_call(const char *txt, vt_xcall *c, vc_err *err) {
  json_error_t je;
  json_t *j = json_loads(txt, 0, &je);
  assert_non_null(j);
  vc_status rc = vt_xcall_read(j, c, err);
  json_decref(j);
  return rc;
}

static void test_call_object(void **st) {
  (void)st;
  vt_xcall c;
  vc_err err = {0};
  assert_int_equal(read_call("{\"from\":\"0x0c2c51a0990aee1d73c1228de158688341557508\",\"gas\":\"0xea60\",\"gasPrice\":\"0x1a21397\","
                             "\"input\":\"0x010203040506\",\"nonce\":\"0x0\",\"to\":\"0x7dcd17433742f4c0ca53122ab541d0ba67fc27df\"}",
                             &c, &err), VC_OK);
  assert_int_equal(c.tx.gas_limit, 0xea60);
  assert_true(c.has_gas && c.has_price);
  assert_int_equal(c.tx.data_len, 6);
  assert_int_equal(c.tx.data[5], 6);
  assert_false(c.tx.create);
  assert_int_equal(c.tx.to[0], 0x7d);
  assert_int_equal(c.tx.gas_price.w[0], 0x1a21397);
  vt_xcall_free(&c);
  /* creation, EIP-1559 fees, an access list */
  assert_int_equal(read_call("{\"maxFeePerGas\":\"0x10\",\"data\":\"0x6000\",\"accessList\":[{\"address\":\"0x00000000000000000000000000000000000000aa\","
                             "\"storageKeys\":[\"0x0000000000000000000000000000000000000000000000000000000000000001\"]}]}", &c, &err), VC_OK);
  assert_true(c.tx.create);
  assert_int_equal(c.tx.type, 2);
  assert_int_equal(c.tx.n_access, 1);
  assert_int_equal(c.tx.access_list[0].n_keys, 1);
  assert_int_equal(c.tx.access_list[0].keys[0][31], 1);
  vt_xcall_free(&c);
  /* refused, with the field named */
  assert_int_not_equal(read_call("{\"to\":\"0x12\"}", &c, &err), VC_OK);
  assert_non_null(strstr(err.msg, "to"));
  vt_xcall_free(&c);
  assert_int_not_equal(read_call("{\"input\":\"0x01\",\"data\":\"0x02\"}", &c, &err), VC_OK);
  assert_non_null(strstr(err.msg, "input"));
  vt_xcall_free(&c);
  assert_int_not_equal(read_call("{\"gasPrice\":\"0x1\",\"maxFeePerGas\":\"0x1\"}", &c, &err), VC_OK);
  vt_xcall_free(&c);
}

static void test_fork_table(void **st) {
  (void)st;
  vc_header h;
  memset(&h, 0, sizeof h);
  h.n_fields = 21;
  h.timestamp = 1746612311; /* mainnet Prague activation */
  assert_int_equal(vt_exec_fork(1, &h), EVM_PRAGUE);
  h.timestamp = 1746612310;
  assert_int_equal(vt_exec_fork(1, &h), EVM_CANCUN);
  h.timestamp = 1764798551;
  assert_int_equal(vt_exec_fork(1, &h), EVM_OSAKA);
  h.timestamp = 0x21c; /* hive chain block 54 (t=540): Osaka */
  assert_int_equal(vt_exec_fork(3503995874084926ull, &h), EVM_OSAKA);
  /* a devnet: the layout */
  assert_int_equal(vt_exec_fork(31337, &h), EVM_PRAGUE);
  h.n_fields = 20;
  assert_int_equal(vt_exec_fork(31337, &h), EVM_CANCUN);
  h.n_fields = 16;
  assert_int_equal(vt_exec_fork(31337, &h), EVM_PARIS);
  h.difficulty.len = 1;
  h.difficulty.be[0] = 2;
  assert_int_equal(vt_exec_fork(31337, &h), EVM_LONDON);
}

/* --- pure: answers on a hand-built store --------------------------------------------- */

/* returns sload(calldataload(0)) */
static const uint8_t reader_code[] = {0x60, 0x00, 0x35, 0x54, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3};
static const uint8_t reverter_code[] = {0x60, 0x00, 0x60, 0x00, 0xfd};
/* returns blockhash(number - 1) */
static const uint8_t bh_code[] = {0x60, 0x01, 0x43, 0x03, 0x40, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3};
static const uint8_t ADDR_B[20] = {[19] = 0xbb};
static const uint8_t ADDR_C[20] = {[19] = 0xcc};
static const uint8_t ADDR_R[20] = {[19] = 0xdd};
static const uint8_t ADDR_E[20] = {[19] = 0xee};
static const uint8_t SLOT[32] = {[31] = 0x07};
static const uint8_t WORD[32] = {[30] = 0x12, [31] = 0x34};

static void block_of(evm_block *b) {
  memset(b, 0, sizeof *b);
  b->fork = EVM_CANCUN;
  b->number = 16;
  b->timestamp = 0x6000;
  b->gas_limit = 30000000;
  b->chain_id = 31337;
}

static void put_contract(vt_xstore *s, const uint8_t addr[20], const uint8_t *code, size_t len) {
  vc_err err = {0};
  vt_xacct a = {.exists = true, .nonce = 1};
  memcpy(a.addr, addr, 20);
  vc_keccak256(code, len, a.code_hash);
  assert_int_equal(vt_xstore_put_acct(s, &a, &err), VC_OK);
  assert_int_equal(vt_xstore_put_code(s, code, len, &err), VC_OK);
}

static void put_absent(vt_xstore *s, const uint8_t addr[20]) {
  vc_err err = {0};
  vt_xacct a = {.exists = false};
  memcpy(a.addr, addr, 20);
  assert_int_equal(vt_xstore_put_acct(s, &a, &err), VC_OK);
}

static void call_of(vt_xcall *c, const uint8_t to[20]) {
  memset(c, 0, sizeof *c);
  memcpy(c->tx.to, to, 20);
  c->data = malloc(32);
  memcpy(c->data, SLOT, 32);
  c->tx.data = c->data;
  c->tx.data_len = 32;
}

static void test_answers_on_store(void **st) {
  (void)st;
  vt_xstore s = {0};
  evm_block b;
  vt_xcall c;
  vt_buf out;
  vt_xoutcome o = {0};
  vc_err err = {0};
  vt_buf_init(&out, 1 << 16);
  block_of(&b);
  call_of(&c, ADDR_C);
  /* nothing known: the run names the sender and the contract */
  assert_int_equal(vt_exec_answer(VT_X_CALL, &s, &b, &c, VT_EXEC_GAS_CAP, &out, &o, &err), VC_OK);
  assert_true(o.missing);
  assert_true(o.needs.n_needs >= 1);
  assert_int_equal(o.needs.needs[0].kind, EVM_NEED_ACCOUNT);
  put_absent(&s, c.tx.from);
  put_contract(&s, ADDR_C, reader_code, sizeof reader_code);
  assert_int_equal(vt_exec_answer(VT_X_CALL, &s, &b, &c, VT_EXEC_GAS_CAP, &out, &o, &err), VC_OK);
  assert_true(o.missing); /* now the slot */
  bool slot_needed = false;
  for (size_t i = 0; i < o.needs.n_needs; i++)
    slot_needed |= o.needs.needs[i].kind == EVM_NEED_SLOT && !memcmp(o.needs.needs[i].key, SLOT, 32);
  assert_true(slot_needed);
  assert_int_equal(vt_xstore_put_slot(&s, ADDR_C, SLOT, WORD, &err), VC_OK);
  assert_int_equal(vt_exec_answer(VT_X_CALL, &s, &b, &c, VT_EXEC_GAS_CAP, &out, &o, &err), VC_OK);
  assert_false(o.missing);
  assert_false(o.is_error);
  assert_string_equal(out.data, "\"0x0000000000000000000000000000000000000000000000000000000000001234\"");

  /* estimateGas: the smallest limit that succeeds, within geth's 1.5% */
  assert_int_equal(vt_exec_answer(VT_X_ESTIMATE, &s, &b, &c, VT_EXEC_GAS_CAP, &out, &o, &err), VC_OK);
  assert_false(o.missing);
  uint64_t est = 0;
  assert_int_equal(vc_hex_quantity_u64(out.data + 1, out.len - 2, &est), VC_OK);
  evm_result r = {0};
  c.tx.gas_limit = est;
  assert_int_equal(vt_exec_run(&s, &b, &c.tx, est, &r), VC_OK);
  assert_int_equal(r.status, EVM_SUCCESS);
  uint64_t used = r.gas_used;
  assert_true(est >= used && (double)(est - used) / (double)est < 0.015 + 1e-9);
  c.tx.gas_limit = used - 1;
  assert_int_equal(vt_exec_run(&s, &b, &c.tx, used - 1, &r), VC_OK);
  assert_int_not_equal(r.status, EVM_SUCCESS);
  evm_result_free(&r);
  c.tx.gas_limit = 0;

  /* a plain transfer to an account without code: 21000 */
  vt_xcall t = {0};
  memcpy(t.tx.to, ADDR_E, 20);
  put_absent(&s, ADDR_E);
  assert_int_equal(vt_exec_answer(VT_X_ESTIMATE, &s, &b, &t, VT_EXEC_GAS_CAP, &out, &o, &err), VC_OK);
  assert_string_equal(out.data, "\"0x5208\"");

  /* the access list: the recipient's slot it reads, sender and recipient themselves not listed */
  assert_int_equal(vt_exec_answer(VT_X_ACCESS_LIST, &s, &b, &c, VT_EXEC_GAS_CAP, &out, &o, &err), VC_OK);
  assert_false(o.missing);
  assert_non_null(strstr(out.data, "{\"accessList\":[{\"address\":\"0x00000000000000000000000000000000000000cc\",\"storageKeys\":[\"0x0000000000000000000000000000000000000000000000000000000000000007\"]}],\"gasUsed\":\"0x"));

  /* a revert: code 3 with the data */
  put_contract(&s, ADDR_R, reverter_code, sizeof reverter_code);
  vt_xcall rc;
  call_of(&rc, ADDR_R);
  assert_int_equal(vt_exec_answer(VT_X_CALL, &s, &b, &rc, VT_EXEC_GAS_CAP, &out, &o, &err), VC_OK);
  assert_true(o.is_error);
  assert_string_equal(out.data, "{\"code\":3,\"message\":\"execution reverted\",\"data\":\"0x\"}");
  assert_int_equal(vt_exec_answer(VT_X_ESTIMATE, &s, &b, &rc, VT_EXEC_GAS_CAP, &out, &o, &err), VC_OK);
  assert_true(o.is_error);
  assert_non_null(strstr(out.data, "\"code\":3"));
  vt_xcall_free(&rc);

  /* state override: a slot of the contract, then a new code, both win over proven values */
  json_error_t je;
  json_t *ov = json_loads("{\"0x00000000000000000000000000000000000000cc\":{\"stateDiff\":{"
                          "\"0x0000000000000000000000000000000000000000000000000000000000000007\":"
                          "\"0x00000000000000000000000000000000000000000000000000000000000000ff\"}}}", 0, &je);
  assert_int_equal(vt_exec_state_override(ov, &s, &err), VC_OK);
  json_decref(ov);
  assert_int_equal(vt_xstore_put_slot(&s, ADDR_C, SLOT, WORD, &err), VC_OK); /* a late proof does not undo it */
  assert_int_equal(vt_exec_answer(VT_X_CALL, &s, &b, &c, VT_EXEC_GAS_CAP, &out, &o, &err), VC_OK);
  assert_string_equal(out.data, "\"0x00000000000000000000000000000000000000000000000000000000000000ff\"");
  /* block override: an unknown key is refused by name */
  ov = json_loads("{\"difficulty\":\"0x1\"}", 0, &je);
  assert_int_not_equal(vt_exec_block_override(ov, &b, &err), VC_OK);
  assert_non_null(strstr(err.msg, "difficulty"));
  json_decref(ov);

  evm_result_free(&o.needs);
  vt_xcall_free(&c);
  vt_buf_free(&out);
  vt_xstore_free(&s);
}

/* --- the gateway against mock upstreams ------------------------------------------------ */

typedef enum { HONEST = 0, LIE_PROOF_VALUE, LIE_HINT_OMIT, LIE_NO_HINT, LIE_CODE } lie_mode;

/* One consistent world: state trie with the reader contract; its storage holds SLOT. */
typedef struct {
  pb_trie state, storage;
  uint8_t state_root[32], storage_root[32], code_hash[32];
  char header[4096], header15[4096]; /* blocks 0x10 (the head) and 0x0f (for BLOCKHASH) */
  char hash16[70], hash15[70];
  uint8_t bh_code_hash[32];
} chain;

typedef struct {
  chain *ch;
  lie_mode lie;
  unsigned proofs, codes, hints, calls;
} mstate;

static chain CH;

/* The header JSON of block number over state_root; its hash (hex) into hh. */
static void header_json(const uint8_t state_root[32], unsigned number, char *out, size_t cap, char hh[70]) {
  char sr[70], blk[4096], full[4200];
  vc_hex_encode(state_root, 32, sr);
  snprintf(blk, sizeof blk,
           "{\"parentHash\":\"0x%064d\",\"sha3Uncles\":\"0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347\","
           "\"miner\":\"0x%040d\",\"stateRoot\":\"%s\","
           "\"transactionsRoot\":\"0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421\","
           "\"receiptsRoot\":\"0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421\","
           "\"logsBloom\":\"0x%0512d\",\"difficulty\":\"0x0\",\"number\":\"0x%x\",\"gasLimit\":\"0x1c9c380\",\"gasUsed\":\"0x0\","
           "\"timestamp\":\"0x%x\",\"extraData\":\"0x\",\"mixHash\":\"0x%064d\",\"nonce\":\"0x0000000000000000\",\"baseFeePerGas\":\"0x7\"",
           0, 0, sr, 0, number, 0x5ff0 + number, 0);
  json_error_t je;
  snprintf(full, sizeof full, "%s}", blk);
  json_t *j = json_loads(full, 0, &je);
  assert_non_null(j);
  vc_header h;
  vc_err err = {0};
  assert_int_equal(vc_header_from_json(j, &h, &err), VC_OK);
  uint8_t hash[32];
  assert_int_equal(vc_header_hash(&h, hash, &err), VC_OK);
  json_decref(j);
  vc_hex_encode(hash, 32, hh);
  snprintf(out, cap, "%s,\"hash\":\"%s\",\"transactions\":[],\"uncles\":[],\"size\":\"0x200\",\"totalDifficulty\":\"0x0\"}", blk, hh);
}

static void chain_build(chain *ch) {
  memset(ch, 0, sizeof *ch);
  pb_put_slot(&ch->storage, SLOT, WORD);
  uint8_t any[32] = {0};
  json_decref(pb_proof(&ch->storage, any, ch->storage_root));
  vc_keccak256(reader_code, sizeof reader_code, ch->code_hash);
  pb_put_account(&ch->state, ADDR_C, 1, ch->storage_root, ch->code_hash);
  static const uint8_t other[20] = {[0] = 0x99};
  pb_put_account(&ch->state, other, 1, vc_empty_trie_root, vc_empty_code_hash);
  vc_keccak256(bh_code, sizeof bh_code, ch->bh_code_hash);
  pb_put_account(&ch->state, ADDR_B, 1, vc_empty_trie_root, ch->bh_code_hash);
  json_decref(pb_proof(&ch->state, any, ch->state_root));
  header_json(ch->state_root, 0x10, ch->header, sizeof ch->header, ch->hash16);
  header_json(ch->state_root, 0x0f, ch->header15, sizeof ch->header15, ch->hash15);
}

/* eth_getProof for addr and slots of the world (absent accounts included). */
static json_t *proof_of(chain *ch, const uint8_t addr[20], json_t *keys, bool lie) {
  uint8_t path[32];
  vc_keccak256(addr, 20, path);
  bool is_c = !memcmp(addr, ADDR_C, 20);
  static const uint8_t other[20] = {[0] = 0x99};
  bool is_o = !memcmp(addr, other, 20), is_b = !memcmp(addr, ADDR_B, 20);
  json_t *p = json_object();
  json_object_set_new(p, "address", pb_hex(addr, 20));
  json_object_set_new(p, "accountProof", pb_proof(&ch->state, path, NULL));
  json_object_set_new(p, "balance", json_string("0x0"));
  json_object_set_new(p, "nonce", json_string(is_c || is_o || is_b ? "0x1" : "0x0"));
  json_object_set_new(p, "codeHash", pb_hex(is_c ? ch->code_hash : is_b ? ch->bh_code_hash : vc_empty_code_hash, 32));
  json_object_set_new(p, "storageHash", pb_hex(is_c ? ch->storage_root : vc_empty_trie_root, 32));
  json_t *sp = json_array(), *k;
  size_t i;
  json_array_foreach(keys, i, k) {
    uint8_t key[32] = {0}, sp_path[32];
    assert_true(vt_json_fixed(k, key, 32));
    vc_keccak256(key, 32, sp_path);
    bool hit = is_c && !memcmp(key, SLOT, 32);
    char q[70];
    uint8_t w[32];
    memcpy(w, WORD, 32);
    if (lie) w[31] ^= 0x01; /* the changed value */
    if (hit) vc_hex_encode_quantity(w, 32, q);
    else snprintf(q, sizeof q, "0x0");
    json_t *e = json_object();
    json_object_set_new(e, "key", json_copy(k));
    json_object_set_new(e, "value", json_string(q));
    json_object_set_new(e, "proof", is_c ? pb_proof(&ch->storage, sp_path, NULL) : json_array());
    json_array_append_new(sp, e);
  }
  json_object_set_new(p, "storageProof", sp);
  return p;
}

static bool mextra(mock *m, mconn *c, const char *body) {
  mstate *ms = m->ud;
  json_error_t je;
  json_t *req = json_loads(body, 0, &je);
  const char *method = json_string_value(json_object_get(req, "method"));
  json_t *params = json_object_get(req, "params"), *id = json_object_get(req, "id");
  char *ids = json_dumps(id ? id : json_null(), JSON_ENCODE_ANY);
  char *res = NULL;
  bool handled = true;
  if (!method) handled = false;
  else if (!strcmp(method, "eth_getBlockByNumber") || !strcmp(method, "eth_getBlockByHash")) {
    const char *p0 = json_string_value(json_array_get(params, 0));
    bool b15 = p0 && (!strcmp(p0, "0xf") || !strcmp(p0, ms->ch->hash15));
    res = strdup(b15 ? ms->ch->header15 : ms->ch->header);
  }
  else if (!strcmp(method, "eth_getProof")) {
    uint8_t addr[20];
    assert_true(vt_json_fixed(json_array_get(params, 0), addr, 20));
    ms->proofs++;
    json_t *p = proof_of(ms->ch, addr, json_array_get(params, 1), ms->lie == LIE_PROOF_VALUE);
    res = json_dumps(p, JSON_COMPACT);
    json_decref(p);
  } else if (!strcmp(method, "eth_getCode")) {
    ms->codes++;
    char hex[64];
    uint8_t ca[20] = {0};
    assert_true(vt_json_fixed(json_array_get(params, 0), ca, 20));
    if (!memcmp(ca, ADDR_B, 20)) vc_hex_encode(bh_code, sizeof bh_code, hex);
    else vc_hex_encode(reader_code, sizeof reader_code, hex);
    if (ms->lie == LIE_CODE) hex[5] = hex[5] == '1' ? '2' : '1';
    res = malloc(80);
    snprintf(res, 80, "\"%s\"", hex);
  } else if (!strcmp(method, "eth_createAccessList")) {
    ms->hints++;
    if (ms->lie == LIE_NO_HINT) {
      res = NULL;
      char *e = malloc(256);
      snprintf(e, 256, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":-32601,\"message\":\"the method eth_createAccessList does not exist/is not available\"}}", ids);
      mreply(c, 200, e);
      free(e);
      free(ids);
      json_decref(req);
      return true;
    }
    res = strdup(ms->lie == LIE_HINT_OMIT
                     ? "{\"accessList\":[],\"gasUsed\":\"0x5208\"}"
                     : "{\"accessList\":[{\"address\":\"0x00000000000000000000000000000000000000cc\",\"storageKeys\":["
                       "\"0x0000000000000000000000000000000000000000000000000000000000000007\"]}],\"gasUsed\":\"0x6000\"}");
  } else if (!strcmp(method, "eth_call")) {
    ms->calls++;
    res = strdup("\"0x0000000000000000000000000000000000000000000000000000000000000000\"");
  } else {
    handled = false;
  }
  if (handled) {
    size_t cap = strlen(res) + strlen(ids) + 64;
    char *out = malloc(cap);
    snprintf(out, cap, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}", ids, res);
    mreply(c, 200, out);
    free(out);
  }
  free(res);
  free(ids);
  json_decref(req);
  return handled;
}

static void world_verified(world *w, mstate ms[3]) {
  memset(w, 0, sizeof *w);
  assert_int_equal(uv_loop_init(&w->loop), 0);
  char yaml[2048];
  int n = snprintf(yaml, sizeof yaml,
                   "listen: 127.0.0.1:0\nlog: { level: error }\nchain: { id: 31337, name: devnet }\n"
                   "anchor: { mode: quorum, quorum: 2 }\nverify: true\n"
                   "pool: { timeout_ms: 1500, hedge_after_ms: 300, head_poll_ms: 100 }\nupstreams:\n");
  for (int i = 0; i < 3; i++) {
    w->up[i].mode = UP_OK;
    w->up[i].head = "\"0x10\"";
    w->up[i].balance = "\"0x0\"";
    w->up[i].extra = mextra;
    w->up[i].ud = &ms[i];
    mock_start(&w->up[i], &w->loop);
    n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  - { name: u%d, url: \"http://127.0.0.1:%d\", weight: %d }\n", i,
                  w->up[i].port, i == 0 ? 1000 : 1);
  }
  world_start_gateway(w, yaml);
  run_ms(w, 300);
}

#define CALL_C(method, extra)                                                                                      \
  "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" method "\",\"params\":[{\"to\":\"0x00000000000000000000000000000000000000cc\"," \
  "\"input\":\"0x0000000000000000000000000000000000000000000000000000000000000007\"}" extra "]}"

static const char want_word[] = "\"result\":\"0x0000000000000000000000000000000000000000000000000000000000001234\"";

static void gw_case(lie_mode l0, lie_mode l1, lie_mode l2, const char *body, const char *expect, mstate out[3]) {
  world w;
  mstate ms[3] = {{&CH, l0, 0, 0, 0, 0}, {&CH, l1, 0, 0, 0, 0}, {&CH, l2, 0, 0, 0, 0}};
  world_verified(&w, ms);
  call_ms(&w, body, 5000);
  if (!strstr(w.body, expect)) fail_msg("expected %s in %s", expect, w.body);
  unsigned calls = ms[0].calls + ms[1].calls + ms[2].calls;
  assert_int_equal(calls, 0); /* the upstreams' eth_call is never what the client gets */
  memcpy(out, ms, sizeof ms);
  for (int i = 0; i < 3; i++) out[i].lie = (lie_mode)w.gw.pool.ups[i].lies; /* reuse: lies charged */
  world_down(&w);
}

static void test_gw_honest(void **st) {
  (void)st;
  mstate ms[3];
  gw_case(HONEST, HONEST, HONEST, CALL_C("eth_call", ",\"latest\""), want_word, ms);
  assert_true(ms[0].proofs >= 2 && ms[0].hints == 1 && ms[0].codes == 1);
  gw_case(HONEST, HONEST, HONEST, CALL_C("eth_estimateGas", ""), "\"result\":\"0x", ms);
  gw_case(HONEST, HONEST, HONEST, CALL_C("eth_createAccessList", ",\"latest\""),
          "\"result\":{\"accessList\":[{\"address\":\"0x00000000000000000000000000000000000000cc\",\"storageKeys\":"
          "[\"0x0000000000000000000000000000000000000000000000000000000000000007\"]}],\"gasUsed\":\"0x",
          ms);
}

/* BLOCKHASH: the run needs block 0x0f's hash; it comes from the anchor (by number). */
static void test_gw_blockhash(void **st) {
  (void)st;
  mstate ms[3];
  char want[160];
  snprintf(want, sizeof want, "\"result\":\"%s\"", CH.hash15);
  gw_case(HONEST, HONEST, HONEST,
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_call\",\"params\":[{\"to\":\"0x00000000000000000000000000000000000000bb\"},\"latest\"]}",
          want, ms);
}

/* State overrides (3rd param) are applied locally over the proven state; a block
 * override (4th) too; a bad override is -32602 naming it. */
static void test_gw_overrides(void **st) {
  (void)st;
  mstate ms[3];
  gw_case(HONEST, HONEST, HONEST,
          CALL_C("eth_call", ",\"latest\",{\"0x00000000000000000000000000000000000000cc\":{\"stateDiff\":{"
                             "\"0x0000000000000000000000000000000000000000000000000000000000000007\":"
                             "\"0x00000000000000000000000000000000000000000000000000000000000000ff\"}}}"),
          "\"result\":\"0x00000000000000000000000000000000000000000000000000000000000000ff\"", ms);
  /* new code at a fresh address: runs the override, not anything proven */
  gw_case(HONEST, HONEST, HONEST,
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_call\",\"params\":[{\"to\":\"0x00000000000000000000000000000000000000ab\"},"
          "\"latest\",{\"0x00000000000000000000000000000000000000ab\":{\"code\":\"0x602a60005260206000f3\"}}]}",
          "\"result\":\"0x000000000000000000000000000000000000000000000000000000000000002a\"", ms);
  gw_case(HONEST, HONEST, HONEST, CALL_C("eth_call", ",\"latest\",{},{\"number\":\"0x20\",\"difficulty\":\"0x1\"}"),
          "\"code\":-32602", ms);
}

static void test_gw_one_liar(void **st) {
  (void)st;
  mstate ms[3];
  /* u0 (asked first) changes the storage value in its proof: charged, the answer is right */
  gw_case(LIE_PROOF_VALUE, HONEST, HONEST, CALL_C("eth_call", ",\"latest\""), want_word, ms);
  assert_true(ms[0].proofs >= 1);
  assert_true((unsigned)ms[0].lie >= 1);
  /* u0 omits the slot from its hint: one more round, still right */
  gw_case(LIE_HINT_OMIT, HONEST, HONEST, CALL_C("eth_call", ",\"latest\""), want_word, ms);
  assert_int_equal(ms[0].hints, 1);
  /* u0 serves wrong code: charged, right answer from another */
  gw_case(LIE_CODE, HONEST, HONEST, CALL_C("eth_call", ",\"latest\""), want_word, ms);
  assert_true(ms[0].codes >= 1 && (unsigned)ms[0].lie >= 1);
  /* nobody serves a hint (Infura): runs without one */
  gw_case(LIE_NO_HINT, LIE_NO_HINT, LIE_NO_HINT, CALL_C("eth_call", ",\"latest\""), want_word, ms);
  assert_true(ms[0].hints >= 1);
}

static void test_gw_all_lie(void **st) {
  (void)st;
  mstate ms[3];
  /* two of three, then all three change the value: right answer, then -32002, never 0x...1235 */
  gw_case(LIE_PROOF_VALUE, LIE_PROOF_VALUE, HONEST, CALL_C("eth_call", ",\"latest\""), want_word, ms);
  assert_true(ms[0].proofs >= 1 && (unsigned)ms[0].lie >= 1); /* the first liar was asked and charged */
  gw_case(LIE_PROOF_VALUE, LIE_PROOF_VALUE, LIE_PROOF_VALUE, CALL_C("eth_call", ",\"latest\""), "\"code\":-32002", ms);
  assert_true(ms[0].proofs >= 1 && ms[1].proofs >= 1 && ms[2].proofs >= 1);
  gw_case(LIE_CODE, LIE_CODE, LIE_CODE, CALL_C("eth_call", ",\"latest\""), "\"code\":-32002", ms);
}

int main(void) {
  (void)world_up_yaml;
  chain_build(&CH);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_revert_json),
      cmocka_unit_test(test_call_object),
      cmocka_unit_test(test_fork_table),
      cmocka_unit_test(test_answers_on_store),
      cmocka_unit_test(test_gw_honest),
      cmocka_unit_test(test_gw_blockhash),
      cmocka_unit_test(test_gw_overrides),
      cmocka_unit_test(test_gw_one_liar),
      cmocka_unit_test(test_gw_all_lie),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
