/*
 * evm_state.c: the EVM's world state, its hash tables and its journal (see evm_int.h).
 *
 * The public half (evm_state_new/put/next/get/free) is what hosts call to fill a state
 * and read the post state back; the st_* half is what the interpreter and the
 * transaction layer use during a run. Every change made during a run goes through the
 * journal first, so st_revert can restore any checkpoint. Entries are never removed
 * from the tables: an account entry whose addition is undone just becomes "unknown"
 * again, and a deleted account keeps its entry with its flags cleared.
 *
 * Memory: the state owns every table, code buffer and bitmap; evm_state_free releases
 * them all. An allocation failure during a run sets s->oom and the run reports
 * VC_ERR_NOMEM; the state stays consistent (the failed change is not made).
 */
#include "core/evm/evm_int.h"

#include <stdlib.h>

#include "core/keccak.h"

#define HT_MIN_CAP 64u

static const uint8_t EMPTY_CODE_HASH[32] = {
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70};

/* --- hashing and generic open addressing --- */

static uint64_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n, uint64_t seed) {
  uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
  while (n >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    h = mix64(h ^ v);
    p += 8;
    n -= 8;
  }
  uint64_t v = 0;
  memcpy(&v, p, n);
  return mix64(h ^ v);
}

static uint64_t acct_hash(const uint8_t addr[20]) { return hash_bytes(addr, 20, 1); }
static uint64_t slot_hash(uint32_t a, const uint8_t key[32]) { return hash_bytes(key, 32, a); }
static uint64_t code_hash_h(const uint8_t h[32]) { return hash_bytes(h, 8, 3); }

typedef bool (*ht_eq_fn)(const evm_state *s, uint32_t idx, const void *key);
typedef uint64_t (*ht_rehash_fn)(const evm_state *s, uint32_t idx);

/* Slot in t where key is (found) or would go (not found). t->cap must be non-zero. */
static size_t ht_probe(const evm_htab *t, uint64_t h, ht_eq_fn eq, const evm_state *s,
                       const void *key, bool *found) {
  size_t mask = t->cap - 1, i = (size_t)h & mask;
  for (;;) {
    uint32_t idx = t->idx[i];
    if (idx == EVM_NO_IDX) {
      *found = false;
      return i;
    }
    if (eq(s, idx, key)) {
      *found = true;
      return i;
    }
    i = (i + 1) & mask;
  }
}

/* Make room for one more of n entries; false on allocation failure. */
static bool ht_reserve(evm_htab *t, size_t n, ht_rehash_fn rh, const evm_state *s) {
  if (t->cap && (n + 1) * 2 <= t->cap) return true;
  size_t cap = t->cap ? t->cap * 2 : HT_MIN_CAP;
  uint32_t *idx = malloc(cap * sizeof *idx);
  if (!idx) return false;
  memset(idx, 0xff, cap * sizeof *idx);
  for (size_t i = 0; i < t->cap; i++) {
    uint32_t x = t->idx[i];
    if (x == EVM_NO_IDX) continue;
    size_t j = (size_t)rh(s, x) & (cap - 1);
    while (idx[j] != EVM_NO_IDX) j = (j + 1) & (cap - 1);
    idx[j] = x;
  }
  free(t->idx);
  t->idx = idx;
  t->cap = cap;
  return true;
}

/* Grow a vector of elements to hold one more; false on failure or over max. */
static bool vec_grow(void **p, size_t *cap, size_t n, size_t elem, size_t max) {
  if (n < *cap) return true;
  if (n >= max) return false;
  size_t nc = *cap ? *cap * 2 : 16;
  if (nc > max) nc = max;
  void *q = realloc(*p, nc * elem);
  if (!q) return false;
  *p = q;
  *cap = nc;
  return true;
}

static bool acct_eq(const evm_state *s, uint32_t i, const void *k) {
  return memcmp(s->accts[i].addr, k, 20) == 0;
}
static uint64_t acct_rh(const evm_state *s, uint32_t i) { return acct_hash(s->accts[i].addr); }

