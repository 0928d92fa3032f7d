/*
 * l1.c: the L1 output tracker (see l1.h).
 *
 * A round is a chain of steps, one upstream call each, driven by the step table: its
 * method, its params and the core check run on every answer (a proof that does not
 * verify is a wrong answer: vt_call charges that upstream and asks another). Each
 * step's `next` starts the following one; any failure ends the round with why, kept
 * for /status, and the last proven output stays in force. Rounds never overlap.
 */
#include "l1/l1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/hex.h"
#include "core/op.h"
#include "core/op_game.h"
#include "obs/log.h"
#include "pool/call.h"

#define L1_WHY_MAX 256
#define L1_PARAMS_MAX 512
#define L1_FIRST_ROUND_MS 300
#define L1_CODE_MAX (VC_OP_CLONE_MAX_CODE)

typedef enum { S_COUNT, S_ENTRY, S_GAME_ACCT, S_CODE, S_GAME, S_L2_MP, S_N } step_id;

typedef struct {
  bool have;
  vt_trust l1_trust; /* how the L1 header was anchored */
  uint64_t l2_number, l1_number, index, created_at, resolved_at;
  uint8_t l2_hash[32], root[32], proxy[20];
  uint32_t game_type;
  uint8_t status;
} output;

struct vt_l1 {
  uv_loop_t *loop;
  vt_config cfg; /* a shallow copy for the L1 pool: its upstreams, chain id, quorum (never freed) */
  vt_pool pool;
  bool pool_init;
  vt_anchor *anchor; /* L1 headers, quorum k = l1.quorum */
  vt_pool *l2_pool;
  vt_anchor *l2_anchor;
  vt_beacon *beacon; /* the L1's light client, or NULL */
  uint8_t factory[20];
  uv_timer_t timer;
  bool timer_init, closing, busy;
  /* the round in progress */
  step_id step;
  uint64_t r_l1_number, r_count, r_index;
  vt_trust r_l1_trust;
  unsigned r_back;
  uint8_t r_l1_root[32];
  uint32_t r_type;
  uint64_t r_ts;
  uint8_t r_proxy[20], r_code_hash[32];
  json_t *r_game_proof, *r_mp_proof;
  vc_op_claim r_claim;
  vc_op_game r_game;
  vc_header r_l2;
  /* what is proven */
  output o;
  bool conflict;
  uint64_t conflict_number;
  uint8_t (*hashes)[32]; /* hashes[i]: the hash of block o.l2_number - i, i < nwalked */
  size_t nwalked, cap;
  bool walking;
  uint64_t walk_gen;
  uint64_t rounds, failures, outputs;
  char last_error[L1_WHY_MAX];
  unsigned close_pending;
  void (*on_closed)(void *arg);
  void *on_closed_arg;
};

static void round_end(vt_l1 *l1, const char *why);
static void ask(vt_l1 *l1, step_id s);
static void walk_step(vt_l1 *l1);

/* --- the step table ---------------------------------------------------------------- */

/* eth_getProof params: address, nslots storage keys (at most 2), the L1 block of the round. */
static int proof_params(const vt_l1 *l1, const uint8_t addr[20], const uint8_t (*slots)[32], size_t nslots, char *p,
                        size_t n) {
  char a[43], keys[2 * 69 + 1];
  size_t k = 0;
  vc_hex_encode(addr, 20, a);
  for (size_t i = 0; i < nslots && i < 2; i++) {
    if (i) keys[k++] = ',';
    keys[k++] = '"';
    k += vc_hex_encode(slots[i], 32, keys + k);
    keys[k++] = '"';
  }
  keys[k] = 0;
  return snprintf(p, n, "[\"%s\",[%s],\"0x%llx\"]", a, keys, (unsigned long long)l1->r_l1_number);
}

static int p_count(vt_l1 *l1, char *p, size_t n) {
  uint8_t s[1][32];
  vc_op_slot_list_len(NULL, s[0]);
  return proof_params(l1, l1->factory, s, 1, p, n);
}

static int p_entry(vt_l1 *l1, char *p, size_t n) {
  uint8_t s[2][32];
  vc_op_slot_list_len(NULL, s[0]);
  vc_op_slot_list_entry(NULL, l1->r_index, s[1]);
  return proof_params(l1, l1->factory, s, 2, p, n);
}

