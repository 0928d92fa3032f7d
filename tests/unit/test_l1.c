/* test_l1.c: the L1 output tracker (src/l1/) in a real gateway (chain.kind op-stack,
 * verify on) against mock upstreams: three for the L2 and three for the L1.
 *
 * The worlds are built here with proofbuild.h: an L1 state holding a DisputeGameFactory
 * (game list, _disputeGames) and two games (clone code with the claim in its immutable
 * args, slot 0 with the status), an L1 header committing to it; an L2 chain of headers
 * 0..L2_HEAD linked by parent hash, every one over one L2 state holding the
 * L2ToL1MessagePasser and a funded account. Game 0 claims block GAME0_BLOCK, game 1 (the
 * newest) block GAME1_BLOCK; each test picks the newest game's status and whether its
 * root is the real output root. Cases: an honest newest game (labels for covered, walked
 * and newer blocks); the newest won by its challenger (the one before it is used); a
 * resolved wrong root (the blocks it covers are refused, newer ones still quorum); an
 * in-progress wrong root (not used, nothing refused); an L1 upstream forging proofs,
 * weighted to be asked first (charged, the output still proven). Loopback only. */
#include "testutil.h"

#include <jansson.h>
#include <uv.h>

#include "config/config.h"
#include "core/account.h"
#include "core/hex.h"
#include "core/keccak.h"
#include "core/op.h"
#include "core/op_game.h"
#include "gateway/gateway.h"
#include "l1/l1.h"
#include "net/fetch.h"
#define MOCK_REPLY_MAX (1 << 17)
#define MOCK_CHAIN_YAML ""
#include "mock_rpc.h"
#include "proofbuild.h"

#define L2_HEAD 12
#define GAME0_BLOCK 6
#define GAME1_BLOCK 10
#define L1_NUMBER 0x20
#define ADDR_HEX "0x00000000000000000000000000000000000000aa"
#define FACTORY_HEX "0x43edb88c4b80fdd2adff2412a7bebf9df42cb40e"

typedef struct {
  uint8_t status1;     /* the newest game's status */
  bool wrong_root1;    /* the newest game claims a root that is not the block's output */
  bool l1_liar;        /* L1 mock 0 forges every eth_getProof */
} scenario;

typedef struct {
  /* L2 */
  pb_trie l2state, mpstore;
  uint8_t l2root[32], mproot[32];
  char *l2hdr[L2_HEAD + 1];          /* header JSON by number */
  uint8_t l2hash[L2_HEAD + 1][32];
  /* L1 */
  pb_trie l1state, fstore, gstore[2];
  uint8_t l1root[32], froot[32], groot[2][32];
  uint8_t factory[20], proxy[2][20], code[2][200], code_hash[2][32], fcode_hash[32];
  size_t code_len[2];
  char *l1hdr;
  char l1hash[67];
  unsigned forged;
} fixture;

static fixture F;

static void be64(uint64_t v, uint8_t *p) {
  for (int i = 0; i < 8; i++) p[7 - i] = (uint8_t)(v >> (8 * i));
}

/* A header JSON (pre-London fields) for number with parent and state root; its hash out. */
static char *header_json(uint64_t number, const uint8_t parent[32], const uint8_t state_root[32], uint8_t hash[32]) {
  char p[67], s[67], e[67], u[67], n[24];
  vc_hex_encode(parent, 32, p);
  vc_hex_encode(state_root, 32, s);
  vc_hex_encode(vc_empty_trie_root, 32, e);
  static const uint8_t uncles[32] = {0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5,
                                     0x67, 0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a,
                                     0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47};
  vc_hex_encode(uncles, 32, u);
  snprintf(n, sizeof n, "0x%llx", (unsigned long long)number);
  json_t *h = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[],s:[]}", "parentHash", p,
                        "sha3Uncles", u, "miner", "0x0000000000000000000000000000000000000000", "stateRoot", s,
                        "transactionsRoot", e, "receiptsRoot", e, "logsBloom", "0x", "difficulty", "0x0", "number", n,
                        "gasLimit", "0x1c9c380", "gasUsed", "0x0", "timestamp", "0x6553f100", "extraData", "0x",
                        "mixHash", e, "nonce", "0x0000000000000000", "size", "0x200", "transactions", "uncles");
  char bloom[2 + 512 + 1] = "0x";
  memset(bloom + 2, '0', 512);
  bloom[514] = 0;
  json_object_set_new(h, "logsBloom", json_string(bloom));
  vc_header hd;
  vc_err err;
  if (vc_header_from_json(h, &hd, &err) != VC_OK) fail_msg("header: %s", err.msg);
  memcpy(hash, hd.hash, 32);
  char hx[67];
  vc_hex_encode(hash, 32, hx);
  json_object_set_new(h, "hash", json_string(hx));
  char *txt = json_dumps(h, JSON_COMPACT);
  json_decref(h);
  return txt;
}

