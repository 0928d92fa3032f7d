/*
 * op_game.c: dispute-game slots, GameId and clone-args decoding, and the L1 proofs
 * that tie an OP-stack output root to a game (see op_game.h for the layouts).
 */
#include "core/op_game.h"

#include "core/account.h"
#include "core/keccak.h"

#include <string.h>

#define CLAIM_ARGS_LEN 0x74 /* creator 20 + rootClaim 32 + l1Head 32 + l2BlockNumber 32 */
#define ARG_ROOT_CLAIM 0x14
#define ARG_L1_HEAD 0x34
#define ARG_EXTRA 0x54

const vc_op_dgf_layout vc_op_dgf_layout_default = {103, 104};

static const struct {
  uint8_t status;
  const char *name;
} status_names[] = {
    {VC_OP_GAME_IN_PROGRESS, "IN_PROGRESS"},
    {VC_OP_GAME_CHALLENGER_WINS, "CHALLENGER_WINS"},
    {VC_OP_GAME_DEFENDER_WINS, "DEFENDER_WINS"},
};

const char *vc_op_game_status_name(uint8_t status) {
  for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
    if (status_names[i].status == status) return status_names[i].name;
  return "unknown";
}

static const vc_op_dgf_layout *layout_or_default(const vc_op_dgf_layout *l) {
  return l ? l : &vc_op_dgf_layout_default;
}

static void u64_word(uint64_t v, uint8_t w[32]) {
  memset(w, 0, 32);
  for (int i = 0; i < 8; i++) w[31 - i] = (uint8_t)(v >> (8 * i));
}

static uint64_t be_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

void vc_op_game_uuid(const vc_op_claim *c, uint8_t uuid[32]) {
  /* abi.encode(uint32, bytes32, bytes): head (type, claim, offset 0x60), then the
   * bytes: length 32, the 32-byte L2 block number. */
  uint8_t pre[160];
  u64_word(c->game_type, pre);
  memcpy(pre + 32, c->root_claim, 32);
  u64_word(0x60, pre + 64);
  u64_word(32, pre + 96);
  u64_word(c->l2_block_number, pre + 128);
  vc_keccak256(pre, sizeof pre, uuid);
}

void vc_op_slot_games(const vc_op_dgf_layout *layout, const uint8_t uuid[32], uint8_t slot[32]) {
  uint8_t pre[64];
  memcpy(pre, uuid, 32);
  u64_word(layout_or_default(layout)->games_slot, pre + 32);
  vc_keccak256(pre, sizeof pre, slot);
}

void vc_op_slot_list_len(const vc_op_dgf_layout *layout, uint8_t slot[32]) {
  u64_word(layout_or_default(layout)->list_slot, slot);
}

void vc_op_slot_list_entry(const vc_op_dgf_layout *layout, uint64_t index, uint8_t slot[32]) {
  uint8_t p[32];
  vc_op_slot_list_len(layout, p);
  vc_keccak256(p, 32, slot);
  unsigned carry = 0;
  for (int i = 31; i >= 0; i--) { /* slot += index, mod 2^256 */
    unsigned add = i >= 24 ? (unsigned)(index >> (8 * (31 - i))) & 0xff : 0;
    unsigned s = slot[i] + add + carry;
    slot[i] = (uint8_t)s;
    carry = s >> 8;
  }
}

void vc_op_game_id_unpack(const uint8_t id[32], uint32_t *game_type, uint64_t *ts,
                          uint8_t proxy[20]) {
  *game_type = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
  *ts = be_u64(id + 4);
  memcpy(proxy, id + 12, 20);
}

/* Game slot 0: createdAt, resolvedAt, status, initialized, l2BlockNumberChallenged,
 * packed from the low-order end of the big-endian word. */
static vc_status unpack_slot0(const uint8_t w[32], vc_op_game *g, vc_err *err) {
  g->created_at = be_u64(w + 24);
  g->resolved_at = be_u64(w + 16);
  g->status = w[15];
  g->l2_number_challenged = w[13] != 0;
  if (g->status > VC_OP_GAME_DEFENDER_WINS)
    return vc_fail(err, VC_ERR_MISMATCH, "dispute game: status %u is not a GameStatus",
                   g->status);
  if (w[14] == 0 || g->created_at == 0)
    return vc_fail(err, VC_ERR_MISMATCH, "dispute game: the game is not initialized");
  if ((g->status == VC_OP_GAME_IN_PROGRESS) != (g->resolved_at == 0))
    return vc_fail(err, VC_ERR_MISMATCH, "dispute game: status %s with resolvedAt %llu",
                   vc_op_game_status_name(g->status), (unsigned long long)g->resolved_at);
  return VC_OK;
}

/* The game account under the L1 state root, and its slot 0. */
static vc_status verify_game_account(const uint8_t l1_state_root[32], const json_t *game_proof,
                                     vc_op_game *g, vc_err *err) {
  vc_status st;
  vc_account acct;
  static const uint8_t slot0[1][32];
  uint8_t w[1][32];
  if (!game_proof) return vc_fail(err, VC_ERR_MISSING, "dispute game: no eth_getProof of the game");
  if ((st = vc_verify_account_proof(game_proof, l1_state_root, g->proxy, &acct, err)) != VC_OK)
    return st;
  if (!acct.exists || !memcmp(acct.code_hash, vc_empty_code_hash, 32))
    return vc_fail(err, VC_ERR_MISMATCH, "dispute game: the factory's game has no code on L1");
  if ((st = vc_verify_storage_proofs(game_proof, &acct, slot0, 1, w, err)) != VC_OK) return st;
  return unpack_slot0(w[0], g, err);
}

