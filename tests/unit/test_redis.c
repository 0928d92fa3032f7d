/*
 * test_redis.c: the shared Redis cache (src/store/redis.c) against a real redis-server
 * this test starts on a free loopback port (and kills at the end). Skips with a message
 * when the redis-server binary is not installed.
 *
 * Covers: option and URL errors (a table); a put/get round trip across two clients (two
 * "instances") with the header intact; another chain id not seeing the entry; TTLs
 * (PTTL read back over a plain hiredis connection: none for finalized, the configured one
 * for unfinalized, and the entry gone after it); a garbage value answered as ERROR;
 * then degradation: redis-server killed with SIGKILL mid-run (every get answered within
 * the timeout and not a hit, puts dropped and counted, the loop never blocked: a 5 ms
 * heartbeat timer never stalls), restarted on the same port (hits again), frozen with
 * SIGSTOP (gets time out on time, the stalled connection is dropped) and thawed (hits
 * again); with a shared secret (auth_key) only entries MAC'd under it and under their
 * own key are served. Every test closes everything and checks uv_loop_close() == 0.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "store/redis.h"

#define SLACK_MS 40 /* scheduling slack on top of the configured timeout */
/* The 5 ms heartbeat may see a gap this long and still count as "the loop kept running":
 * a blocking connect or resolve would stall it for the whole connect timeout or longer;
 * below this is scheduler noise on a loaded machine (seen up to ~35 ms under ASan). */
#ifndef HB_MAX_GAP_NS
#define HB_MAX_GAP_NS (100 * 1000000ull)
#endif

/* ------------------------------------------------------------ redis-server ---- */

static bool have_redis_server(void) {
  const char *path = getenv("PATH");
  char buf[4096];
  if (!path) return false;
  for (const char *p = path; *p;) {
    const char *e = strchr(p, ':');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    snprintf(buf, sizeof buf, "%.*s/redis-server", (int)n, p);
    if (access(buf, X_OK) == 0) return true;
    p += n + (e ? 1 : 0);
  }
  return false;
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  socklen_t al = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
  close(fd);
  return ntohs(a.sin_port);
}

static bool port_open(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static pid_t g_redis_pid; /* the running server, killed by teardown even after a failure */

static pid_t redis_start(int port) {
  char ports[16];
  snprintf(ports, sizeof ports, "%d", port);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    execlp("redis-server", "redis-server", "--port", ports, "--bind", "127.0.0.1", "--save", "",
           "--appendonly", "no", "--daemonize", "no", (char *)NULL);
    _exit(127);
  }
  g_redis_pid = pid;
  for (int i = 0; i < 500 && !port_open(port); i++) usleep(10000);
  assert_true(port_open(port));
  return pid;
}

static void redis_kill(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  if (pid == g_redis_pid) g_redis_pid = 0;
}

static int teardown(void **state) {
  (void)state;
  if (g_redis_pid) redis_kill(g_redis_pid);
  return 0;
}

/* ------------------------------------------------------------- loop helpers ---- */

typedef struct {
  uv_timer_t t;
  uint64_t last_ns, max_gap_ns;
} heartbeat;

static void hb_cb(uv_timer_t *t) {
  heartbeat *hb = (heartbeat *)t;
  uint64_t now = uv_hrtime();
  if (hb->last_ns && now - hb->last_ns > hb->max_gap_ns) hb->max_gap_ns = now - hb->last_ns;
  hb->last_ns = now;
}

typedef struct {
  bool done;
  vt_redis_result res;
  uint8_t val[256];
  size_t vlen;
  vt_cache_meta meta;
  uint64_t t0, ms;
} getres;

static void get_cb(void *ud, vt_redis_result res, const uint8_t *val, size_t vlen,
                   const vt_cache_meta *meta) {
  getres *g = ud;
  assert_false(g->done); /* exactly once */
  g->done = true;
  g->res = res;
  g->ms = (uv_hrtime() - g->t0) / 1000000u;
  if (res == VT_REDIS_HIT) {
    assert_true(vlen <= sizeof g->val);
    memcpy(g->val, val, vlen);
    g->vlen = vlen;
    g->meta = *meta;
  }
}

