/* test_exec_hive.c: the execution-apis pairs for eth_call, eth_estimateGas and
 * eth_createAccessList (geth's answers on the hive test chain) against verity's local
 * answers (prove/exec_run.c, exec_input.c).
 *
 * The state at block 54 is built here by replaying chain.rlp from genesis.json on the
 * core's EVM (evm_execute_tx per transaction; block rewards before the merge; the
 * EIP-4788 and EIP-2935 system calls before, the EIP-7002 and EIP-7251 ones after the
 * transactions; withdrawals), and every block's state root is checked against its
 * header as the replay goes, so the state the pairs run on is the chain's. Then each
 * pair's request runs through vt_xcall_read / vt_exec_answer at block 54's context and
 * the answer must equal geth's (result or error object). Skips when the fixtures are
 * absent. */
#include "testutil.h"

#include <dirent.h>
#include <jansson.h>

#include "core/hex.h"
#include "core/keccak.h"
#include "core/rlp.h"
#include "core/state_root.h"
#include "core/tx.h"
#include "prove/exec.h"
#include "corefix.h"

#define HIVE_CHAIN_ID 3503995874084926ull
#define MAX_BLOCKS 64

static const uint8_t SYSTEM[20] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};

static void addr_of(const char *hex, uint8_t out[20]) {
  if (hex[0] == '0' && hex[1] == 'x') hex += 2;
  char full[43] = "0x";
  memcpy(full + 2, hex, 40);
  full[42] = 0;
  assert_int_equal(vc_hex_decode_fixed(full, 42, out, 20), VC_OK);
}

/* Lenient: genesis.json writes "0x00…01" and "0x0" alike. */
static void u256_of(const char *s, vc_u256 *out) {
  if (s[0] == '0' && s[1] == 'x') s += 2;
  while (s[0] == '0' && s[1]) s++;
  char q[70] = "0x";
  assert_true(strlen(s) <= 64);
  strcat(q, s);
  assert_int_equal(vc_u256_from_quantity(out, q, strlen(q)), VC_OK);
}

static void word_of(const char *s, uint8_t out[32]) {
  vc_u256 v;
  u256_of(s, &v);
  vc_u256_to_be(&v, out);
}

static evm_state *genesis(void) {
  const char *p = fixture_path("execution-apis/tests/genesis.json");
  json_error_t je;
  json_t *g = json_load_file(p, 0, &je);
  assert_non_null(g);
  evm_state *s = evm_state_new(EVM_STATE_COMPLETE);
  const char *k;
  json_t *v;
  vc_err err = {0};
  json_object_foreach(json_object_get(g, "alloc"), k, v) {
    uint8_t a[20];
    vc_u256 bal;
    uint64_t nonce = 0;
    addr_of(k, a);
    u256_of(json_string_value(json_object_get(v, "balance")), &bal);
    json_t *n = json_object_get(v, "nonce");
    if (n) assert_int_equal(vc_hex_quantity_u64(json_string_value(n), json_string_length(n), &nonce), VC_OK);
    assert_int_equal(evm_state_put_account(s, a, &bal, nonce, NULL, &err), VC_OK);
    json_t *code = json_object_get(v, "code");
    if (code && json_string_length(code) > 2) {
      size_t cl = json_string_length(code) / 2, len = 0;
      uint8_t *c = malloc(cl);
      assert_int_equal(vc_hex_decode(json_string_value(code), json_string_length(code), c, cl, &len), VC_OK);
      assert_int_equal(evm_state_set_code(s, a, c, len, &err), VC_OK);
      free(c);
    }
    const char *sk;
    json_t *sv;
    json_object_foreach(json_object_get(v, "storage"), sk, sv) {
      uint8_t key[32], val[32];
      word_of(sk, key);
      word_of(json_string_value(sv), val);
      assert_int_equal(evm_state_put_slot(s, a, key, val, &err), VC_OK);
    }
  }
  json_decref(g);
  return s;
}

