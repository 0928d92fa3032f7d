/* test_logs.c: chunked eth_getLogs (gateway/logs.c) against mock upstreams that limit
 * what they answer the way providers do: a block-range cap stated in the message, a
 * cap with no number, a result-count cap, a liar returning a log outside the range,
 * and upstreams that refuse everything. The client must get every log of the range,
 * in order, or an error: never a partial list. Plus the refusal classifier on real
 * provider messages. Loopback only. */
#include "testutil.h"

#include <uv.h>

#define MOCK_REPLY_MAX (1 << 19)
#include "feature/logs.h"
#include "mock_rpc.h"

/* ---- the refusal classifier --------------------------------------------------------- */

static void test_classify_provider_messages(void **st) {
  (void)st;
  static const struct {
    const char *msg;
    uint64_t width;
    vt_logs_limit kind;
    uint64_t limit;
  } cases[] = {
      {"query exceeds max block range 1000", 2000, VT_LOGS_LIMIT_RANGE, 1000},
      {"exceed maximum block range: 5000", 10000, VT_LOGS_LIMIT_RANGE, 5000},
      {"eth_getLogs block range too large, range: 2001, max: 2000", 2001, VT_LOGS_LIMIT_RANGE, 2000},
      {"eth_getLogs is limited to a 10,000 range", 20000, VT_LOGS_LIMIT_RANGE, 10000},
      {"Block range limit exceeded", 5000, VT_LOGS_LIMIT_RANGE, 0},
      {"block range is too wide", 3000, VT_LOGS_LIMIT_RANGE, 0},
      {"query returned more than 10000 results", 2000, VT_LOGS_LIMIT_RESULTS, 0},
      {"query returned more than 10000 results. Try with this block range [0x10, 0x2f].", 2000,
       VT_LOGS_LIMIT_RESULTS, 32},
      {"Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on "
       "the response size, or you can request any block range with a cap of 10K logs in the response. Based on your "
       "parameters, this block range should work: [0x1, 0x3e8]", 5000, VT_LOGS_LIMIT_RESULTS, 1000},
      /* a stated number not below the width says nothing new */
      {"query exceeds max block range 1000", 800, VT_LOGS_LIMIT_RANGE, 0},
      /* not refusals for size */
      {"header not found", 100, VT_LOGS_LIMIT_NONE, 0},
      {"invalid argument 0: hex string has odd length", 100, VT_LOGS_LIMIT_NONE, 0},
      {"rate limit exceeded", 100, VT_LOGS_LIMIT_NONE, 0},
      {"", 100, VT_LOGS_LIMIT_NONE, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint64_t lim = 99;
    vt_logs_limit k = vt_logs_classify(cases[i].msg, cases[i].width, &lim);
    if (k != cases[i].kind || lim != cases[i].limit)
      fail_msg("case %zu '%s': kind %d limit %llu, want %d %llu", i, cases[i].msg, k, (unsigned long long)lim,
               cases[i].kind, (unsigned long long)cases[i].limit);
  }
  uint64_t lim = 7;
  assert_int_equal(vt_logs_classify(NULL, 10, &lim), VT_LOGS_LIMIT_NONE);
  assert_int_equal(lim, 0);
}

/* ---- mock upstreams answering eth_getLogs -------------------------------------------- */

/* Every block divisible by LOG_EVERY has one log, whose topic is its number. */
#define LOG_EVERY 5
#define HEAD "\"0x2710\"" /* 10000 */

typedef enum { L_HONEST, L_RANGE_STATED, L_RANGE_VAGUE, L_RESULTS, L_OUTSIDE, L_REFUSE_ALL } lmode;

typedef struct {
  lmode mode;
  uint64_t cap;          /* range or result cap */
  unsigned getlogs, refused;
} lstate;

static uint64_t hex_after(const char *body, const char *key) {
  const char *p = strstr(body, key);
  return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static void reply_error(mconn *c, const char *msg) {
  char out[512];
  snprintf(out, sizeof out, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,\"message\":\"%s\"}}", msg);
  mreply(c, 200, out);
}

static bool logs_extra(mock *m, mconn *c, const char *body) {
  if (!strstr(body, "\"eth_getLogs\"")) return false;
  lstate *s = m->ud;
  s->getlogs++;
  uint64_t from = hex_after(body, "\"fromBlock\":\"0x"), to = hex_after(body, "\"toBlock\":\"0x");
  uint64_t width = to - from + 1, count = to / LOG_EVERY - (from - 1) / LOG_EVERY;
  char msg[200];
  switch (s->mode) {
    case L_RANGE_STATED:
      if (width > s->cap) {
        snprintf(msg, sizeof msg, "query exceeds max block range %llu", (unsigned long long)s->cap);
        s->refused++;
        reply_error(c, msg);
        return true;
      }
      break;
    case L_RANGE_VAGUE:
      if (width > s->cap) {
        s->refused++;
        reply_error(c, "block range is too wide");
        return true;
      }
      break;
    case L_RESULTS:
      if (count > s->cap) {
        snprintf(msg, sizeof msg, "query returned more than %llu results", (unsigned long long)s->cap);
        s->refused++;
        reply_error(c, msg);
        return true;
      }
      break;
    case L_REFUSE_ALL:
      s->refused++;
      reply_error(c, "block range is too wide");
      return true;
    default:
      break;
  }
  size_t cap = 64 + (size_t)(count + 1) * 256;
  char *out = malloc(cap);
  size_t n = (size_t)snprintf(out, cap, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[");
  bool first = true;
  uint64_t last = s->mode == L_OUTSIDE ? (to / LOG_EVERY + 1) * LOG_EVERY : to; /* one log past the range */
  for (uint64_t b = ((from + LOG_EVERY - 1) / LOG_EVERY) * LOG_EVERY; b <= last; b += LOG_EVERY) {
    if (b == 0) continue;
    n += (size_t)snprintf(out + n, cap - n,
                          "%s{\"address\":\"0x00000000000000000000000000000000000000aa\",\"topics\":[\"0x%064llx\"],"
                          "\"data\":\"0x\",\"blockNumber\":\"0x%llx\",\"logIndex\":\"0x0\",\"removed\":false}",
                          first ? "" : ",", (unsigned long long)b, (unsigned long long)b);
    first = false;
  }
  snprintf(out + n, cap - n, "]}");
  mreply(c, 200, out);
  free(out);
  return true;
}

static void logs_world(world *w, lstate st[3], unsigned quorum, const char *more) {
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {HEAD, HEAD, HEAD};
  const char *bal[3] = {"\"0x1\"", "\"0x1\"", "\"0x1\""};
  world_up_yaml(w, modes, heads, bal, quorum, 300, more, NULL);
  for (int i = 0; i < 3; i++) {
    w->up[i].extra = logs_extra;
    w->up[i].ud = &st[i];
  }
  run_ms(w, 400);
}

static void get_logs(world *w, uint64_t from, uint64_t to) {
  char body[256];
  snprintf(body, sizeof body,
           "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_getLogs\",\"params\":[{\"fromBlock\":\"0x%llx\","
           "\"toBlock\":\"0x%llx\"}]}",
           (unsigned long long)from, (unsigned long long)to);
  call_ms(w, body, 20000);
}

/* The answer holds exactly the logs of [from, to], each once, in block order. */
static void assert_complete(const world *w, uint64_t from, uint64_t to) {
  if (!strstr(w->body, "\"result\":[")) fail_msg("no result: %.400s", w->body);
  uint64_t want = ((from + LOG_EVERY - 1) / LOG_EVERY) * LOG_EVERY, seen = 0;
  if (want == 0) want = LOG_EVERY;
  for (const char *p = strstr(w->body, "\"blockNumber\":\"0x"); p; p = strstr(p + 1, "\"blockNumber\":\"0x")) {
    uint64_t b = strtoull(p + 17, NULL, 16);
    if (b != want) fail_msg("log for block %llu where %llu was due", (unsigned long long)b, (unsigned long long)want);
    want += LOG_EVERY;
    seen++;
  }
  assert_int_equal(seen, to / LOG_EVERY - (from - 1) / LOG_EVERY);
}

static void test_range_limits_are_learned_and_the_range_split(void **st_) {
  (void)st_;
  static world w;
  lstate st[3] = {{L_RANGE_STATED, 500, 0, 0}, {L_RANGE_STATED, 1000, 0, 0}, {L_RANGE_VAGUE, 300, 0, 0}};
  logs_world(&w, st, 1, NULL);
  get_logs(&w, 1, 9000);
  assert_int_equal(w.code, 200);
  assert_complete(&w, 1, 9000);
  /* the stated limits were learned exactly; the vague one narrowed below the first chunk */
  assert_int_equal(w.gw.pool.ups[0].logs_max_range, 500);
  assert_int_equal(w.gw.pool.ups[1].logs_max_range, 1000);
  assert_true(w.gw.pool.ups[2].logs_max_range > 0 && w.gw.pool.ups[2].logs_max_range < 2000);
  assert_int_equal(w.gw.pool.ups[0].lies + w.gw.pool.ups[1].lies + w.gw.pool.ups[2].lies, 0);
  /* learned: a second wide call is not refused by the upstream whose limit is known */
  unsigned refused1 = st[1].refused;
  get_logs(&w, 1, 9000);
  assert_complete(&w, 1, 9000);
  assert_int_equal(st[1].refused, refused1);
  /* limits are not failures: nobody was put in backoff */
  char *s = vt_status_json(&w.gw, &(size_t){0});
  assert_non_null(strstr(s, "\"logs_max_range\":500"));
  free(s);
  world_down(&w);
}

static void test_result_caps_split_in_half(void **st_) {
  (void)st_;
  static world w;
  lstate st[3] = {{L_RESULTS, 90, 0, 0}, {L_RESULTS, 90, 0, 0}, {L_RESULTS, 90, 0, 0}};
  logs_world(&w, st, 1, "logs: { chunk_blocks: 4000, parallel: 2 }\n");
  get_logs(&w, 3, 7777);
  assert_complete(&w, 3, 7777);
  assert_true(st[0].refused + st[1].refused + st[2].refused > 0);
  /* a result cap is about this filter and range, not the upstream's range limit */
  for (int i = 0; i < 3; i++) assert_int_equal(w.gw.pool.ups[i].logs_max_range, 0);
  world_down(&w);
}

static void test_a_log_outside_the_chunk_is_a_wrong_answer(void **st_) {
  (void)st_;
  static world w;
  lstate st[3] = {{L_OUTSIDE, 0, 0, 0}, {L_HONEST, 0, 0, 0}, {L_HONEST, 0, 0, 0}};
  logs_world(&w, st, 1, "logs: { chunk_blocks: 1000 }\n");
  get_logs(&w, 1, 3000);
  assert_complete(&w, 1, 3000);
  assert_true(w.gw.pool.ups[0].lies >= 1);
  world_down(&w);
}

static void test_no_partial_list_when_a_chunk_cannot_be_had(void **st_) {
  (void)st_;
  static world w;
  /* u0 and u1 refuse everything; u2 answers only ranges up to 100 blocks, then dies */
  lstate st[3] = {{L_REFUSE_ALL, 0, 0, 0}, {L_REFUSE_ALL, 0, 0, 0}, {L_RANGE_STATED, 100, 0, 0}};
  logs_world(&w, st, 1, "logs: { chunk_blocks: 400, parallel: 1 }\n");
  get_logs(&w, 1, 400);
  assert_complete(&w, 1, 400); /* u2 alone serves it, 100 blocks at a time */
  w.up[2].mode = UP_500;
  get_logs(&w, 1001, 1400);
  assert_non_null(strstr(w.body, "\"code\":-32002"));
  assert_non_null(strstr(w.body, "\"chunk\""));
  assert_null(strstr(w.body, "\"result\""));
  world_down(&w);
}

static void test_wider_than_max_blocks_is_refused(void **st_) {
  (void)st_;
  static world w;
  lstate st[3] = {{L_HONEST, 0, 0, 0}, {L_HONEST, 0, 0, 0}, {L_HONEST, 0, 0, 0}};
  logs_world(&w, st, 1, "logs: { max_blocks: 5000 }\n");
  get_logs(&w, 1, 5001);
  assert_non_null(strstr(w.body, "\"code\":-32005"));
  assert_non_null(strstr(w.body, "logs.max_blocks"));
  assert_int_equal(st[0].getlogs + st[1].getlogs + st[2].getlogs, 0);
  get_logs(&w, 1, 5000);
  assert_complete(&w, 1, 5000);
  world_down(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_classify_provider_messages),
      cmocka_unit_test(test_range_limits_are_learned_and_the_range_split),
      cmocka_unit_test(test_result_caps_split_in_half),
      cmocka_unit_test(test_a_log_outside_the_chunk_is_a_wrong_answer),
      cmocka_unit_test(test_no_partial_list_when_a_chunk_cannot_be_had),
      cmocka_unit_test(test_wider_than_max_blocks_is_refused),
  };
  return cmocka_run_group_tests_name("logs", tests, NULL, NULL);
}