static void run_ms(uv_loop_t *loop, unsigned ms) {
  uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000u;
  while (uv_hrtime() < end) uv_run(loop, UV_RUN_ONCE);
}

static void wait_get(uv_loop_t *loop, getres *g) {
  uint64_t end = uv_hrtime() + 3000000000ull;
  while (!g->done && uv_hrtime() < end) uv_run(loop, UV_RUN_ONCE);
  assert_true(g->done);
}

static vt_redis_result get_now(uv_loop_t *loop, vt_redis *r, const char *key, getres *g) {
  memset(g, 0, sizeof *g);
  g->t0 = uv_hrtime();
  assert_int_equal(vt_redis_get(r, key, strlen(key), get_cb, g), 0);
  assert_false(g->done); /* never answered from inside vt_redis_get */
  wait_get(loop, g);
  return g->res;
}

static bool wait_connected(uv_loop_t *loop, vt_redis *r, unsigned ms) {
  uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000u;
  vt_redis_stats st;
  for (;;) {
    vt_redis_stats_get(r, &st);
    if (st.connected || uv_hrtime() >= end) return st.connected;
    uv_run(loop, UV_RUN_ONCE);
  }
}

static void wait_puts_ok(uv_loop_t *loop, vt_redis *r, uint64_t n) {
  vt_redis_stats st;
  uint64_t end = uv_hrtime() + 3000000000ull;
  do {
    uv_run(loop, UV_RUN_ONCE);
    vt_redis_stats_get(r, &st);
  } while (st.puts_ok < n && uv_hrtime() < end);
  assert_int_equal(st.puts_ok, n);
}

static int closed_count;
static void on_closed(void *arg) {
  (void)arg;
  closed_count++;
}

static void hb_start(uv_loop_t *loop, heartbeat *hb) {
  memset(hb, 0, sizeof *hb);
  uv_timer_init(loop, &hb->t);
  uv_timer_start(&hb->t, hb_cb, 5, 5);
}

