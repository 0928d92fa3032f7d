/*
 * params.c: params validation and block pinning (see params.h).
 *
 * Params are parsed with jansson (they are small); the checks are one function per
 * vt_param_kind, found through a table.
 *
 * Fast path (vt_plan_params_fast): the shapes almost every read takes, a compact array
 * of plain strings (hex, block tags) and true/false, are checked and pinned by a byte
 * scanner with the same predicates and the same pinning code, without building a
 * jansson tree; this is what keeps a cache hit cheap. Anything else (objects,
 * whitespace, escapes, numbers, null, a check that fails) is left to the jansson pass,
 * which makes the error messages. When the scanner rewrites params it writes them the
 * way json_dumps(JSON_COMPACT) would, so both paths give the same bytes (and cache key).
 */
#include "plan/params.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  vt_plan *plan;
  uint64_t head;
  bool head_known;
  bool keep_pending;
  bool changed;
} pin_ctx;

static bool is_hex_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

/* The checks on a string's bytes, shared by the jansson pass and the fast path. */
static bool str_is_data(const char *s, size_t n, size_t bytes /* 0 = any */) {
  if (n < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  if ((n - 2) % 2) return false;
  if (bytes && (n - 2) / 2 != bytes) return false;
  return is_hex_digits(s + 2, n - 2);
}

static uint64_t hex_u64(const char *s, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

/* QUANTITY: 0x0 or 0x[1-9a-f][0-9a-f]*, at most 64 digits. */
static bool str_parse_qty(const char *s, size_t n, uint64_t *out, bool *fits) {
  if (n < 3 || n > 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  if (!is_hex_digits(s + 2, n - 2)) return false;
  if (n > 3 && s[2] == '0') return false;
  if (out) {
    *fits = n - 2 <= 16;
    *out = *fits ? hex_u64(s + 2, n - 2) : UINT64_MAX;
  }
  return true;
}

static bool is_data(const json_t *v, size_t bytes /* 0 = any */) {
  return json_is_string(v) && str_is_data(json_string_value(v), json_string_length(v), bytes);
}

static bool parse_qty(const json_t *v, uint64_t *out, bool *fits) {
  return json_is_string(v) && str_parse_qty(json_string_value(v), json_string_length(v), out, fits);
}

static void make_qty(char *buf, size_t n, uint64_t v) { snprintf(buf, n, "0x%llx", (unsigned long long)v); }

static void pin_number(pin_ctx *c, uint64_t n) {
  if (c->plan->kind == VT_PIN_NONE || c->plan->kind == VT_PIN_HASH) c->plan->kind = VT_PIN_NUMBER;
  if (c->plan->kind == VT_PIN_NUMBER && n > c->plan->number) c->plan->number = n;
  if (c->plan->kind == VT_PIN_NUMBER && c->plan->number == 0) c->plan->number = n;
}

static const char *const tags[] = {"latest", "pending", "earliest", "safe", "finalized"};

/* A block tag or number as a string's bytes: pins it, and when it is to be replaced
 * puts the replacement in rep (NUL-terminated) and returns 2; 1 when kept; 0 invalid. */
static int pin_str(pin_ctx *c, const char *s, size_t len, char rep[24]) {
  uint64_t n;
  bool fits;
  if (str_parse_qty(s, len, &n, &fits)) {
    pin_number(c, fits ? n : UINT64_MAX);
    return 1;
  }
  size_t i;
  for (i = 0; i < sizeof tags / sizeof tags[0]; i++)
    if (strlen(tags[i]) == len && memcmp(s, tags[i], len) == 0) break;
  if (i == sizeof tags / sizeof tags[0]) return 0;
  bool is_latest = i == 0 || (i == 1 && !c->keep_pending);
  if (is_latest && c->head_known) {
    make_qty(rep, 24, c->head);
    c->plan->pinned_latest = true;
    c->changed = true;
    pin_number(c, c->head);
    return 2;
  }
  if (i == 2) { /* earliest */
    memcpy(rep, "0x0", 4);
    c->changed = true;
    pin_number(c, 0);
    return 2;
  }
  if (c->plan->kind != VT_PIN_NUMBER) c->plan->kind = VT_PIN_TAG;
  /* the tag kept, by index in tags[]: latest (no head), pending, -, safe, finalized */
  static const uint8_t tag_of[] = {VT_TAG_LATEST, VT_TAG_PENDING, VT_TAG_NONE, VT_TAG_SAFE, VT_TAG_FINALIZED};
  uint8_t tag = is_latest ? (uint8_t)VT_TAG_LATEST : tag_of[i];
  if (tag > c->plan->tag) c->plan->tag = tag;
  return 1;
}

/* A block tag or number in *slot (a string); may replace it. Returns false if invalid. */
static bool pin_tag_or_number(pin_ctx *c, json_t **slot) {
  json_t *v = *slot;
  if (!json_is_string(v)) return false;
  char q[24];
  int r = pin_str(c, json_string_value(v), json_string_length(v), q);
  if (r == 2) {
    json_decref(*slot);
    *slot = json_string(q);
  }
  return r != 0;
}

/* EIP-1898 block parameter: tag, number, {blockHash[, requireCanonical]} or {blockNumber}. */
static bool pin_block(pin_ctx *c, json_t **slot) {
  json_t *v = *slot;
  if (!json_is_object(v)) return pin_tag_or_number(c, slot);
  json_t *h = json_object_get(v, "blockHash"), *num = json_object_get(v, "blockNumber");
  if (h && !num) {
    json_t *rc = json_object_get(v, "requireCanonical");
    if (!is_data(h, 32) || (rc && !json_is_boolean(rc))) return false;
    if (json_object_size(v) != (rc ? 2u : 1u)) return false;
    if (c->plan->kind == VT_PIN_NONE) c->plan->kind = VT_PIN_HASH;
    return true;
  }
  if (num && !h && json_object_size(v) == 1) {
    json_t *inner = json_incref(num);
    bool ok = pin_tag_or_number(c, &inner);
    if (ok) json_object_set(v, "blockNumber", inner);
    json_decref(inner);
    return ok;
  }
  return false;
}

static bool check_filter(pin_ctx *c, json_t **slot) {
  json_t *f = *slot;
  if (!json_is_object(f)) return false;
  json_t *bh = json_object_get(f, "blockHash");
  const char *keys[] = {"fromBlock", "toBlock"};
  if (bh) {
    if (!is_data(bh, 32)) return false;
    if (json_object_get(f, "fromBlock") || json_object_get(f, "toBlock")) return false;
    if (c->plan->kind == VT_PIN_NONE) c->plan->kind = VT_PIN_HASH;
  } else {
    for (size_t i = 0; i < 2; i++) {
      json_t *b = json_object_get(f, keys[i]);
      if (!b) { /* omitted = latest */
        if (!c->head_known) {
          c->plan->kind = VT_PIN_TAG;
          if (c->plan->tag < VT_TAG_LATEST) c->plan->tag = VT_TAG_LATEST;
          continue;
        }
        char q[24];
        make_qty(q, sizeof q, c->head);
        json_object_set_new(f, keys[i], json_string(q));
        c->changed = true;
        c->plan->pinned_latest = true;
        pin_number(c, c->head);
        continue;
      }
      json_t *inner = json_incref(b);
      bool ok = pin_tag_or_number(c, &inner);
      if (ok) json_object_set(f, keys[i], inner);
      json_decref(inner);
      if (!ok) return false;
    }
  }
  json_t *addr = json_object_get(f, "address");
  if (addr && !json_is_null(addr)) {
    if (json_is_array(addr)) {
      size_t i;
      json_t *a;
      json_array_foreach(addr, i, a) if (!is_data(a, 20)) return false;
    } else if (!is_data(addr, 20)) return false;
  }
  json_t *topics = json_object_get(f, "topics");
  if (topics && !json_is_null(topics)) {
    if (!json_is_array(topics) || json_array_size(topics) > 4) return false;
    size_t i, j;
    json_t *t, *alt;
    json_array_foreach(topics, i, t) {
      if (json_is_null(t)) continue;
      if (json_is_array(t)) {
        json_array_foreach(t, j, alt) if (!json_is_null(alt) && !is_data(alt, 32)) return false;
      } else if (!is_data(t, 32)) return false;
    }
  }
  return true;
}

static bool check_slots(pin_ctx *c, json_t **slot) {
  (void)c;
  if (!json_is_array(*slot) || json_array_size(*slot) > 1024) return false;
  size_t i;
  json_t *k;
  json_array_foreach(*slot, i, k) {
    if (!json_is_string(k)) return false;
    size_t n = json_string_length(k);
    const char *s = json_string_value(k);
    if (n < 3 || n > 66 || s[0] != '0' || s[1] != 'x' || !is_hex_digits(s + 2, n - 2)) return false;
  }
  return true;
}

/* The fast path's checks: one token of a compact array (a plain string with its
 * quotes, or true/false), through the same predicates as the jansson pass. */
typedef struct {
  const char *p;   /* the raw token */
  size_t n;
  int rep;         /* pin_str's answer: 2 = replaced by the text in q */
  char q[24];
} fast_tok;

static bool tok_str(const fast_tok *t, const char **s, size_t *len) {
  if (t->p[0] != '"') return false;
  *s = t->p + 1;
  *len = t->n - 2;
  return true;
}
static bool f_any(pin_ctx *c, fast_tok *t) { (void)c; (void)t; return true; }
static bool f_bool(pin_ctx *c, fast_tok *t) { (void)c; return t->p[0] != '"'; }
static bool f_str(pin_ctx *c, fast_tok *t) { (void)c; return t->p[0] == '"'; }
static bool f_addr(pin_ctx *c, fast_tok *t) {
  const char *s;
  size_t n;
  (void)c;
  return tok_str(t, &s, &n) && str_is_data(s, n, 20);
}
static bool f_hash(pin_ctx *c, fast_tok *t) {
  const char *s;
  size_t n;
  (void)c;
  return tok_str(t, &s, &n) && str_is_data(s, n, 32);
}
static bool f_data(pin_ctx *c, fast_tok *t) {
  const char *s;
  size_t n;
  (void)c;
  return tok_str(t, &s, &n) && str_is_data(s, n, 0);
}
static bool f_qty(pin_ctx *c, fast_tok *t) {
  const char *s;
  size_t n;
  (void)c;
  return tok_str(t, &s, &n) && str_parse_qty(s, n, NULL, NULL);
}
static bool f_block(pin_ctx *c, fast_tok *t) {
  const char *s;
  size_t n;
  if (!tok_str(t, &s, &n)) return false;
  t->rep = pin_str(c, s, n, t->q);
  return t->rep != 0;
}

static bool k_any(pin_ctx *c, json_t **s) { (void)c; (void)s; return true; }
static bool k_addr(pin_ctx *c, json_t **s) { (void)c; return is_data(*s, 20); }
static bool k_hash(pin_ctx *c, json_t **s) { (void)c; return is_data(*s, 32); }
static bool k_data(pin_ctx *c, json_t **s) { (void)c; return is_data(*s, 0); }
static bool k_qty(pin_ctx *c, json_t **s) { (void)c; return parse_qty(*s, NULL, NULL); }
static bool k_bool(pin_ctx *c, json_t **s) { (void)c; return json_is_boolean(*s); }
static bool k_obj(pin_ctx *c, json_t **s) { (void)c; return json_is_object(*s); }
static bool k_arr(pin_ctx *c, json_t **s) { (void)c; return json_is_array(*s); }
static bool k_str(pin_ctx *c, json_t **s) { (void)c; return json_is_string(*s); }

/* One row per kind: the full check, the fast path's check (NULL: never fast), and
 * what the error message says was expected. */
static const struct {
  bool (*check)(pin_ctx *c, json_t **slot);
  bool (*fast)(pin_ctx *c, fast_tok *t);
  const char *what;
} kinds[] = {
    [VT_P_NONE] = {k_any, NULL, "nothing"},
    [VT_P_ANY] = {k_any, f_any, "any value"},
    [VT_P_ADDR] = {k_addr, f_addr, "an address: 20 bytes of hex like 0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"},
    [VT_P_HASH] = {k_hash, f_hash, "a hash: 32 bytes of hex (0x + 64 hex digits)"},
    [VT_P_DATA] = {k_data, f_data, "hex data: 0x followed by an even number of hex digits"},
    [VT_P_QTY] = {k_qty, f_qty, "a quantity: 0x-prefixed hex without leading zeros, like 0x1a"},
    [VT_P_BOOL] = {k_bool, f_bool, "true or false"},
    [VT_P_BLOCK] = {pin_block, f_block, "a block: \"latest\", \"pending\", \"earliest\", \"safe\", \"finalized\", a 0x quantity, {\"blockHash\":…} or {\"blockNumber\":…}"},
    [VT_P_BLOCKNUM] = {pin_tag_or_number, f_block, "a block: \"latest\", \"pending\", \"earliest\", \"safe\", \"finalized\" or a 0x quantity"},
    [VT_P_OBJ] = {k_obj, NULL, "an object"},
    [VT_P_SLOTS] = {check_slots, NULL, "an array of storage keys (0x hex, at most 32 bytes each)"},
    [VT_P_FILTER] = {check_filter, NULL, "a filter object: fromBlock/toBlock (block tags or numbers) or blockHash, address (one or a list), topics (up to 4, each null, a hash or a list of hashes)"},
    [VT_P_ARRAY] = {k_arr, NULL, "an array"},
    [VT_P_STR] = {k_str, f_str, "a string"},
};

static int fail(vt_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(vt_plan *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err, sizeof p->err, fmt, ap);
  va_end(ap);
  p->err_code = -32602;
  return 0;
}

/* --- fast path ---------------------------------------------------------------- */

static bool plain_char(char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Split a compact array of plain strings and booleans; false for any other shape. */
static bool fast_split(vt_span params, fast_tok *tok, size_t *ntok) {
  *ntok = 0;
  if (!params.n) return true;
  const char *p = params.p, *e = params.p + params.n;
  if (params.n < 2 || p[0] != '[' || e[-1] != ']') return false;
  p++;
  e--;
  while (p < e) {
    if (*ntok == VT_MAX_PARAMS) return false;
    const char *t = p;
    if (*p == '"') {
      for (p++; p < e && plain_char(*p); p++) {}
      if (p == e || *p != '"') return false;
      p++;
    } else if (e - p >= 4 && memcmp(p, "true", 4) == 0) {
      p += 4;
    } else if (e - p >= 5 && memcmp(p, "false", 5) == 0) {
      p += 5;
    } else {
      return false;
    }
    tok[*ntok] = (fast_tok){.p = t, .n = (size_t)(p - t)};
    (*ntok)++;
    if (p < e && (*p != ',' || ++p == e)) return false; /* a separator, never trailing */
  }
  return true;
}

static int fast_body(const vt_method *m, vt_span params, uint64_t head, bool head_known, vt_plan *out) {
  memset(out, 0, sizeof *out);
  fast_tok tok[VT_MAX_PARAMS + 1];
  size_t n;
  if (m->max_params == 255 || !fast_split(params, tok, &n)) return 0;
  if (n < m->min_params || n > m->max_params) return 0;
  pin_ctx c = {.plan = out, .head = head, .head_known = head_known,
               .keep_pending = (m->flags & VT_MF_NO_PIN) != 0};
  for (size_t i = 0; i < n; i++) {
    vt_param_kind k = (vt_param_kind)m->param[i];
    if (!kinds[k].fast || !kinds[k].fast(&c, &tok[i])) goto fallback; /* the full check decides */
  }
  if (m->block_idx >= 0 && (size_t)m->block_idx == n && n < m->max_params) { /* omitted = latest */
    tok[n] = (fast_tok){.p = "\"latest\"", .n = 8};
    tok[n].rep = pin_str(&c, "latest", 6, tok[n].q);
    n++;
    c.changed = true;
  }
  if (!c.changed) return 1;
  size_t len = 2;
  for (size_t i = 0; i < n; i++) len += (tok[i].rep == 2 ? strlen(tok[i].q) + 2 : tok[i].n) + 1;
  char *o = malloc(len + 1), *w = o;
  if (!o) return -1;
  *w++ = '[';
  for (size_t i = 0; i < n; i++) {
    if (i) *w++ = ',';
    if (tok[i].rep == 2) w += sprintf(w, "\"%s\"", tok[i].q);
    else w = (char *)memcpy(w, tok[i].p, tok[i].n) + tok[i].n;
  }
  *w++ = ']';
  *w = 0;
  out->params = o;
  out->params_len = (size_t)(w - o);
  return 1;
fallback:
  memset(out, 0, sizeof *out);
  return 0;
}

int vt_plan_params(const vt_method *m, const char *method, vt_span params, uint64_t head,
                   bool head_known, vt_plan *out) {
  int rc = vt_plan_params_fast(m, params, head, head_known, out);
  return rc != 0 ? (rc > 0 ? 0 : -1) : vt_plan_params_full(m, method, params, head, head_known, out);
}

static int full_body(const vt_method *m, const char *method, vt_span params, uint64_t head,
                        bool head_known, vt_plan *out) {
  memset(out, 0, sizeof *out);
  int rc = 0;
  json_t *arr = NULL;
  if (m->max_params == 255) return 0; /* a method allowed by config: passed as it is */
  if (params.n) {
    json_error_t jerr;
    arr = json_loadb(params.p, params.n, JSON_DECODE_ANY, &jerr);
    if (!arr) { fail(out, "invalid params: %s", jerr.text); goto out; }
    if (!json_is_array(arr)) { fail(out, "invalid params: %s takes its params as an array", method); goto out; }
  } else {
    arr = json_array();
    if (!arr) { rc = -1; goto out; }
  }
  size_t n = json_array_size(arr);
  if (n < m->min_params || n > m->max_params) {
    if (m->min_params == m->max_params)
      fail(out, "invalid params: %s takes %u param%s, got %zu", method, m->min_params,
           m->min_params == 1 ? "" : "s", n);
    else
      fail(out, "invalid params: %s takes %u to %u params, got %zu", method, m->min_params,
           m->max_params, n);
    goto out;
  }
  pin_ctx c = {.plan = out, .head = head, .head_known = head_known,
               .keep_pending = (m->flags & VT_MF_NO_PIN) != 0};
  for (size_t i = 0; i < n && i < VT_MAX_PARAMS; i++) {
    vt_param_kind k = (vt_param_kind)m->param[i];
    json_t *slot = json_incref(json_array_get(arr, i));
    bool ok = kinds[k].check(&c, &slot);
    if (ok) json_array_set(arr, i, slot);
    json_decref(slot);
    if (!ok) {
      char *got = json_dumps(json_array_get(arr, i), JSON_ENCODE_ANY | JSON_COMPACT);
      fail(out, "invalid params: %s param %zu must be %s, got %.40s%s", method, i + 1, kinds[k].what,
           got ? got : "?", got && strlen(got) > 40 ? "…" : "");
      free(got);
      goto out;
    }
  }
  /* An omitted optional block parameter means latest: add it, pinned. */
  if (m->block_idx >= 0 && (size_t)m->block_idx == n && n < m->max_params) {
    bool keep = (m->flags & VT_MF_NO_PIN) != 0;
    (void)keep;
    json_t *tag = json_string("latest");
    json_array_append_new(arr, tag);
    json_t *slot = json_incref(json_array_get(arr, n));
    if (pin_tag_or_number(&c, &slot)) json_array_set(arr, n, slot);
    json_decref(slot);
    c.changed = true;
  }
  if (c.changed) {
    out->params = json_dumps(arr, JSON_COMPACT);
    if (!out->params) { rc = -1; goto out; }
    out->params_len = strlen(out->params);
  }
out:
  json_decref(arr);
  return rc;
}

void vt_plan_free(vt_plan *p) {
  free(p->params);
  p->params = NULL;
}

/* A method whose first param is a block hash is about that block: pinned by hash
 * (cacheable like any call pinned by hash, stored once its proven number is final). */
static void pin_by_hash(const vt_method *m, vt_plan *out) {
  if (!out->err_code && (m->flags & VT_MF_BLOCK_BY_HASH) && out->kind == VT_PIN_NONE) out->kind = VT_PIN_HASH;
}

int vt_plan_params_fast(const vt_method *m, vt_span params, uint64_t head, bool head_known, vt_plan *out) {
  int rc = fast_body(m, params, head, head_known, out);
  if (rc == 1) pin_by_hash(m, out);
  return rc;
}

int vt_plan_params_full(const vt_method *m, const char *method, vt_span params, uint64_t head, bool head_known,
                        vt_plan *out) {
  int rc = full_body(m, method, params, head, head_known, out);
  if (rc == 0) pin_by_hash(m, out);
  return rc;
}