/* The state root of s (the system caller of the system calls left out). */
static void root_of(const evm_state *s, bool drop_empty, uint8_t root[32]) {
  size_t cap = 1024, n = 0, cur = 0;
  vc_sr_account *acc = calloc(cap, sizeof *acc);
  vc_sr_slot **slots = calloc(cap, sizeof *slots);
  evm_account_view v;
  while (evm_state_next_account(s, &cur, &v)) {
    assert_true(n < cap);
    bool empty = v.nonce == 0 && vc_u256_is_zero(&v.balance) && !memcmp(v.code_hash, vc_sr_empty_code_hash, 32);
    size_t sc = 0, ns = 0;
    uint8_t key[32], val[32];
    while (evm_state_next_slot(s, v.addr, &sc, key, val)) ns++;
    /* empty accounts stay (the EVM deletes touched ones per EIP-161); the system caller is not an account */
    if (drop_empty && empty && ns == 0 && !memcmp(v.addr, SYSTEM, 20)) continue;
    vc_sr_account *a = &acc[n];
    memcpy(a->address, v.addr, 20);
    a->nonce = v.nonce;
    a->balance = v.balance;
    memcpy(a->code_hash, v.code_hash, 32);
    slots[n] = calloc(ns + 1, sizeof **slots);
    sc = 0;
    size_t k = 0;
    while (evm_state_next_slot(s, v.addr, &sc, key, val)) {
      assert_int_equal(vc_u256_from_be(&slots[n][k].key, key, 32), VC_OK);
      assert_int_equal(vc_u256_from_be(&slots[n][k].value, val, 32), VC_OK);
      k++;
    }
    a->storage = slots[n];
    a->n_storage = k;
    n++;
  }
  vc_err err = {0};
  assert_int_equal(vc_state_root(acc, n, root, &err), VC_OK);
  for (size_t i = 0; i < n; i++) free(slots[i]);
  free(slots);
  free(acc);
}

/* --- transactions from RLP ---------------------------------------------------------- */

typedef struct {
  evm_tx tx;
  evm_access_entry al[64];
  uint8_t keys[256][32];
  uint8_t blobs[16][32];
  evm_authorization auths[16];
} rawtx;

static uint64_t it_u64(const vc_rlp_item *it) {
  uint64_t v = 0;
  vc_err err;
  assert_int_equal(vc_rlp_uint(it, &v, &err), VC_OK);
  return v;
}

static void it_u256(const vc_rlp_item *it, vc_u256 *out) {
  uint8_t be[32];
  vc_err err;
  assert_int_equal(vc_rlp_uint256(it, be, &err), VC_OK);
  assert_int_equal(vc_u256_from_be(out, be, 32), VC_OK);
}

static void read_al(const vc_rlp_item *it, rawtx *r) {
  vc_rlp_item ents[64], parts[2], ks[256];
  size_t n, nk = 0, k;
  vc_err err;
  assert_int_equal(vc_rlp_list_items(it->payload, ents, 64, &n, &err), VC_OK);
  for (size_t i = 0; i < n; i++) {
    size_t two;
    assert_int_equal(vc_rlp_list_items(ents[i].payload, parts, 2, &two, &err), VC_OK);
    memcpy(r->al[i].addr, parts[0].payload.ptr, 20);
    assert_int_equal(vc_rlp_list_items(parts[1].payload, ks, 256, &k, &err), VC_OK);
    r->al[i].keys = (const uint8_t(*)[32])r->keys[nk];
    r->al[i].n_keys = k;
    for (size_t j = 0; j < k; j++) memcpy(r->keys[nk++], ks[j].payload.ptr, 32);
  }
  r->tx.access_list = r->al;
  r->tx.n_access = n;
}

