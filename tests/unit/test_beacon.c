/*
 * test_beacon.c: the light-client driver (src/gateway/beacon.c) against in-test beacon
 * API servers on loopback that serve REAL mainnet data: the helios Capella JSON
 * fixtures (bootstrap at slot 7069376, six period updates 862..867, a finality update
 * finalizing slot 7109344 / block 17923026, an optimistic update at slot 7109431). The
 * driver's clock is moved with genesis_time so the current slot is 7109432.
 *
 * Each server has a mode: honest, one period update with a flipped signature byte, a
 * finality update whose finalized execution state root is forged, or one that never
 * answers. Tests: failover around a dead port and a forged signature; around a hanging
 * endpoint (timeout) and a forged finality header (the forged root must never be
 * served); around HTTP 500 and nonsense answers; an endpoint with only old news while
 * the clock is ahead (rotation);
 * persistence (a restart resumes from the state file without a bootstrap; another
 * checkpoint or a corrupted file is ignored); the same with the LMDB store of cache.path
 * (blob slot "lightclient"; a state file given too wins; a blob that fails lc_load or
 * the store's checksum is ignored; an agreed checkpoint is kept there too); close with
 * a request in flight; option
 * checks; the /status JSON. Every test tears its
 * loop down and asserts uv_loop_close() == 0, so a leaked handle fails it.
 */
#include "testutil.h"

#include <jansson.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core/hex.h"
#include "core/lightclient/lc.h"
#include "beacon/beacon.h"
#include "net/fetch.h"
#include "obs/log.h"
#include "store/lmdb.h"

#define HELIOS "helios/ethereum/testdata/"
#define CHECKPOINT "0x5afc212a7924789b2bc86acad3ab3a6ffb1f6e97253ea50bee7f4f51422c9275"
#define NOW_SLOT 7109432ull
#define FIN_SLOT 7109344ull
#define FIN_BLOCK 17923026ull
#define OPT_SLOT 7109431ull
#define REQ_MAX (64u * 1024)
#define RUN_MS 15000u

/* ------------------------------------------------------------- fixtures ---- */

typedef struct {
  char *bootstrap, *finality, *optimistic;
  json_t *updates;                 /* the six period updates */
  uint8_t fin_state_root[32];      /* the honest finalized execution state root */
} fixtures;

static fixtures fx;

#define FORGED_ROOT "0x1111111111111111111111111111111111111111111111111111111111111111"

/* The colibri SSZ data (real mainnet, Deneb): a bootstrap at period 1394 and a stream of
 * 14 consecutive period updates 1393..1406, each signed by the previous one's committee. */
#define COLIBRI "colibri-stateless/test/data/"
#define SSZ_BOOT COLIBRI "eth_getProof1/eth_v1_beacon_light_client_bootstrap_0x69d93fb3b7370556d960de8c8d86a48adf7c4bfdced8e940dff3f149eb47d.ssz"
#define SSZ_UPDATES COLIBRI "trusted_block1/eth_v1_beacon_light_client_updates_start_period_1393_count_14.ssz"
#define SSZ_MAX_ITEMS 32u

typedef struct {
  char *boot, *stream; /* file bytes */
  size_t boot_len, stream_len, n;
  size_t off[SSZ_MAX_ITEMS], len[SSZ_MAX_ITEMS]; /* whole chunks (length and digest too) */
  size_t sig[SSZ_MAX_ITEMS];                     /* sync committee signature, in the chunk */
  uint64_t period[SSZ_MAX_ITEMS];
  uint64_t max_sig_slot;
  char root[67]; /* hash_tree_root of the bootstrap header */
} ssz_fixtures;

static ssz_fixtures sx;
static const char *g_root = CHECKPOINT; /* what honest servers call finalized */
static unsigned g_poll_ms = 50; /* poll_ms of the beacons env_beacon_cp makes */
static const char *g_store; /* store_path (cache.path) of the beacons env_beacon_cp makes */

static char *load_text(const char *rel) {
  const char *p = fixture_path(rel);
  assert_non_null(p);
  char *s = read_file(p, NULL);
  assert_non_null(s);
  return s;
}

static json_t *jpath(json_t *j, const char *const *keys, size_t n) {
  for (size_t i = 0; i < n && j; i++) j = json_object_get(j, keys[i]);
  return j;
}

static const char *const FIN_ROOT_PATH[] = {"data", "finalized_header", "execution", "state_root"};
static const char *const SIG_PATH[] = {"data", "sync_aggregate", "sync_committee_signature"};

static void fixtures_load(void) {
  json_error_t jerr;
  fx.bootstrap = load_text(HELIOS "bootstrap.json");
  fx.finality = load_text(HELIOS "finality.json");
  fx.optimistic = load_text(HELIOS "optimistic.json");
  fx.updates = json_load_file(fixture_path(HELIOS "updates.json"), 0, &jerr);
  assert_non_null(fx.updates);
  json_t *f = json_loads(fx.finality, 0, &jerr);
  assert_non_null(f);
  const char *root = json_string_value(jpath(f, FIN_ROOT_PATH, 4));
  assert_non_null(root);
  assert_int_equal(test_unhex(root, fx.fin_state_root, 32), 32);
  json_decref(f);
}

static void fixtures_free(void) {
  free(fx.bootstrap);
  free(fx.finality);
  free(fx.optimistic);
  json_decref(fx.updates);
  memset(&fx, 0, sizeof fx);
}

/* The SSZ files, cut into chunks by period; the checkpoint is the bootstrap's root. */
static void ssz_load(void) {
  const lc_chain_config *cfg = lc_chain_config_get("mainnet");
  lc_bootstrap *bs = malloc(sizeof *bs);
  lc_update *u = malloc(sizeof *u);
  vc_err err = {{0}};
  uint8_t root[32], digest[4];
  assert_true(bs && u);
  memset(&sx, 0, sizeof sx);
  sx.boot = read_file(fixture_path(SSZ_BOOT), &sx.boot_len);
  sx.stream = read_file(fixture_path(SSZ_UPDATES), &sx.stream_len);
  assert_true(sx.boot && sx.stream);
  assert_int_equal(lc_decode_bootstrap_auto(bs, cfg, vc_bytes_of(sx.boot, sx.boot_len), &err), VC_OK);
  assert_int_equal(bs->fork, LC_FORK_DENEB);
  lc_beacon_header_root(&bs->header.beacon, root);
  vc_hex_encode(root, 32, sx.root);
  assert_int_equal(strncmp(sx.root, "0x69d93fb3", 10), 0);
  vc_bytes cur = vc_bytes_of(sx.stream, sx.stream_len), item;
  while (lc_stream_next(&cur, digest, &item, &err) == VC_OK) {
    assert_true(sx.n < SSZ_MAX_ITEMS);
    sx.off[sx.n] = (size_t)(item.ptr - (const uint8_t *)sx.stream) - 12;
    sx.len[sx.n] = item.len + 12;
    assert_int_equal(lc_decode_update_auto(u, cfg, item, &err), VC_OK);
    sx.period[sx.n] = lc_period_at_slot(cfg, u->attested_header.beacon.slot);
    const uint8_t *at = memmem(item.ptr, item.len, u->sync_aggregate.signature, 96);
    assert_non_null(at);
    sx.sig[sx.n] = (size_t)(at - item.ptr) + 12;
    if (u->signature_slot > sx.max_sig_slot) sx.max_sig_slot = u->signature_slot;
    sx.n++;
  }
  assert_int_equal(sx.n, 14);
  assert_int_equal(sx.period[0], 1393);
  assert_int_equal(sx.period[13], 1406);
  free(bs);
  free(u);
}