typedef struct {
  uint32_t a;
  const uint8_t *key;
} slot_key;

static bool slot_eq(const evm_state *s, uint32_t i, const void *k) {
  const slot_key *sk = k;
  return s->slots[i].acct == sk->a && memcmp(s->slots[i].key, sk->key, 32) == 0;
}
static uint64_t slot_rh(const evm_state *s, uint32_t i) {
  return slot_hash(s->slots[i].acct, s->slots[i].key);
}
static bool tslot_eq(const evm_state *s, uint32_t i, const void *k) {
  const slot_key *sk = k;
  return s->tslots[i].acct == sk->a && memcmp(s->tslots[i].key, sk->key, 32) == 0;
}
static uint64_t tslot_rh(const evm_state *s, uint32_t i) {
  return slot_hash(s->tslots[i].acct, s->tslots[i].key);
}
static bool code_eq(const evm_state *s, uint32_t i, const void *k) {
  return memcmp(s->codes[i].hash, k, 32) == 0;
}
static uint64_t code_rh(const evm_state *s, uint32_t i) { return code_hash_h(s->codes[i].hash); }

/* --- journal --- */

static evm_jent *jpush(evm_state *s, evm_jkind kind, uint32_t idx) {
  if (!vec_grow((void **)&s->journal, &s->cap_journal, s->n_journal, sizeof(evm_jent),
                EVM_JOURNAL_MAX)) {
    s->oom = true;
    return NULL;
  }
  evm_jent *j = &s->journal[s->n_journal++];
  j->kind = (uint8_t)kind;
  j->idx = idx;
  return j;
}

void st_journal_acct(evm_state *s, uint32_t a) {
  evm_jent *j = jpush(s, J_ACCT, a);
  if (j) j->old.acct = s->accts[a];
  st_mark_dirty(s, a);
}

void st_mark_dirty(evm_state *s, uint32_t a) {
  if (s->accts[a].dirty_tx == s->tx_id) return;
  if (!vec_grow((void **)&s->dirty, &s->cap_dirty, s->n_dirty, sizeof(uint32_t),
                EVM_MAX_ACCOUNTS)) {
    s->oom = true;
    return;
  }
  s->accts[a].dirty_tx = s->tx_id;
  s->dirty[s->n_dirty++] = a;
}

void st_revert(evm_state *s, size_t journal_len) {
  while (s->n_journal > journal_len) {
    evm_jent *j = &s->journal[--s->n_journal];
    switch ((evm_jkind)j->kind) {
      case J_ACCT: {
        uint32_t dirty = s->accts[j->idx].dirty_tx; /* the dirty list is not journaled */
        s->accts[j->idx] = j->old.acct;
        s->accts[j->idx].dirty_tx = dirty;
        break;
      }
      case J_ACCT_NEW: s->accts[j->idx].flags = 0; break;
      case J_SLOT:
        s->slots[j->idx].val = j->old.slot.val;
        s->slots[j->idx].gen = j->old.slot.gen;
        s->slots[j->idx].known = j->old.slot.known;
        break;
      case J_SLOT_WARM: s->slots[j->idx].warm_tx = j->old.slot.warm_tx; break;
      case J_TSLOT: s->tslots[j->idx].val = j->old.slot.val; break;
    }
  }
}

/* --- accounts --- */

uint32_t st_find_acct(const evm_state *s, const uint8_t addr[20]) {
  if (!s->acct_tab.cap) return EVM_NO_IDX;
  bool found;
  size_t i = ht_probe(&s->acct_tab, acct_hash(addr), acct_eq, s, addr, &found);
  return found ? s->acct_tab.idx[i] : EVM_NO_IDX;
}

/* Adds an entry (flags 0 = unknown) without journaling. */
static uint32_t acct_add(evm_state *s, const uint8_t addr[20]) {
  if (!ht_reserve(&s->acct_tab, s->n_accts, acct_rh, s) ||
      !vec_grow((void **)&s->accts, &s->cap_accts, s->n_accts, sizeof(evm_acct),
                EVM_MAX_ACCOUNTS)) {
    s->oom = true;
    return EVM_NO_IDX;
  }
  bool found;
  size_t i = ht_probe(&s->acct_tab, acct_hash(addr), acct_eq, s, addr, &found);
  uint32_t a = (uint32_t)s->n_accts++;
  evm_acct *x = &s->accts[a];
  memset(x, 0, sizeof *x);
  memcpy(x->addr, addr, 20);
  s->acct_tab.idx[i] = a;
  return a;
}

