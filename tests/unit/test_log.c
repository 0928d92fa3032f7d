/* test_log.c: the structured logger: level order and filtering before formatting
 * (arguments are not evaluated when the level is off), text and JSON line formats,
 * escaping that makes forged lines and fields impossible, JSON validity (jansson),
 * the line cap, and url redaction. */
#include "testutil.h"
#include "obs/log.h"

#include <jansson.h>
#include <regex.h>
#include <time.h>

static char *g_buf;
static size_t g_len;
static FILE *g_mem;

static void capture(int level, bool json) {
  if (g_mem) fclose(g_mem);
  free(g_buf);
  g_buf = NULL;
  g_len = 0;
  g_mem = open_memstream(&g_buf, &g_len);
  assert_non_null(g_mem);
  vt_log_init(level, json, g_mem);
}

static const char *captured(void) {
  fflush(g_mem);
  return g_buf ? g_buf : "";
}

static int teardown(void **st) {
  (void)st;
  vt_log_init(VT_LOG_INFO, false, NULL);
  if (g_mem) fclose(g_mem);
  g_mem = NULL;
  free(g_buf);
  g_buf = NULL;
  return 0;
}

static size_t count_char(const char *s, char c) {
  size_t n = 0;
  for (; *s; s++) n += *s == c;
  return n;
}