static void ssz_free(void) {
  free(sx.boot);
  free(sx.stream);
  memset(&sx, 0, sizeof sx);
}

/* Change one hex digit of the string at path (last digit of a signature, first byte of
 * a root): the object stays well-formed, only its meaning changes. */
static void flip_hex(json_t *obj, const char *const *path, size_t n, size_t digit) {
  json_t *v = jpath(obj, path, n);
  assert_true(json_is_string(v));
  char *s = strdup(json_string_value(v));
  size_t len = strlen(s);
  size_t at = digit < len ? digit : len - 1;
  s[at] = s[at] == '1' ? '2' : '1';
  json_string_set(v, s);
  free(s);
}

/* --------------------------------------------------------------- server ---- */

/* S_FORGE_ROOT: honest light-client data, but a forged /eth/v1/beacon/headers/finalized. */
typedef enum { S_HONEST, S_TAMPER_SIG, S_FORGE_FINALITY, S_FORGE_ROOT, S_HANG, S_HTTP500, S_GARBAGE } srv_mode;
enum { R_BOOTSTRAP, R_UPDATES, R_FINALITY, R_OPTIMISTIC, R_HEADERS, R_OTHER, R_COUNT };


typedef struct sconn sconn;
typedef struct {
  uv_tcp_t lis;
  int port;
  srv_mode mode;
  bool ssz;          /* light-client data as SSZ (application/octet-stream) from sx */
  char accept[160];  /* the Accept header of the last request */
  unsigned hits[R_COUNT];
  sconn *conns;
  bool open;
} bsrv;

struct sconn {
  uv_tcp_t tcp;
  bsrv *s;
  sconn *next, **pprev;
  size_t len;
  char buf[REQ_MAX];
};

typedef struct {
  uv_write_t req;
  char data[];
} swrite;

static void conn_freed(uv_handle_t *h) { free(h->data); }

static void conn_close(sconn *c) {
  if (c->pprev) {
    *c->pprev = c->next;
    if (c->next) c->next->pprev = c->pprev;
    c->pprev = NULL;
    uv_close((uv_handle_t *)&c->tcp, conn_freed);
  }
}

static void on_written(uv_write_t *w, int status) {
  (void)status;
  free(w);
}

static void reply_bin(sconn *c, int status, const char *ctype, const char *body, size_t blen) {
  char head[200];
  int hlen = snprintf(head, sizeof head,
                      "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                      status, ctype, blen);
  swrite *w = malloc(sizeof *w + (size_t)hlen + blen);
  assert_non_null(w);
  memcpy(w->data, head, (size_t)hlen);
  memcpy(w->data + hlen, body, blen);
  uv_buf_t b = uv_buf_init(w->data, (unsigned)((size_t)hlen + blen));
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) free(w);
}

static void reply(sconn *c, int status, const char *body) {
  reply_bin(c, status, "application/json", body, strlen(body));
}

static unsigned long long query_u64(const char *target, const char *key) {
  const char *p = strstr(target, key);
  if (!p) return 0;
  return strtoull(p + strlen(key), NULL, 10);
}

/* The SSZ stream items whose period is in [start, start + count); S_TAMPER_SIG flips a
 * byte in the middle of the period-1397 update's signature. */
static void serve_ssz_updates(sconn *c, unsigned long long start, unsigned long long count) {
  char *out = malloc(sx.stream_len + 1);
  size_t len = 0;
  assert_non_null(out);
  for (size_t i = 0; i < sx.n; i++) {
    if (sx.period[i] < start || sx.period[i] >= start + count) continue;
    memcpy(out + len, sx.stream + sx.off[i], sx.len[i]);
    if (c->s->mode == S_TAMPER_SIG && sx.period[i] == 1397) out[len + sx.sig[i] + 48] ^= 0x01;
    len += sx.len[i];
  }
  reply_bin(c, 200, "application/octet-stream", out, len);
  free(out);
}

static void serve_finalized_header(sconn *c) {
  char body[256];
  snprintf(body, sizeof body, "{\"execution_optimistic\":false,\"finalized\":true,\"data\":{\"root\":\"%s\",\"canonical\":true}}",
           c->s->mode == S_FORGE_ROOT ? FORGED_ROOT : g_root);
  reply(c, 200, body);
}

/* An SSZ server: the bootstrap for sx.root and the update stream; nothing else. */
static void serve_ssz(sconn *c, int route, const char *rest, const char *target) {
  switch (route) {
  case R_BOOTSTRAP:
    if (strcmp(rest, sx.root) == 0) reply_bin(c, 200, "application/octet-stream", sx.boot, sx.boot_len);
    else reply(c, 404, "{\"code\":404,\"message\":\"unknown block\"}");
    break;
  case R_UPDATES: serve_ssz_updates(c, query_u64(target, "start_period="), query_u64(target, "count=")); break;
  case R_HEADERS: serve_finalized_header(c); break;
  default: reply(c, 404, "{\"code\":404}"); break;
  }
}

static void reply_json(sconn *c, json_t *j) {
  char *s = json_dumps(j, JSON_COMPACT);
  assert_non_null(s);
  reply(c, 200, s);
  free(s);
}

static void serve_updates(sconn *c, const char *target) {
  const lc_chain_config *cfg = lc_chain_config_get("mainnet");
  unsigned long long start = query_u64(target, "start_period="), count = query_u64(target, "count=");
  json_t *out = json_array();
  for (size_t i = 0; i < json_array_size(fx.updates); i++) {
    json_t *u = json_array_get(fx.updates, i);
    const char *const slot_path[] = {"data", "attested_header", "beacon", "slot"};
    uint64_t period = lc_period_at_slot(cfg, strtoull(json_string_value(jpath(u, slot_path, 4)), NULL, 10));
    if (period < start || period >= start + count) continue;
    json_t *copy = json_deep_copy(u);
    if (c->s->mode == S_TAMPER_SIG && period == 864) flip_hex(copy, SIG_PATH, 3, 1000);
    json_array_append_new(out, copy);
  }
  reply_json(c, out);
  json_decref(out);
}

static void serve_finality(sconn *c) {
  if (c->s->mode != S_FORGE_FINALITY) {
    reply(c, 200, fx.finality);
    return;
  }
  json_t *j = json_loads(fx.finality, 0, NULL);
  assert_non_null(j);
  flip_hex(j, FIN_ROOT_PATH, 4, 2);
  reply_json(c, j);
  json_decref(j);
}

