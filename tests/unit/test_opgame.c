/*
 * test_opgame.c: output roots and their L1 dispute games (op.h, op_game.h).
 *
 * No recorded eth_getProof of a DisputeGameFactory exists in the fixtures, so the L1
 * state is built here (proofbuild.h: a real MPT, its root cross-checked with the core's
 * trie builder) with the contracts-bedrock layouts: the factory's _disputeGames[uuid]
 * and _disputeGameList, the game's packed slot 0 and its clone code with immutable
 * args. The L2 side is Base mainnet block 1's real header fields given Isthmus fields.
 * End to end: L2 header -> output root -> game created for it on L1 -> proofs at an L1
 * state root -> game verified (type, claim, L2 number, index, status, times) -> header
 * verified against the claim. Then every way it must fail: other claim, other number,
 * other type, other index, bad status words, absent code, tampered proof nodes, another
 * state root, clone args that do not parse, a header that is not the one claimed.
 */
#include "opfix.h"
#include "proofbuild.h"

#include "core/account.h"
#include "core/op.h"
#include "core/op_game.h"
#include "core/u256.h"

#define GAME_INDEX 4
#define GAME_COUNT 5

typedef struct {
  vc_op_claim claim;
  uint8_t factory[20], proxy[20], l1_head[32];
  uint8_t id[32], slot0[32], count_word[32];
  uint8_t code[200];
  size_t code_len;
  uint8_t code_hash[32], factory_code_hash[32];
  pb_trie fstore, gstore, state;
  uint8_t froot[32], groot[32], l1_root[32];
  uint8_t s_games[32], s_len[32], s_entry[32];
} world;

static void be64(uint64_t v, uint8_t *p) {
  for (int i = 0; i < 8; i++) p[7 - i] = (uint8_t)(v >> (8 * i));
}

/* Solady clone-with-immutable-args runtime: some code, then creator || rootClaim ||
 * l1Head || l2BlockNumber, then uint16(args length + 2). */
static void make_code(world *w) {
  static const uint8_t prefix[] = {0x3d, 0x3d, 0x3d, 0x3d, 0x36, 0x3d, 0x3d, 0x37, 0x5a, 0xf4};
  size_t n = 0;
  memcpy(w->code, prefix, sizeof prefix);
  n = sizeof prefix;
  memcpy(w->code + n, w->factory, 20);
  memcpy(w->code + n + 20, w->claim.root_claim, 32);
  memcpy(w->code + n + 52, w->l1_head, 32);
  memset(w->code + n + 84, 0, 24);
  be64(w->claim.l2_block_number, w->code + n + 108);
  n += 116;
  w->code[n++] = 0;
  w->code[n++] = 118;
  w->code_len = n;
  vc_keccak256(w->code, w->code_len, w->code_hash);
}

/* The L1 world: a factory that created one game for claim c at GAME_INDEX, resolved
 * with status / resolvedAt as given (slot0 bytes set by the caller if tweak). */