static void sleep_ms(unsigned ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int g_calls;
static int side_effect(void) { return ++g_calls; }

static void test_levels_and_laziness(void **st) {
  (void)st;
  assert_true(VT_LOG_ERROR < VT_LOG_WARN && VT_LOG_WARN < VT_LOG_INFO && VT_LOG_INFO < VT_LOG_DEBUG);
  capture(VT_LOG_INFO, false);
  g_calls = 0;
  VT_LOG(VT_LOG_DEBUG, "dbg", "n=%d", side_effect());
  assert_int_equal(g_calls, 0);  /* not evaluated: the level is checked first */
  assert_string_equal(captured(), "");
  VT_LOG(VT_LOG_INFO, "inf", "n=%d", side_effect());
  VT_LOG(VT_LOG_WARN, "wrn", "n=%d", side_effect());
  VT_LOG(VT_LOG_ERROR, "err", "n=%d", side_effect());
  assert_int_equal(g_calls, 3);
  assert_int_equal(count_char(captured(), '\n'), 3);
  capture(VT_LOG_ERROR, false);
  VT_LOG(VT_LOG_WARN, "wrn", "n=%d", side_effect());
  assert_int_equal(g_calls, 3);
  assert_string_equal(captured(), "");
  capture(VT_LOG_DEBUG, false);
  VT_LOG(VT_LOG_DEBUG, "dbg", "n=%d", side_effect());
  assert_int_equal(g_calls, 4);
  assert_non_null(strstr(captured(), " DEBUG dbg n=4\n"));
  /* out-of-range levels clamp */
  capture(99, false);
  assert_true(vt_log_enabled(VT_LOG_DEBUG));
  capture(-5, false);
  assert_false(vt_log_enabled(VT_LOG_WARN));
  assert_int_equal(vt_log_level_parse("warn"), VT_LOG_WARN);
  assert_int_equal(vt_log_level_parse("debug"), VT_LOG_DEBUG);
  assert_int_equal(vt_log_level_parse("trace"), -1);
  assert_int_equal(vt_log_level_parse(NULL), -1);
  assert_string_equal(vt_log_level_name(VT_LOG_ERROR), "error");
  assert_string_equal(vt_log_level_name(7), "?");
}

static void test_text_format(void **st) {
  (void)st;
  capture(VT_LOG_DEBUG, false);
  VT_LOG(VT_LOG_WARN, "upstream_down", "upstream=%s status=%d ms=%.1f mode=quorum", "infura", 503, 12.5);
  regex_t re;
  assert_int_equal(regcomp(&re,
                           "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z WARN upstream_down "
                           "upstream=infura status=503 ms=12.5 mode=quorum\n$",
                           REG_EXTENDED),
                   0);
  if (regexec(&re, captured(), 0, NULL, 0) != 0) fail_msg("bad line: %s", captured());
  regfree(&re);

  capture(VT_LOG_DEBUG, false);
  VT_LOG(VT_LOG_INFO, "req", "method=%s id=%.*s size=%zu big=%llu neg=%lld hex=%x pct=100%% c=%c", "eth_call", 3,
         "abcdef", (size_t)42, 18446744073709551615ull, -9223372036854775807ll - 1, 255u, 'q');
  assert_non_null(strstr(captured(), " INFO req method=eth_call id=abc size=42 big=18446744073709551615 "
                                     "neg=-9223372036854775808 hex=ff pct=100% c=q\n"));

  /* a value cannot add a field or a line */
  capture(VT_LOG_DEBUG, false);
  VT_LOG(VT_LOG_INFO, "req", "method=%s", "x level=ERROR\n2026-01-01T00:00:00.000Z ERROR forged a=\"b\"\\");
  const char *out = captured();
  assert_int_equal(count_char(out, '\n'), 1);
  assert_non_null(strstr(out, " method=\"x level=ERROR\\n2026-01-01T00:00:00.000Z ERROR forged a=\\\"b\\\"\\\\\"\n"));
  capture(VT_LOG_DEBUG, false);
  VT_LOG(VT_LOG_INFO, "ev ent\n", "empty=%s ctl=%s bad=%s utf8=%s", "", "\x01\x7f\t\r", "\xff\xfe", "\xc3\xa9t\xc3\xa9");
  out = captured();
  assert_int_equal(count_char(out, '\n'), 1);
  assert_non_null(strstr(out, " INFO \"ev ent\\n\" empty=\"\" ctl=\"\\x01\\x7f\\t\\r\" bad=\"\\xff\\xfe\" utf8=\xc3\xa9t\xc3\xa9\n"));
  /* NULL string */
  capture(VT_LOG_DEBUG, false);
  const char *volatile nothing = NULL;  /* hidden from the compiler's format check */
  VT_LOG(VT_LOG_INFO, "n", "s=%s", nothing);
  assert_non_null(strstr(captured(), " s=(null)\n"));
}

static void test_json_format(void **st) {
  (void)st;
  capture(VT_LOG_DEBUG, true);
  VT_LOG(VT_LOG_ERROR, "upstream_down", "upstream=%s status=%d ms=%.1f hex=%x padded=%05d lit=quorum both=%d/%d "
         "evil=%s bad=%s inf=%f neg=%d strnum=%s hexnum=%x some words here",
         "infura", 503, 12.5, 255u, 42, 1, 2, "\"},\n{\"level\":\"debug", "\xff\xc3", 1.0 / 0.0, -7, "42", 16u);
  const char *out = captured();
  assert_int_equal(count_char(out, '\n'), 1);
  json_error_t jerr;
  json_t *j = json_loads(out, 0, &jerr);
  if (!j) fail_msg("not JSON (%s): %s", jerr.text, out);
  assert_true(json_is_object(j));
  assert_string_equal(json_string_value(json_object_get(j, "level")), "error");
  assert_string_equal(json_string_value(json_object_get(j, "event")), "upstream_down");
  assert_non_null(json_string_value(json_object_get(j, "ts")));
  assert_string_equal(json_string_value(json_object_get(j, "upstream")), "infura");
  assert_true(json_is_integer(json_object_get(j, "status")));
  assert_int_equal(json_integer_value(json_object_get(j, "status")), 503);
  assert_true(json_is_real(json_object_get(j, "ms")));
  assert_string_equal(json_string_value(json_object_get(j, "hex")), "ff");
  assert_string_equal(json_string_value(json_object_get(j, "padded")), "00042");  /* not a JSON number */
  assert_string_equal(json_string_value(json_object_get(j, "lit")), "quorum");
  assert_string_equal(json_string_value(json_object_get(j, "both")), "1/2");
  assert_string_equal(json_string_value(json_object_get(j, "evil")), "\"},\n{\"level\":\"debug");
  assert_string_equal(json_string_value(json_object_get(j, "inf")), "inf");
  assert_int_equal(json_integer_value(json_object_get(j, "neg")), -7);
  assert_string_equal(json_string_value(json_object_get(j, "msg")), "some words here");
  assert_string_equal(json_string_value(json_object_get(j, "strnum")), "42");  /* %s stays a string */
  assert_string_equal(json_string_value(json_object_get(j, "hexnum")), "10");  /* %x is not decimal */
  assert_non_null(json_string_value(json_object_get(j, "bad")));  /* invalid UTF-8 escaped, still valid JSON */
  json_decref(j);
}

static void test_line_cap(void **st) {
  (void)st;
  size_t n = 8000;
  char *v = malloc(n + 1);
  memset(v, 'a', n);
  v[n] = 0;
  for (int json = 0; json < 2; json++) {
    capture(VT_LOG_DEBUG, json);
    /* each value is cut to 4 KiB; 20 of them pass the 64 KiB line cap */
    VT_LOG(VT_LOG_INFO, "huge", "a=%s b=%s c=%s d=%s e=%s f=%s g=%s h=%s i=%s j=%s k=%s l=%s m=%s n=%s o=%s p=%s "
           "q=%s r=%s s=%s t=%s", v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v);
    const char *out = captured();
    assert_true(strlen(out) < 1024);
    assert_non_null(strstr(out, "log_line_too_long"));
    assert_int_equal(count_char(out, '\n'), 1);
    capture(VT_LOG_DEBUG, json);
    VT_LOG(VT_LOG_INFO, "one", "a=%s", v);
    out = captured();
    assert_true(strlen(out) > 4000 && strlen(out) < 4300);
  }
  free(v);
}

/* Identical warnings within the window are held back and counted; the next one after
 * the window says how many; other lines and other levels are untouched. */
static void test_repeated_warnings(void **st) {
  (void)st;
  for (int json = 0; json < 2; json++) {
    capture(VT_LOG_INFO, json);
    vt_log_set_repeat_window(200);
    for (int i = 0; i < 50; i++) VT_LOG(VT_LOG_WARN, "wrong_answer", "upstream=%s why=%s", "u0", "not JSON");
    VT_LOG(VT_LOG_WARN, "wrong_answer", "upstream=%s why=%s", "u1", "not JSON");
    VT_LOG(VT_LOG_INFO, "same", "n=%d", 1);
    VT_LOG(VT_LOG_INFO, "same", "n=%d", 1);
    assert_int_equal(count_char(captured(), '\n'), 4);
    sleep_ms(250);
    VT_LOG(VT_LOG_WARN, "wrong_answer", "upstream=%s why=%s", "u0", "not JSON");
    assert_int_equal(count_char(captured(), '\n'), 5);
    assert_non_null(strstr(captured(), json ? "\"repeated\":49" : " repeated=49\n"));
    if (json) {
      const char *last = strrchr(captured(), '{');
      json_error_t je;
      json_t *j = json_loads(last, 0, &je);
      assert_non_null(j);
      json_decref(j);
    }
  }
  vt_log_set_repeat_window(10000);
}

static void test_redact_url(void **st) {
  (void)st;
  static const struct { const char *in, *out; } cases[] = {
      {"https://mainnet.infura.io/v3/abcdef0123456789", "https://mainnet.infura.io/…"},
      {"https://user:pass@host.example:8443/path?q=1#f", "https://host.example:8443/…"},
      {"http://127.0.0.1:8546", "http://127.0.0.1:8546"},
      {"http://[::1]:8546/", "http://[::1]:8546/…"},
      {"https://a.org?key=1", "https://a.org/…"},
      {"wss://u@h", "wss://h/…"},
      {"not a url", "<invalid url>"},
      {"://x", "<invalid url>"},
      {"https://", "<invalid url>"},
      {"https://user@/x", "<invalid url>"},
      {"1http://x", "<invalid url>"},
      {"https://ho st/", "<invalid url>"},
  };
  char out[128];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t n = vt_redact_url(cases[i].in, out, sizeof out);
    if (strcmp(out, cases[i].out) != 0) fail_msg("%s -> %s, want %s", cases[i].in, out, cases[i].out);
    assert_int_equal(n, strlen(cases[i].out));
  }
  /* truncation keeps the terminator and reports the needed length */
  char small[10];
  assert_int_equal(vt_redact_url("https://host.example/x", small, sizeof small), strlen("https://host.example/…"));
  assert_string_equal(small, "https://h");
  assert_int_equal(vt_redact_url(NULL, out, sizeof out), strlen("<invalid url>"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_levels_and_laziness, teardown),
      cmocka_unit_test_teardown(test_text_format, teardown),
      cmocka_unit_test_teardown(test_json_format, teardown),
      cmocka_unit_test_teardown(test_line_cap, teardown),
      cmocka_unit_test_teardown(test_repeated_warnings, teardown),
      cmocka_unit_test(test_redact_url),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