static void finish(uv_loop_t *loop, heartbeat *hb, vt_redis **rs, int n) {
  closed_count = 0;
  for (int i = 0; i < n; i++) vt_redis_close(rs[i], on_closed, NULL);
  uv_close((uv_handle_t *)&hb->t, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  assert_int_equal(closed_count, n);
  assert_int_equal(uv_loop_close(loop), 0);
}

static vt_cache_meta meta_of(bool fin) {
  vt_cache_meta m;
  memset(&m, 0, sizeof m);
  snprintf(m.trust, sizeof m.trust, "%s", fin ? "verified:lightclient:finalized" : "quorum:2/3");
  m.block_number = 19000000;
  m.finalized = fin;
  m.has_hash = true;
  memset(m.block_hash, 0x77, 32);
  m.inserted_ms = 1700000000123ull;
  return m;
}

#define SKIP_WITHOUT_REDIS()                                                    \
  do {                                                                          \
    if (!have_redis_server()) {                                                 \
      fprintf(stderr, "skip: redis-server is not installed (apt install redis-server)\n"); \
      skip();                                                                   \
    }                                                                           \
  } while (0)

/* ----------------------------------------------------------------- tests ---- */

static void test_config_errors(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  static const struct {
    const char *url;
    vt_redis_opts o;
    const char *msg;
  } rows[] = {
      {"http://127.0.0.1:6379", {0}, "must start with redis://"},
      {"redis://", {0}, "is not redis://host"},
      {"redis://127.0.0.1:0", {0}, "port 1..65535"},
      {"redis://127.0.0.1:65536", {0}, "port 1..65535"},
      {"redis://127.0.0.1:12x", {0}, "is not redis://"},
      {"redis://127.0.0.1:6379/2000", {0}, "db 0..1023"},
      {"redis://:pw@127.0.0.1:6379", {0}, "credentials"},
      {"redis://[::1:6379", {0}, "is not redis://"},
      {"redis://no-such-host.invalid:6379", {0}, "cannot resolve"},
      {"redis://127.0.0.1:6379", {.timeout_ms = 70000}, "timeout_ms = 70000"},
      {"redis://127.0.0.1:6379", {.backoff_min_ms = 500, .backoff_max_ms = 100}, "backoff_max_ms"},
      {"redis://127.0.0.1:6379", {.key_namespace = "has space"}, "namespace"},
      {"redis://127.0.0.1:6379", {.max_value = 10}, "max_value = 10"},
      {"redis://127.0.0.1:6379", {.auth_key = (const uint8_t *)"short", .auth_key_len = 5}, "auth key"},
      {"redis://127.0.0.1:6379", {.auth_key_len = 32}, "auth key"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char err[256] = "";
    vt_redis *r = vt_redis_new(&loop, rows[i].url, &rows[i].o, err, sizeof err);
    if (r || !strstr(err, rows[i].msg))
      fprintf(stderr, "row %zu: %s -> \"%s\" (want \"%s\")\n", i, rows[i].url, err, rows[i].msg);
    assert_null(r);
    assert_non_null(strstr(err, rows[i].msg));
  }
  char longurl[400];
  memset(longurl, 'a', sizeof longurl - 1);
  longurl[sizeof longurl - 1] = 0;
  char err[256];
  assert_null(vt_redis_new(&loop, longurl, NULL, err, sizeof err));
  assert_non_null(strstr(err, "longer than"));
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_roundtrip_ttl(void **state) {
  (void)state;
  SKIP_WITHOUT_REDIS();
  int port = free_port();
  pid_t pid = redis_start(port);
  uv_loop_t loop;
  uv_loop_init(&loop);
  heartbeat hb;
  hb_start(&loop, &hb);
  char url[64], err[256];
  snprintf(url, sizeof url, "redis://localhost:%d/3", port);
  vt_redis_opts o = {.chain_id = 1, .unfinalized_ttl_ms = 300, .timeout_ms = 200};
  vt_redis *a = vt_redis_new(&loop, url, &o, err, sizeof err);
  vt_redis *b = vt_redis_new(&loop, url, &o, err, sizeof err);
  o.chain_id = 5;
  vt_redis *c = vt_redis_new(&loop, url, &o, err, sizeof err);
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(c);
  assert_true(wait_connected(&loop, a, 2000) && wait_connected(&loop, b, 2000) &&
              wait_connected(&loop, c, 2000));

  const char *kf = "eth_getBalance:[\"0xabc\",\"0x121eac0\"]", *ku = "eth_getCode:[\"0xdef\",\"0x1\"]";
  vt_cache_meta mf = meta_of(true), mu = meta_of(false);
  assert_true(vt_redis_put(a, kf, strlen(kf), "\"0x1bc16d674ec80000\"", 20, &mf));
  assert_true(vt_redis_put(a, ku, strlen(ku), "\"0x60\"", 6, &mu));
  assert_false(vt_redis_put(a, "", 0, "x", 1, &mf)); /* refused: empty key */
  wait_puts_ok(&loop, a, 2);

  getres g;
  assert_int_equal(get_now(&loop, b, kf, &g), VT_REDIS_HIT); /* the other instance sees it */
  assert_int_equal(g.vlen, 20);
  assert_memory_equal(g.val, "\"0x1bc16d674ec80000\"", 20);
  assert_string_equal(g.meta.trust, "verified:lightclient:finalized");
  assert_int_equal(g.meta.block_number, 19000000);
  assert_true(g.meta.finalized && g.meta.has_hash);
  assert_memory_equal(g.meta.block_hash, mf.block_hash, 32);
  assert_int_equal(g.meta.inserted_ms, 1700000000123ull);
  assert_int_equal(get_now(&loop, c, kf, &g), VT_REDIS_MISS); /* other chain id */
  assert_int_equal(get_now(&loop, b, ku, &g), VT_REDIS_HIT);

  /* TTLs as Redis sees them, in database 3 under "verity:1:" */
  redisContext *raw = redisConnect("127.0.0.1", port);
  assert_true(raw && !raw->err);
  redisReply *rep = redisCommand(raw, "SELECT 3");
  freeReplyObject(rep);
  rep = redisCommand(raw, "PTTL verity:1:%s", kf);
  assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
  assert_int_equal(rep->integer, -1); /* finalized: no expiry */
  freeReplyObject(rep);
  rep = redisCommand(raw, "PTTL verity:1:%s", ku);
  assert_true(rep->integer > 0 && rep->integer <= 300);
  freeReplyObject(rep);
  rep = redisCommand(raw, "SET verity:1:garbage notanentry");
  freeReplyObject(rep);
  redisFree(raw);
  assert_int_equal(get_now(&loop, b, "garbage", &g), VT_REDIS_ERROR);

  run_ms(&loop, 400);
  assert_int_equal(get_now(&loop, b, ku, &g), VT_REDIS_MISS); /* expired */
  assert_int_equal(get_now(&loop, b, kf, &g), VT_REDIS_HIT);

  vt_redis_stats st;
  vt_redis_stats_get(b, &st);
  assert_int_equal(st.hits, 3);
  assert_int_equal(st.misses, 1);
  assert_int_equal(st.bad_entries, 1);
  assert_int_equal(st.errors, 1);
  fprintf(stderr, "round trip: loop heartbeat max gap %.1f ms\n", hb.max_gap_ns / 1e6);
  vt_redis *all[] = {a, b, c};
  finish(&loop, &hb, all, 3);
  redis_kill(pid);
}

/* Issue gets every 10 ms for ms milliseconds; each must be answered within the timeout
 * and be `want` (or not a hit when want is -1). Returns how many were issued. */
static int probe(uv_loop_t *loop, vt_redis *r, unsigned ms, unsigned timeout_ms, int want) {
  getres g[64];
  int n = 0;
  uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000u;
  while (uv_hrtime() < end && n < 64) {
    memset(&g[n], 0, sizeof g[n]);
    g[n].t0 = uv_hrtime();
    assert_int_equal(vt_redis_get(r, "probe", 5, get_cb, &g[n]), 0);
    n++;
    run_ms(loop, 10);
  }
  for (int i = 0; i < n; i++) {
    wait_get(loop, &g[i]);
    if (g[i].ms > timeout_ms + SLACK_MS)
      fprintf(stderr, "probe %d answered after %llu ms (%s)\n", i, (unsigned long long)g[i].ms,
              vt_redis_result_str(g[i].res));
    assert_true(g[i].ms <= timeout_ms + SLACK_MS);
    if (want < 0) assert_int_not_equal(g[i].res, VT_REDIS_HIT);
    else assert_int_equal(g[i].res, want);
  }
  return n;
}

static void test_outage_recovery(void **state) {
  (void)state;
  SKIP_WITHOUT_REDIS();
  int port = free_port();
  pid_t pid = redis_start(port);
  uv_loop_t loop;
  uv_loop_init(&loop);
  heartbeat hb;
  hb_start(&loop, &hb);
  char url[64], err[256];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
  const unsigned timeout = 50;
  vt_redis_opts o = {.chain_id = 1, .timeout_ms = timeout, .backoff_min_ms = 20,
                     .backoff_max_ms = 200, .connect_timeout_ms = 200, .stall_ms = 150};
  vt_redis *r = vt_redis_new(&loop, url, &o, err, sizeof err);
  assert_non_null(r);
  assert_true(wait_connected(&loop, r, 2000));
  vt_cache_meta mf = meta_of(true);
  assert_true(vt_redis_put(r, "probe", 5, "v1", 2, &mf));
  wait_puts_ok(&loop, r, 1);
  getres g;
  assert_int_equal(get_now(&loop, r, "probe", &g), VT_REDIS_HIT);

  /* 1. kill -9 mid-run */
  redis_kill(pid);
  hb.max_gap_ns = 0;
  int n = probe(&loop, r, 400, timeout, -1);
  assert_false(vt_redis_put(r, "probe", 5, "v2", 2, &mf));
  vt_redis_stats st;
  vt_redis_stats_get(r, &st);
  fprintf(stderr, "down: %d gets answered (down %llu, timeouts %llu), puts dropped %llu, "
                  "connect failures %llu, heartbeat max gap %.1f ms\n",
          n, (unsigned long long)st.down, (unsigned long long)st.timeouts,
          (unsigned long long)st.puts_dropped, (unsigned long long)st.connect_failures,
          hb.max_gap_ns / 1e6);
  assert_true(n >= 20);
  assert_false(st.connected);
  assert_true(st.puts_dropped >= 1);
  assert_true(st.connect_failures >= 1);
  assert_true(hb.max_gap_ns < HB_MAX_GAP_NS); /* the loop kept running */

  /* 2. restart on the same port: used again (a fresh, empty server) */
  pid = redis_start(port);
  assert_true(wait_connected(&loop, r, 2000));
  assert_int_equal(get_now(&loop, r, "probe", &g), VT_REDIS_MISS);
  assert_true(vt_redis_put(r, "probe", 5, "v3", 2, &mf));
  vt_redis_stats_get(r, &st);
  wait_puts_ok(&loop, r, st.puts_ok + 1);
  assert_int_equal(get_now(&loop, r, "probe", &g), VT_REDIS_HIT);
  assert_memory_equal(g.val, "v3", 2);

  /* 3. frozen (slow): timeouts on time, stalled connection dropped */
  kill(pid, SIGSTOP);
  hb.max_gap_ns = 0;
  n = probe(&loop, r, 400, timeout, -1);
  vt_redis_stats_get(r, &st);
  fprintf(stderr, "frozen: %d gets answered, timeouts %llu, stalls %llu, heartbeat max gap %.1f ms\n",
          n, (unsigned long long)st.timeouts, (unsigned long long)st.stalls, hb.max_gap_ns / 1e6);
  assert_true(st.timeouts >= 1);
  assert_true(st.stalls >= 1);
  assert_true(hb.max_gap_ns < HB_MAX_GAP_NS);

  /* 4. thawed: hits again */
  kill(pid, SIGCONT);
  bool hit = false;
  for (int i = 0; i < 100 && !hit; i++) {
    hit = get_now(&loop, r, "probe", &g) == VT_REDIS_HIT;
    if (!hit) run_ms(&loop, 20);
  }
  assert_true(hit);

  /* 5. close with gets outstanding: each answered exactly once */
  getres pend[3];
  memset(pend, 0, sizeof pend);
  for (int i = 0; i < 3; i++) assert_int_equal(vt_redis_get(r, "probe", 5, get_cb, &pend[i]), 0);
  vt_redis *all[] = {r};
  finish(&loop, &hb, all, 1);
  for (int i = 0; i < 3; i++) assert_true(pend[i].done && pend[i].res == VT_REDIS_CLOSED);
  redis_kill(pid);
}

/* A server whose listen backlog is full never completes the handshake: the connect
 * timeout must fire, and gets are answered DOWN meanwhile. */
static void test_connect_timeout(void **state) {
  (void)state;
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  socklen_t al = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(lfd, 0), 0);
  assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
  int fillers[4], nf = 0;
  for (; nf < 4; nf++) { /* fill the backlog; later SYNs are dropped */
    fillers[nf] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fillers[nf], (struct sockaddr *)&a, sizeof a);
  }
  usleep(50000);
  uv_loop_t loop;
  uv_loop_init(&loop);
  heartbeat hb;
  hb_start(&loop, &hb);
  char url[64], err[256];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", ntohs(a.sin_port));
  vt_redis_opts o = {.connect_timeout_ms = 60, .backoff_min_ms = 10, .backoff_max_ms = 20,
                     .timeout_ms = 30};
  vt_redis *r = vt_redis_new(&loop, url, &o, err, sizeof err);
  assert_non_null(r);
  int n = probe(&loop, r, 400, o.timeout_ms, VT_REDIS_DOWN);
  vt_redis_stats st;
  vt_redis_stats_get(r, &st);
  fprintf(stderr, "black hole: %d gets answered DOWN, connect failures %llu, heartbeat max gap %.1f ms\n",
          n, (unsigned long long)st.connect_failures, hb.max_gap_ns / 1e6);
  assert_true(st.connect_failures >= 3);
  assert_int_equal(st.connects, 0);
  assert_true(hb.max_gap_ns < HB_MAX_GAP_NS);
  vt_redis *all[] = {r};
  finish(&loop, &hb, all, 1);
  for (int i = 0; i < nf; i++) close(fillers[i]);
  close(lfd);
}

/* Closing from inside a get callback, with more gets outstanding. */
typedef struct {
  vt_redis *r;
  getres g;
} closer;
static void close_in_cb(void *ud, vt_redis_result res, const uint8_t *val, size_t vlen,
                        const vt_cache_meta *meta) {
  closer *c = ud;
  get_cb(&c->g, res, val, vlen, meta);
  vt_redis_close(c->r, on_closed, NULL);
}

/* max_inflight caps what a frozen server can pile up; close from a callback is safe. */
static void test_overload_and_close_in_cb(void **state) {
  (void)state;
  SKIP_WITHOUT_REDIS();
  int port = free_port();
  pid_t pid = redis_start(port);
  uv_loop_t loop;
  uv_loop_init(&loop);
  heartbeat hb;
  hb_start(&loop, &hb);
  char url[64], err[256];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
  vt_redis_opts o = {.timeout_ms = 40, .max_inflight = 4, .stall_ms = 10000};
  vt_redis *r = vt_redis_new(&loop, url, &o, err, sizeof err);
  assert_non_null(r);
  assert_true(wait_connected(&loop, r, 2000));
  kill(pid, SIGSTOP);
  getres g[10];
  memset(g, 0, sizeof g);
  for (int i = 0; i < 10; i++) {
    g[i].t0 = uv_hrtime();
    assert_int_equal(vt_redis_get(r, "k", 1, get_cb, &g[i]), 0);
  }
  vt_cache_meta m = meta_of(false);
  assert_false(vt_redis_put(r, "k", 1, "v", 1, &m)); /* no room: dropped */
  int timeouts = 0, downs = 0;
  for (int i = 0; i < 10; i++) {
    wait_get(&loop, &g[i]);
    assert_true(g[i].ms <= o.timeout_ms + SLACK_MS);
    timeouts += g[i].res == VT_REDIS_TIMEOUT;
    downs += g[i].res == VT_REDIS_DOWN;
  }
  assert_int_equal(timeouts, 4);
  assert_int_equal(downs, 6);
  kill(pid, SIGCONT);
  run_ms(&loop, 50); /* the late replies drain */
  vt_redis_stats st;
  vt_redis_stats_get(r, &st);
  assert_int_equal(st.inflight, 0);
  closer c = {.r = r};
  getres after;
  memset(&after, 0, sizeof after);
  closed_count = 0;
  assert_int_equal(vt_redis_get(r, "k", 1, close_in_cb, &c), 0);
  assert_int_equal(vt_redis_get(r, "k", 1, get_cb, &after), 0);
  uv_close((uv_handle_t *)&hb.t, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_true(c.g.done && c.g.res == VT_REDIS_MISS);
  assert_true(after.done);
  assert_int_equal(closed_count, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
  redis_kill(pid);
}

/* With a shared secret, only entries MAC'd under it and under their own key are served. */
static void test_auth(void **state) {
  (void)state;
  SKIP_WITHOUT_REDIS();
  int port = free_port();
  pid_t pid = redis_start(port);
  uv_loop_t loop;
  uv_loop_init(&loop);
  heartbeat hb;
  hb_start(&loop, &hb);
  char url[64], err[256];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
  static const uint8_t secret[32] = "fleet-secret-0123456789abcdefghi", other[16] = "another-secret!";
  vt_redis_opts o = {.chain_id = 1, .timeout_ms = 200, .auth_key = secret, .auth_key_len = sizeof secret};
  vt_redis *a = vt_redis_new(&loop, url, &o, err, sizeof err), *b = vt_redis_new(&loop, url, &o, err, sizeof err);
  o.auth_key = other;
  o.auth_key_len = sizeof other;
  vt_redis *wrong = vt_redis_new(&loop, url, &o, err, sizeof err);
  o.auth_key = NULL;
  o.auth_key_len = 0;
  vt_redis *none = vt_redis_new(&loop, url, &o, err, sizeof err);
  assert_true(a && b && wrong && none);
  assert_true(wait_connected(&loop, a, 2000) && wait_connected(&loop, b, 2000) &&
              wait_connected(&loop, wrong, 2000) && wait_connected(&loop, none, 2000));
  vt_cache_meta m = meta_of(true);
  assert_true(vt_redis_put(a, "k1", 2, "value-1", 7, &m));
  assert_true(vt_redis_put(none, "plain", 5, "value-2", 7, &m));
  wait_puts_ok(&loop, a, 1);
  wait_puts_ok(&loop, none, 1);
  getres g;
  assert_int_equal(get_now(&loop, b, "k1", &g), VT_REDIS_HIT);
  assert_memory_equal(g.val, "value-1", 7);
  assert_int_equal(get_now(&loop, wrong, "k1", &g), VT_REDIS_ERROR);
  assert_int_equal(get_now(&loop, none, "k1", &g), VT_REDIS_ERROR); /* trailing MAC */
  assert_int_equal(get_now(&loop, b, "plain", &g), VT_REDIS_ERROR); /* unauthenticated */
  /* an authentic entry copied under another key does not verify */
  redisContext *raw = redisConnect("127.0.0.1", port);
  assert_true(raw && !raw->err);
  redisReply *rep = redisCommand(raw, "COPY verity:1:k1 verity:1:k2");
  if (!rep || rep->type == REDIS_REPLY_ERROR) { /* COPY needs Redis 6.2: move the bytes by hand */
    freeReplyObject(rep);
    rep = redisCommand(raw, "GET verity:1:k1");
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    redisReply *set = redisCommand(raw, "SET verity:1:k2 %b", rep->str, rep->len);
    freeReplyObject(set);
  }
  freeReplyObject(rep);
  redisFree(raw);
  assert_int_equal(get_now(&loop, b, "k2", &g), VT_REDIS_ERROR);
  vt_redis_stats st;
  vt_redis_stats_get(b, &st);
  assert_int_equal(st.bad_entries, 2);
  vt_redis *all[] = {a, b, wrong, none};
  finish(&loop, &hb, all, 4);
  redis_kill(pid);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  alarm(120); /* a hang is a failure, not a stuck run */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_config_errors),
      cmocka_unit_test_teardown(test_roundtrip_ttl, teardown),
      cmocka_unit_test_teardown(test_outage_recovery, teardown),
      cmocka_unit_test(test_connect_timeout),
      cmocka_unit_test_teardown(test_auth, teardown),
      cmocka_unit_test_teardown(test_overload_and_close_in_cb, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