static void build(const scenario *sc) {
  memset(&F, 0, sizeof F);
  /* L2: the message passer with one slot, a funded account */
  uint8_t mp_slot[32] = {0}, one[32] = {0};
  mp_slot[31] = 7;
  one[31] = 1;
  pb_put_slot(&F.mpstore, mp_slot, one);
  uint8_t any[32];
  json_decref(pb_proof(&F.mpstore, any, F.mproot));
  uint8_t addr[20];
  assert_int_equal(vc_hex_decode_fixed(ADDR_HEX, 42, addr, 20), VC_OK);
  pb_put_account(&F.l2state, vc_op_message_passer, 1, F.mproot, vc_empty_code_hash);
  pb_put_account(&F.l2state, addr, 1, vc_empty_trie_root, vc_empty_code_hash);
  json_decref(pb_proof(&F.l2state, any, F.l2root));
  uint8_t zero[32] = {0};
  for (unsigned i = 0; i <= L2_HEAD; i++) F.l2hdr[i] = header_json(i, i ? F.l2hash[i - 1] : zero, F.l2root, F.l2hash[i]);
  /* L1: the factory and two games */
  assert_int_equal(vc_hex_decode_fixed(FACTORY_HEX, 42, F.factory, 20), VC_OK);
  uint8_t count[32] = {0}, s_len[32];
  count[31] = 2;
  vc_op_slot_list_len(NULL, s_len);
  pb_put_slot(&F.fstore, s_len, count);
  const uint64_t blocks[2] = {GAME0_BLOCK, GAME1_BLOCK};
  for (unsigned g = 0; g < 2; g++) {
    vc_op_claim c = {.game_type = 1, .l2_block_number = blocks[g]};
    vc_op_output_root(F.l2root, F.mproot, F.l2hash[blocks[g]], c.root_claim);
    if (g == 1 && sc->wrong_root1) c.root_claim[5] ^= 0x40;
    memset(F.proxy[g], 0x6a, 20);
    F.proxy[g][19] = (uint8_t)(g + 1);
    /* GameId = type << 224 | ts << 160 | proxy */
    uint8_t id[32] = {0};
    id[3] = 1;
    be64(1700000000 + g, id + 4);
    memcpy(id + 12, F.proxy[g], 20);
    uint8_t uuid[32], s_games[32], s_entry[32];
    vc_op_game_uuid(&c, uuid);
    vc_op_slot_games(NULL, uuid, s_games);
    vc_op_slot_list_entry(NULL, g, s_entry);
    pb_put_slot(&F.fstore, s_games, id);
    pb_put_slot(&F.fstore, s_entry, id);
    /* the clone: some code, creator || rootClaim || l1Head || l2BlockNumber, length */
    static const uint8_t prefix[] = {0x3d, 0x3d, 0x3d, 0x3d, 0x36, 0x3d, 0x3d, 0x37, 0x5a, 0xf4};
    uint8_t *k = F.code[g];
    size_t n = sizeof prefix;
    memcpy(k, prefix, n);
    memcpy(k + n, F.factory, 20);
    memcpy(k + n + 20, c.root_claim, 32);
    memset(k + n + 52, 0x11, 32);
    memset(k + n + 84, 0, 24);
    be64(blocks[g], k + n + 108);
    n += 116;
    k[n++] = 0;
    k[n++] = 118;
    F.code_len[g] = n;
    vc_keccak256(k, n, F.code_hash[g]);
    uint8_t slot0[32] = {0}, s0[32] = {0};
    uint8_t status = g == 1 ? sc->status1 : VC_OP_GAME_DEFENDER_WINS;
    be64(1700000000, slot0 + 24);
    be64(status == VC_OP_GAME_IN_PROGRESS ? 0 : 1700000100, slot0 + 16);
    slot0[15] = status;
    slot0[14] = 1;
    pb_put_slot(&F.gstore[g], s0, slot0);
    json_decref(pb_proof(&F.gstore[g], any, F.groot[g]));
  }
  json_decref(pb_proof(&F.fstore, any, F.froot));
  vc_keccak256((const uint8_t *)"factory", 7, F.fcode_hash);
  pb_put_account(&F.l1state, F.factory, 1, F.froot, F.fcode_hash);
  for (unsigned g = 0; g < 2; g++) pb_put_account(&F.l1state, F.proxy[g], 1, F.groot[g], F.code_hash[g]);
  json_decref(pb_proof(&F.l1state, any, F.l1root));
  uint8_t h1[32];
  F.l1hdr = header_json(L1_NUMBER, zero, F.l1root, h1);
}