static int p_game_acct(vt_l1 *l1, char *p, size_t n) {
  static const uint8_t slot0[1][32];
  return proof_params(l1, l1->r_proxy, slot0, 1, p, n);
}

static int p_code(vt_l1 *l1, char *p, size_t n) {
  char a[43];
  vc_hex_encode(l1->r_proxy, 20, a);
  return snprintf(p, n, "[\"%s\",\"0x%llx\"]", a, (unsigned long long)l1->r_l1_number);
}

static int p_game(vt_l1 *l1, char *p, size_t n) {
  uint8_t uuid[32], s[2][32];
  vc_op_game_uuid(&l1->r_claim, uuid);
  vc_op_slot_games(NULL, uuid, s[0]);
  vc_op_slot_list_entry(NULL, l1->r_index, s[1]);
  return proof_params(l1, l1->factory, s, 2, p, n);
}

static int p_l2_mp(vt_l1 *l1, char *p, size_t n) {
  char a[43];
  vc_hex_encode(vc_op_message_passer, 20, a);
  return snprintf(p, n, "[\"%s\",[],\"0x%llx\"]", a, (unsigned long long)l1->r_l2.number);
}

/* Checks: 0 and the round's fields set, or -1 with why (a wrong answer). */
static int c_count(vt_l1 *l1, const json_t *r, vc_err *e) {
  uint32_t t;
  uint64_t ts;
  uint8_t px[20];
  return vc_op_verify_game_list(l1->r_l1_root, l1->factory, NULL, r, UINT64_MAX, &l1->r_count, &t, &ts, px, e) ==
                 VC_OK ? 0 : -1;
}

static int c_entry(vt_l1 *l1, const json_t *r, vc_err *e) {
  uint64_t count;
  if (vc_op_verify_game_list(l1->r_l1_root, l1->factory, NULL, r, l1->r_index, &count, &l1->r_type, &l1->r_ts,
                             l1->r_proxy, e) != VC_OK)
    return -1;
  if (l1->r_index >= count) {
    snprintf(e->msg, sizeof e->msg, "game %llu is past the factory's %llu games", (unsigned long long)l1->r_index,
             (unsigned long long)count);
    return -1;
  }
  return 0;
}

static int c_game_acct(vt_l1 *l1, const json_t *r, vc_err *e) {
  vc_account acct;
  if (vc_verify_account_proof(r, l1->r_l1_root, l1->r_proxy, &acct, e) != VC_OK) return -1;
  if (!acct.exists) {
    snprintf(e->msg, sizeof e->msg, "the factory's game has no account on L1");
    return -1;
  }
  /* its slot 0 too, now: the game step uses this proof, and must not charge the next
   * upstream for a forged storage proof this one sent */
  static const uint8_t slot0[1][32];
  uint8_t word[1][32];
  if (vc_verify_storage_proofs(r, &acct, slot0, 1, word, e) != VC_OK) return -1;
  memcpy(l1->r_code_hash, acct.code_hash, 32);
  json_decref(l1->r_game_proof);
  l1->r_game_proof = json_deep_copy(r);
  return l1->r_game_proof ? 0 : -1;
}

static int c_code(vt_l1 *l1, const json_t *r, vc_err *e) {
  const char *s = json_string_value(r);
  static uint8_t code[L1_CODE_MAX];
  size_t len;
  if (!s || vc_hex_decode(s, strlen(s), code, sizeof code, &len) != VC_OK) {
    snprintf(e->msg, sizeof e->msg, "eth_getCode: not code of at most %d bytes", L1_CODE_MAX);
    return -1;
  }
  vc_op_claim c = {.game_type = l1->r_type};
  if (vc_op_claim_from_code(code, len, l1->r_code_hash, &c, NULL, e) != VC_OK) return -1;
  c.game_type = l1->r_type;
  l1->r_claim = c;
  return 0;
}

static int c_game(vt_l1 *l1, const json_t *r, vc_err *e) {
  return vc_op_verify_game(l1->r_l1_root, l1->factory, NULL, &l1->r_claim, &l1->r_index, r, l1->r_game_proof,
                           &l1->r_game, e) == VC_OK ? 0 : -1;
}