vc_status vc_op_verify_game(const uint8_t l1_state_root[32], const uint8_t factory[20],
                            const vc_op_dgf_layout *layout, const vc_op_claim *claim,
                            const uint64_t *index, const json_t *factory_proof,
                            const json_t *game_proof, vc_op_game *out, vc_err *err) {
  vc_status st;
  vc_account acct;
  uint8_t uuid[32], slots[2][32], vals[2][32];
  vc_op_game g;
  memset(&g, 0, sizeof g);
  memset(out, 0, sizeof *out);
  g.claim = *claim;
  vc_op_game_uuid(claim, uuid);
  vc_op_slot_games(layout, uuid, slots[0]);
  if (index) vc_op_slot_list_entry(layout, *index, slots[1]);
  if ((st = vc_verify_account_proof(factory_proof, l1_state_root, factory, &acct, err)) != VC_OK)
    return st;
  if (!acct.exists)
    return vc_fail(err, VC_ERR_MISMATCH, "dispute game factory: no account at that address on L1");
  if ((st = vc_verify_storage_proofs(factory_proof, &acct, (const uint8_t(*)[32])slots,
                                     index ? 2 : 1, vals, err)) != VC_OK)
    return st;
  if (all_zero(vals[0], 32))
    return vc_fail(err, VC_ERR_MISMATCH,
                   "dispute game factory: no game of type %u claims this output root for L2 "
                   "block %llu",
                   claim->game_type, (unsigned long long)claim->l2_block_number);
  uint32_t type;
  vc_op_game_id_unpack(vals[0], &type, &g.created_ts, g.proxy);
  if (type != claim->game_type)
    return vc_fail(err, VC_ERR_MISMATCH, "dispute game factory: GameId type %u, claim type %u",
                   type, claim->game_type);
  if (index) {
    if (memcmp(vals[0], vals[1], 32) != 0)
      return vc_fail(err, VC_ERR_MISMATCH, "dispute game factory: game list entry %llu is "
                     "another game", (unsigned long long)*index);
    g.index_proven = true;
    g.index = *index;
  }
  if ((st = verify_game_account(l1_state_root, game_proof, &g, err)) != VC_OK) return st;
  *out = g;
  return VC_OK;
}

vc_status vc_op_verify_game_list(const uint8_t l1_state_root[32], const uint8_t factory[20],
                                 const vc_op_dgf_layout *layout, const json_t *factory_proof,
                                 uint64_t index, uint64_t *count, uint32_t *game_type,
                                 uint64_t *ts, uint8_t proxy[20], vc_err *err) {
  vc_status st;
  vc_account acct;
  uint8_t slots[2][32], vals[2][32];
  vc_op_slot_list_len(layout, slots[0]);
  vc_op_slot_list_entry(layout, index, slots[1]);
  if ((st = vc_verify_account_proof(factory_proof, l1_state_root, factory, &acct, err)) != VC_OK)
    return st;
  if (!acct.exists)
    return vc_fail(err, VC_ERR_MISMATCH, "dispute game factory: no account at that address on L1");
  if ((st = vc_verify_storage_proofs(factory_proof, &acct, (const uint8_t(*)[32])slots, 1, vals,
                                     err)) != VC_OK)
    return st;
  if (!all_zero(vals[0], 24))
    return vc_fail(err, VC_ERR_MISMATCH, "dispute game factory: game count over 64 bits");
  *count = be_u64(vals[0] + 24);
  if (index >= *count) return VC_OK;
  if ((st = vc_verify_storage_proofs(factory_proof, &acct, (const uint8_t(*)[32])slots, 2, vals,
                                     err)) != VC_OK)
    return st;
  if (all_zero(vals[1], 32))
    return vc_fail(err, VC_ERR_MISMATCH, "dispute game factory: list entry %llu is empty",
                   (unsigned long long)index);
  vc_op_game_id_unpack(vals[1], game_type, ts, proxy);
  return VC_OK;
}

vc_status vc_op_claim_from_code(const uint8_t *code, size_t len, const uint8_t code_hash[32],
                                vc_op_claim *claim, uint8_t l1_head[32], vc_err *err) {
  vc_status st;
  if (len > VC_OP_CLONE_MAX_CODE)
    return vc_fail(err, VC_ERR_LIMIT, "game clone: %zu bytes of code exceed %d", len,
                   VC_OP_CLONE_MAX_CODE);
  if ((st = vc_verify_code(code_hash, code, len, err)) != VC_OK) return st;
  if (len < 2) return vc_fail(err, VC_ERR_INPUT, "game clone: no immutable args in the code");
  size_t extra = (size_t)code[len - 2] << 8 | code[len - 1]; /* args length + 2 */
  if (extra < CLAIM_ARGS_LEN + 2 || extra > len || extra - 2 > VC_OP_CLONE_MAX_ARGS)
    return vc_fail(err, VC_ERR_INPUT,
                   "game clone: %zu bytes of immutable args do not hold creator, rootClaim, "
                   "l1Head and l2BlockNumber",
                   extra >= 2 ? extra - 2 : 0);
  const uint8_t *args = code + len - extra;
  if (!all_zero(args + ARG_EXTRA, 24))
    return vc_fail(err, VC_ERR_INPUT, "game clone: l2BlockNumber over 64 bits");
  memcpy(claim->root_claim, args + ARG_ROOT_CLAIM, 32);
  claim->l2_block_number = be_u64(args + ARG_EXTRA + 24);
  if (l1_head) memcpy(l1_head, args + ARG_L1_HEAD, 32);
  return VC_OK;
}
