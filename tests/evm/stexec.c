/*
 * stexec.c: one state test case on the EVM (see stexec.h).
 *
 * Steps, each its own function: the pre state into an evm_state (put_state), the block
 * (make_block, with the BLOCKHASH table), the transaction (make_tx: type from the fields
 * present, the access list and authorizations of this data index), the run, then the
 * post root (post_root: the state's accounts and slots as vc_sr records) and the logs
 * hash (logs_hash), and the verdict (judge). Scratch memory lives in one sx_scratch and
 * is freed at `out:`.
 */
#include "stexec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/evm/pc_bls_draft.h"
#include "core/hex.h"
#include "core/keccak.h"

#define SX_CHAIN_ID 1

typedef struct {
  evm_state *state;
  evm_block_hash hashes[EVM_MAX_BLOCK_HASHES];
  evm_access_entry *access;
  evm_authorization *auths;
  vc_sr_account *accts;
  vc_sr_slot *slots;
  vc_sr_log *logs;
} sx_scratch;

static const struct {
  const char *name;
  evm_fork fork;
} fork_names[] = {
    {"Frontier", EVM_FRONTIER},   {"Homestead", EVM_HOMESTEAD},
    {"EIP150", EVM_TANGERINE},    {"EIP158", EVM_SPURIOUS},
    {"Byzantium", EVM_BYZANTIUM}, {"Constantinople", EVM_CONSTANTINOPLE},
    {"ConstantinopleFix", EVM_PETERSBURG}, {"Istanbul", EVM_ISTANBUL},
    {"Berlin", EVM_BERLIN},       {"London", EVM_LONDON},
    {"Paris", EVM_PARIS},         {"Merge", EVM_PARIS},
    {"Shanghai", EVM_SHANGHAI},   {"Cancun", EVM_CANCUN},
    {"Prague", EVM_PRAGUE},       {"Osaka", EVM_OSAKA},
};

int sx_fork_of(const char *name) {
  for (size_t i = 0; i < sizeof fork_names / sizeof fork_names[0]; i++)
    if (strcmp(name, fork_names[i].name) == 0) return (int)fork_names[i].fork;
  return -1;
}

static int put_state(evm_state *s, const st_test *t, char *why) {
  vc_err err;
  int rc = -1;
  for (size_t i = 0; i < t->n_pre; i++) {
    const st_account *a = &t->pre[i];
    if (evm_state_put_account(s, a->address, &a->balance, a->nonce, NULL, &err) != VC_OK ||
        (a->code_len && evm_state_set_code(s, a->address, a->code, a->code_len, &err) != VC_OK))
      goto out;
    for (size_t k = 0; k < a->n_storage; k++) {
      uint8_t key[32], val[32];
      vc_u256_to_be(&a->storage[k].key, key);
      vc_u256_to_be(&a->storage[k].value, val);
      if (evm_state_put_slot(s, a->address, key, val, &err) != VC_OK) goto out;
    }
  }
  rc = 0;
out:
  if (rc) snprintf(why, SX_MSG_MAX, "setting up the pre state: %s", err.msg);
  return rc;
}

static bool use_bls_draft;

void sx_use_bls_draft(bool on) { use_bls_draft = on; }

static void make_block(const st_env *e, evm_fork fork, sx_scratch *sc, evm_block *b) {
  memset(b, 0, sizeof *b);
  b->fork = fork;
  b->number = e->number;
  b->timestamp = e->timestamp;
  b->gas_limit = e->gas_limit;
  memcpy(b->coinbase, e->coinbase, 20);
  b->base_fee = e->base_fee;
  if (e->has_random) memcpy(b->prevrandao, e->random, 32);
  else vc_u256_to_be(&e->difficulty, b->prevrandao);
  evm_blob_base_fee(e->excess_blob_gas, fork, &b->blob_base_fee);
  b->chain_id = SX_CHAIN_ID;
  /* BLOCKHASH(n) = keccak(decimal n), as the reference filler answers it */
  uint64_t lo = e->number > EVM_MAX_BLOCK_HASHES ? e->number - EVM_MAX_BLOCK_HASHES : 0;
  size_t n = 0;
  for (uint64_t k = lo; k < e->number; k++, n++) {
    char dec[24];
    int len = snprintf(dec, sizeof dec, "%llu", (unsigned long long)k);
    sc->hashes[n].number = k;
    vc_keccak256((const uint8_t *)dec, (size_t)len, sc->hashes[n].hash);
  }
  b->hashes = sc->hashes;
  b->n_hashes = n;
  if (use_bls_draft) {
    b->pc_overlay_find = evm_pc_bls_draft_find;
    b->pc_overlay_table = evm_pc_bls_draft_table;
  }
}