static int c_l2_mp(vt_l1 *l1, const json_t *r, vc_err *e) {
  vc_account acct;
  if (vc_verify_account_proof(r, l1->r_l2.state_root, vc_op_message_passer, &acct, e) != VC_OK) return -1;
  json_decref(l1->r_mp_proof);
  l1->r_mp_proof = json_deep_copy(r);
  return l1->r_mp_proof ? 0 : -1;
}

static void n_count(vt_l1 *l1);
static void n_entry(vt_l1 *l1) { ask(l1, S_GAME_ACCT); }
static void n_game_acct(vt_l1 *l1) { ask(l1, S_CODE); }
static void n_code(vt_l1 *l1) { ask(l1, S_GAME); }
static void n_game(vt_l1 *l1);
static void n_l2_mp(vt_l1 *l1);

static const struct {
  const char *method;
  bool on_l2;
  int (*params)(vt_l1 *l1, char *p, size_t n);
  int (*check)(vt_l1 *l1, const json_t *result, vc_err *e);
  void (*next)(vt_l1 *l1);
  const char *what;
} g_steps[S_N] = {
    [S_COUNT] = {"eth_getProof", false, p_count, c_count, n_count, "the factory's game count"},
    [S_ENTRY] = {"eth_getProof", false, p_entry, c_entry, n_entry, "the factory's newest game"},
    [S_GAME_ACCT] = {"eth_getProof", false, p_game_acct, c_game_acct, n_game_acct, "the game's account"},
    [S_CODE] = {"eth_getCode", false, p_code, c_code, n_code, "the game's claim"},
    [S_GAME] = {"eth_getProof", false, p_game, c_game, n_game, "the game in the factory"},
    [S_L2_MP] = {"eth_getProof", true, p_l2_mp, c_l2_mp, n_l2_mp, "the L2 message passer"},
};

/* --- asking ------------------------------------------------------------------------- */

static int step_check(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why,
                      size_t wl) {
  vt_l1 *l1 = c->opts.check_ud;
  (void)u;
  (void)out;
  json_error_t je;
  json_t *r = json_loadb(res, n, JSON_DECODE_ANY, &je);
  vc_err e = {0};
  int rc = r ? g_steps[l1->step].check(l1, r, &e) : -1;
  if (rc != 0) snprintf(why, wl, "%s does not check: %s", g_steps[l1->step].what, r ? e.msg : "not JSON");
  json_decref(r);
  return rc;
}

static void on_step(vt_call *c, void *ud) {
  vt_l1 *l1 = ud;
  bool ok = c->outcome == VT_CALL_OK;
  char why[L1_WHY_MAX];
  if (!ok) { /* the upstreams' failures (the -32002 data: redacted by the call) say why */
    bool data = c->outcome == VT_CALL_UNAVAILABLE && c->result;
    int dn = data ? (int)(c->result_len < 120 ? c->result_len : 120) : 0;
    snprintf(why, sizeof why, "%s could not be proven from any %s upstream: %.*s", g_steps[l1->step].what,
             g_steps[l1->step].on_l2 ? "L2" : "L1", dn, data ? c->result : "");
  }
  vt_call_free(c);
  if (l1->closing) {
    l1->busy = false;
    return;
  }
  if (!ok) {
    round_end(l1, why);
    return;
  }
  g_steps[l1->step].next(l1);
}

static void ask(vt_l1 *l1, step_id s) {
  char params[L1_PARAMS_MAX], body[L1_PARAMS_MAX + 128];
  l1->step = s;
  int pn = g_steps[s].params(l1, params, sizeof params);
  int bn = snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}", g_steps[s].method,
                    params);
  if (pn <= 0 || (size_t)pn >= sizeof params || bn <= 0 || (size_t)bn >= sizeof body) {
    round_end(l1, "internal: request too long");
    return;
  }
  vt_pool *pool = g_steps[s].on_l2 ? l1->l2_pool : &l1->pool;
  uint64_t at = g_steps[s].on_l2 ? l1->r_l2.number : l1->r_l1_number;
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = at};
  vt_call_opts o = {.check = step_check, .check_ud = l1, .agree = 1, .verified = true};
  vt_call *c = vt_call_start_opts(pool, vt_method_find(g_steps[s].method), g_steps[s].method, body, (size_t)bn, &plan,
                                  &o, on_step, l1);
  if (!c) round_end(l1, "out of memory");
}

/* --- the round ---------------------------------------------------------------------- */