/* Modes that answer every route alike (S_GARBAGE: well-formed JSON of the wrong shape). */
static const struct { int status; const char *body; } canned[] = {
    [S_HTTP500] = {500, "{\"code\":500,\"message\":\"internal error\"}"},
    [S_GARBAGE] = {200, "{\"version\":\"capella\",\"data\":{\"header\":1}}"},
};

static void serve(sconn *c, const char *target) {
  static const struct { const char *prefix; int route; } table[] = {
      {"/eth/v1/beacon/light_client/bootstrap/", R_BOOTSTRAP},
      {"/eth/v1/beacon/light_client/updates?", R_UPDATES},
      {"/eth/v1/beacon/light_client/finality_update", R_FINALITY},
      {"/eth/v1/beacon/light_client/optimistic_update", R_OPTIMISTIC},
      {"/eth/v1/beacon/headers/finalized", R_HEADERS},
  };
  int route = R_OTHER;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strncmp(target, table[i].prefix, strlen(table[i].prefix)) == 0) route = table[i].route;
  c->s->hits[route]++;
  if (c->s->mode == S_HANG) return;
  if (c->s->mode >= S_HTTP500) {
    reply(c, canned[c->s->mode].status, canned[c->s->mode].body);
    return;
  }
  if (c->s->ssz) {
    serve_ssz(c, route, route == R_BOOTSTRAP ? target + strlen(table[0].prefix) : "", target);
    return;
  }
  switch (route) {
  case R_BOOTSTRAP:
    if (strcmp(target + strlen(table[0].prefix), CHECKPOINT) == 0) reply(c, 200, fx.bootstrap);
    else reply(c, 404, "{\"code\":404,\"message\":\"unknown block\"}");
    break;
  case R_UPDATES: serve_updates(c, target); break;
  case R_FINALITY: serve_finality(c); break;
  case R_OPTIMISTIC: reply(c, 200, fx.optimistic); break;
  case R_HEADERS: serve_finalized_header(c); break;
  default: reply(c, 404, "{\"code\":404}"); break;
  }
}

static void on_alloc(uv_handle_t *h, size_t sz, uv_buf_t *buf) {
  (void)sz;
  sconn *c = h->data;
  *buf = uv_buf_init(c->buf + c->len, (unsigned)(REQ_MAX - 1 - c->len));
}

/* GET requests only (no bodies): each one ends at the blank line. */
static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  (void)buf;
  sconn *c = st->data;
  if (n < 0 || c->len + (size_t)n >= REQ_MAX - 1) {
    conn_close(c);
    return;
  }
  c->len += (size_t)n;
  c->buf[c->len] = '\0';
  char *end;
  while ((end = strstr(c->buf, "\r\n\r\n")) != NULL) {
    char target[1024] = "";
    const char *acc = strcasestr(c->buf, "\r\nAccept:");
    if (acc && acc < end) {
      acc += 9;
      while (*acc == ' ') acc++;
      size_t alen = strcspn(acc, "\r");
      snprintf(c->s->accept, sizeof c->s->accept, "%.*s", (int)alen, acc);
    }
    if (sscanf(c->buf, "GET %1023s HTTP/1.1", target) == 1) serve(c, target);
    size_t used = (size_t)(end + 4 - c->buf);
    memmove(c->buf, end + 4, c->len - used + 1);
    c->len -= used;
  }
}

static void on_conn(uv_stream_t *lis, int status) {
  bsrv *s = lis->data;
  assert_int_equal(status, 0);
  sconn *c = calloc(1, sizeof *c);
  assert_non_null(c);
  c->s = s;
  uv_tcp_init(lis->loop, &c->tcp);
  c->tcp.data = c;
  assert_int_equal(uv_accept(lis, (uv_stream_t *)&c->tcp), 0);
  c->next = s->conns;
  if (c->next) c->next->pprev = &c->next;
  s->conns = c;
  c->pprev = &s->conns;
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void srv_start(uv_loop_t *loop, bsrv *s, srv_mode mode) {
  struct sockaddr_in a;
  struct sockaddr_storage got;
  int len = sizeof got;
  memset(s, 0, sizeof *s);
  s->mode = mode;
  uv_ip4_addr("127.0.0.1", 0, &a);
  uv_tcp_init(loop, &s->lis);
  s->lis.data = s;
  assert_int_equal(uv_tcp_bind(&s->lis, (const struct sockaddr *)&a, 0), 0);
  assert_int_equal(uv_listen((uv_stream_t *)&s->lis, 16, on_conn), 0);
  uv_tcp_getsockname(&s->lis, (struct sockaddr *)&got, &len);
  s->port = ntohs(((struct sockaddr_in *)&got)->sin_port);
  s->open = true;
}

static void srv_close(bsrv *s) {
  if (!s->open) return;
  s->open = false;
  while (s->conns) conn_close(s->conns);
  uv_close((uv_handle_t *)&s->lis, NULL);
}

/* ------------------------------------------------------------------ env ---- */

typedef struct env env;
struct env {
  uv_loop_t loop;
  vt_fetcher *f;
  vt_beacon *b;
  bsrv srv[3];
  size_t nsrv, nurls;
  char urls[4][64];
  const char *url_ptrs[4];
  uv_timer_t check;
  bool (*pred)(env *);
  bool met;
  uint64_t deadline;
  unsigned updates_seen;
};

static void on_update(void *ud) { ((env *)ud)->updates_seen++; }

static void env_init(env *e) {
  memset(e, 0, sizeof *e);
  assert_int_equal(uv_loop_init(&e->loop), 0);
  e->f = vt_fetcher_new(&e->loop, NULL);
  assert_non_null(e->f);
  uv_timer_init(&e->loop, &e->check);
  e->check.data = e;
}

static void env_add(env *e, srv_mode mode) {
  srv_start(&e->loop, &e->srv[e->nsrv], mode);
  snprintf(e->urls[e->nurls], sizeof e->urls[0], "http://127.0.0.1:%d/", e->srv[e->nsrv].port);
  e->url_ptrs[e->nurls] = e->urls[e->nurls];
  e->nsrv++;
  e->nurls++;
}

/* A URL nobody listens on: bind an ephemeral port, then close it. */
static void env_add_dead(env *e) {
  size_t at = e->nurls++;
  uv_tcp_t t;
  struct sockaddr_in a;
  struct sockaddr_storage got;
  int len = sizeof got;
  uv_ip4_addr("127.0.0.1", 0, &a);
  uv_tcp_init(&e->loop, &t);
  assert_int_equal(uv_tcp_bind(&t, (const struct sockaddr *)&a, 0), 0);
  uv_tcp_getsockname(&t, (struct sockaddr *)&got, &len);
  snprintf(e->urls[at], sizeof e->urls[0], "http://127.0.0.1:%d", ntohs(((struct sockaddr_in *)&got)->sin_port));
  e->url_ptrs[at] = e->urls[at];
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(&e->loop, UV_RUN_NOWAIT);
}

/* checkpoint NULL: none configured (the driver agrees on one). */
static vt_beacon *env_beacon_cp(env *e, size_t nurls, const char *state_path, unsigned timeout_ms,
                                uint64_t now_slot, const char *checkpoint) {
  vt_beacon_opts o = {.chain = "mainnet", .urls = e->url_ptrs, .n = nurls, .state_path = state_path,
                      .store_path = g_store, .poll_ms = g_poll_ms, .timeout_ms = timeout_ms,
                      .genesis_time = (uint64_t)time(NULL) - now_slot * 12 - 1, /* 11 s of margin */
                      .on_update = on_update, .ud = e};
  char err[160] = "";
  if (checkpoint) assert_int_equal(test_unhex(checkpoint, o.checkpoint, 32), 32);
  e->b = vt_beacon_new(&e->loop, e->f, &o, err, sizeof err);
  if (!e->b) fail_msg("vt_beacon_new: %s", err);
  return e->b;
}

static vt_beacon *env_beacon_at(env *e, size_t nurls, const char *state_path, unsigned timeout_ms,
                                uint64_t now_slot) {
  return env_beacon_cp(e, nurls, state_path, timeout_ms, now_slot, CHECKPOINT);
}

static vt_beacon *env_beacon(env *e, size_t nurls, const char *state_path, unsigned timeout_ms) {
  return env_beacon_at(e, nurls, state_path, timeout_ms, NOW_SLOT);
}

static void on_check(uv_timer_t *t) {
  env *e = t->data;
  if (e->pred(e)) e->met = true;
  if (e->met || uv_now(&e->loop) >= e->deadline) uv_stop(&e->loop);
}

static bool run_until(env *e, bool (*pred)(env *)) {
  e->pred = pred;
  e->met = false;
  uv_update_time(&e->loop);
  e->deadline = uv_now(&e->loop) + RUN_MS;
  uv_timer_start(&e->check, on_check, 5, 5);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  uv_timer_stop(&e->check);
  return e->met;
}

static void env_free(env *e) {
  vt_beacon_close(e->b, NULL, NULL);
  vt_fetcher_close(e->f, NULL, NULL);
  for (size_t i = 0; i < e->nsrv; i++) srv_close(&e->srv[i]);
  uv_close((uv_handle_t *)&e->check, NULL);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&e->loop), 0);
}

