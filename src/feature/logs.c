/*
 * logs.c: chunked eth_getLogs (see logs.h).
 *
 * A request holds its chunks in one array, in the order they were made; a split marks
 * a chunk SPLIT and appends its pieces, so the array only grows (up to LOGS_MAX_CHUNKS)
 * and the answer is assembled by sorting the finished chunks by their first block.
 * Each running chunk is one vt_call whose ud is a ticket {request, chunk index}
 * (indices survive the array growing; pointers would not).
 */
#include "feature/logs.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bloom.h"
#include "core/hex.h"
#include "pool/call.h"
#include "pool/upstream.h"
#include "flow/jvalue.h"
#include "obs/log.h"
#include "util/buf.h"

#define LOGS_MAX_CHUNKS 100000
#define CHUNK_TRIES 2          /* a chunk nobody answered is asked once more */
#define WHY_MAX 200

/* --- what a refusal says ----------------------------------------------------------- */

static const struct {
  const char *needle;
  vt_logs_limit kind;
} limit_phrases[] = {
    /* result-size refusals first: some of them also mention a block range */
    {"returned more than", VT_LOGS_LIMIT_RESULTS}, {"too many results", VT_LOGS_LIMIT_RESULTS},
    {"results limit", VT_LOGS_LIMIT_RESULTS},      {"result limit", VT_LOGS_LIMIT_RESULTS},
    {"response size", VT_LOGS_LIMIT_RESULTS},      {"response too large", VT_LOGS_LIMIT_RESULTS},
    {"too many logs", VT_LOGS_LIMIT_RESULTS},      {"logs limit", VT_LOGS_LIMIT_RESULTS},
    {"max results", VT_LOGS_LIMIT_RESULTS},        {"maximum results", VT_LOGS_LIMIT_RESULTS},
    {"block range", VT_LOGS_LIMIT_RANGE},          {"blocks range", VT_LOGS_LIMIT_RANGE},
    {"range is too", VT_LOGS_LIMIT_RANGE},         {"range too", VT_LOGS_LIMIT_RANGE},
    {"too wide", VT_LOGS_LIMIT_RANGE},             {"max range", VT_LOGS_LIMIT_RANGE},
    {"maximum range", VT_LOGS_LIMIT_RANGE},        {"range limit", VT_LOGS_LIMIT_RANGE},
    {"range exceeds", VT_LOGS_LIMIT_RANGE},        {"limited to a", VT_LOGS_LIMIT_RANGE},
    {"range of blocks", VT_LOGS_LIMIT_RANGE},
};

static const char *find_ci(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (const char *p = hay; *p; p++)
    if (strncasecmp(p, needle, n) == 0) return p;
  return NULL;
}

/* "[0xA, 0xB]": the range an upstream suggests; its width, or 0. */
static uint64_t suggested_width(const char *msg) {
  for (const char *p = strchr(msg, '['); p; p = strchr(p + 1, '[')) {
    unsigned long long a, b;
    int used = 0;
    if (sscanf(p, "[%llx ,%llx]%n", &a, &b, &used) == 2 && used > 0 && b >= a && b - a < UINT64_MAX) return b - a + 1;
  }
  return 0;
}

/* The widest number in msg below width ("1,000", "2K" count): how wide a range the
 * upstream says it takes; 0 when it names none. */
static uint64_t stated_width(const char *msg, uint64_t width) {
  uint64_t best = 0;
  const char *p = msg;
  while (*p) {
    if (!isdigit((unsigned char)*p) || (p > msg && (isalnum((unsigned char)p[-1]) || p[-1] == '.'))) {
      p++;
      continue;
    }
    uint64_t v = 0;
    bool big = false;
    while (isdigit((unsigned char)*p) || (*p == ',' && isdigit((unsigned char)p[1]))) {
      if (*p != ',') {
        if (v > UINT64_MAX / 10 - 10) big = true;
        else v = v * 10 + (uint64_t)(*p - '0');
      }
      p++;
    }
    if ((*p == 'k' || *p == 'K') && !isalpha((unsigned char)p[1])) {
      if (v > UINT64_MAX / 1000) big = true;
      else v *= 1000;
      p++;
    }
    if (!big && v >= 1 && v < width && v > best) best = v;
  }
  return best;
}