static void round_end(vt_l1 *l1, const char *why) {
  l1->busy = false;
  l1->rounds++;
  json_decref(l1->r_game_proof);
  json_decref(l1->r_mp_proof);
  l1->r_game_proof = l1->r_mp_proof = NULL;
  if (why) {
    l1->failures++;
    char red[L1_WHY_MAX];
    vt_pool_redact_str(&l1->pool, why, red, sizeof red);
    if (strcmp(red, l1->last_error) != 0)
      VT_LOG(VT_LOG_WARN, "l1_round_failed", "why=%s (the last proven output stays in force)", red);
    snprintf(l1->last_error, sizeof l1->last_error, "%s", red);
  } else {
    l1->last_error[0] = 0;
  }
  if (!l1->walking && l1->o.have && l1->nwalked < l1->cap && l1->nwalked <= l1->o.l2_number) walk_step(l1);
}

static void n_count(vt_l1 *l1) {
  if (l1->r_count == 0) {
    round_end(l1, "the dispute game factory holds no games yet");
    return;
  }
  l1->r_index = l1->r_count - 1;
  l1->r_back = 0;
  ask(l1, S_ENTRY);
}

static void on_l2_header(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud);

static void n_game(vt_l1 *l1) {
  const vc_op_game *g = &l1->r_game;
  if (g->status == VC_OP_GAME_CHALLENGER_WINS) {
    if (l1->r_back >= VT_L1_MAX_BACK || l1->r_index == 0) {
      round_end(l1, "the newest games were all won by their challengers");
      return;
    }
    l1->r_index--;
    l1->r_back++;
    ask(l1, S_ENTRY);
    return;
  }
  if (g->status != VC_OP_GAME_IN_PROGRESS && g->status != VC_OP_GAME_DEFENDER_WINS) {
    round_end(l1, "the game's status is not one verity knows");
    return;
  }
  output *o = &l1->o;
  if (o->have && o->l2_number == g->claim.l2_block_number && memcmp(o->root, g->claim.root_claim, 32) == 0) {
    /* the same output: its game may have resolved since */
    o->status = g->status;
    o->resolved_at = g->resolved_at;
    o->l1_number = l1->r_l1_number;
    o->l1_trust = l1->r_l1_trust;
    round_end(l1, NULL);
    return;
  }
  if (o->have && g->claim.l2_block_number < o->l2_number) {
    round_end(l1, NULL); /* an older output than the one in force: nothing new */
    return;
  }
  vt_anchor_by_number_plain(l1->l2_anchor, g->claim.l2_block_number, on_l2_header, l1);
}

/* The two header callbacks' common part: true when the round goes on with h. */
static bool header_ok(vt_l1 *l1, const vt_anchored *h, const char *why, const char *what, uint64_t number) {
  if (l1->closing) {
    l1->busy = false;
    return false;
  }
  if (h) return true;
  char msg[L1_WHY_MAX];
  snprintf(msg, sizeof msg, "%s %llu could not be anchored: %s", what, (unsigned long long)number,
           why ? why : "?");
  round_end(l1, msg);
  return false;
}

static void on_l2_header(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  vt_l1 *l1 = ud;
  (void)data;
  (void)agreed;
  if (!header_ok(l1, h, why, "the L2 block of the newest output,", l1->r_game.claim.l2_block_number)) return;
  l1->r_l2 = h->hdr;
  ask(l1, S_L2_MP);
}