static bool synced_to_optimistic(env *e) {
  vt_beacon_exec h;
  return vt_beacon_head(e->b, false, &h) && h.beacon_slot == OPT_SLOT;
}

static void expect_final_heads(env *e) {
  vt_beacon_exec fin, opt;
  assert_true(vt_beacon_head(e->b, true, &fin));
  assert_int_equal(fin.beacon_slot, FIN_SLOT);
  assert_int_equal(fin.block_number, FIN_BLOCK);
  assert_memory_equal(fin.state_root, fx.fin_state_root, 32);
  assert_true(vt_beacon_head(e->b, false, &opt));
  assert_int_equal(opt.beacon_slot, OPT_SLOT);
  assert_int_equal(opt.block_number, 17923113);
}

/* ---------------------------------------------------------------- tests ---- */

static void test_failover_forged_signature(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  env e;
  vt_beacon_status *st = malloc(sizeof *st);
  fixtures_load();
  env_init(&e);
  env_add_dead(&e);
  env_add(&e, S_TAMPER_SIG);
  env_add(&e, S_HONEST);
  env_beacon(&e, 3, NULL, 2000);
  vt_beacon_get_status(e.b, st);
  assert_false(st->bootstrapped);
  assert_false(st->synced);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, synced_to_optimistic));
  expect_final_heads(&e);
  assert_true(e.updates_seen >= 3);
  vt_beacon_get_status(e.b, st);
  assert_true(st->synced);
  assert_int_equal(st->current_slot, NOW_SLOT);
  assert_int_equal(st->finalized_block, FIN_BLOCK);
  /* the dead port: one transport failure, then never preferred again */
  assert_int_equal(st->endpoints[0].failures, 1);
  assert_int_equal(st->endpoints[0].rejected, 0);
  assert_non_null(strstr(st->endpoints[0].last_error, "transport"));
  /* the forger: bootstrap and two honest updates applied, the third rejected */
  assert_int_equal(st->endpoints[1].rejected, 1);
  assert_non_null(strstr(st->endpoints[1].last_error, "verify"));
  assert_true(st->endpoints[1].penalised);
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP], 1);
  assert_int_equal(e.srv[0].hits[R_FINALITY], 0);
  /* the honest one finished the sync: updates from 864 on, finality, optimistic */
  assert_int_equal(e.srv[1].hits[R_BOOTSTRAP], 0);
  assert_int_equal(e.srv[1].hits[R_UPDATES], 1);
  assert_true(e.srv[1].hits[R_FINALITY] >= 1);
  assert_true(e.srv[1].hits[R_OPTIMISTIC] >= 1);
  assert_int_equal(st->rejected, 1);
  assert_int_equal(st->applied, 1 + 6 + 2);
  env_free(&e);
  fixtures_free();
  free(st);
}

static void test_timeout_and_forged_finality(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  env e;
  vt_beacon_status *st = malloc(sizeof *st);
  fixtures_load();
  env_init(&e);
  env_add(&e, S_HANG);
  env_add(&e, S_FORGE_FINALITY);
  env_add(&e, S_HONEST);
  env_beacon(&e, 3, NULL, 300);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, synced_to_optimistic));
  /* The forged root never became the anchor: the honest one did. */
  expect_final_heads(&e);
  vt_beacon_get_status(e.b, st);
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP], 1);
  assert_non_null(strstr(st->endpoints[0].last_error, "timeout"));
  assert_int_equal(st->endpoints[0].rejected, 0);
  assert_int_equal(st->endpoints[1].rejected, 1);
  assert_non_null(strstr(st->endpoints[1].last_error, "finality verify"));
  assert_int_equal(e.srv[1].hits[R_FINALITY], 1);
  assert_int_equal(e.srv[1].hits[R_UPDATES], 1);
  assert_int_equal(e.srv[2].hits[R_BOOTSTRAP] + e.srv[2].hits[R_UPDATES], 0);
  assert_true(e.srv[2].hits[R_FINALITY] >= 1);
  env_free(&e);
  fixtures_free();
  free(st);
}

static size_t count_entries(const char *dir) {
  size_t n = 0;
  uv_fs_t req;
  uv_dirent_t ent;
  assert_true(uv_fs_scandir(NULL, &req, dir, 0, NULL) >= 0);
  while (uv_fs_scandir_next(&req, &ent) != UV_EOF) n++;
  uv_fs_req_cleanup(&req);
  return n;
}