static int make_tx(const st_test *t, const st_post *p, sx_scratch *sc, evm_tx *x, char *why) {
  const st_tx *tx = &t->tx;
  int rc = -1;
  const st_access_list *al =
      tx->access_lists && p->d < tx->n_access_lists && tx->access_lists[p->d].present
          ? &tx->access_lists[p->d] : NULL;
  memset(x, 0, sizeof *x);
  x->type = tx->has_auths ? 4 : tx->has_blob_fields ? 3 : tx->has_max_fee ? 2 : al ? 1 : 0;
  memcpy(x->from, tx->sender, 20);
  x->create = tx->is_create;
  memcpy(x->to, tx->to, 20);
  x->value = tx->value[p->v];
  x->gas_limit = tx->gas_limit[p->g];
  x->nonce = tx->nonce;
  x->gas_price = tx->gas_price;
  x->max_fee = tx->max_fee_per_gas;
  x->max_priority_fee = tx->max_priority_fee_per_gas;
  x->max_fee_per_blob_gas = tx->max_fee_per_blob_gas;
  x->data = tx->data[p->d].ptr;
  x->data_len = tx->data[p->d].len;
  x->blob_hashes = (const uint8_t(*)[32])tx->blob_hashes;
  x->n_blob_hashes = tx->n_blob_hashes;
  if (al && al->n) {
    if (!(sc->access = calloc(al->n, sizeof *sc->access))) goto out;
    for (size_t i = 0; i < al->n; i++) {
      memcpy(sc->access[i].addr, al->entries[i].address, 20);
      sc->access[i].keys = (const uint8_t(*)[32])al->entries[i].keys;
      sc->access[i].n_keys = al->entries[i].n_keys;
    }
    x->access_list = sc->access;
    x->n_access = al->n;
  }
  if (tx->n_auths) {
    if (!(sc->auths = calloc(tx->n_auths, sizeof *sc->auths))) goto out;
    for (size_t i = 0; i < tx->n_auths; i++) {
      const st_auth *a = &tx->auths[i];
      sc->auths[i].chain_id = a->chain_id;
      memcpy(sc->auths[i].addr, a->address, 20);
      sc->auths[i].nonce = a->nonce;
      sc->auths[i].y_parity = a->y_parity;
      vc_u256_to_be(&a->r, sc->auths[i].r);
      vc_u256_to_be(&a->s, sc->auths[i].s);
    }
    x->auths = sc->auths;
    x->n_auths = tx->n_auths;
  }
  rc = 0;
out:
  if (rc) snprintf(why, SX_MSG_MAX, "building the transaction: out of memory");
  return rc;
}

/* The state's accounts and non-zero slots -> vc_state_root. */
static int post_root(const evm_state *s, sx_scratch *sc, uint8_t root[32], char *why) {
  size_t cur = 0, n = 0, cap = 0, nslots = 0, slot_cap = 0;
  evm_account_view v;
  vc_err err;
  snprintf(why, SX_MSG_MAX, "post-state root: out of memory"); /* until it succeeds */
  while (evm_state_next_account(s, &cur, &v)) {
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      vc_sr_account *na = realloc(sc->accts, cap * sizeof *na);
      if (!na) return -1;
      sc->accts = na;
    }
    vc_sr_account *a = &sc->accts[n++];
    memset(a, 0, sizeof *a);
    memcpy(a->address, v.addr, 20);
    a->nonce = v.nonce;
    a->balance = v.balance;
    memcpy(a->code_hash, v.code_hash, 32);
    a->n_storage = nslots; /* start index for now; turned into a pointer below */
    size_t sc_cur = 0;
    uint8_t key[32], val[32];
    while (evm_state_next_slot(s, v.addr, &sc_cur, key, val)) {
      if (nslots == slot_cap) {
        slot_cap = slot_cap ? 2 * slot_cap : 256;
        vc_sr_slot *ns = realloc(sc->slots, slot_cap * sizeof *ns);
        if (!ns) return -1;
        sc->slots = ns;
      }
      if (vc_u256_from_be(&sc->slots[nslots].key, key, 32) != VC_OK ||
          vc_u256_from_be(&sc->slots[nslots].value, val, 32) != VC_OK)
        return -1; /* cannot happen for 32 bytes */
      nslots++;
    }
  }
  for (size_t i = 0, start; i < n; i++) {
    start = sc->accts[i].n_storage;
    size_t end = i + 1 < n ? sc->accts[i + 1].n_storage : nslots;
    sc->accts[i].storage = sc->slots ? sc->slots + start : NULL;
    sc->accts[i].n_storage = end - start;
  }
  if (vc_state_root(sc->accts, n, root, &err) != VC_OK) {
    snprintf(why, SX_MSG_MAX, "post-state root: %s", err.msg);
    return -1;
  }
  why[0] = 0;
  return 0;
}

static int logs_hash(const evm_result *r, sx_scratch *sc, uint8_t out[32], char *why) {
  vc_err err;
  if (r->n_logs && !(sc->logs = calloc(r->n_logs, sizeof *sc->logs))) {
    snprintf(why, SX_MSG_MAX, "logs hash: out of memory");
    return -1;
  }
  for (size_t i = 0; i < r->n_logs; i++) {
    memcpy(sc->logs[i].address, r->logs[i].addr, 20);
    sc->logs[i].topics = (const uint8_t(*)[32])r->logs[i].topics;
    sc->logs[i].n_topics = r->logs[i].n_topics;
    sc->logs[i].data = r->logs[i].data;
    sc->logs[i].data_len = r->logs[i].data_len;
  }
  if (vc_logs_hash(sc->logs, r->n_logs, out, &err) != VC_OK) {
    snprintf(why, SX_MSG_MAX, "logs hash: %s", err.msg);
    return -1;
  }
  return 0;
}