vt_logs_limit vt_logs_classify(const char *message, uint64_t width, uint64_t *limit) {
  *limit = 0;
  if (!message) return VT_LOGS_LIMIT_NONE;
  vt_logs_limit kind = VT_LOGS_LIMIT_NONE;
  for (size_t i = 0; i < sizeof limit_phrases / sizeof limit_phrases[0] && !kind; i++)
    if (find_ci(message, limit_phrases[i].needle)) kind = limit_phrases[i].kind;
  if (!kind) return kind;
  uint64_t s = suggested_width(message);
  if (s && s < width) *limit = s;
  else if (kind == VT_LOGS_LIMIT_RANGE) *limit = stated_width(message, width);
  return kind;
}

/* --- a request --------------------------------------------------------------------- */

typedef enum { CH_QUEUED = 0, CH_RUNNING, CH_DONE, CH_SPLIT } chunk_state;

typedef struct {
  uint64_t from, to;
  char *res;               /* the array's members without the brackets (owned) */
  size_t len;
  unsigned tries;
  uint64_t split_to;       /* > 0: a refusal said pieces this wide would be taken */
  bool too_big;            /* an upstream refused it for its size */
  chunk_state state;
} chunk;

typedef struct {
  vt_pool *pool;
  json_t *filter;          /* the client's filter; fromBlock/toBlock set per chunk */
  vc_log_filter f;
  chunk *ch;
  size_t n, cap, next;     /* next: no queued chunk below it */
  unsigned running, parallel;
  size_t bytes;
  bool failed, weak;       /* weak: some chunk had a single upstream's word */
  bool pumping, again;
  char *err;               /* the failure: an error object (RPC) or -32002 data (owned) */
  int err_outcome;
  const char *served_by;
  vt_trust trust;           /* the first chunk's quorum (tier none until one came) */
  vt_answer_cb cb;
  void *ud;
  uint64_t t0;
} logs_req;

typedef struct {
  logs_req *l;
  size_t idx;
} ticket;

static void pump(logs_req *l);

static void req_free(logs_req *l) {
  for (size_t i = 0; i < l->n; i++) free(l->ch[i].res);
  free(l->ch);
  vc_log_filter_free(&l->f);
  json_decref(l->filter);
  free(l->err);
  free(l);
}

/* Record the first failure (later ones add nothing the client can use). */
static void fail_with(logs_req *l, int outcome, char *owned) {
  if (l->failed) { free(owned); return; }
  l->failed = true;
  l->err_outcome = outcome;
  l->err = owned;
}

static void fail_reason(logs_req *l, const char *reason, const chunk *c, const char *detail) {
  if (l->failed) return;
  vt_buf d;
  vt_buf_init(&d, 64 * 1024);
  vt_buf_puts(&d, "{\"reason\":");
  vt_buf_json_str(&d, reason, strlen(reason));
  vt_buf_puts(&d, ",\"method\":\"eth_getLogs\"");
  if (c) vt_buf_printf(&d, ",\"chunk\":{\"fromBlock\":\"0x%llx\",\"toBlock\":\"0x%llx\"}", (unsigned long long)c->from,
                       (unsigned long long)c->to);
  if (detail) {
    vt_buf_puts(&d, ",\"detail\":");
    vt_buf_puts(&d, detail);
  }
  vt_buf_puts(&d, "}");
  fail_with(l, VT_CALL_UNAVAILABLE, vt_buf_ok(&d) ? vt_buf_steal(&d, NULL) : NULL);
  vt_buf_free(&d);
}

static int by_from(const void *a, const void *b) {
  const chunk *x = *(const chunk *const *)a, *y = *(const chunk *const *)b;
  return x->from < y->from ? -1 : x->from > y->from;
}