static vt_beacon *other_checkpoint_beacon(env *e, const char *path) {
  vt_beacon_opts o = {.chain = "mainnet", .urls = e->url_ptrs, .n = 1, .state_path = path,
                      .poll_ms = 50, .genesis_time = (uint64_t)time(NULL) - NOW_SLOT * 12 - 1};
  memset(o.checkpoint, 0x11, 32);
  vt_beacon *b = vt_beacon_new(&e->loop, e->f, &o, NULL, 0);
  assert_non_null(b);
  return b;
}

/* An endpoint answering 500 and one answering nonsense: both blamed (not as forgers),
 * the sync finishes from the third. */
static void test_bad_answers(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  env e;
  vt_beacon_status *st = malloc(sizeof *st);
  fixtures_load();
  env_init(&e);
  env_add(&e, S_HTTP500);
  env_add(&e, S_GARBAGE);
  env_add(&e, S_HONEST);
  env_beacon(&e, 3, NULL, 2000);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, synced_to_optimistic));
  expect_final_heads(&e);
  vt_beacon_get_status(e.b, st);
  assert_non_null(strstr(st->endpoints[0].last_error, "bootstrap http: HTTP status 500"));
  assert_non_null(strstr(st->endpoints[1].last_error, "bootstrap decode"));
  assert_true(st->endpoints[0].penalised && st->endpoints[1].penalised);
  assert_int_equal(st->rejected, 0);
  assert_int_equal(e.srv[0].hits[R_UPDATES] + e.srv[1].hits[R_UPDATES], 0);
  env_free(&e);
  fixtures_free();
  free(st);
}

static bool optimistic_polled(env *e) { return e->srv[0].hits[R_OPTIMISTIC] >= 1; }

static void test_persistence(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  char tmpdir[] = "/tmp/verity-beacon-XXXXXX";
  char path[128];
  env e;
  vt_beacon_status *st = malloc(sizeof *st);
  vt_beacon_exec h;
  fixtures_load();
  assert_non_null(mkdtemp(tmpdir));
  snprintf(path, sizeof path, "%s/lightclient.state", tmpdir);

  /* 1. a full sync writes the state file */
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon(&e, 1, path, 2000);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, synced_to_optimistic));
  env_free(&e);
  assert_int_equal(access(path, R_OK), 0);
  assert_int_equal(count_entries(tmpdir), 1); /* the temp file was renamed, not left */

  /* 2. a restart is synced before any request, and never asks for the bootstrap */
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon(&e, 1, path, 2000);
  vt_beacon_start(e.b);
  expect_final_heads(&e);
  vt_beacon_get_status(e.b, st);
  assert_true(st->restored);
  assert_true(st->synced);
  assert_true(run_until(&e, optimistic_polled));
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP], 0);
  assert_int_equal(e.srv[0].hits[R_UPDATES], 0);
  assert_int_equal(e.updates_seen, 0);
  env_free(&e);

  /* 3. another checkpoint in the config wins over the file: not restored */
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon(&e, 1, path, 2000);
  vt_beacon_close(e.b, NULL, NULL);
  e.b = other_checkpoint_beacon(&e, path);
  vt_beacon_start(e.b);
  assert_false(vt_beacon_head(e.b, true, &h));
  vt_beacon_get_status(e.b, st);
  assert_false(st->restored);
  assert_non_null(strstr(st->last_error, "another checkpoint"));
  env_free(&e);

  /* 4. a corrupted file is ignored: a fresh sync from the checkpoint */
  size_t len = 0;
  char *blob = read_file(path, &len);
  assert_non_null(blob);
  blob[len / 2] ^= 1;
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(blob, 1, len, f), len);
  fclose(f);
  free(blob);
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon(&e, 1, path, 2000);
  vt_beacon_start(e.b);
  assert_false(vt_beacon_head(e.b, true, &h));
  vt_beacon_get_status(e.b, st);
  assert_false(st->restored);
  assert_non_null(strstr(st->last_error, "state file ignored"));
  assert_true(run_until(&e, synced_to_optimistic));
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP], 1);
  env_free(&e);

  assert_int_equal(unlink(path), 0);
  assert_int_equal(rmdir(tmpdir), 0);
  fixtures_free();
  free(st);
}

/* Remove an LMDB directory made by a test (data.mdb, lock.mdb, and the state file). */
static void rm_store(const char *dir) {
  const char *names[] = {"data.mdb", "lock.mdb", "lightclient.state"};
  char p[160];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    unlink(p);
  }
  assert_int_equal(rmdir(dir), 0);
}

/* The lc blob in the store, with one byte flipped at `at` (before the store's checksum,
 * so it reads back fine and lc_load must refuse it). */
static void store_flip(const char *dir, size_t at) {
  char err[256];
  vt_lmdb *db = NULL;
  uint8_t *blob = NULL;
  size_t len = 0;
  assert_int_equal(vt_lmdb_open(dir, VT_LMDB_MAP_DEFAULT, &db, err, sizeof err), 0);
  assert_int_equal(vt_lmdb_get_blob(db, "lightclient", &blob, &len), VT_LMDB_OK);
  assert_true(len > at && len <= LC_SAVE_MAX);
  blob[at] ^= 1;
  assert_int_equal(vt_lmdb_put_blob(db, "lightclient", blob, len), VT_LMDB_OK);
  free(blob);
  vt_lmdb_close(db);
}

/* Restart with nothing but cache.path (the LMDB store): synced before any request. */
static void restart_from_store(vt_beacon_status *st) {
  env e;
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon(&e, 1, NULL, 2000);
  vt_beacon_start(e.b);
  expect_final_heads(&e);
  vt_beacon_get_status(e.b, st);
  assert_true(st->restored);
  assert_true(st->synced);
  assert_string_equal(st->last_error, "");
  assert_true(run_until(&e, optimistic_polled));
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP] + e.srv[0].hits[R_UPDATES], 0);
  assert_int_equal(e.updates_seen, 0);
  env_free(&e);
}