static void read_auths(const vc_rlp_item *it, rawtx *r) {
  vc_rlp_item ents[16], f[6];
  size_t n, nf;
  vc_err err;
  assert_int_equal(vc_rlp_list_items(it->payload, ents, 16, &n, &err), VC_OK);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(vc_rlp_list_items(ents[i].payload, f, 6, &nf, &err), VC_OK);
    it_u256(&f[0], &r->auths[i].chain_id);
    memcpy(r->auths[i].addr, f[1].payload.ptr, 20);
    r->auths[i].nonce = it_u64(&f[2]);
    r->auths[i].y_parity = (uint8_t)it_u64(&f[3]);
    assert_int_equal(vc_rlp_uint256(&f[4], r->auths[i].r, &err), VC_OK);
    assert_int_equal(vc_rlp_uint256(&f[5], r->auths[i].s, &err), VC_OK);
  }
  r->tx.auths = r->auths;
  r->tx.n_auths = n;
}

static void tx_of(vc_bytes raw, rawtx *r) {
  vc_tx_raw t;
  vc_err err;
  memset(r, 0, sizeof *r);
  assert_int_equal(vc_tx_decode_raw(raw, &t, &err), VC_OK);
  assert_int_equal(vc_tx_sender_raw(&t, r->tx.from, &err), VC_OK);
  evm_tx *x = &r->tx;
  x->type = t.type;
  const vc_rlp_item *f = t.fields;
  size_t to_i;
  if (t.type == 0) {
    x->nonce = it_u64(&f[0]);
    it_u256(&f[1], &x->gas_price);
    x->gas_limit = it_u64(&f[2]);
    to_i = 3;
  } else if (t.type == 1) {
    x->nonce = it_u64(&f[1]);
    it_u256(&f[2], &x->gas_price);
    x->gas_limit = it_u64(&f[3]);
    to_i = 4;
  } else {
    x->nonce = it_u64(&f[1]);
    it_u256(&f[2], &x->max_priority_fee);
    it_u256(&f[3], &x->max_fee);
    x->gas_limit = it_u64(&f[4]);
    to_i = 5;
  }
  x->create = f[to_i].payload.len == 0;
  if (!x->create) memcpy(x->to, f[to_i].payload.ptr, 20);
  it_u256(&f[to_i + 1], &x->value);
  x->data = f[to_i + 2].payload.ptr;
  x->data_len = f[to_i + 2].payload.len;
  if (t.type >= 1) read_al(&f[to_i + 3], r);
  if (t.type == 3) {
    it_u256(&f[to_i + 4], &x->max_fee_per_blob_gas);
    vc_rlp_item hs[16];
    size_t n;
    assert_int_equal(vc_rlp_list_items(f[to_i + 5].payload, hs, 16, &n, &err), VC_OK);
    for (size_t i = 0; i < n; i++) memcpy(r->blobs[i], hs[i].payload.ptr, 32);
    x->blob_hashes = (const uint8_t(*)[32])r->blobs;
    x->n_blob_hashes = n;
  }
  if (t.type == 4) read_auths(&f[to_i + 4], r);
}

/* --- blocks --------------------------------------------------------------------------- */

static void syscall_(evm_state *s, const evm_block *b, const char *to_hex, const uint8_t *data, size_t len) {
  evm_tx t = {0};
  evm_block bb = *b;
  evm_result r = {0};
  memcpy(t.from, SYSTEM, 20);
  addr_of(to_hex, t.to);
  t.gas_limit = 1u << 24;
  t.data = data;
  t.data_len = len;
  vc_u256_from_u64(&bb.base_fee, 0);
  bb.gas_limit = 1u << 25;
  evm_account_view v;
  if (!evm_state_get_account(s, t.to, &v) || !v.code_len) return; /* no contract: nothing to run */
  assert_int_equal(evm_execute_tx(s, &bb, &t, &r), VC_OK);
  if (r.status != EVM_SUCCESS) fail_msg("system call to %s at block %llu: %s %s", to_hex, (unsigned long long)b->number,
                                         evm_status_name(r.status), r.err.msg);
  evm_result_free(&r);
  vc_err err;
  vc_u256 zero;
  vc_u256_from_u64(&zero, 0);
  assert_int_equal(evm_state_put_account(s, SYSTEM, &zero, 0, NULL, &err), VC_OK); /* no trace of the caller */
}

