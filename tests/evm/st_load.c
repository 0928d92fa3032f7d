/*
 * st_load.c: GeneralStateTests JSON -> st_file (see st_load.h).
 *
 * One reader per JSON shape (quantity, fixed bytes, byte string, list), each taking a
 * field name for its error message; one parser per section (env, pre, transaction,
 * post). All memory comes from st_new, which links every block into the file so that
 * st_file_free releases everything at once, whatever point parsing stopped at.
 */
#include "st_load.h"

#include <jansson.h>
#include <secp256k1.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keccak.h"

struct st_block {
  st_block *next;
  max_align_t data[];
};

typedef struct {
  st_file *f;
  st_err *err;
  const char *test;
} ctx;

static int fail(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ctx *c, const char *fmt, ...) {
  char m[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  snprintf(c->err->msg, sizeof c->err->msg, "test %s: %s", c->test ? c->test : "?", m);
  return -1;
}

static void *st_new(ctx *c, size_t n) {
  st_block *b = calloc(1, sizeof *b + (n ? n : 1));
  if (!b) return NULL;
  b->next = c->f->blocks;
  c->f->blocks = b;
  return b->data;
}

static void *st_array(ctx *c, size_t n, size_t size, size_t cap, const char *what) {
  if (n > cap) {
    fail(c, "%s: %zu entries exceed the cap of %zu", what, n, cap);
    return NULL;
  }
  void *p = st_new(c, n * size);
  if (!p) fail(c, "%s: out of memory", what);
  return p;
}

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  ch = (char)(ch | 0x20);
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

/* A quantity: "0x..." (leading zeros allowed, any digit count) or "0x:bigint 0x...".
 * *overflow (when non-NULL) reports a value past 256 bits instead of failing. */
static int q_u256(ctx *c, json_t *j, const char *what, vc_u256 *out, bool *overflow) {
  const char *s = json_string_value(j);
  if (!s) return fail(c, "%s: expected a hex string", what);
  if (strncmp(s, "0x:bigint ", 10) == 0) s += 10;
  if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return fail(c, "%s: \"%.40s\" is not hex", what, s);
  s += 2;
  while (*s == '0') s++;
  size_t n = strlen(s);
  memset(out, 0, sizeof *out);
  if (overflow) *overflow = n > 64;
  if (n > 64) {
    if (overflow) return 0;
    return fail(c, "%s: more than 256 bits", what);
  }
  for (size_t i = 0; i < n; i++) {
    int v = hexval(s[n - 1 - i]);
    if (v < 0) return fail(c, "%s: bad hex digit", what);
    out->w[i / 16] |= (uint64_t)v << (4 * (i % 16));
  }
  return 0;
}

static int q_u64(ctx *c, json_t *j, const char *what, uint64_t *out) {
  vc_u256 v;
  if (q_u256(c, j, what, &v, NULL)) return -1;
  if (v.w[1] || v.w[2] || v.w[3]) return fail(c, "%s: does not fit 64 bits", what);
  *out = v.w[0];
  return 0;
}

/* Byte string "0x..." (even digits) into a new block; cap names the limit. */
static int q_bytes(ctx *c, json_t *j, const char *what, size_t cap, const uint8_t **out,
                   size_t *len) {
  const char *s = json_string_value(j);
  if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
    return fail(c, "%s: expected a 0x-prefixed hex string", what);
  s += 2;
  size_t n = strlen(s);
  if (n % 2) return fail(c, "%s: odd number of hex digits", what);
  if (n / 2 > cap) return fail(c, "%s: %zu bytes exceed the cap of %zu", what, n / 2, cap);
  uint8_t *b = st_new(c, n / 2);
  if (!b) return fail(c, "%s: out of memory", what);
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(c, "%s: bad hex digit", what);
    b[i] = (uint8_t)(hi << 4 | lo);
  }
  *out = b;
  *len = n / 2;
  return 0;
}

/* Exactly n bytes; "0x" optional (genesis-style keys omit it); a shorter quantity-style
 * value is left-padded (currentRandom is sometimes written as a quantity). */