static void unbuild(void) {
  for (unsigned i = 0; i <= L2_HEAD; i++) free(F.l2hdr[i]);
  free(F.l1hdr);
}

/* --- the mocks -------------------------------------------------------------------- */

typedef struct {
  bool l1;
  bool liar;
} role;

static void reply_result(mconn *c, const char *res) {
  size_t n = strlen(res) + 64;
  char *out = malloc(n);
  snprintf(out, n, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":%s}", res);
  mreply(c, 200, out);
  free(out);
}

static void reply_json(mconn *c, json_t *res) {
  char *t = json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY);
  reply_result(c, t);
  free(t);
  json_decref(res);
}

/* The 32-byte slots asked for in an eth_getProof body, into slots; how many. */
static size_t slots_of(const json_t *params, uint8_t (*slots)[32], size_t cap) {
  const json_t *keys = json_array_get(params, 1);
  size_t n = 0;
  for (size_t i = 0; i < json_array_size(keys) && n < cap; i++) {
    const char *k = json_string_value(json_array_get(keys, i));
    if (!k || vc_hex_decode_fixed(k, strlen(k), slots[n], 32) != VC_OK) continue;
    n++;
  }
  return n;
}

/* A trie's value for slot (zero when absent), read back from the proof builder. */
static void word_of(const pb_trie *t, const uint8_t slot[32], uint8_t out[32]) {
  uint8_t path[32];
  vc_keccak256(slot, 32, path);
  memset(out, 0, 32);
  for (size_t i = 0; i < t->n; i++)
    if (memcmp(t->path[i], path, 32) == 0) {
      /* rlp(minimal big-endian word): a one-byte value is itself, else a short string */
      const uint8_t *v = t->val[i];
      size_t vl = t->val_len[i];
      if (vl == 1) out[31] = v[0];
      else memcpy(out + 32 - (vl - 1), v + 1, vl - 1);
    }
}

static json_t *proof_for(const json_t *params, bool l1) {
  const char *a = json_string_value(json_array_get(params, 0));
  uint8_t addr[20], slots[4][32], words[4][32];
  if (!a || vc_hex_decode_fixed(a, strlen(a), addr, 20) != VC_OK) return json_null();
  size_t n = slots_of(params, slots, 4);
  if (!l1) {
    bool mp = memcmp(addr, vc_op_message_passer, 20) == 0;
    for (size_t i = 0; i < n; i++) word_of(&F.mpstore, slots[i], words[i]);
    return pb_get_proof(&F.l2state, addr, mp ? &F.mpstore : NULL, slots, words, mp ? n : 0,
                        mp ? F.mproot : vc_empty_trie_root, vc_empty_code_hash);
  }
  if (!memcmp(addr, F.factory, 20)) {
    for (size_t i = 0; i < n; i++) word_of(&F.fstore, slots[i], words[i]);
    return pb_get_proof(&F.l1state, addr, &F.fstore, slots, words, n, F.froot, F.fcode_hash);
  }
  for (unsigned g = 0; g < 2; g++)
    if (!memcmp(addr, F.proxy[g], 20)) {
      for (size_t i = 0; i < n; i++) word_of(&F.gstore[g], slots[i], words[i]);
      return pb_get_proof(&F.l1state, addr, &F.gstore[g], slots, words, n, F.groot[g], F.code_hash[g]);
    }
  return json_null();
}