static void n_l2_mp(vt_l1 *l1) {
  vc_err e = {0};
  const vc_op_game *g = &l1->r_game;
  if (vc_op_verify_output(&l1->r_l2, g->claim.l2_block_number, l1->r_mp_proof, g->claim.root_claim, NULL, &e) !=
      VC_OK) {
    char msg[L1_WHY_MAX];
    if (g->status == VC_OP_GAME_DEFENDER_WINS) {
      /* a resolved output is the chain: the L2 upstreams' block is not */
      l1->conflict = true;
      if (g->claim.l2_block_number > l1->conflict_number) l1->conflict_number = g->claim.l2_block_number;
      /* answers about blocks above the last L1-proven one came from the upstreams L1 contradicts */
      vt_anchor_distrust_above(l1->l2_anchor, l1->o.have ? l1->o.l2_number : 0);
      snprintf(msg, sizeof msg,
               "the L2 upstreams' block %llu contradicts the resolved output root on L1 (%s): blocks up to it are refused",
               (unsigned long long)g->claim.l2_block_number, e.msg);
    } else {
      snprintf(msg, sizeof msg,
               "the L2 upstreams' block %llu does not give the output root of game %llu, still in progress (%s): not used",
               (unsigned long long)g->claim.l2_block_number, (unsigned long long)l1->r_index, e.msg);
    }
    round_end(l1, msg);
    return;
  }
  output *o = &l1->o;
  *o = (output){.have = true, .l1_trust = l1->r_l1_trust, .l2_number = g->claim.l2_block_number,
                .l1_number = l1->r_l1_number,
                .index = l1->r_index, .created_at = g->created_at, .resolved_at = g->resolved_at,
                .game_type = g->claim.game_type, .status = g->status};
  memcpy(o->l2_hash, l1->r_l2.hash, 32);
  memcpy(o->root, g->claim.root_claim, 32);
  memcpy(o->proxy, g->proxy, 20);
  if (l1->conflict && o->l2_number >= l1->conflict_number) l1->conflict = false; /* a newer output agrees */
  l1->outputs++;
  memcpy(l1->hashes[0], o->l2_hash, 32);
  l1->nwalked = 1;
  l1->walk_gen++;
  l1->walking = false;
  VT_LOG(VT_LOG_INFO, "l1_output", "l2_block=%llu l1_block=%llu game=%llu status=%s", (unsigned long long)o->l2_number,
         (unsigned long long)o->l1_number, (unsigned long long)o->index, vc_op_game_status_name(o->status));
  round_end(l1, NULL);
}

static void on_l1_header(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  vt_l1 *l1 = ud;
  (void)data;
  (void)agreed;
  if (!header_ok(l1, h, why, "the L1 block", l1->r_l1_number)) return;
  memcpy(l1->r_l1_root, h->hdr.state_root, 32);
  l1->r_l1_trust = h->trust;
  ask(l1, S_COUNT);
}

static void on_timer(uv_timer_t *t) {
  vt_l1 *l1 = t->data;
  if (l1->busy || l1->closing) return;
  if (!l1->pool.head_known) {
    snprintf(l1->last_error, sizeof l1->last_error, "no L1 head yet (%u of %zu L1 upstreams must agree)",
             l1->cfg.quorum, l1->pool.nups);
    return;
  }
  l1->busy = true;
  l1->r_l1_number = l1->pool.head;
  vt_anchor_by_number(l1->anchor, l1->r_l1_number, on_l1_header, l1);
}

/* --- the walk: parent hashes down from the output's block ---------------------------- */

typedef struct {
  vt_l1 *l1;
  uint64_t gen;
} walk_req;

static void on_walk(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  walk_req *w = ud;
  vt_l1 *l1 = w->l1;
  bool current = w->gen == l1->walk_gen;
  (void)data;
  (void)agreed;
  free(w);
  if (l1->closing || !current) return;
  l1->walking = false;
  if (!h) {
    snprintf(l1->last_error, sizeof l1->last_error, "walking L2 parent hashes below the output stopped at block %llu: %s",
             (unsigned long long)(l1->o.l2_number - (l1->nwalked - 1)), why ? why : "?");
    return; /* the next round goes on from here */
  }
  if (h->hdr.number != l1->o.l2_number - (l1->nwalked - 1)) {
    snprintf(l1->last_error, sizeof l1->last_error, "walking L2 parent hashes: a header of the wrong number");
    return;
  }
  memcpy(l1->hashes[l1->nwalked++], h->hdr.parent_hash, 32);
  if (l1->nwalked < l1->cap && l1->nwalked <= l1->o.l2_number) walk_step(l1);
}

static void walk_step(vt_l1 *l1) {
  walk_req *w = calloc(1, sizeof *w);
  if (!w) return;
  w->l1 = l1;
  w->gen = l1->walk_gen;
  l1->walking = true;
  vt_anchor_by_hash(l1->l2_anchor, l1->hashes[l1->nwalked - 1], on_walk, w);
}

/* --- the hook, life cycle, status ----------------------------------------------------- */