uint32_t st_acct(evm_state *s, const uint8_t addr[20]) {
  uint32_t a = st_find_acct(s, addr);
  if (a != EVM_NO_IDX) return a;
  a = acct_add(s, addr);
  if (a == EVM_NO_IDX) return a;
  if (s->mode == EVM_STATE_COMPLETE) s->accts[a].flags = AF_KNOWN | AF_STORAGE_ALL;
  jpush(s, J_ACCT_NEW, a);
  return a;
}

bool st_acct_empty(const evm_acct *x) {
  return x->nonce == 0 && vc_u256_is_zero(&x->balance) && x->code == 0;
}

void st_delete_account(evm_state *s, uint32_t a) {
  st_journal_acct(s, a);
  evm_acct *x = &s->accts[a];
  x->flags = AF_KNOWN | AF_STORAGE_ALL;
  x->nonce = 0;
  memset(&x->balance, 0, sizeof x->balance);
  x->code = 0;
  x->gen++;
}

/* --- storage --- */

uint32_t st_slot(evm_state *s, uint32_t a, const uint8_t key[32]) {
  slot_key sk = {a, key};
  uint64_t h = slot_hash(a, key);
  bool found;
  if (s->slot_tab.cap) {
    size_t i = ht_probe(&s->slot_tab, h, slot_eq, s, &sk, &found);
    if (found) return s->slot_tab.idx[i];
  }
  if (!ht_reserve(&s->slot_tab, s->n_slots, slot_rh, s) ||
      !vec_grow((void **)&s->slots, &s->cap_slots, s->n_slots, sizeof(evm_slot),
                EVM_MAX_SLOTS)) {
    s->oom = true;
    return EVM_NO_IDX;
  }
  size_t i = ht_probe(&s->slot_tab, h, slot_eq, s, &sk, &found);
  uint32_t si = (uint32_t)s->n_slots++;
  evm_slot *x = &s->slots[si];
  memset(x, 0, sizeof *x);
  x->acct = a;
  x->gen = s->accts[a].gen;
  memcpy(x->key, key, 32);
  s->slot_tab.idx[i] = si;
  return si;
}

void st_slot_write(evm_state *s, uint32_t si, const vc_u256 *val) {
  evm_slot *x = &s->slots[si];
  evm_jent *j = jpush(s, J_SLOT, si);
  if (!j) return;
  j->old.slot.val = x->val;
  j->old.slot.gen = x->gen;
  j->old.slot.known = x->known;
  x->val = *val;
  x->gen = s->accts[x->acct].gen;
  x->known = true;
  st_mark_dirty(s, x->acct);
}

void st_slot_warm(evm_state *s, uint32_t si) {
  evm_jent *j = jpush(s, J_SLOT_WARM, si);
  if (!j) return;
  j->old.slot.warm_tx = s->slots[si].warm_tx;
  s->slots[si].warm_tx = s->tx_id;
}

/* --- transient storage (EIP-1153) --- */

static uint32_t tslot_find(evm_state *s, uint32_t a, const uint8_t key[32], bool add) {
  slot_key sk = {a, key};
  uint64_t h = slot_hash(a, key);
  bool found;
  if (s->tslot_tab.cap) {
    size_t i = ht_probe(&s->tslot_tab, h, tslot_eq, s, &sk, &found);
    if (found) return s->tslot_tab.idx[i];
  }
  if (!add) return EVM_NO_IDX;
  if (!ht_reserve(&s->tslot_tab, s->n_tslots, tslot_rh, s) ||
      !vec_grow((void **)&s->tslots, &s->cap_tslots, s->n_tslots, sizeof(evm_tslot),
                EVM_MAX_SLOTS)) {
    s->oom = true;
    return EVM_NO_IDX;
  }
  size_t i = ht_probe(&s->tslot_tab, h, tslot_eq, s, &sk, &found);
  uint32_t ti = (uint32_t)s->n_tslots++;
  evm_tslot *x = &s->tslots[ti];
  memset(x, 0, sizeof *x);
  x->acct = a;
  memcpy(x->key, key, 32);
  s->tslot_tab.idx[i] = ti;
  return ti;
}