static void test_persistence_lmdb(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  char tmpdir[] = "/tmp/verity-beacon-XXXXXX";
  char path[128];
  env e;
  vt_beacon_status *st = malloc(sizeof *st);
  fixtures_load();
  assert_non_null(mkdtemp(tmpdir));
  snprintf(path, sizeof path, "%s/lightclient.state", tmpdir);
  g_store = tmpdir;

  /* 1. a full sync saves into the store (no file anywhere) */
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon(&e, 1, NULL, 2000);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, synced_to_optimistic));
  env_free(&e);
  assert_int_equal(access(path, F_OK), -1);

  /* 2. a restart resumes from it; the store is shared with another opener (flights) */
  char err[256];
  vt_lmdb *other = NULL;
  assert_int_equal(vt_lmdb_open(tmpdir, VT_LMDB_MAP_DEFAULT, &other, err, sizeof err), 0);
  restart_from_store(st);
  vt_cache_meta m = {.finalized = true, .block_number = 1};
  snprintf(m.trust, sizeof m.trust, "verified:quorum:2/2");
  assert_int_equal(vt_lmdb_put(other, "eth_getBalance[]", 16, "0x1", 3, &m, NULL), VT_LMDB_OK);
  vt_lmdb_close(other);
  restart_from_store(st);

  /* 3. a state file given as well wins: the store is not read, the file is written */
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon(&e, 1, path, 2000);
  vt_beacon_start(e.b);
  vt_beacon_get_status(e.b, st);
  assert_false(st->restored);
  assert_true(run_until(&e, synced_to_optimistic));
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP], 1);
  env_free(&e);
  assert_int_equal(access(path, R_OK), 0);

  /* 4. a blob lc_load refuses is ignored: a fresh sync, which saves a good one again */
  store_flip(tmpdir, 200);
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon(&e, 1, NULL, 2000);
  vt_beacon_start(e.b);
  vt_beacon_get_status(e.b, st);
  assert_false(st->restored);
  assert_non_null(strstr(st->last_error, "lmdb store ignored"));
  assert_true(run_until(&e, synced_to_optimistic));
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP], 1);
  env_free(&e);
  restart_from_store(st);

  /* 5. another checkpoint configured: the saved store is not used */
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon(&e, 1, NULL, 2000);
  vt_beacon_close(e.b, NULL, NULL);
  vt_beacon_opts o = {.chain = "mainnet", .urls = e.url_ptrs, .n = 1, .store_path = tmpdir,
                      .poll_ms = 50, .genesis_time = (uint64_t)time(NULL) - NOW_SLOT * 12 - 1};
  memset(o.checkpoint, 0x11, 32);
  assert_non_null(e.b = vt_beacon_new(&e.loop, e.f, &o, NULL, 0));
  vt_beacon_start(e.b);
  vt_beacon_get_status(e.b, st);
  assert_false(st->restored);
  assert_non_null(strstr(st->last_error, "lmdb store ignored: made from another checkpoint"));
  env_free(&e);

  /* 6. a store that cannot be opened is an error at vt_beacon_new, naming cache.path */
  env_init(&e);
  env_add(&e, S_HONEST);
  o.store_path = path; /* a regular file */
  memset(o.checkpoint, 0x22, 32);
  assert_null(vt_beacon_new(&e.loop, e.f, &o, err, sizeof err));
  assert_non_null(strstr(err, "cache.path"));
  e.b = NULL;
  env_free(&e);

  g_store = NULL;
  rm_store(tmpdir);
  fixtures_free();
  free(st);
}

static bool both_polled_twice(env *e) {
  return e->srv[0].hits[R_OPTIMISTIC] >= 2 && e->srv[1].hits[R_OPTIMISTIC] >= 2;
}

/* The clock is 6 slots past the newest header anyone has: an endpoint answering only
 * old news is blamed (mildly) and the other one is asked at once. */
static void test_lagging_endpoint_rotates(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  env e;
  vt_beacon_status *st = malloc(sizeof *st);
  fixtures_load();
  env_init(&e);
  env_add(&e, S_HONEST);
  env_add(&e, S_HONEST);
  env_beacon_at(&e, 2, NULL, 2000, OPT_SLOT + VT_BEACON_LAG_SLOTS + 2);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, both_polled_twice));
  expect_final_heads(&e);
  vt_beacon_get_status(e.b, st);
  for (size_t i = 0; i < 2; i++) {
    assert_non_null(strstr(st->endpoints[i].last_error, "optimistic empty: nothing newer"));
    assert_int_equal(st->endpoints[i].rejected, 0);
  }
  assert_int_equal(st->rejected, 0);
  env_free(&e);
  fixtures_free();
  free(st);
}

static bool bootstrap_asked(env *e) { return e->srv[0].hits[R_BOOTSTRAP] >= 1; }

/* Closing with a request in flight: no callback after close, nothing leaked (ASan). */
static void test_close_in_flight(void **state) {
  (void)state;
  env e;
  env_init(&e);
  env_add(&e, S_HANG);
  env_beacon(&e, 1, NULL, 10000);
  vt_beacon_start(e.b);
  vt_beacon_start(e.b); /* a second start is a no-op */
  assert_true(run_until(&e, bootstrap_asked));
  env_free(&e);
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP], 1);
}

static void test_status_json(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  env e;
  fixtures_load();
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon(&e, 1, NULL, 2000);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, synced_to_optimistic));
  json_t *j = vt_beacon_status_json(e.b);
  assert_non_null(j);
  assert_true(json_is_true(json_object_get(j, "synced")));
  assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "finalized"), "block")), FIN_BLOCK);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "optimistic"), "slot")), OPT_SLOT);
  assert_string_equal(json_string_value(json_object_get(j, "checkpoint_source")), "configured");
  assert_string_equal(json_string_value(json_object_get(j, "checkpoint")), CHECKPOINT);
  /* SSZ was offered first; this endpoint answered JSON and that was used */
  assert_string_equal(e.srv[0].accept, "application/octet-stream;q=1, application/json;q=0.9");
  assert_int_equal(e.srv[0].hits[R_HEADERS], 0); /* a configured checkpoint: never asked */
  json_t *ep = json_array_get(json_object_get(j, "endpoints"), 0);
  assert_non_null(ep);
  /* URLs are shown redacted: scheme://host:port and no path */
  assert_non_null(strstr(json_string_value(json_object_get(ep, "url")), "127.0.0.1"));
  assert_string_equal(json_string_value(json_object_get(ep, "last_error")), "");
  json_decref(j);
  env_free(&e);
  fixtures_free();
}

/* Cross-check with tests/e2e/lightclient.test.mjs: BEACON_XCHECK_FILE names a JSON file
 * {urls, checkpoint, gvr, genesis_time, seconds_per_slot, fork} describing a synthetic
 * minimal-preset chain served by lib/beacon_server.mjs (keys made and signed with
 * @noble/curves, SSZ roots in JS). The driver must sync from it, reject the forger
 * (urls[0]) and follow the head for a few slots. Skipped when the variable is unset. */
static bool xcheck_done(env *e) {
  vt_beacon_status st;
  vt_beacon_get_status(e->b, &st);
  return st.synced && e->updates_seen >= 4 && st.finalized_slot > 0;
}