/* Flip a byte in the first storage proof's last node (or the account proof's). */
static void forge(json_t *p) {
  json_t *sp = json_object_get(p, "storageProof");
  json_t *nodes = json_array_size(sp) ? json_object_get(json_array_get(sp, 0), "proof")
                                      : json_object_get(p, "accountProof");
  size_t k = json_array_size(nodes);
  if (!k) return;
  const char *s = json_string_value(json_array_get(nodes, k - 1));
  char *m = strdup(s);
  m[10] = m[10] == 'a' ? 'b' : 'a';
  json_array_set_new(nodes, k - 1, json_string(m));
  free(m);
}

static bool serve(mock *m, mconn *c, const char *body) {
  role *r = m->ud;
  json_error_t je;
  json_t *req = json_loads(body, 0, &je);
  const char *method = json_string_value(json_object_get(req, "method"));
  json_t *params = json_object_get(req, "params");
  bool done = true;
  if (!method) {
    done = false;
  } else if (!strcmp(method, "eth_getBlockByNumber")) {
    const char *n = json_string_value(json_array_get(params, 0));
    uint64_t num = n ? strtoull(n + 2, NULL, 16) : 0;
    if (r->l1) reply_result(c, num == L1_NUMBER ? F.l1hdr : "null");
    else reply_result(c, num <= L2_HEAD ? F.l2hdr[num] : "null");
  } else if (!strcmp(method, "eth_getBlockByHash")) {
    const char *h = json_string_value(json_array_get(params, 0));
    uint8_t want[32];
    const char *res = "null";
    if (!r->l1 && h && vc_hex_decode_fixed(h, strlen(h), want, 32) == VC_OK)
      for (unsigned i = 0; i <= L2_HEAD; i++)
        if (!memcmp(want, F.l2hash[i], 32)) res = F.l2hdr[i];
    reply_result(c, res);
  } else if (!strcmp(method, "eth_getProof")) {
    json_t *p = proof_for(params, r->l1);
    if (r->liar && json_is_object(p)) {
      forge(p);
      F.forged++;
    }
    reply_json(c, p);
  } else if (!strcmp(method, "eth_getCode")) {
    const char *a = json_string_value(json_array_get(params, 0));
    uint8_t addr[20];
    json_t *res = json_string("0x");
    for (unsigned g = 0; r->l1 && a && vc_hex_decode_fixed(a, strlen(a), addr, 20) == VC_OK && g < 2; g++)
      if (!memcmp(addr, F.proxy[g], 20)) {
        json_decref(res);
        res = pb_hex(F.code[g], F.code_len[g]);
      }
    reply_json(c, res);
  } else {
    done = false;
  }
  json_decref(req);
  return done;
}

/* --- the world ------------------------------------------------------------------- */

typedef struct {
  world w;
  mock l1[3];
  role roles[6];
} l1world;

static void up(l1world *x, const scenario *sc) {
  build(sc);
  memset(x, 0, sizeof *x);
  world *w = &x->w;
  assert_int_equal(uv_loop_init(&w->loop), 0);
  char yaml[4096];
  int n = snprintf(yaml, sizeof yaml,
                   "listen: 127.0.0.1:0\nlog: { level: error }\nchain: { id: 31337, name: opdev, kind: op-stack }\n"
                   "anchor: { mode: quorum, quorum: 2 }\n"
                   "pool: { timeout_ms: 1500, hedge_after_ms: 0, head_poll_ms: 100 }\nupstreams:\n");
  static char l2head[16], l1head[16];
  snprintf(l2head, sizeof l2head, "\"0x%x\"", L2_HEAD);
  snprintf(l1head, sizeof l1head, "\"0x%x\"", L1_NUMBER);
  for (int i = 0; i < 3; i++) {
    x->roles[i] = (role){.l1 = false};
    w->up[i].head = l2head;
    w->up[i].balance = "\"0x0\"";
    w->up[i].extra = serve;
    w->up[i].ud = &x->roles[i];
    mock_start(&w->up[i], &w->loop);
    n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  - { name: u%d, url: \"http://127.0.0.1:%d\" }\n", i,
                  w->up[i].port);
  }
  n += snprintf(yaml + n, sizeof yaml - (size_t)n,
                "l1:\n  chain_id: 31337\n  quorum: 2\n  factory: \"" FACTORY_HEX "\"\n  poll_ms: 500\n  walk_max: 64\n"
                "  upstreams:\n");
  for (int i = 0; i < 3; i++) {
    x->roles[3 + i] = (role){.l1 = true, .liar = sc->l1_liar && i == 0};
    x->l1[i].head = l1head;
    x->l1[i].balance = "\"0x0\"";
    x->l1[i].extra = serve;
    x->l1[i].ud = &x->roles[3 + i];
    mock_start(&x->l1[i], &w->loop);
    /* l0 weighs most, so routing asks it first */
    n += snprintf(yaml + n, sizeof yaml - (size_t)n, "    - { name: l%d, url: \"http://127.0.0.1:%d\", weight: %d }\n", i,
                  x->l1[i].port, i == 0 ? 1000 : 1);
  }
  world_start_gateway(w, yaml);
  assert_non_null(w->gw.l1);
}