void st_tload(evm_state *s, uint32_t a, const uint8_t key[32], vc_u256 *out) {
  uint32_t ti = tslot_find(s, a, key, false);
  if (ti == EVM_NO_IDX) memset(out, 0, sizeof *out);
  else *out = s->tslots[ti].val;
}

void st_tstore(evm_state *s, uint32_t a, const uint8_t key[32], const vc_u256 *val) {
  uint32_t ti = tslot_find(s, a, key, true);
  if (ti == EVM_NO_IDX) return;
  evm_jent *j = jpush(s, J_TSLOT, ti);
  if (!j) return;
  j->old.slot.val = s->tslots[ti].val;
  s->tslots[ti].val = *val;
}

void st_tclear(evm_state *s) {
  s->n_tslots = 0;
  if (s->tslot_tab.cap) memset(s->tslot_tab.idx, 0xff, s->tslot_tab.cap * sizeof(uint32_t));
}

/* --- code --- */

static uint32_t code_find(const evm_state *s, const uint8_t hash[32]) {
  if (!s->code_tab.cap) return EVM_NO_IDX;
  bool found;
  size_t i = ht_probe(&s->code_tab, code_hash_h(hash), code_eq, s, hash, &found);
  return found ? s->code_tab.idx[i] : EVM_NO_IDX;
}

/* The entry for hash, added without bytes when absent. */
static uint32_t code_entry(evm_state *s, const uint8_t hash[32]) {
  uint32_t ci = code_find(s, hash);
  if (ci != EVM_NO_IDX) return ci;
  if (!ht_reserve(&s->code_tab, s->n_codes, code_rh, s) ||
      !vec_grow((void **)&s->codes, &s->cap_codes, s->n_codes, sizeof(evm_code),
                EVM_MAX_ACCOUNTS)) {
    s->oom = true;
    return EVM_NO_IDX;
  }
  bool found;
  size_t i = ht_probe(&s->code_tab, code_hash_h(hash), code_eq, s, hash, &found);
  ci = (uint32_t)s->n_codes++;
  memset(&s->codes[ci], 0, sizeof s->codes[ci]);
  memcpy(s->codes[ci].hash, hash, 32);
  s->code_tab.idx[i] = ci;
  return ci;
}

static bool code_fill(evm_state *s, uint32_t ci, const uint8_t *code, size_t len) {
  evm_code *c = &s->codes[ci];
  if (c->bytes) return true;
  c->bytes = calloc(1, len + EVM_CODE_PAD);
  if (!c->bytes) {
    s->oom = true;
    return false;
  }
  if (len) memcpy(c->bytes, code, len);
  c->len = len;
  return true;
}

uint32_t st_code_add(evm_state *s, const uint8_t *code, size_t len) {
  if (len == 0) return 0;
  uint8_t h[32];
  vc_keccak256(code, len, h);
  uint32_t ci = code_entry(s, h);
  if (ci == EVM_NO_IDX || !code_fill(s, ci, code, len)) return EVM_NO_IDX;
  return ci;
}

uint64_t *evm_jumpdest_analysis(const uint8_t *code, size_t len) {
  uint64_t *bm = calloc(len / 64 + 1, sizeof *bm);
  if (!bm) return NULL;
  for (size_t i = 0; i < len; i++) {
    uint8_t op = code[i];
    if (op == 0x5b) bm[i / 64] |= (uint64_t)1 << (i % 64);
    else if (op >= 0x60 && op <= 0x7f) i += (size_t)(op - 0x5f);
  }
  return bm;
}