static void finish(logs_req *l) {
  vt_answer a = {.method = "eth_getLogs", .t_start_ms = l->t0, .served_by = l->served_by};
  vt_buf out;
  vt_buf_init(&out, l->pool->cfg->max_response + 64);
  chunk **done = NULL;
  if (l->failed) {
    a.outcome = l->err_outcome;
    a.result = l->err ? l->err : "{\"reason\":\"out of memory\",\"method\":\"eth_getLogs\"}";
    a.trust = vt_trust_of(VT_TRUST_NONE);
    goto answer;
  }
  size_t nd = 0;
  done = malloc((l->n ? l->n : 1) * sizeof *done);
  if (!done) goto oom;
  for (size_t i = 0; i < l->n; i++)
    if (l->ch[i].state == CH_DONE) done[nd++] = &l->ch[i];
  qsort(done, nd, sizeof *done, by_from);
  vt_buf_puts(&out, "[");
  bool first = true;
  for (size_t i = 0; i < nd; i++) {
    if (!done[i]->len) continue;
    if (!first) vt_buf_puts(&out, ",");
    vt_buf_append(&out, done[i]->res, done[i]->len);
    first = false;
  }
  vt_buf_puts(&out, "]");
  if (!vt_buf_ok(&out)) goto oom;
  a.outcome = VT_CALL_OK;
  a.result = out.data;
  a.trust = l->weak || l->trust.tier == VT_TRUST_NONE ? vt_trust_of(VT_TRUST_SINGLE) : l->trust;
  goto answer;
oom:
  a.outcome = VT_CALL_UNAVAILABLE;
  a.result = "{\"reason\":\"out of memory\",\"method\":\"eth_getLogs\"}";
  a.trust = vt_trust_of(VT_TRUST_NONE);
answer:
  a.len = strlen(a.result);
  l->cb(&a, l->ud);
  free(done);
  vt_buf_free(&out);
  req_free(l);
}

/* Widest range an available upstream is known to accept below width; 0 if none. */
static uint64_t known_below(const vt_pool *pool, uint64_t width) {
  uint64_t now = vt_pool_now_ms(pool), best = 0;
  for (size_t i = 0; i < pool->nups; i++) {
    const vt_upstream *u = &pool->ups[i];
    if (u->logs_max_range && u->logs_max_range < width && u->logs_max_range > best &&
        vt_upstream_available(u, now, NULL, 0))
      best = u->logs_max_range;
  }
  return best;
}

/* The first chunk width: logs.chunk_blocks, narrowed when every available upstream
 * has a known limit below it. */
static uint64_t first_width(const vt_pool *pool) {
  uint64_t w = pool->cfg->logs_chunk_blocks ? pool->cfg->logs_chunk_blocks : 1, now = vt_pool_now_ms(pool), widest = 0;
  for (size_t i = 0; i < pool->nups; i++) {
    const vt_upstream *u = &pool->ups[i];
    if (!vt_upstream_available(u, now, NULL, 0)) continue;
    if (!u->logs_max_range) return w;
    if (u->logs_max_range > widest) widest = u->logs_max_range;
  }
  return widest && widest < w ? widest : w;
}

/* Append chunks of `width` blocks covering [from, to]; false when over the cap. */
static bool add_chunks(logs_req *l, uint64_t from, uint64_t to, uint64_t width) {
  uint64_t count = (to - from) / width + 1;
  if (count > LOGS_MAX_CHUNKS - l->n) return false;
  if (l->n + count > l->cap) {
    size_t cap = l->cap ? l->cap : 16;
    while (cap < l->n + count) cap *= 2;
    chunk *ch = realloc(l->ch, cap * sizeof *ch);
    if (!ch) return false;
    l->ch = ch;
    l->cap = cap;
  }
  for (uint64_t s = from;; s += width) {
    chunk *c = &l->ch[l->n++];
    memset(c, 0, sizeof *c);
    c->from = s;
    c->to = to - s < width ? to : s + width - 1;
    if (c->to == to) break;
  }
  return true;
}

/* --- one chunk's call -------------------------------------------------------------- */

/* The call's check: logs of this chunk, in block order, matching the filter. */
static int check_chunk(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why,
                       size_t wl) {
  (void)u;
  (void)out;
  ticket *t = c->opts.check_ud;
  const chunk *ch = &t->l->ch[t->idx];
  json_error_t je;
  json_t *arr = json_loadb(res, n, 0, &je);
  int rc = -1;
  if (!json_is_array(arr)) {
    snprintf(why, wl, "eth_getLogs result is not an array");
    goto out;
  }
  size_t i;
  json_t *log;
  uint64_t prev = ch->from;
  json_array_foreach(arr, i, log) {
    uint64_t bn;
    if (!json_is_object(log) || !vt_json_u64(json_object_get(log, "blockNumber"), &bn)) {
      snprintf(why, wl, "log %zu has no block number", i);
      goto out;
    }
    if (bn < prev || bn > ch->to) {
      snprintf(why, wl, "log %zu is from block %llu: outside 0x%llx..0x%llx or out of order", i,
               (unsigned long long)bn, (unsigned long long)ch->from, (unsigned long long)ch->to);
      goto out;
    }
    prev = bn;
    if (!vc_log_filter_match_json(&t->l->f, log)) {
      snprintf(why, wl, "log %zu does not match the filter", i);
      goto out;
    }
  }
  rc = 0;
out:
  json_decref(arr);
  return rc;
}