static void test_crosscheck_synthetic(void **state) {
  (void)state;
  const char *file = getenv("BEACON_XCHECK_FILE");
  if (!file || !*file) {
    fprintf(stderr, "skip: BEACON_XCHECK_FILE unset (tests/e2e/lightclient.test.mjs sets it)\n");
    skip();
  }
  json_error_t jerr;
  json_t *j = json_load_file(file, 0, &jerr);
  if (!j) fail_msg("%s: %s", file, jerr.text);
  json_t *urls = json_object_get(j, "urls");
  uint8_t gvr[32];
  lc_fork fork;
  lc_chain_config cfg;
  vc_err err = {{0}};
  assert_int_equal(test_unhex(json_string_value(json_object_get(j, "gvr")), gvr, 32), 32);
  assert_int_equal(lc_fork_from_name(json_string_value(json_object_get(j, "fork")), &fork, &err), VC_OK);
  lc_chain_config_minimal(&cfg, gvr, fork);
  cfg.genesis_time = (uint64_t)json_integer_value(json_object_get(j, "genesis_time"));
  cfg.seconds_per_slot = (uint32_t)json_integer_value(json_object_get(j, "seconds_per_slot"));
  env e;
  env_init(&e);
  assert_true(json_array_size(urls) == 2);
  for (size_t i = 0; i < 2; i++) {
    snprintf(e.urls[i], sizeof e.urls[0], "%s", json_string_value(json_array_get(urls, i)));
    e.url_ptrs[i] = e.urls[i];
  }
  vt_beacon_opts o = {.cfg = &cfg, .urls = e.url_ptrs, .n = 2, .poll_ms = 250, .timeout_ms = 5000,
                      .on_update = on_update, .ud = &e};
  assert_int_equal(test_unhex(json_string_value(json_object_get(j, "checkpoint")), o.checkpoint, 32), 32);
  json_decref(j);
  e.b = vt_beacon_new(&e.loop, e.f, &o, NULL, 0);
  assert_non_null(e.b);
  vt_beacon_start(e.b);
  bool ok = run_until(&e, xcheck_done);
  vt_beacon_status *st = malloc(sizeof *st);
  vt_beacon_get_status(e.b, st);
  fprintf(stderr, "cross-check: synced=%d finalized=%llu/%llu optimistic=%llu/%llu rejected=%llu forger=\"%s\"\n",
          st->synced, (unsigned long long)st->finalized_slot, (unsigned long long)st->finalized_block,
          (unsigned long long)st->optimistic_slot, (unsigned long long)st->optimistic_block,
          (unsigned long long)st->endpoints[0].rejected, st->endpoints[0].last_error);
  assert_true(ok);
  assert_true(st->endpoints[0].rejected >= 1);
  assert_int_equal(st->endpoints[1].rejected, 0);
  free(st);
  env_free(&e);
}

/* ----------------------------------------------------------- SSZ tests ---- */

static uint64_t g_want_period;

static bool synced_to_period(env *e) {
  vt_beacon_status st;
  vt_beacon_get_status(e->b, &st);
  return st.synced &&
         lc_period_at_slot(lc_chain_config_get("mainnet"), st.finalized_slot) == g_want_period;
}

/* Real Deneb SSZ (colibri): the bootstrap at period 1394, then 13 period updates from the
 * stream, as application/octet-stream. The first endpoint flips a signature byte in the
 * period-1397 update: rejected, and the honest one finishes the sync to period 1406. */
static void test_ssz_sync(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, SSZ_UPDATES);
  (void)dir;
  FIXTURE_OR_SKIP(dir2, SSZ_BOOT);
  (void)dir2;
  env e;
  vt_beacon_status *st = malloc(sizeof *st);
  vt_beacon_exec fin;
  const lc_chain_config *cfg = lc_chain_config_get("mainnet");
  ssz_load();
  uint64_t now = sx.max_sig_slot + 1;
  g_want_period = lc_period_at_slot(cfg, now);
  assert_int_equal(g_want_period, 1406);
  env_init(&e);
  env_add(&e, S_TAMPER_SIG);
  env_add(&e, S_HONEST);
  e.srv[0].ssz = e.srv[1].ssz = true;
  env_beacon_cp(&e, 2, NULL, 5000, now, sx.root);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, synced_to_period));
  vt_beacon_get_status(e.b, st);
  assert_true(st->bootstrapped);
  assert_int_equal(st->endpoints[0].rejected, 1);
  assert_non_null(strstr(st->endpoints[0].last_error, "updates verify"));
  assert_non_null(strstr(st->endpoints[0].last_error, "signature"));
  assert_int_equal(st->endpoints[1].rejected, 0);
  assert_int_equal(st->rejected, 1);
  assert_int_equal(st->applied, 1 + 13); /* the bootstrap and periods 1394..1406 */
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP], 1);
  assert_int_equal(e.srv[1].hits[R_UPDATES], 1);
  assert_string_equal(e.srv[1].accept, "application/octet-stream;q=1, application/json;q=0.9");
  assert_true(vt_beacon_head(e.b, true, &fin));
  assert_true(fin.block_number > 0);
  env_free(&e);
  ssz_free();
  free(st);
}

/* ---------------------------------------------------- checkpoint agreement ---- */

static bool headers_asked_thrice(env *e) {
  return e->srv[0].hits[R_HEADERS] >= 3 && e->srv[1].hits[R_HEADERS] >= 3;
}

static void expect_checkpoint(env *e, const char *source) {
  json_t *j = vt_beacon_status_json(e->b);
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "checkpoint_source")), source);
  assert_string_equal(json_string_value(json_object_get(j, "checkpoint")), CHECKPOINT);
  json_decref(j);
}

/* No checkpoint configured: two endpoints agree on the finalized root, the driver syncs
 * from it and persists it; a restart restores it and never asks again. */
/* lmdb: persist in the cache.path store instead of a state file. */
static void checkpoint_agreed(bool lmdb) {
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  char tmpdir[] = "/tmp/verity-beacon-XXXXXX";
  char path[128];
  env e;
  vt_beacon_status *st = malloc(sizeof *st);
  fixtures_load();
  assert_non_null(mkdtemp(tmpdir));
  snprintf(path, sizeof path, "%s/lightclient.state", tmpdir);
  g_store = lmdb ? tmpdir : NULL;
  env_init(&e);
  env_add(&e, S_HONEST);
  env_add(&e, S_HONEST);
  env_beacon_cp(&e, 2, lmdb ? NULL : path, 2000, NOW_SLOT, NULL);
  vt_beacon_get_status(e.b, st);
  assert_false(st->checkpoint_known);
  assert_non_null(strstr(st->checkpoint_source, "pending"));
  vt_beacon_start(e.b);
  assert_true(run_until(&e, synced_to_optimistic));
  expect_final_heads(&e);
  expect_checkpoint(&e, "agreed by 2 of 2 beacon endpoints");
  assert_int_equal(e.srv[0].hits[R_HEADERS], 1);
  assert_int_equal(e.srv[1].hits[R_HEADERS], 1);
  env_free(&e);

  env_init(&e);
  env_add(&e, S_HONEST);
  env_add(&e, S_HONEST);
  env_beacon_cp(&e, 2, lmdb ? NULL : path, 2000, NOW_SLOT, NULL);
  vt_beacon_start(e.b);
  vt_beacon_get_status(e.b, st);
  assert_true(st->restored);
  expect_checkpoint(&e, lmdb ? "agreed by beacon endpoints (lmdb store)"
                             : "agreed by beacon endpoints (state file)");
  assert_true(run_until(&e, optimistic_polled));
  assert_int_equal(e.srv[0].hits[R_HEADERS] + e.srv[1].hits[R_HEADERS], 0);
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP] + e.srv[1].hits[R_BOOTSTRAP], 0);
  env_free(&e);
  g_store = NULL;
  rm_store(tmpdir);
  fixtures_free();
  free(st);
}