/* Exception names the fixtures spell differently from the EVM's (same check, older or
 * newer name in the execution-spec-tests vocabulary). */
static const struct {
  const char *fixture, *evm;
} exception_aliases[] = {
    {"TransactionException.TYPE_3_TX_BLOB_COUNT_EXCEEDED",
     "TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED"},
    {"TransactionException.TYPE_3_TX_PRE_FORK", "TransactionException.TYPE_NOT_SUPPORTED"},
};

static bool same_exception(const char *alt, size_t len, const char *name) {
  if (strlen(name) == len && strncmp(alt, name, len) == 0) return true;
  for (size_t i = 0; i < sizeof exception_aliases / sizeof exception_aliases[0]; i++)
    if (strlen(exception_aliases[i].fixture) == len &&
        strncmp(alt, exception_aliases[i].fixture, len) == 0 &&
        strcmp(name, exception_aliases[i].evm) == 0)
      return true;
  return false;
}

/* Is name one of the '|'-separated alternatives in expect? */
static bool exception_matches(const char *expect, const char *name) {
  for (const char *p = expect; p && *p;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (same_exception(p, len, name)) return true;
    p = bar ? bar + 1 : NULL;
  }
  return false;
}

static void judge(const st_post *p, const evm_result *r, const char *got_exc, const uint8_t root[32],
                  const uint8_t logs[32], sx_outcome *o) {
  char want_h[67], got_h[67], want_l[67], got_l[67];
  const char *what = NULL;
  vc_hex_encode(p->hash, 32, want_h);
  vc_hex_encode(root, 32, got_h);
  vc_hex_encode(p->logs, 32, want_l);
  vc_hex_encode(logs, 32, got_l);
  if (p->expect_exception && !got_exc) what = "expected an invalid transaction, the EVM ran it";
  else if (!p->expect_exception && got_exc) what = "valid transaction rejected";
  else if (got_exc && !exception_matches(p->expect_exception, got_exc)) what = "wrong exception";
  else if (memcmp(root, p->hash, 32) != 0) what = "state root differs";
  else if (memcmp(logs, p->logs, 32) != 0) what = "logs hash differs";
  o->pass = what == NULL;
  if (o->pass) return;
  snprintf(o->why, SX_MSG_MAX,
           "%s: hash want %s got %s; logs want %s got %s; exception want %s got %s; "
           "status %s%s%s gas %llu: %s",
           what, want_h, got_h, want_l, got_l, p->expect_exception ? p->expect_exception : "none",
           got_exc ? got_exc : "none", r ? evm_status_name(r->status) : "-",
           r && r->status == EVM_HALT ? " " : "",
           r && r->status == EVM_HALT ? evm_halt_name(r->halt) : "",
           r ? (unsigned long long)r->gas_used : 0ULL, r ? r->err.msg : "");
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sx_run(const st_test *t, const st_post *p, evm_fork fork, sx_outcome *o) {
  sx_scratch sc;
  evm_block b;
  evm_tx x;
  evm_result r;
  uint8_t root[32], logs[32];
  int rc = -1;
  memset(&sc, 0, sizeof sc);
  memset(&r, 0, sizeof r);
  memset(o, 0, sizeof *o);
  if (!(sc.state = evm_state_new(EVM_STATE_COMPLETE))) {
    snprintf(o->why, SX_MSG_MAX, "evm_state_new: out of memory");
    goto out;
  }
  if (put_state(sc.state, t, o->why)) goto out;
  if (t->tx.value_overflow[p->v]) {
    /* the value cannot be encoded: rejected before the EVM sees it, state unchanged */
    vc_keccak256((const uint8_t *)"\xc0", 1, logs);
    if (post_root(sc.state, &sc, root, o->why)) goto out;
    judge(p, NULL, "TransactionException.RLP_INVALID_VALUE", root, logs, o);
    rc = 0;
    goto out;
  }
  make_block(&t->env, fork, &sc, &b);
  if (make_tx(t, p, &sc, &x, o->why)) goto out;
  double t0 = now_s();
  vc_status st = evm_execute_tx(sc.state, &b, &x, &r);
  o->seconds = now_s() - t0;
  if (st != VC_OK) {
    snprintf(o->why, SX_MSG_MAX, "evm_execute_tx: %s: %s", vc_status_name(st), r.err.msg);
    rc = 0; /* a failed case, not a setup error */
    goto out;
  }
  if (post_root(sc.state, &sc, root, o->why) || logs_hash(&r, &sc, logs, o->why)) goto out;
  judge(p, &r, r.status == EVM_INVALID_TX ? evm_tx_error_name(r.tx_error) : NULL, root, logs, o);
  rc = 0;
out:
  evm_result_free(&r);
  if (sc.state) evm_state_free(sc.state);
  free(sc.access);
  free(sc.auths);
  free(sc.accts);
  free(sc.slots);
  free(sc.logs);
  return rc;
}