const uint64_t *st_jumpdests(evm_state *s, uint32_t ci) {
  evm_code *c = &s->codes[ci];
  if (!c->jumpdests) {
    c->jumpdests = evm_jumpdest_analysis(c->bytes, c->len);
    if (!c->jumpdests) s->oom = true;
  }
  return c->jumpdests;
}

/* --- public: lifecycle and filling --- */

evm_state *evm_state_new(evm_state_mode mode) {
  evm_state *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->mode = mode;
  s->tx_id = 1;
  s->ops_fork = -1;
  uint32_t ci = code_entry(s, EMPTY_CODE_HASH); /* entry 0: the empty code */
  if (ci != 0 || !code_fill(s, 0, NULL, 0)) {
    evm_state_free(s);
    return NULL;
  }
  return s;
}

void evm_state_free(evm_state *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_codes; i++) {
    free(s->codes[i].bytes);
    free(s->codes[i].jumpdests);
  }
  free(s->codes);
  free(s->code_tab.idx);
  free(s->accts);
  free(s->acct_tab.idx);
  free(s->slots);
  free(s->slot_tab.idx);
  free(s->tslots);
  free(s->tslot_tab.idx);
  free(s->journal);
  free(s->dirty);
  free(s);
}

/* The host's puts are not journaled: they are facts, not changes. */
static uint32_t put_acct(evm_state *s, const uint8_t addr[20], vc_err *err) {
  uint32_t a = st_find_acct(s, addr);
  if (a == EVM_NO_IDX) a = acct_add(s, addr);
  if (a == EVM_NO_IDX) vc_fail(err, VC_ERR_NOMEM, "evm state: out of memory adding an account");
  return a;
}

vc_status evm_state_put_account(evm_state *s, const uint8_t addr[20], const vc_u256 *balance,
                                uint64_t nonce, const uint8_t code_hash[32], vc_err *err) {
  uint32_t ci = 0;
  if (code_hash && memcmp(code_hash, EMPTY_CODE_HASH, 32) != 0) {
    ci = code_entry(s, code_hash);
    if (ci == EVM_NO_IDX) return vc_fail(err, VC_ERR_NOMEM, "evm state: out of memory");
  }
  uint32_t a = put_acct(s, addr, err);
  if (a == EVM_NO_IDX) return VC_ERR_NOMEM;
  evm_acct *x = &s->accts[a];
  x->flags |= AF_KNOWN | AF_EXISTS;
  if (s->mode == EVM_STATE_COMPLETE) x->flags |= AF_STORAGE_ALL;
  x->balance = *balance;
  x->nonce = nonce;
  x->code = ci;
  return VC_OK;
}

vc_status evm_state_put_code(evm_state *s, const uint8_t *code, size_t len, vc_err *err) {
  if (len > EVM_MAX_INPUT_CODE)
    return vc_fail(err, VC_ERR_LIMIT, "evm state: code of %zu bytes is over the %zu-byte cap",
                   len, EVM_MAX_INPUT_CODE);
  if (st_code_add(s, code, len) == EVM_NO_IDX)
    return vc_fail(err, VC_ERR_NOMEM, "evm state: out of memory storing code");
  return VC_OK;
}

vc_status evm_state_set_code(evm_state *s, const uint8_t addr[20], const uint8_t *code,
                             size_t len, vc_err *err) {
  uint32_t a = st_find_acct(s, addr);
  if (a == EVM_NO_IDX || !(s->accts[a].flags & AF_EXISTS))
    return vc_fail(err, VC_ERR_INPUT, "evm state: set_code on an account that was not put");
  vc_status st = evm_state_put_code(s, code, len, err);
  if (st != VC_OK) return st;
  s->accts[a].code = st_code_add(s, code, len);
  return VC_OK;
}

vc_status evm_state_put_absent(evm_state *s, const uint8_t addr[20], vc_err *err) {
  if (s->mode == EVM_STATE_COMPLETE) return VC_OK;
  uint32_t a = put_acct(s, addr, err);
  if (a == EVM_NO_IDX) return VC_ERR_NOMEM;
  s->accts[a].flags = AF_KNOWN | AF_STORAGE_ALL;
  return VC_OK;
}