vt_l1_cover vt_l1_cover_of(void *ud, uint64_t number, uint8_t hash[32], vt_trust *trust, char *why, size_t wl) {
  const vt_l1 *l1 = ud;
  const output *o = &l1->o;
  if (!o->have || number > o->l2_number || o->l2_number - number >= l1->nwalked) {
    if (!l1->conflict || number > l1->conflict_number) return VT_L1_NOT_COVERED;
    snprintf(why, wl,
             "block %llu is at or below L2 block %llu, where the L2 upstreams contradict the output root resolved on L1",
             (unsigned long long)number, (unsigned long long)l1->conflict_number);
    return VT_L1_REFUSED;
  }
  /* a hash L1 fixes stays good whatever the upstreams say above it */
  memcpy(hash, l1->hashes[o->l2_number - number], 32);
  *trust = (vt_trust){.tier = VT_TRUST_VERIFIED, .anchor = VT_ANCHOR_SRC_L1,
                      .l1_status = o->status == VC_OP_GAME_DEFENDER_WINS ? VT_L1_DEFENDER_WINS : VT_L1_IN_PROGRESS};
  return VT_L1_BY_HASH;
}

/* The L1 pool's head follows the light client while it is synced (pool/head.c). */
static bool l1_lc_head(void *ud, uint64_t *number) {
  vt_l1 *l1 = ud;
  vt_beacon_exec lc;
  char why[VT_BEACON_ERR_LEN + 96];
  if (!l1->beacon || !vt_beacon_head(l1->beacon, false, &lc) || !vt_beacon_synced(l1->beacon, why, sizeof why))
    return false;
  *number = lc.block_number;
  return true;
}

void vt_l1_on_beacon(vt_l1 *l1) { vt_pool_head_recompute(&l1->pool); }

vt_l1 *vt_l1_new(uv_loop_t *loop, const vt_config *cfg, vt_fetcher *fetcher, vt_beacon *beacon, vt_pool *l2_pool,
                 vt_anchor *l2_anchor, char *err, size_t errlen) {
  vt_l1 *l1 = calloc(1, sizeof *l1);
  if (!l1) goto oom;
  l1->loop = loop;
  l1->beacon = beacon;
  l1->l2_pool = l2_pool;
  l1->l2_anchor = l2_anchor;
  if (vc_hex_decode_fixed(cfg->l1_factory, strlen(cfg->l1_factory), l1->factory, 20) != VC_OK) {
    snprintf(err, errlen, "l1.factory: not an address");
    free(l1);
    return NULL;
  }
  l1->cap = (size_t)cfg->l1_walk + 1;
  l1->hashes = calloc(l1->cap, sizeof *l1->hashes);
  if (!l1->hashes) goto oom;
  l1->cfg = *cfg;
  l1->cfg.upstreams = cfg->l1_upstreams;
  l1->cfg.nupstreams = cfg->nl1_upstreams;
  l1->cfg.chain_id = cfg->l1_chain_id;
  l1->cfg.chain_kind = VC_CHAIN_ETHEREUM;
  l1->cfg.anchor_mode = beacon ? VT_ANCHOR_AUTO : VT_ANCHOR_QUORUM;
  l1->cfg.quorum = cfg->l1_quorum;
  l1->cfg.head_poll_ms = cfg->l1_poll_ms < 4000 ? cfg->l1_poll_ms : 4000;
  if (vt_pool_init(&l1->pool, loop, &l1->cfg, fetcher, err, errlen) != 0) {
    free(l1->hashes);
    free(l1);
    return NULL;
  }
  l1->pool_init = true;
  l1->pool.hooks = (vt_pool_hooks){.lc_head = l1_lc_head, .ud = l1};
  l1->anchor = vt_anchor_new(&l1->pool, beacon, NULL, NULL);
  if (!l1->anchor) goto oom;
  uv_timer_init(loop, &l1->timer);
  l1->timer.data = l1;
  l1->timer_init = true;
  vt_anchor_set_l1(l2_anchor, vt_l1_cover_of, l1);
  return l1;
oom:
  snprintf(err, errlen, "out of memory starting the L1 anchor");
  if (l1) {
    if (l1->pool_init) vt_pool_free(&l1->pool);
    free(l1->hashes);
    free(l1);
  }
  return NULL;
}

void vt_l1_start(vt_l1 *l1) {
  vt_pool_start(&l1->pool);
  uv_timer_start(&l1->timer, on_timer, L1_FIRST_ROUND_MS, l1->cfg.l1_poll_ms);
}