static void build(world *w, const vc_op_claim *c, uint8_t status, uint64_t resolved_at) {
  memset(w, 0, sizeof *w);
  w->claim = *c;
  memset(w->factory, 0x43, 20);
  memset(w->proxy, 0xa7, 20);
  memset(w->l1_head, 0x11, 32);
  w->proxy[19] = 0x01;
  /* GameId = type << 224 | timestamp << 160 | proxy */
  w->id[0] = (uint8_t)(c->game_type >> 24), w->id[1] = (uint8_t)(c->game_type >> 16);
  w->id[2] = (uint8_t)(c->game_type >> 8), w->id[3] = (uint8_t)c->game_type;
  be64(1700000000, w->id + 4);
  memcpy(w->id + 12, w->proxy, 20);
  /* slot 0: createdAt (low 8 bytes), resolvedAt, status, initialized */
  be64(1700000000, w->slot0 + 24);
  be64(resolved_at, w->slot0 + 16);
  w->slot0[15] = status;
  w->slot0[14] = 1;
  w->count_word[31] = GAME_COUNT;
  uint8_t uuid[32];
  vc_op_game_uuid(c, uuid);
  vc_op_slot_games(NULL, uuid, w->s_games);
  vc_op_slot_list_len(NULL, w->s_len);
  vc_op_slot_list_entry(NULL, GAME_INDEX, w->s_entry);
  pb_put_slot(&w->fstore, w->s_games, w->id);
  pb_put_slot(&w->fstore, w->s_len, w->count_word);
  pb_put_slot(&w->fstore, w->s_entry, w->id);
  uint8_t s0[32] = {0};
  pb_put_slot(&w->gstore, s0, w->slot0);
  uint8_t any[32];
  json_decref(pb_proof(&w->fstore, any, w->froot));
  json_decref(pb_proof(&w->gstore, any, w->groot));
  make_code(w);
  vc_keccak256((const uint8_t *)"factory", 7, w->factory_code_hash);
  pb_put_account(&w->state, w->factory, 1, w->froot, w->factory_code_hash);
  pb_put_account(&w->state, w->proxy, 1, w->groot, w->code_hash);
  json_decref(pb_proof(&w->state, any, w->l1_root));
}

/* The value the factory holds at slot (zero when absent). */
static void fword(const world *w, const uint8_t slot[32], uint8_t out[32]) {
  memset(out, 0, 32);
  if (!memcmp(slot, w->s_games, 32) || !memcmp(slot, w->s_entry, 32)) memcpy(out, w->id, 32);
  if (!memcmp(slot, w->s_len, 32)) memcpy(out, w->count_word, 32);
}

static json_t *factory_proof(const world *w, const uint8_t (*slots)[32], size_t n) {
  uint8_t words[4][32];
  for (size_t i = 0; i < n; i++) fword(w, slots[i], words[i]);
  return pb_get_proof(&w->state, w->factory, &w->fstore, slots, (const uint8_t(*)[32])words, n,
                      w->froot, w->factory_code_hash);
}

static json_t *game_proof(const world *w) {
  static const uint8_t s0[1][32];
  return pb_get_proof(&w->state, w->proxy, &w->gstore, s0, (const uint8_t(*)[32])&w->slot0, 1,
                      w->groot, w->code_hash);
}

/* verify_game on world w for claim c, asking the factory for c's uuid slot and the
 * list entry at index (NULL: not asked). */
static vc_status run_verify(const world *w, const vc_op_claim *c, const uint64_t *index,
                            vc_op_game *g, vc_err *err) {
  uint8_t slots[2][32], uuid[32];
  vc_op_game_uuid(c, uuid);
  vc_op_slot_games(NULL, uuid, slots[0]);
  if (index) vc_op_slot_list_entry(NULL, *index, slots[1]);
  json_t *fp = factory_proof(w, (const uint8_t(*)[32])slots, index ? 2 : 1);
  json_t *gp = game_proof(w);
  vc_status st = vc_op_verify_game(w->l1_root, w->factory, NULL, c, index, fp, gp, g, err);
  json_decref(fp);
  json_decref(gp);
  return st;
}