static bool on_chunk_error(vt_call *c, struct vt_upstream *u, long code, const char *message) {
  (void)code;
  ticket *t = c->ud;
  chunk *ch = &t->l->ch[t->idx];
  uint64_t width = ch->to - ch->from + 1, limit;
  vt_logs_limit k = vt_logs_classify(message, width, &limit);
  if (!k) return false;
  u->logs_limit_errors++;
  ch->too_big = true;
  if (limit && (!ch->split_to || limit > ch->split_to)) ch->split_to = limit;
  if (k == VT_LOGS_LIMIT_RANGE) {
    /* its own limit: below this width, at most what it says */
    uint64_t learned = limit ? limit : width - 1;
    if (learned && (!u->logs_max_range || learned < u->logs_max_range)) {
      u->logs_max_range = learned;
      VT_LOG(VT_LOG_INFO, "logs", "upstream=%s max_range=%llu", u->name, (unsigned long long)learned);
    }
  }
  return true;
}

/* Split a chunk nobody took, or ask again; false when it has failed for good. */
static bool retry_chunk(logs_req *l, size_t idx) {
  chunk *ch = &l->ch[idx];
  uint64_t width = ch->to - ch->from + 1;
  uint64_t piece = ch->split_to && ch->split_to < width ? ch->split_to : known_below(l->pool, width);
  if (width > 1 && (ch->too_big || piece)) {
    if (!piece) piece = width / 2;
    uint64_t from = ch->from, to = ch->to;
    ch->state = CH_SPLIT;
    if (!add_chunks(l, from, to, piece)) {
      char msg[160];
      snprintf(msg, sizeof msg, "the range needs more than %d chunks at the limits the upstreams accept", LOGS_MAX_CHUNKS);
      fail_reason(l, msg, &l->ch[idx], NULL);
      return false;
    }
    return true;
  }
  if (++ch->tries < CHUNK_TRIES) {
    ch->state = CH_QUEUED;
    if (idx < l->next) l->next = idx;
    return true;
  }
  return false;
}

static void on_chunk(vt_call *c, void *ud) {
  ticket *t = ud;
  logs_req *l = t->l;
  size_t idx = t->idx;
  l->running--;
  if (l->failed) goto next;
  chunk *ch = &l->ch[idx];
  if (c->outcome == VT_CALL_OK) {
    const char *p = c->result, *e = c->result + c->result_len;
    while (p < e && *p != '[') p++;
    while (e > p && e[-1] != ']') e--;
    p++, e--;
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    size_t n = e > p ? (size_t)(e - p) : 0;
    if (n && !(ch->res = malloc(n))) {
      fail_reason(l, "out of memory", ch, NULL);
      goto next;
    }
    if (n) memcpy(ch->res, p, n);
    ch->len = n;
    ch->state = CH_DONE;
    l->bytes += n;
    if (c->trust.tier == VT_TRUST_SINGLE) l->weak = true;
    else if (l->trust.tier == VT_TRUST_NONE) l->trust = c->trust;
    if (!l->served_by) l->served_by = c->served_by;
    if (l->bytes > l->pool->cfg->max_response) {
      char *e32005 = strdup("{\"code\":-32005,\"message\":\"limit exceeded: the logs of this range are larger than "
                            "limits.max_response; narrow the range or the filter\"}");
      fail_with(l, VT_CALL_RPC_ERROR, e32005);
    }
    goto next;
  }
  if (c->outcome == VT_CALL_RPC_ERROR) {
    /* the upstreams evaluated the filter and said no: the client's answer */
    char *e = malloc(c->result_len + 1);
    if (e) {
      memcpy(e, c->result, c->result_len);
      e[c->result_len] = 0;
    }
    fail_with(l, VT_CALL_RPC_ERROR, e);
    goto next;
  }
  if (!retry_chunk(l, idx))
    fail_reason(l, "no upstream could answer eth_getLogs for part of the range", &l->ch[idx],
                c->result_len ? c->result : NULL);
next:
  free(t);
  vt_call_free(c);
  pump(l);
}