static void reward(evm_state *s, const uint8_t who[20], const vc_u256 *amount) {
  evm_account_view v;
  vc_u256 bal;
  vc_u256_from_u64(&bal, 0);
  uint64_t nonce = 0;
  const uint8_t *ch = NULL;
  uint8_t chb[32];
  vc_err err;
  if (evm_state_get_account(s, who, &v)) {
    bal = v.balance;
    nonce = v.nonce;
    memcpy(chb, v.code_hash, 32);
    ch = chb;
  }
  assert_false(vc_u256_add(&bal, &bal, amount));
  assert_int_equal(evm_state_put_account(s, who, &bal, nonce, ch, &err), VC_OK);
}

typedef struct {
  evm_state *st;
  vc_header hdr[MAX_BLOCKS];
  evm_block_hash hashes[MAX_BLOCKS];
  size_t n;
} chain;

static void run_block(chain *c, vc_rlp_item *blk) {
  vc_rlp_item parts[4], txs[256];
  size_t np, nt;
  vc_err err;
  assert_int_equal(vc_rlp_list_items(blk->payload, parts, 4, &np, &err), VC_OK);
  vc_header *h = &c->hdr[c->n];
  assert_int_equal(vc_header_from_rlp(parts[0].raw, h, &err), VC_OK);
  evm_block b;
  vt_exec_block(h, HIVE_CHAIN_ID, &b);
  b.hashes = c->hashes;
  b.n_hashes = c->n;
  if (b.fork >= EVM_CANCUN) syscall_(c->st, &b, "0x000f3df6d732807ef1319fb7b8bb8522d0beac02", h->parent_beacon_root, 32);
  if (b.fork >= EVM_PRAGUE) syscall_(c->st, &b, "0x0000f90827f1c53a10cb7a02335b175320002935", h->parent_hash, 32);
  assert_int_equal(vc_rlp_list_items(parts[1].payload, txs, 256, &nt, &err), VC_OK);
  for (size_t i = 0; i < nt; i++) {
    rawtx *r = calloc(1, sizeof *r);
    tx_of(txs[i].is_list ? txs[i].raw : txs[i].payload, r);
    evm_result res = {0};
    assert_int_equal(evm_execute_tx(c->st, &b, &r->tx, &res), VC_OK);
    if (res.status == EVM_INVALID_TX || res.status == EVM_MISSING)
      fail_msg("block %llu tx %zu: %s %s", (unsigned long long)h->number, i, evm_status_name(res.status), res.err.msg);
    evm_result_free(&res);
    free(r);
  }
  if (b.fork >= EVM_PRAGUE) {
    syscall_(c->st, &b, "0x00000961ef480eb55e80d19ad83579a64c007002", NULL, 0);
    syscall_(c->st, &b, "0x0000bbddc7ce488642fb579f8b00f3a590007251", NULL, 0);
  }
  if (np >= 4) { /* withdrawals: [index, validator, address, amount in gwei] */
    vc_rlp_item ws[64], f[4];
    size_t nw, nf;
    assert_int_equal(vc_rlp_list_items(parts[3].payload, ws, 64, &nw, &err), VC_OK);
    for (size_t i = 0; i < nw; i++) {
      assert_int_equal(vc_rlp_list_items(ws[i].payload, f, 4, &nf, &err), VC_OK);
      vc_u256 total;
      vc_u256_from_u64(&total, it_u64(&f[3]) * 1000000000ull); /* gwei; small here */
      if (it_u64(&f[3])) reward(c->st, f[2].payload.ptr, &total);
    }
  }
  bool pow = false;
  for (unsigned i = 0; i < h->difficulty.len; i++) pow |= h->difficulty.be[i] != 0;
  if (pow) {
    vc_rlp_item un[4];
    size_t nu;
    assert_int_equal(vc_rlp_list_items(parts[2].payload, un, 4, &nu, &err), VC_OK);
    uint64_t eth = b.fork >= EVM_CONSTANTINOPLE ? 2 : b.fork >= EVM_BYZANTIUM ? 3 : 5;
    uint64_t base = eth * 1000000000000000000ull; /* fits: at most 5e18 */
    uint64_t miner = base + nu * (base / 32);
    for (size_t i = 0; i < nu; i++) { /* the uncle's miner: base * (8 + U - N) / 8 */
      vc_header uh;
      assert_int_equal(vc_header_from_rlp(un[i].raw, &uh, &err), VC_OK);
      vc_u256 ur;
      vc_u256_from_u64(&ur, base / 8 * (8 + uh.number - h->number));
      reward(c->st, uh.miner, &ur);
    }
    vc_u256 total;
    vc_u256_from_u64(&total, miner);
    reward(c->st, h->miner, &total);
  }
  uint8_t root[32];
  root_of(c->st, b.fork >= EVM_SPURIOUS, root);
  if (memcmp(root, h->state_root, 32)) {
    char a[70], e[70];
    vc_hex_encode(root, 32, a);
    vc_hex_encode(h->state_root, 32, e);
    fail_msg("block %llu (fork %d, %zu txs): state root %s, header says %s", (unsigned long long)h->number, (int)b.fork, nt, a, e);
  }
  c->hashes[c->n].number = h->number;
  memcpy(c->hashes[c->n].hash, h->hash, 32);
  c->n++;
}