vc_status evm_state_put_slot(evm_state *s, const uint8_t addr[20], const uint8_t key[32],
                             const uint8_t val[32], vc_err *err) {
  uint32_t a = st_find_acct(s, addr);
  if (a == EVM_NO_IDX || !(s->accts[a].flags & AF_EXISTS))
    return vc_fail(err, VC_ERR_INPUT, "evm state: put_slot on an account that was not put");
  uint32_t si = st_slot(s, a, key);
  if (si == EVM_NO_IDX) return vc_fail(err, VC_ERR_NOMEM, "evm state: out of memory");
  w_from_be32(&s->slots[si].val, val);
  s->slots[si].gen = s->accts[a].gen;
  s->slots[si].known = true;
  return VC_OK;
}

vc_status evm_state_put_storage_complete(evm_state *s, const uint8_t addr[20], vc_err *err) {
  uint32_t a = st_find_acct(s, addr);
  if (a == EVM_NO_IDX || !(s->accts[a].flags & AF_KNOWN))
    return vc_fail(err, VC_ERR_INPUT, "evm state: storage_complete on an unknown account");
  s->accts[a].flags |= AF_STORAGE_ALL;
  return VC_OK;
}

/* --- public: reading back --- */

static void view_of(const evm_state *s, const evm_acct *x, evm_account_view *out) {
  const evm_code *c = &s->codes[x->code];
  memcpy(out->addr, x->addr, 20);
  out->balance = x->balance;
  out->nonce = x->nonce;
  memcpy(out->code_hash, c->hash, 32);
  out->code = c->len ? c->bytes : NULL;
  out->code_len = c->len;
}

bool evm_state_next_account(const evm_state *s, size_t *cursor, evm_account_view *out) {
  while (*cursor < s->n_accts) {
    const evm_acct *x = &s->accts[(*cursor)++];
    if (!(x->flags & AF_EXISTS)) continue;
    view_of(s, x, out);
    return true;
  }
  return false;
}

bool evm_state_next_slot(const evm_state *s, const uint8_t addr[20], size_t *cursor,
                         uint8_t key[32], uint8_t val[32]) {
  uint32_t a = st_find_acct(s, addr);
  if (a == EVM_NO_IDX) return false;
  while (*cursor < s->n_slots) {
    const evm_slot *x = &s->slots[(*cursor)++];
    if (x->acct != a || x->gen != s->accts[a].gen || vc_u256_is_zero(&x->val)) continue;
    memcpy(key, x->key, 32);
    w_to_be(&x->val, val);
    return true;
  }
  return false;
}

bool evm_state_get_account(const evm_state *s, const uint8_t addr[20], evm_account_view *out) {
  uint32_t a = st_find_acct(s, addr);
  if (a == EVM_NO_IDX || !(s->accts[a].flags & AF_EXISTS)) return false;
  view_of(s, &s->accts[a], out);
  return true;
}

void evm_state_get_slot(const evm_state *s, const uint8_t addr[20], const uint8_t key[32],
                        uint8_t val[32]) {
  memset(val, 0, 32);
  uint32_t a = st_find_acct(s, addr);
  if (a == EVM_NO_IDX || !s->slot_tab.cap) return;
  slot_key sk = {a, key};
  bool found;
  size_t i = ht_probe(&s->slot_tab, slot_hash(a, key), slot_eq, s, &sk, &found);
  if (!found) return;
  const evm_slot *x = &s->slots[s->slot_tab.idx[i]];
  if (x->gen == s->accts[a].gen) w_to_be(&x->val, val);
}

/* Does account a have a non-zero slot (EIP-7610 create collision)? A scan: creates are
 * rare next to the slots a run touches. */
bool st_has_storage(const evm_state *s, uint32_t a) {
  for (size_t i = 0; i < s->n_slots; i++) {
    const evm_slot *x = &s->slots[i];
    if (x->acct == a && x->gen == s->accts[a].gen && !vc_u256_is_zero(&x->val)) return true;
  }
  return false;
}