static void test_checkpoint_agreed(void **state) {
  (void)state;
  checkpoint_agreed(false);
}

static void test_checkpoint_agreed_lmdb(void **state) {
  (void)state;
  checkpoint_agreed(true);
}

/* Two endpoints, two different finalized roots: no checkpoint, no sync, a clear status;
 * the driver keeps asking. */
static void test_checkpoint_disagree(void **state) {
  (void)state;
  env e;
  vt_beacon_status *st = malloc(sizeof *st);
  env_init(&e);
  env_add(&e, S_FORGE_ROOT);
  env_add(&e, S_HONEST);
  env_beacon_cp(&e, 2, NULL, 2000, NOW_SLOT, NULL);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, headers_asked_thrice));
  vt_beacon_get_status(e.b, st);
  assert_false(st->bootstrapped);
  assert_false(st->checkpoint_known);
  assert_string_equal(st->checkpoint_source, "pending: agreement of 2 of 2 beacon endpoints");
  assert_non_null(strstr(st->last_error, "checkpoint: no agreement"));
  assert_non_null(strstr(st->endpoints[0].last_error, "not agreed"));
  assert_int_equal(e.srv[0].hits[R_BOOTSTRAP] + e.srv[1].hits[R_BOOTSTRAP], 0);
  json_t *j = vt_beacon_status_json(e.b);
  assert_non_null(j);
  assert_true(json_is_null(json_object_get(j, "checkpoint")));
  json_decref(j);
  env_free(&e);
  free(st);
}

static bool headers_refused_once(env *e) {
  return e->srv[0].hits[R_HEADERS] >= 1 && e->srv[1].hits[R_HEADERS] >= 1;
}

/* Both endpoints refuse at start (HTTP 500) with a poll of a slot (12 s): the driver asks
 * again after the round back-off (1 s, 2 s, ...), so once they answer it syncs within
 * seconds, not after a poll. Before the back-off it waited the whole 12 s poll. */
static void test_refused_at_start_retried_soon(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  env e;
  fixtures_load();
  g_poll_ms = 12000;
  env_init(&e);
  env_add(&e, S_HTTP500);
  env_add(&e, S_HTTP500);
  env_beacon_cp(&e, 2, NULL, 2000, NOW_SLOT, NULL);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, headers_refused_once));
  e.srv[0].mode = S_HONEST;
  e.srv[1].mode = S_HONEST;
  uv_update_time(&e.loop);
  uint64_t t0 = uv_now(&e.loop);
  assert_true(run_until(&e, synced_to_optimistic));
  uv_update_time(&e.loop);
  uint64_t took = uv_now(&e.loop) - t0;
  assert_true(took < 4000);
  expect_checkpoint(&e, "agreed by 2 of 2 beacon endpoints");
  env_free(&e);
  g_poll_ms = 50;
  fixtures_free();
}

/* Three endpoints, one with a forged finalized root: the two that agree win. */
static void test_checkpoint_forged_minority(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  env e;
  vt_beacon_status *st = malloc(sizeof *st);
  fixtures_load();
  env_init(&e);
  env_add(&e, S_FORGE_ROOT);
  env_add(&e, S_HONEST);
  env_add(&e, S_HONEST);
  env_beacon_cp(&e, 3, NULL, 2000, NOW_SLOT, NULL);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, synced_to_optimistic));
  expect_final_heads(&e);
  expect_checkpoint(&e, "agreed by 2 of 3 beacon endpoints");
  vt_beacon_get_status(e.b, st);
  assert_int_equal(st->rejected, 0);
  for (size_t i = 0; i < 3; i++) assert_int_equal(e.srv[i].hits[R_HEADERS], 1);
  env_free(&e);
  fixtures_free();
  free(st);
}

/* One endpoint only: its finalized root is taken (trust on first use, warned). */
static void test_checkpoint_single(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  env e;
  fixtures_load();
  env_init(&e);
  env_add(&e, S_HONEST);
  env_beacon_cp(&e, 1, NULL, 2000, NOW_SLOT, NULL);
  vt_beacon_start(e.b);
  assert_true(run_until(&e, synced_to_optimistic));
  expect_checkpoint(&e, "agreed by 1 of 1 beacon endpoints");
  env_free(&e);
  fixtures_free();
}

static void test_bad_options(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  vt_fetcher *f = vt_fetcher_new(&loop, NULL);
  assert_non_null(f);
  const char *good[] = {"http://127.0.0.1:1"};
  const char *ftp[] = {"ftp://127.0.0.1:1"};
  const char *empty[] = {""};
  const struct {
    const char *chain;
    const char *const *urls;
    size_t n;
    const char *want;
  } cases[] = {
      {"nochain", good, 1, "chain"},
      {"mainnet", good, 0, "1 to 16"},
      {"mainnet", good, VT_BEACON_MAX_ENDPOINTS + 1, "1 to 16"},
      {"mainnet", ftp, 1, "http://"},
      {"mainnet", empty, 1, "empty"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vt_beacon_opts o = {.chain = cases[i].chain, .urls = cases[i].urls, .n = cases[i].n};
    char err[160] = "";
    assert_null(vt_beacon_new(&loop, f, &o, err, sizeof err));
    if (!strstr(err, cases[i].want)) fail_msg("case %zu: error '%s' lacks '%s'", i, err, cases[i].want);
  }
  /* A good one is freed by close even when it never started. */
  vt_beacon_opts o = {.chain = "sepolia", .urls = good, .n = 1};
  vt_beacon *b = vt_beacon_new(&loop, f, &o, NULL, 0);
  assert_non_null(b);
  vt_beacon_exec h;
  assert_false(vt_beacon_head(b, true, &h));
  vt_beacon_close(b, NULL, NULL);
  vt_fetcher_close(f, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  vt_log_init(VT_LOG_WARN, false, NULL); /* failovers show; the sync's progress does not */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_failover_forged_signature),
      cmocka_unit_test(test_timeout_and_forged_finality),
      cmocka_unit_test(test_bad_answers),
      cmocka_unit_test(test_persistence),
      cmocka_unit_test(test_persistence_lmdb),
      cmocka_unit_test(test_lagging_endpoint_rotates),
      cmocka_unit_test(test_close_in_flight),
      cmocka_unit_test(test_status_json),
      cmocka_unit_test(test_bad_options),
      cmocka_unit_test(test_ssz_sync),
      cmocka_unit_test(test_checkpoint_agreed),
      cmocka_unit_test(test_checkpoint_agreed_lmdb),
      cmocka_unit_test(test_checkpoint_disagree),
      cmocka_unit_test(test_checkpoint_forged_minority),
      cmocka_unit_test(test_refused_at_start_retried_soon),
      cmocka_unit_test(test_checkpoint_single),
      cmocka_unit_test(test_crosscheck_synthetic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