static chain *replay(void) {
  chain *c = calloc(1, sizeof *c);
  c->st = genesis();
  size_t len = 0;
  uint8_t *buf = (uint8_t *)read_file(fixture_path("execution-apis/tests/chain.rlp"), &len);
  /* block 0's hash is block 1's parent: the BLOCKHASH table starts with it */
  vc_bytes cur = vc_bytes_of(buf, len);
  vc_err err;
  bool first = true;
  while (cur.len) {
    vc_rlp_item blk, hdr;
    assert_int_equal(vc_rlp_next(&cur, &blk, &err), VC_OK);
    if (first) {
      vc_bytes inner = blk.payload;
      vc_header h1;
      assert_int_equal(vc_rlp_next(&inner, &hdr, &err), VC_OK);
      assert_int_equal(vc_header_from_rlp(hdr.raw, &h1, &err), VC_OK);
      c->hashes[0].number = 0;
      memcpy(c->hashes[0].hash, h1.parent_hash, 32);
      c->n = 1; /* hdr[0] stays empty: genesis */
      first = false;
    }
    run_block(c, &blk);
  }
  free(buf);
  return c;
}

/* --- the pairs ------------------------------------------------------------------------- */

/* Everything the replay left, as a proven store would hold it (slots not put are zero). */
static void store_of(const evm_state *st, vt_xstore *x) {
  size_t cur = 0;
  evm_account_view v;
  vc_err err = {0};
  while (evm_state_next_account(st, &cur, &v)) {
    vt_xacct a = {.exists = true, .balance = v.balance, .nonce = v.nonce, .storage_empty = true};
    memcpy(a.addr, v.addr, 20);
    memcpy(a.code_hash, v.code_hash, 32);
    assert_int_equal(vt_xstore_put_acct(x, &a, &err), VC_OK);
    if (v.code_len) assert_int_equal(vt_xstore_put_code(x, v.code, v.code_len, &err), VC_OK);
    size_t sc = 0;
    uint8_t key[32], val[32];
    while (evm_state_next_slot(st, v.addr, &sc, key, val)) assert_int_equal(vt_xstore_put_slot(x, v.addr, key, val, &err), VC_OK);
  }
}

static const char *const kinds[] = {"eth_call", "eth_estimateGas", "eth_createAccessList"};