static int q_fixed(ctx *c, const char *s, const char *what, uint8_t *out, size_t n) {
  if (!s) return fail(c, "%s: expected a hex string", what);
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  size_t digits = strlen(s);
  if (digits > 2 * n) return fail(c, "%s: longer than %zu bytes", what, n);
  memset(out, 0, n);
  for (size_t i = 0; i < digits; i++) {
    int v = hexval(s[digits - 1 - i]);
    if (v < 0) return fail(c, "%s: bad hex digit", what);
    out[n - 1 - i / 2] |= (uint8_t)(v << (4 * (i % 2)));
  }
  return 0;
}

int st_sender_of(const uint8_t secret_key[32], uint8_t out[20]) {
  static secp256k1_context *sctx; /* read-only after creation; the runner is one thread */
  if (!sctx) sctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  secp256k1_pubkey pk;
  uint8_t ser[65], h[32];
  size_t len = sizeof ser;
  if (!sctx || !secp256k1_ec_pubkey_create(sctx, &pk, secret_key)) return -1;
  secp256k1_ec_pubkey_serialize(sctx, ser, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
  vc_keccak256(ser + 1, 64, h);
  memcpy(out, h + 12, 20);
  return 0;
}

static int parse_env(ctx *c, json_t *j, st_env *e) {
  if (!json_is_object(j)) return fail(c, "env: missing");
  if (q_fixed(c, json_string_value(json_object_get(j, "currentCoinbase")), "env.currentCoinbase",
              e->coinbase, 20) ||
      q_u64(c, json_object_get(j, "currentNumber"), "env.currentNumber", &e->number) ||
      q_u64(c, json_object_get(j, "currentTimestamp"), "env.currentTimestamp", &e->timestamp) ||
      q_u64(c, json_object_get(j, "currentGasLimit"), "env.currentGasLimit", &e->gas_limit))
    return -1;
  json_t *v;
  if ((v = json_object_get(j, "currentDifficulty")) &&
      q_u256(c, v, "env.currentDifficulty", &e->difficulty, NULL))
    return -1;
  if ((v = json_object_get(j, "currentBaseFee"))) {
    e->has_base_fee = true;
    if (q_u256(c, v, "env.currentBaseFee", &e->base_fee, NULL)) return -1;
  }
  if ((v = json_object_get(j, "currentRandom"))) {
    e->has_random = true;
    if (q_fixed(c, json_string_value(v), "env.currentRandom", e->random, 32)) return -1;
  }
  if ((v = json_object_get(j, "currentExcessBlobGas"))) {
    e->has_excess_blob_gas = true;
    if (q_u64(c, v, "env.currentExcessBlobGas", &e->excess_blob_gas)) return -1;
  }
  return 0;
}

static int parse_account(ctx *c, const char *addr, json_t *j, st_account *a) {
  json_t *v;
  if (q_fixed(c, addr, "pre: address", a->address, 20)) return -1;
  if ((v = json_object_get(j, "nonce")) && q_u64(c, v, "pre: nonce", &a->nonce)) return -1;
  if ((v = json_object_get(j, "balance")) && q_u256(c, v, "pre: balance", &a->balance, NULL))
    return -1;
  if ((v = json_object_get(j, "code")) &&
      q_bytes(c, v, "pre: code", ST_MAX_CODE, &a->code, &a->code_len))
    return -1;
  json_t *st = json_object_get(j, "storage");
  size_t n = json_object_size(st);
  a->storage = st_array(c, n, sizeof *a->storage, ST_MAX_SLOTS, "pre: storage");
  if (!a->storage) return -1;
  const char *k;
  json_object_foreach(st, k, v) {
    json_t *kj = json_string(k);
    int r = kj ? q_u256(c, kj, "pre: storage key", &a->storage[a->n_storage].key, NULL) : -1;
    json_decref(kj);
    if (r || q_u256(c, v, "pre: storage value", &a->storage[a->n_storage].value, NULL)) return -1;
    a->n_storage++;
  }
  return 0;
}

static int parse_pre(ctx *c, json_t *j, st_test *t) {
  if (!json_is_object(j)) return fail(c, "pre: missing");
  t->pre = st_array(c, json_object_size(j), sizeof *t->pre, ST_MAX_ACCOUNTS, "pre");
  if (!t->pre) return -1;
  const char *addr;
  json_t *acc;
  json_object_foreach(j, addr, acc) {
    if (parse_account(c, addr, acc, &t->pre[t->n_pre])) return -1;
    t->n_pre++;
  }
  return 0;
}

static int parse_access_list(ctx *c, json_t *j, st_access_list *al) {
  if (json_is_null(j)) return 0;
  if (!json_is_array(j)) return fail(c, "accessLists: expected a list or null");
  al->present = true;
  al->entries = st_array(c, json_array_size(j), sizeof *al->entries, ST_MAX_ACCESS, "accessList");
  if (!al->entries) return -1;
  size_t i, k;
  json_t *e, *key;
  json_array_foreach(j, i, e) {
    st_access_entry *en = &al->entries[al->n++];
    if (q_fixed(c, json_string_value(json_object_get(e, "address")), "accessList.address",
                en->address, 20))
      return -1;
    json_t *keys = json_object_get(e, "storageKeys");
    en->keys = st_array(c, json_array_size(keys), 32, ST_MAX_ACCESS_KEYS, "accessList.storageKeys");
    if (!en->keys) return -1;
    json_array_foreach(keys, k, key) {
      if (q_fixed(c, json_string_value(key), "accessList.storageKey", en->keys[en->n_keys++], 32))
        return -1;
    }
  }
  return 0;
}

static int parse_auths(ctx *c, json_t *j, st_tx *tx) {
  tx->has_auths = true;
  tx->auths = st_array(c, json_array_size(j), sizeof *tx->auths, ST_MAX_AUTHS, "authorizationList");
  if (!tx->auths) return -1;
  size_t i;
  json_t *e, *v;
  json_array_foreach(j, i, e) {
    st_auth *a = &tx->auths[tx->n_auths++];
    uint64_t yp = 0;
    json_t *ypj = json_object_get(e, "yParity") ? json_object_get(e, "yParity") : json_object_get(e, "v");
    if (q_u256(c, json_object_get(e, "chainId"), "authorization.chainId", &a->chain_id, NULL) ||
        q_fixed(c, json_string_value(json_object_get(e, "address")), "authorization.address",
                a->address, 20) ||
        q_u64(c, json_object_get(e, "nonce"), "authorization.nonce", &a->nonce) ||
        q_u64(c, ypj, "authorization.yParity", &yp) ||
        q_u256(c, json_object_get(e, "r"), "authorization.r", &a->r, NULL) ||
        q_u256(c, json_object_get(e, "s"), "authorization.s", &a->s, NULL))
      return -1;
    if (yp > 255) return fail(c, "authorization.yParity: %llu is not a byte", (unsigned long long)yp);
    a->y_parity = (uint8_t)yp;
    if ((v = json_object_get(e, "signer"))) {
      a->has_signer = true;
      if (q_fixed(c, json_string_value(v), "authorization.signer", a->signer, 20)) return -1;
    }
  }
  return 0;
}

/* data[], gasLimit[], value[], accessLists[] */
static int parse_tx_lists(ctx *c, json_t *j, st_tx *tx) {
  json_t *data = json_object_get(j, "data"), *gas = json_object_get(j, "gasLimit"),
         *val = json_object_get(j, "value"), *al = json_object_get(j, "accessLists"), *e;
  size_t i;
  if (!json_is_array(data) || !json_is_array(gas) || !json_is_array(val))
    return fail(c, "transaction: data, gasLimit and value must be lists");
  if (!(tx->data = st_array(c, json_array_size(data), sizeof *tx->data, ST_MAX_VARIANTS, "data")) ||
      !(tx->gas_limit = st_array(c, json_array_size(gas), 8, ST_MAX_VARIANTS, "gasLimit")) ||
      !(tx->value = st_array(c, json_array_size(val), sizeof *tx->value, ST_MAX_VARIANTS, "value")) ||
      !(tx->value_overflow = st_array(c, json_array_size(val), 1, ST_MAX_VARIANTS, "value")))
    return -1;
  json_array_foreach(data, i, e) {
    if (q_bytes(c, e, "transaction.data", ST_MAX_DATA, &tx->data[i].ptr, &tx->data[i].len)) return -1;
    tx->n_data++;
  }
  json_array_foreach(gas, i, e) {
    if (q_u64(c, e, "transaction.gasLimit", &tx->gas_limit[i])) return -1;
    tx->n_gas++;
  }
  json_array_foreach(val, i, e) {
    if (q_u256(c, e, "transaction.value", &tx->value[i], &tx->value_overflow[i])) return -1;
    tx->n_value++;
  }
  if (json_is_array(al)) {
    tx->access_lists = st_array(c, json_array_size(al), sizeof *tx->access_lists, ST_MAX_VARIANTS,
                                "accessLists");
    if (!tx->access_lists) return -1;
    json_array_foreach(al, i, e) {
      if (parse_access_list(c, e, &tx->access_lists[i])) return -1;
      tx->n_access_lists++;
    }
  }
  return 0;
}

static int parse_tx_fees(ctx *c, json_t *j, st_tx *tx) {
  json_t *v;
  if ((v = json_object_get(j, "gasPrice"))) {
    tx->has_gas_price = true;
    if (q_u256(c, v, "transaction.gasPrice", &tx->gas_price, NULL)) return -1;
  }
  if ((v = json_object_get(j, "maxFeePerGas"))) {
    tx->has_max_fee = true;
    if (q_u256(c, v, "transaction.maxFeePerGas", &tx->max_fee_per_gas, NULL) ||
        q_u256(c, json_object_get(j, "maxPriorityFeePerGas"), "transaction.maxPriorityFeePerGas",
               &tx->max_priority_fee_per_gas, NULL))
      return -1;
  }
  if ((v = json_object_get(j, "blobVersionedHashes"))) {
    tx->has_blob_fields = true;
    size_t i;
    json_t *e;
    tx->blob_hashes = st_array(c, json_array_size(v), 32, ST_MAX_BLOBS, "blobVersionedHashes");
    if (!tx->blob_hashes) return -1;
    json_array_foreach(v, i, e) {
      if (q_fixed(c, json_string_value(e), "blobVersionedHashes", tx->blob_hashes[i], 32)) return -1;
      tx->n_blob_hashes++;
    }
    if ((v = json_object_get(j, "maxFeePerBlobGas")) &&
        q_u256(c, v, "transaction.maxFeePerBlobGas", &tx->max_fee_per_blob_gas, NULL))
      return -1;
  }
  return 0;
}

static int parse_tx(ctx *c, json_t *j, st_tx *tx) {
  if (!json_is_object(j)) return fail(c, "transaction: missing");
  if (parse_tx_lists(c, j, tx) || parse_tx_fees(c, j, tx) ||
      q_u64(c, json_object_get(j, "nonce"), "transaction.nonce", &tx->nonce))
    return -1;
  const char *to = json_string_value(json_object_get(j, "to"));
  if (!to) return fail(c, "transaction.to: missing (\"\" for a create)");
  tx->is_create = to[0] == 0;
  if (!tx->is_create && q_fixed(c, to, "transaction.to", tx->to, 20)) return -1;
  json_t *sk = json_object_get(j, "secretKey"), *snd = json_object_get(j, "sender"), *v;
  if (!sk && !snd) return fail(c, "transaction: neither secretKey nor sender");
  if (sk) {
    uint8_t derived[20];
    if (q_fixed(c, json_string_value(sk), "transaction.secretKey", tx->secret_key, 32)) return -1;
    if (st_sender_of(tx->secret_key, derived)) return fail(c, "transaction.secretKey: not a valid key");
    memcpy(tx->sender, derived, 20);
    if (snd) {
      if (q_fixed(c, json_string_value(snd), "transaction.sender", derived, 20)) return -1;
      if (memcmp(derived, tx->sender, 20) != 0)
        return fail(c, "transaction.sender does not match the address of secretKey");
    }
  } else if (q_fixed(c, json_string_value(snd), "transaction.sender", tx->sender, 20)) {
    return -1;
  }
  if ((v = json_object_get(j, "authorizationList")) && json_is_array(v) && parse_auths(c, v, tx))
    return -1;
  return 0;
}

static int parse_post_entry(ctx *c, const char *fork, json_t *e, st_post *p) {
  json_t *ix = json_object_get(e, "indexes"), *v;
  snprintf(p->fork, sizeof p->fork, "%s", fork);
  json_int_t d = json_integer_value(json_object_get(ix, "data")),
             g = json_integer_value(json_object_get(ix, "gas")),
             vv = json_integer_value(json_object_get(ix, "value"));
  if (!json_is_object(ix) || d < 0 || g < 0 || vv < 0) return fail(c, "post.%s: bad indexes", fork);
  p->d = (size_t)d;
  p->g = (size_t)g;
  p->v = (size_t)vv;
  if (q_fixed(c, json_string_value(json_object_get(e, "hash")), "post.hash", p->hash, 32) ||
      q_fixed(c, json_string_value(json_object_get(e, "logs")), "post.logs", p->logs, 32))
    return -1;
  if ((v = json_object_get(e, "expectException"))) {
    const char *s = json_string_value(v);
    if (!s || strlen(s) >= ST_MAX_EXCEPTION) return fail(c, "post.expectException: bad or too long");
    char *copy = st_new(c, strlen(s) + 1);
    if (!copy) return fail(c, "post.expectException: out of memory");
    memcpy(copy, s, strlen(s));
    p->expect_exception = copy;
  }
  if ((v = json_object_get(e, "txbytes")) &&
      q_bytes(c, v, "post.txbytes", ST_MAX_TXBYTES, &p->txbytes, &p->txbytes_len))
    return -1;
  return 0;
}

static int parse_post(ctx *c, json_t *j, st_test *t) {
  const char *fork;
  json_t *list, *e;
  size_t total = 0, i;
  json_object_foreach(j, fork, list) total += json_array_size(list);
  t->post = st_array(c, total, sizeof *t->post, ST_MAX_POST, "post");
  if (!t->post) return -1;
  json_object_foreach(j, fork, list) {
    json_array_foreach(list, i, e) {
      st_post *p = &t->post[t->n_post];
      if (parse_post_entry(c, fork, e, p)) return -1;
      if (p->d >= t->tx.n_data || p->g >= t->tx.n_gas || p->v >= t->tx.n_value)
        return fail(c, "post.%s[%zu]: indexes {%zu,%zu,%zu} out of range", fork, i, p->d, p->g, p->v);
      t->n_post++;
    }
  }
  return 0;
}

int st_file_load(const char *path, st_file *f, st_err *err) {
  json_error_t je;
  json_t *root = NULL;
  ctx c = {f, err, NULL};
  int rc = -1;
  memset(f, 0, sizeof *f);
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    snprintf(err->msg, sizeof err->msg, "%s: cannot open", path);
    goto out;
  }
  if (fseek(fp, 0, SEEK_END) == 0 && (size_t)ftell(fp) > ST_MAX_FILE_BYTES) {
    snprintf(err->msg, sizeof err->msg, "%s: larger than the cap of %zu bytes", path,
             ST_MAX_FILE_BYTES);
    fclose(fp);
    goto out;
  }
  fclose(fp);
  root = json_load_file(path, 0, &je);
  if (!root || !json_is_object(root)) {
    snprintf(err->msg, sizeof err->msg, "%s: line %d: %s", path, je.line,
             root ? "not a JSON object" : je.text);
    goto out;
  }
  f->tests = st_array(&c, json_object_size(root), sizeof *f->tests, ST_MAX_TESTS, "tests");
  if (!f->tests) goto out;
  const char *name;
  json_t *tj;
  json_object_foreach(root, name, tj) {
    st_test *t = &f->tests[f->n_tests];
    char *nm = st_new(&c, strlen(name) + 1);
    if (!nm) goto out;
    memcpy(nm, name, strlen(name));
    t->name = c.test = nm;
    if (parse_env(&c, json_object_get(tj, "env"), &t->env) ||
        parse_pre(&c, json_object_get(tj, "pre"), t) ||
        parse_tx(&c, json_object_get(tj, "transaction"), &t->tx) ||
        parse_post(&c, json_object_get(tj, "post"), t))
      goto out;
    f->n_tests++;
  }
  rc = 0;
out:
  json_decref(root);
  if (rc) st_file_free(f);
  return rc;
}

void st_file_free(st_file *f) {
  st_block *b = f->blocks;
  while (b) {
    st_block *n = b->next;
    free(b);
    b = n;
  }
  memset(f, 0, sizeof *f);
}