/* Base block 1's real header fields with Isthmus fields added (not chain data). */
static json_t *isthmus_header(void) {
  json_t *l2 = opfix_load("base-mainnet-l2-1/l2.json");
  if (!l2) return NULL;
  json_t *h = json_deep_copy(json_object_get(json_array_get(l2, 0), "header"));
  json_decref(l2);
  json_object_set_new(h, "withdrawalsRoot",
                      json_string("0x62ed62e0391b081bf172f287fbbe75e87d8a6c22f1d3b1f1aef4788c134633d2"));
  json_object_set_new(h, "blobGasUsed", json_string("0x0"));
  json_object_set_new(h, "excessBlobGas", json_string("0x0"));
  json_object_set_new(h, "parentBeaconBlockRoot",
                      json_string("0x1111111111111111111111111111111111111111111111111111111111111111"));
  json_object_set_new(h, "requestsHash",
                      json_string("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  return h;
}

static void test_output_root(void **state) {
  (void)state;
  uint8_t s[32], m[32], b[32], out[32], pre[128] = {0};
  memset(s, 1, 32), memset(m, 2, 32), memset(b, 3, 32);
  vc_op_output_root(s, m, b, out);
  memcpy(pre + 32, s, 32), memcpy(pre + 64, m, 32), memcpy(pre + 96, b, 32);
  uint8_t want[32];
  vc_keccak256(pre, 128, want);
  assert_memory_equal(out, want, 32);
  /* version byte matters: a non-zero version is a different root */
  pre[31] = 1;
  vc_keccak256(pre, 128, want);
  assert_memory_not_equal(out, want, 32);

  json_t *hj = isthmus_header();
  if (!hj) skip();
  vc_header h;
  vc_err err;
  uint8_t root[32], mp[32];
  assert_int_equal(vc_header_from_json(hj, &h, &err), VC_OK);
  vc_op_output_root(h.state_root, h.withdrawals_root, h.hash, root);
  assert_int_equal(vc_op_verify_output(&h, 1, NULL, root, mp, &err), VC_OK);
  assert_memory_equal(mp, h.withdrawals_root, 32);
  assert_int_equal(vc_op_verify_output(&h, 2, NULL, root, mp, &err), VC_ERR_MISMATCH);
  root[5] ^= 1;
  assert_int_equal(vc_op_verify_output(&h, 1, NULL, root, mp, &err), VC_ERR_MISMATCH);
  /* pre-Isthmus: the message passer root must come from a proof */
  json_object_del(hj, "requestsHash");
  assert_int_equal(vc_header_from_json(hj, &h, &err), VC_OK);
  assert_int_equal(vc_op_verify_output(&h, 1, NULL, root, mp, &err), VC_ERR_MISSING);
  json_decref(hj);
}

/* The message-passer root from an L2 eth_getProof, on a pre-Isthmus header whose
 * stateRoot is that of the built L2 state. */
static void test_output_root_with_proof(void **state) {
  (void)state;
  json_t *hj = isthmus_header();
  if (!hj) skip();
  pb_trie l2 = {0}, none = {0};
  uint8_t mp_root[32], st_root[32], code_hash[32], other[20];
  memset(mp_root, 0x5a, 32);
  vc_keccak256((const uint8_t *)"mp", 2, code_hash);
  memset(other, 0x77, 20);
  pb_put_account(&l2, vc_op_message_passer, 1, mp_root, code_hash);
  pb_put_account(&l2, other, 1, mp_root, code_hash);
  json_decref(pb_proof(&l2, mp_root, st_root));
  char sr[70];
  vc_hex_encode(st_root, 32, sr);
  json_object_set_new(hj, "stateRoot", json_string(sr));
  json_object_del(hj, "requestsHash");
  vc_header h;
  vc_err err;
  uint8_t root[32], got[32];
  assert_int_equal(vc_header_from_json(hj, &h, &err), VC_OK);
  json_t *p = pb_get_proof(&l2, vc_op_message_passer, &none, NULL, NULL, 0, mp_root, code_hash);
  vc_op_output_root(h.state_root, mp_root, h.hash, root);
  assert_int_equal(vc_op_verify_output(&h, 1, p, root, got, &err), VC_OK);
  assert_memory_equal(got, mp_root, 32);
  /* Isthmus header whose withdrawalsRoot disagrees with the proven account */
  json_object_set_new(hj, "requestsHash",
                      json_string("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  assert_int_equal(vc_header_from_json(hj, &h, &err), VC_OK);
  vc_op_output_root(h.state_root, mp_root, h.hash, root);
  assert_int_equal(vc_op_verify_output(&h, 1, p, root, got, &err), VC_ERR_MISMATCH);
  /* a proof of another account is not the message passer's */
  json_decref(p);
  p = pb_get_proof(&l2, other, &none, NULL, NULL, 0, mp_root, code_hash);
  json_object_del(hj, "requestsHash");
  assert_int_equal(vc_header_from_json(hj, &h, &err), VC_OK);
  assert_int_not_equal(vc_op_verify_output(&h, 1, p, root, got, &err), VC_OK);
  json_decref(p);
  json_decref(hj);
}

/* L2 header -> output root -> game on L1 -> game proven -> header proven. */
static void test_anchor_end_to_end(void **state) {
  (void)state;
  json_t *hj = isthmus_header();
  if (!hj) skip();
  vc_header h;
  vc_err err;
  assert_int_equal(vc_header_from_json(hj, &h, &err), VC_OK);
  vc_op_claim c = {.game_type = 1, .l2_block_number = h.number};
  vc_op_output_root(h.state_root, h.withdrawals_root, h.hash, c.root_claim);
  world w;
  build(&w, &c, VC_OP_GAME_DEFENDER_WINS, 1700302800);
  vc_op_game g;
  uint64_t idx = GAME_INDEX;
  if (run_verify(&w, &c, &idx, &g, &err) != VC_OK) fail_msg("%s", err.msg);
  assert_int_equal(g.status, VC_OP_GAME_DEFENDER_WINS);
  assert_string_equal(vc_op_game_status_name(g.status), "DEFENDER_WINS");
  assert_int_equal(g.created_at, 1700000000);
  assert_int_equal(g.created_ts, 1700000000);
  assert_int_equal(g.resolved_at, 1700302800);
  assert_true(g.index_proven);
  assert_int_equal(g.index, GAME_INDEX);
  assert_memory_equal(g.proxy, w.proxy, 20);
  assert_int_equal(vc_op_verify_output(&h, g.claim.l2_block_number, NULL, g.claim.root_claim,
                                       NULL, &err), VC_OK);
  /* the latest-game path: count and last entry from the factory, the game's account
   * (its codeHash) from its proof, the claim from its code, then the claim proven */
  uint8_t ls[2][32];
  memcpy(ls[0], w.s_len, 32);
  memcpy(ls[1], w.s_entry, 32);
  json_t *fp = factory_proof(&w, (const uint8_t(*)[32])ls, 2);
  uint64_t count = 0, ts;
  uint32_t type;
  uint8_t proxy[20];
  assert_int_equal(vc_op_verify_game_list(w.l1_root, w.factory, NULL, fp, GAME_COUNT - 1, &count,
                                          &type, &ts, proxy, &err), VC_OK);
  json_decref(fp);
  assert_int_equal(count, GAME_COUNT);
  assert_memory_equal(proxy, w.proxy, 20);
  json_t *gp = game_proof(&w);
  vc_account acct;
  assert_int_equal(vc_verify_account_proof(gp, w.l1_root, proxy, &acct, &err), VC_OK);
  json_decref(gp);
  vc_op_claim from_code = {.game_type = type};
  uint8_t l1_head[32];
  assert_int_equal(vc_op_claim_from_code(w.code, w.code_len, acct.code_hash, &from_code, l1_head,
                                         &err), VC_OK);
  vc_op_game g2;
  assert_int_equal(run_verify(&w, &from_code, &idx, &g2, &err), VC_OK);
  assert_memory_equal(g2.proxy, proxy, 20);
  assert_memory_equal(from_code.root_claim, c.root_claim, 32);
  assert_int_equal(from_code.l2_block_number, 1);
  assert_memory_equal(l1_head, w.l1_head, 32);
  /* another header (any field changed) is not the claimed output */
  cf_flip_hex(hj, "gasUsed");
  assert_int_equal(vc_header_from_json(hj, &h, &err), VC_OK);
  assert_int_equal(vc_op_verify_output(&h, 1, NULL, g.claim.root_claim, NULL, &err),
                   VC_ERR_MISMATCH);
  json_decref(hj);
}

static void test_game_rejects(void **state) {
  (void)state;
  vc_op_claim c = {.game_type = 0, .l2_block_number = 12345678};
  memset(c.root_claim, 0xcc, 32);
  world w;
  vc_op_game g;
  vc_err err;
  uint64_t idx = GAME_INDEX, wrong = GAME_INDEX - 1;
  build(&w, &c, VC_OP_GAME_IN_PROGRESS, 0);
  assert_int_equal(run_verify(&w, &c, NULL, &g, &err), VC_OK);
  assert_false(g.index_proven);
  assert_int_equal(g.status, VC_OP_GAME_IN_PROGRESS);
  /* a claim the factory does not hold: other root, other number, other type */
  vc_op_claim o = c;
  o.root_claim[31] ^= 1;
  assert_int_equal(run_verify(&w, &o, NULL, &g, &err), VC_ERR_MISMATCH);
  assert_non_null(strstr(err.msg, "no game"));
  o = c, o.l2_block_number++;
  assert_int_equal(run_verify(&w, &o, NULL, &g, &err), VC_ERR_MISMATCH);
  o = c, o.game_type = 1;
  assert_int_equal(run_verify(&w, &o, NULL, &g, &err), VC_ERR_MISMATCH);
  /* the list entry asked for is another one (absent: zero) */
  assert_int_equal(run_verify(&w, &c, &wrong, &g, &err), VC_ERR_MISMATCH);
  assert_int_equal(run_verify(&w, &c, &idx, &g, &err), VC_OK);
  /* another L1 state root */
  world w2 = w;
  w2.l1_root[0] ^= 1;
  assert_int_equal(run_verify(&w2, &c, NULL, &g, &err), VC_ERR_MISMATCH);
  /* the factory's GameId names a type other than the claim's: uuid of type 0 mapped to
   * a type-7 id */
  world w3;
  build(&w3, &c, VC_OP_GAME_IN_PROGRESS, 0);
  w3.id[3] = 7;
  pb_trie fs = {0};
  pb_put_slot(&fs, w3.s_games, w3.id);
  pb_put_slot(&fs, w3.s_len, w3.count_word);
  pb_put_slot(&fs, w3.s_entry, w3.id);
  w3.fstore = fs;
  uint8_t any[32];
  json_decref(pb_proof(&w3.fstore, any, w3.froot));
  memset(&w3.state, 0, sizeof w3.state);
  pb_put_account(&w3.state, w3.factory, 1, w3.froot, w3.factory_code_hash);
  pb_put_account(&w3.state, w3.proxy, 1, w3.groot, w3.code_hash);
  json_decref(pb_proof(&w3.state, any, w3.l1_root));
  assert_int_equal(run_verify(&w3, &c, NULL, &g, &err), VC_ERR_MISMATCH);
  assert_non_null(strstr(err.msg, "type"));
}

/* Slot-0 words a real game never holds. */
static void test_game_status_words(void **state) {
  (void)state;
  vc_op_claim c = {.game_type = 1, .l2_block_number = 99};
  memset(c.root_claim, 0x42, 32);
  static const struct {
    uint8_t status;
    uint64_t resolved;
    vc_status want;
  } cases[] = {
      {VC_OP_GAME_IN_PROGRESS, 0, VC_OK},
      {VC_OP_GAME_CHALLENGER_WINS, 1700000100, VC_OK},
      {VC_OP_GAME_DEFENDER_WINS, 1700000100, VC_OK},
      {3, 1700000100, VC_ERR_MISMATCH},                      /* no such GameStatus */
      {VC_OP_GAME_IN_PROGRESS, 1700000100, VC_ERR_MISMATCH}, /* resolved but in progress */
      {VC_OP_GAME_DEFENDER_WINS, 0, VC_ERR_MISMATCH},        /* won but never resolved */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    world w;
    vc_op_game g;
    vc_err err;
    build(&w, &c, cases[i].status, cases[i].resolved);
    vc_status st = run_verify(&w, &c, NULL, &g, &err);
    if (st != cases[i].want) fail_msg("case %zu: %s (%s)", i, vc_status_name(st), err.msg);
  }
}

/* Tampered proofs: one byte of any node of either proof. */
static void test_game_tampered_proofs(void **state) {
  (void)state;
  vc_op_claim c = {.game_type = 0, .l2_block_number = 7};
  memset(c.root_claim, 0x99, 32);
  world w;
  build(&w, &c, VC_OP_GAME_DEFENDER_WINS, 1700000500);
  uint8_t slots[1][32], uuid[32];
  vc_op_game_uuid(&c, uuid);
  vc_op_slot_games(NULL, uuid, slots[0]);
  size_t tried = 0;
  for (int which = 0; which < 2; which++) {
    json_t *fp = factory_proof(&w, (const uint8_t(*)[32])slots, 1);
    json_t *gp = game_proof(&w);
    json_t *target = which ? gp : fp;
    json_t *arrs[2] = {json_object_get(target, "accountProof"),
                       json_object_get(json_array_get(json_object_get(target, "storageProof"), 0),
                                       "proof")};
    for (int a = 0; a < 2; a++) {
      for (size_t k = 0; k < json_array_size(arrs[a]); k++) {
        json_t *node = json_array_get(arrs[a], k);
        char *s = strdup(json_string_value(node));
        size_t pos = 2 + (strlen(s) - 2) / 2;
        s[pos] = s[pos] == 'a' ? 'b' : 'a';
        json_t *saved = json_incref(node);
        json_array_set_new(arrs[a], k, json_string(s));
        vc_op_game g;
        vc_err err;
        assert_int_not_equal(vc_op_verify_game(w.l1_root, w.factory, NULL, &c, NULL, fp, gp, &g,
                                               &err), VC_OK);
        json_array_set_new(arrs[a], k, saved);
        free(s);
        tried++;
      }
    }
    json_decref(fp);
    json_decref(gp);
  }
  assert_true(tried >= 6);
}

static void test_game_list(void **state) {
  (void)state;
  vc_op_claim c = {.game_type = 1, .l2_block_number = 5};
  memset(c.root_claim, 0x21, 32);
  world w;
  build(&w, &c, VC_OP_GAME_IN_PROGRESS, 0);
  uint8_t slots[2][32];
  memcpy(slots[0], w.s_len, 32);
  memcpy(slots[1], w.s_entry, 32);
  json_t *fp = factory_proof(&w, (const uint8_t(*)[32])slots, 2);
  uint64_t count = 0, ts = 0;
  uint32_t type = 99;
  uint8_t proxy[20];
  vc_err err;
  assert_int_equal(vc_op_verify_game_list(w.l1_root, w.factory, NULL, fp, GAME_INDEX, &count,
                                          &type, &ts, proxy, &err), VC_OK);
  assert_int_equal(count, GAME_COUNT);
  assert_int_equal(type, 1);
  assert_int_equal(ts, 1700000000);
  assert_memory_equal(proxy, w.proxy, 20);
  json_decref(fp);
  /* index past the end: the count alone answers */
  fp = factory_proof(&w, (const uint8_t(*)[32])slots, 1);
  type = 99;
  assert_int_equal(vc_op_verify_game_list(w.l1_root, w.factory, NULL, fp, GAME_COUNT, &count,
                                          &type, &ts, proxy, &err), VC_OK);
  assert_int_equal(count, GAME_COUNT);
  assert_int_equal(type, 99);
  /* an entry inside the count needs its proof */
  assert_int_equal(vc_op_verify_game_list(w.l1_root, w.factory, NULL, fp, 1, &count, &type, &ts,
                                          proxy, &err), VC_ERR_MISSING);
  json_decref(fp);
}

static void test_slots_and_ids(void **state) {
  (void)state;
  uint8_t a[32], b[32], base[32], p[32] = {0};
  /* entry i = keccak(pad(104)) + i, with carries */
  p[31] = 104;
  vc_keccak256(p, 32, base);
  vc_op_slot_list_entry(NULL, 0, a);
  assert_memory_equal(a, base, 32);
  vc_op_slot_list_entry(NULL, 0x1ff, b);
  vc_u256 x, y, z;
  assert_int_equal(vc_u256_from_be(&x, base, 32), VC_OK);
  vc_u256_from_u64(&y, 0x1ff);
  vc_u256_add(&z, &x, &y);
  vc_u256_to_be(&z, a);
  assert_memory_equal(a, b, 32);
  /* a custom layout moves the slots */
  vc_op_dgf_layout old = {102, 103};
  vc_op_slot_list_len(&old, a);
  assert_int_equal(a[31], 103);
  /* uuid: every input matters */
  vc_op_claim c = {.game_type = 1, .l2_block_number = 10};
  memset(c.root_claim, 7, 32);
  vc_op_game_uuid(&c, a);
  c.l2_block_number = 11;
  vc_op_game_uuid(&c, b);
  assert_memory_not_equal(a, b, 32);
  c.l2_block_number = 10, c.game_type = 0;
  vc_op_game_uuid(&c, b);
  assert_memory_not_equal(a, b, 32);
  /* GameId unpack */
  uint8_t id[32] = {0, 0, 0, 1, 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00};
  memset(id + 12, 0xab, 20);
  uint32_t type;
  uint64_t ts;
  uint8_t proxy[20];
  vc_op_game_id_unpack(id, &type, &ts, proxy);
  assert_int_equal(type, 1);
  assert_int_equal(ts, 0x6553f100);
  assert_int_equal(proxy[0], 0xab);
  assert_string_equal(vc_op_game_status_name(9), "unknown");
}

static void test_clone_args(void **state) {
  (void)state;
  vc_op_claim c = {.game_type = 0, .l2_block_number = 0x1234};
  memset(c.root_claim, 0x3c, 32);
  world w;
  build(&w, &c, VC_OP_GAME_IN_PROGRESS, 0);
  vc_op_claim got = {0};
  vc_err err;
  assert_int_equal(vc_op_claim_from_code(w.code, w.code_len, w.code_hash, &got, NULL, &err), VC_OK);
  assert_int_equal(got.l2_block_number, 0x1234);
  /* code that is not the proven code */
  w.code[3] ^= 1;
  assert_int_equal(vc_op_claim_from_code(w.code, w.code_len, w.code_hash, &got, NULL, &err),
                   VC_ERR_MISMATCH);
  w.code[3] ^= 1;
  /* a length suffix longer than the code, or too short for the four args */
  uint8_t h[32];
  w.code[w.code_len - 2] = 0xff;
  vc_keccak256(w.code, w.code_len, h);
  assert_int_equal(vc_op_claim_from_code(w.code, w.code_len, h, &got, NULL, &err), VC_ERR_INPUT);
  w.code[w.code_len - 2] = 0;
  w.code[w.code_len - 1] = 20;
  vc_keccak256(w.code, w.code_len, h);
  assert_int_equal(vc_op_claim_from_code(w.code, w.code_len, h, &got, NULL, &err), VC_ERR_INPUT);
  /* an L2 number over 64 bits */
  w.code[w.code_len - 1] = 118;
  w.code[10 + 84] = 1;
  vc_keccak256(w.code, w.code_len, h);
  assert_int_equal(vc_op_claim_from_code(w.code, w.code_len, h, &got, NULL, &err), VC_ERR_INPUT);
  assert_int_equal(vc_op_claim_from_code(w.code, 1, h, &got, NULL, &err), VC_ERR_MISMATCH);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_output_root),
      cmocka_unit_test(test_output_root_with_proof),
      cmocka_unit_test(test_anchor_end_to_end),
      cmocka_unit_test(test_game_rejects),
      cmocka_unit_test(test_game_status_words),
      cmocka_unit_test(test_game_tampered_proofs),
      cmocka_unit_test(test_game_list),
      cmocka_unit_test(test_slots_and_ids),
      cmocka_unit_test(test_clone_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