/* One request of a pair: our answer as {"result":…} or {"error":…}. */
static json_t *answer(chain *c, vt_xstore *x, const json_t *req) {
  const char *m = json_string_value(json_object_get(req, "method"));
  vt_xkind kind = !strcmp(m, kinds[0]) ? VT_X_CALL : !strcmp(m, kinds[1]) ? VT_X_ESTIMATE : VT_X_ACCESS_LIST;
  json_t *params = json_object_get(req, "params");
  vt_xcall call;
  vc_err err = {0};
  vt_buf out;
  vt_buf_init(&out, 1 << 20);
  json_t *res = NULL;
  if (vt_xcall_read(json_array_get(params, 0), &call, &err) != VC_OK) {
    res = json_pack("{s:{s:i,s:s}}", "error", "code", -32602, "message", err.msg);
    goto out;
  }
  const vc_header *h = &c->hdr[c->n - 1];
  evm_block b;
  vt_exec_block(h, HIVE_CHAIN_ID, &b);
  for (int round = 0; round < 16; round++) {
    vt_xoutcome o = {0};
    assert_int_equal(vt_exec_answer(kind, x, &b, &call, VT_EXEC_GAS_CAP, &out, &o, &err), VC_OK);
    if (!o.missing) {
      json_error_t je;
      json_t *v = json_loadb(out.data, out.len, JSON_DECODE_ANY, &je);
      assert_non_null(v);
      res = json_pack("{s:o}", o.is_error ? "error" : "result", v);
      break;
    }
    for (size_t i = 0; i < o.needs.n_needs; i++) { /* what the store lacks does not exist */
      const evm_need *n = &o.needs.needs[i];
      if (n->kind == EVM_NEED_BLOCK_HASH) {
        for (size_t k = 0; k < c->n; k++)
          if (c->hashes[k].number == n->number) assert_int_equal(vt_xstore_put_hash(x, n->number, c->hashes[k].hash, &err), VC_OK);
        continue;
      }
      assert_int_equal(n->kind, EVM_NEED_ACCOUNT);
      vt_xacct a = {.exists = false};
      memcpy(a.addr, n->addr, 20);
      assert_int_equal(vt_xstore_put_acct(x, &a, &err), VC_OK);
    }
    evm_result_free(&o.needs);
  }
out:
  vt_xcall_free(&call);
  vt_buf_free(&out);
  assert_non_null(res);
  return res;
}

/* Every pair of every file: returns mismatches, printing each. */
static unsigned run_pairs(chain *c, vt_xstore *x, const char *kind, unsigned *total) {
  char dir[512], rel[128];
  snprintf(rel, sizeof rel, "execution-apis/tests/%s", kind);
  const char *fp = fixture_path(rel);
  assert_non_null(fp);
  snprintf(dir, sizeof dir, "%s", fp);
  DIR *d = opendir(dir);
  assert_non_null(d);
  unsigned bad = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strstr(e->d_name, ".io")) continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    char *txt = read_file(path, NULL);
    json_t *req = NULL;
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
      json_error_t je;
      if (!strncmp(line, ">> ", 3)) { json_decref(req); req = json_loads(line + 3, 0, &je); continue; }
      if (strncmp(line, "<< ", 3) || !req) continue;
      json_t *want = json_loads(line + 3, 0, &je), *got = answer(c, x, req);
      json_object_del(want, "jsonrpc");
      json_object_del(want, "id");
      (*total)++;
      if (!json_equal(want, got)) {
        char *a = json_dumps(got, JSON_COMPACT), *w = json_dumps(want, JSON_COMPACT);
        fprintf(stderr, "MISMATCH %s/%s\n  got  %.400s\n  want %.400s\n", kind, e->d_name, a, w);
        free(a);
        free(w);
        bad++;
      } else {
        fprintf(stderr, "ok %s/%s\n", kind, e->d_name);
      }
      json_decref(want);
      json_decref(got);
    }
    json_decref(req);
    free(txt);
  }
  closedir(d);
  return bad;
}

static void test_replay_and_pairs(void **st) {
  (void)st;
  FIXTURE_OR_SKIP(p, "execution-apis/tests/chain.rlp");
  (void)p;
  chain *c = replay();
  assert_int_equal(c->hdr[c->n - 1].number, 54);
  vt_xstore x = {0};
  store_of(c->st, &x);
  unsigned total = 0, bad = 0;
  for (size_t k = 0; k < 3; k++) bad += run_pairs(c, &x, kinds[k], &total);
  fprintf(stderr, "execution-apis pairs: %u of %u equal geth's answer\n", total - bad, total);
  vt_xstore_free(&x);
  assert_int_equal(bad, 0);
  evm_state_free(c->st);
  free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replay_and_pairs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