static bool start_chunk(logs_req *l, size_t idx) {
  chunk *ch = &l->ch[idx];
  char q[24];
  snprintf(q, sizeof q, "0x%llx", (unsigned long long)ch->from);
  json_object_set_new(l->filter, "fromBlock", json_string(q));
  snprintf(q, sizeof q, "0x%llx", (unsigned long long)ch->to);
  json_object_set_new(l->filter, "toBlock", json_string(q));
  char *f = json_dumps(l->filter, JSON_COMPACT | JSON_PRESERVE_ORDER);
  ticket *t = malloc(sizeof *t);
  vt_buf body;
  vt_buf_init(&body, l->pool->cfg->max_body + 256);
  vt_buf_puts(&body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getLogs\",\"params\":[");
  if (f) vt_buf_puts(&body, f);
  vt_buf_puts(&body, "]}");
  free(f);
  bool ok = false;
  if (!f || !t || !vt_buf_ok(&body)) goto out;
  t->l = l;
  t->idx = idx;
  ch->state = CH_RUNNING;
  ch->too_big = false;
  ch->split_to = 0;
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = ch->to};
  vt_call_opts o = {.check = check_chunk, .check_ud = t, .on_error = on_chunk_error,
                    .logs_range = ch->to - ch->from + 1};
  l->running++;
  if (!vt_call_start_opts(l->pool, vt_method_find("eth_getLogs"), "eth_getLogs", body.data, body.len, &plan, &o,
                          on_chunk, t)) {
    l->running--;
    ch->state = CH_QUEUED;
    goto out;
  }
  t = NULL;
  ok = true;
out:
  free(t);
  vt_buf_free(&body);
  return ok;
}

/* Start queued chunks up to logs.parallel; answer when nothing runs. A chunk's call may
 * finish inside its start (no eligible upstream): that inner pump only asks for
 * another round, so the request is finished (and freed) by the outermost one. */
static void pump(logs_req *l) {
  if (l->pumping) { l->again = true; return; }
  l->pumping = true;
  do {
    l->again = false;
    while (!l->failed && l->running < l->parallel && l->next < l->n) {
      if (l->ch[l->next].state != CH_QUEUED) {
        l->next++;
        continue;
      }
      if (!start_chunk(l, l->next)) fail_reason(l, "out of memory", &l->ch[l->next], NULL);
    }
  } while (l->again);
  l->pumping = false;
  if (l->running) return;
  if (l->failed) { finish(l); return; }
  for (size_t i = 0; i < l->n; i++)
    if (l->ch[i].state != CH_DONE && l->ch[i].state != CH_SPLIT) return; /* cannot happen: queued ones run */
  finish(l);
}

int vt_logs_start(vt_pool *pool, vt_span params, const vt_plan *plan, vt_answer_cb cb, void *ud) {
  (void)plan;
  json_error_t je;
  json_t *p = json_loadb(params.p, params.n, 0, &je);
  json_t *f = json_array_get(p, 0);
  logs_req *l = NULL;
  int rc = 0;
  uint64_t from, to;
  if (!json_is_object(f) || json_object_get(f, "blockHash") || !vt_json_u64(json_object_get(f, "fromBlock"), &from) ||
      !vt_json_u64(json_object_get(f, "toBlock"), &to) || from > to || !pool->head_known || to > pool->head)
    goto out;
  if (to - from >= pool->cfg->logs_max_blocks) {
    char msg[240];
    snprintf(msg, sizeof msg,
             "{\"code\":-32005,\"message\":\"limit exceeded: eth_getLogs takes at most %llu blocks per call "
             "(logs.max_blocks); this range has %llu: split it\"}",
             (unsigned long long)pool->cfg->logs_max_blocks, (unsigned long long)(to - from + 1));
    vt_answer a = {.outcome = VT_CALL_RPC_ERROR, .result = msg, .len = strlen(msg), .trust = {.tier = VT_TRUST_NONE},
                   .method = "eth_getLogs", .t_start_ms = vt_pool_now_ms(pool)};
    cb(&a, ud);
    rc = -1;
    goto out;
  }
  l = calloc(1, sizeof *l);
  vc_err err;
  if (!l || vc_log_filter_from_json(f, &l->f, &err) != VC_OK) goto out;
  l->filter = json_incref(f);
  l->pool = pool;
  l->cb = cb;
  l->ud = ud;
  l->t0 = vt_pool_now_ms(pool);
  l->parallel = pool->cfg->logs_parallel ? pool->cfg->logs_parallel : 1;
  if (!add_chunks(l, from, to, first_width(pool))) goto out;
  json_decref(p);
  pump(l);
  return 1;
out:
  if (l) req_free(l);
  json_decref(p);
  return rc;
}