static void closed_one(vt_l1 *l1) {
  if (--l1->close_pending) return;
  if (l1->on_closed) l1->on_closed(l1->on_closed_arg);
}
static void on_timer_closed(uv_handle_t *h) { closed_one(h->data); }
static void on_pool_closed(void *arg) { closed_one(arg); }

void vt_l1_close(vt_l1 *l1, void (*done)(void *arg), void *arg) {
  l1->closing = true;
  l1->on_closed = done;
  l1->on_closed_arg = arg;
  l1->close_pending = 2;
  uv_close((uv_handle_t *)&l1->timer, on_timer_closed);
  vt_pool_close(&l1->pool, on_pool_closed, l1);
}

void vt_l1_free(vt_l1 *l1) {
  if (!l1) return;
  vt_anchor_free(l1->anchor);
  if (l1->pool_init) vt_pool_free(&l1->pool);
  json_decref(l1->r_game_proof);
  json_decref(l1->r_mp_proof);
  free(l1->hashes);
  free(l1);
}

json_t *vt_l1_status_json(const vt_l1 *l1) {
  char f[43], h[67], r[67], px[43];
  vc_hex_encode(l1->factory, 20, f);
  json_t *s = json_object();
  json_t *ups = json_array();
  uint64_t now = vt_pool_now_ms(&l1->pool);
  for (size_t i = 0; i < l1->pool.nups; i++) {
    const vt_upstream *u = &l1->pool.ups[i];
    json_array_append_new(ups, json_pack("{s:s,s:s,s:I,s:s,s:I}", "name", u->name, "state", vt_upstream_state(u, now),
                                         "head", (json_int_t)u->head, "breaker", vt_breaker_name(u->breaker),
                                         "wrong_answers", (json_int_t)u->lies));
  }
  json_object_set_new(s, "chain_id", json_integer((json_int_t)l1->cfg.chain_id));
  json_object_set_new(s, "quorum", json_integer(l1->cfg.quorum));
  json_object_set_new(s, "head", l1->pool.head_known ? json_integer((json_int_t)l1->pool.head) : json_null());
  json_object_set_new(s, "factory", json_string(f));
  char why[VT_BEACON_ERR_LEN + 96];
  vt_anchor_mode active = vt_anchor_active(l1->anchor, why, sizeof why);
  json_object_set_new(s, "anchor", json_pack("{s:s,s:s}", "active", vt_anchor_mode_name(active), "why", why));
  if (l1->beacon) json_object_set_new(json_object_get(s, "anchor"), "lightclient", vt_beacon_status_json(l1->beacon));
  json_object_set_new(s, "upstreams", ups);
  const output *o = &l1->o;
  if (o->have) {
    vc_hex_encode(o->l2_hash, 32, h);
    vc_hex_encode(o->root, 32, r);
    vc_hex_encode(o->proxy, 20, px);
    char lt[VT_TRUST_TEXT_MAX];
    vt_trust_format(&o->l1_trust, lt, sizeof lt);
    json_object_set_new(
        s, "output",
        json_pack("{s:I,s:s,s:s,s:I,s:I,s:s,s:I,s:s,s:I,s:I,s:I,s:I}", "l2_block", (json_int_t)o->l2_number, "l2_hash",
                  h, "output_root", r, "l1_block", (json_int_t)o->l1_number, "game_index", (json_int_t)o->index, "game",
                  px, "game_type", (json_int_t)o->game_type, "status", vc_op_game_status_name(o->status), "created_at",
                  (json_int_t)o->created_at, "resolved_at", (json_int_t)o->resolved_at, "walked",
                  (json_int_t)l1->nwalked, "walked_down_to", (json_int_t)(o->l2_number - (l1->nwalked - 1))));
    json_object_set_new(json_object_get(s, "output"), "l1_trust", json_string(lt));
  } else {
    json_object_set_new(s, "output", json_null());
  }
  json_object_set_new(s, "conflict", l1->conflict ? json_integer((json_int_t)l1->conflict_number) : json_null());
  json_object_set_new(s, "rounds", json_integer((json_int_t)l1->rounds));
  json_object_set_new(s, "failures", json_integer((json_int_t)l1->failures));
  json_object_set_new(s, "outputs", json_integer((json_int_t)l1->outputs));
  json_object_set_new(s, "last_error", json_string(l1->last_error));
  return s;
}