static void down(l1world *x) {
  for (int i = 0; i < 3; i++) uv_close((uv_handle_t *)&x->l1[i].lis, NULL);
  world_down(&x->w);
  unbuild();
}

/* Run until /status's l1 object satisfies pred (or fail after ms). */
static json_t *wait_l1(l1world *x, bool (*pred)(const json_t *s), unsigned ms, const char *what) {
  uint64_t end = uv_now(&x->w.loop) + ms;
  json_t *s = NULL;
  while (uv_now(&x->w.loop) < end) {
    json_decref(s);
    s = vt_l1_status_json(x->w.gw.l1);
    if (pred(s)) return s;
    run_ms(&x->w, 50);
  }
  char *t = json_dumps(s, JSON_COMPACT);
  fail_msg("%s: never; l1 status %s", what, t);
  return NULL;
}

static uint64_t out_u(const json_t *s, const char *k) {
  return (uint64_t)json_integer_value(json_object_get(json_object_get(s, "output"), k));
}
static bool has_output(const json_t *s) { return json_is_object(json_object_get(s, "output")); }
static bool walked_all(const json_t *s) { return has_output(s) && out_u(s, "walked_down_to") == 0; }
static bool has_conflict(const json_t *s) { return json_is_integer(json_object_get(s, "conflict")); }
static bool tried_twice(const json_t *s) { return json_integer_value(json_object_get(s, "rounds")) >= 2; }

#define BAL_AT(n) "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_getBalance\",\"params\":[\"" ADDR_HEX "\",\"" n "\"]}"

static void expect(l1world *x, const char *body, const char *trust) {
  const char *resp = world_post(&x->w, body);
  if (trust) {
    if (!strstr(resp, "\"result\":\"0x0\"")) fail_msg("not the proven balance: %s", resp);
    if (strcmp(resp_header(resp, "X-Verity-Trust"), trust) != 0)
      fail_msg("trust \"%s\", wanted %s: %s", resp_header(resp, "X-Verity-Trust"), trust, resp);
  } else if (!strstr(resp, "\"code\":-32002")) {
    fail_msg("served, where -32002 was due: %s", resp);
  }
}

static void test_newest_game_proven_and_walked(void **st) {
  (void)st;
  l1world x;
  up(&x, &(scenario){.status1 = VC_OP_GAME_IN_PROGRESS});
  json_t *s = wait_l1(&x, walked_all, 8000, "the newest output proven and walked to genesis");
  assert_int_equal(out_u(s, "l2_block"), GAME1_BLOCK);
  assert_int_equal(out_u(s, "game_index"), 1);
  assert_int_equal(out_u(s, "l1_block"), L1_NUMBER);
  assert_int_equal(out_u(s, "walked"), GAME1_BLOCK + 1);
  assert_string_equal(json_string_value(json_object_get(json_object_get(s, "output"), "status")), "IN_PROGRESS");
  char h[67];
  vc_hex_encode(F.l2hash[GAME1_BLOCK], 32, h);
  assert_string_equal(json_string_value(json_object_get(json_object_get(s, "output"), "l2_hash")), h);
  json_decref(s);
  expect(&x, BAL_AT("0xa"), "verified:l1:in_progress");  /* the output's block */
  expect(&x, BAL_AT("0x3"), "verified:l1:in_progress");  /* walked */
  expect(&x, BAL_AT("0x0"), "verified:l1:in_progress");  /* down to genesis */
  expect(&x, BAL_AT("0xc"), "verified:quorum:2/3");      /* newer than the output */
  const char *m = vt_metrics_text(&x.w.gw, &(size_t){0});
  assert_non_null(strstr(m, "verity_answers_total{trust=\"verified\",anchor=\"l1\"} 3"));
  free((char *)m);
  down(&x);
}

static void test_challenger_won_newest_uses_the_one_before(void **st) {
  (void)st;
  l1world x;
  up(&x, &(scenario){.status1 = VC_OP_GAME_CHALLENGER_WINS});
  json_t *s = wait_l1(&x, has_output, 8000, "an output proven");
  assert_int_equal(out_u(s, "l2_block"), GAME0_BLOCK);
  assert_int_equal(out_u(s, "game_index"), 0);
  assert_string_equal(json_string_value(json_object_get(json_object_get(s, "output"), "status")), "DEFENDER_WINS");
  json_decref(s);
  s = wait_l1(&x, walked_all, 8000, "walked");
  json_decref(s);
  expect(&x, BAL_AT("0x6"), "verified:l1:defender_wins");
  expect(&x, BAL_AT("0x8"), "verified:quorum:2/3"); /* game 1's block: its output lost */
  down(&x);
}

static void test_resolved_wrong_root_refuses_what_it_covers(void **st) {
  (void)st;
  l1world x;
  up(&x, &(scenario){.status1 = VC_OP_GAME_DEFENDER_WINS, .wrong_root1 = true});
  json_t *s = wait_l1(&x, has_conflict, 8000, "the contradiction noticed");
  assert_int_equal(json_integer_value(json_object_get(s, "conflict")), GAME1_BLOCK);
  assert_true(json_is_null(json_object_get(s, "output")));
  assert_non_null(strstr(json_string_value(json_object_get(s, "last_error")), "contradicts the resolved output root"));
  json_decref(s);
  expect(&x, BAL_AT("0xa"), NULL);
  expect(&x, BAL_AT("0x2"), NULL);
  expect(&x, BAL_AT("0xb"), "verified:quorum:2/3");
  down(&x);
}

static void test_in_progress_wrong_root_is_not_used(void **st) {
  (void)st;
  l1world x;
  up(&x, &(scenario){.status1 = VC_OP_GAME_IN_PROGRESS, .wrong_root1 = true});
  json_t *s = wait_l1(&x, tried_twice, 8000, "two rounds");
  assert_true(json_is_null(json_object_get(s, "output")));
  assert_true(json_is_null(json_object_get(s, "conflict")));
  assert_non_null(strstr(json_string_value(json_object_get(s, "last_error")), "still in progress"));
  json_decref(s);
  expect(&x, BAL_AT("0xa"), "verified:quorum:2/3");
  down(&x);
}

static void test_l1_liar_asked_first_is_charged(void **st) {
  (void)st;
  l1world x;
  up(&x, &(scenario){.status1 = VC_OP_GAME_DEFENDER_WINS, .l1_liar = true});
  json_t *s = wait_l1(&x, has_output, 8000, "an output proven past the liar");
  assert_int_equal(out_u(s, "l2_block"), GAME1_BLOCK);
  json_t *ups = json_object_get(s, "upstreams");
  assert_true(F.forged > 0);
  assert_true(json_integer_value(json_object_get(json_array_get(ups, 0), "wrong_answers")) > 0);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(ups, 1), "wrong_answers")), 0);
  json_decref(s);
  expect(&x, BAL_AT("0xa"), "verified:l1:defender_wins");
  down(&x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_newest_game_proven_and_walked),
      cmocka_unit_test(test_challenger_won_newest_uses_the_one_before),
      cmocka_unit_test(test_resolved_wrong_root_refuses_what_it_covers),
      cmocka_unit_test(test_in_progress_wrong_root_is_not_used),
      cmocka_unit_test(test_l1_liar_asked_first_is_charged),
  };
  return cmocka_run_group_tests_name("l1", tests, NULL, NULL);
}
