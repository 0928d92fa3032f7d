/* test_metrics.c: the Prometheus registry: exact rendering of counters, gauges and
 * histograms (cumulative buckets, +Inf, _sum, _count), every line checked against the
 * text exposition grammar, label and help escaping, registration rules, counter
 * monotonicity, the cardinality cap ("other" child) and NULL safety. */
#include "testutil.h"
#include "obs/metrics.h"

#include <math.h>
#include <regex.h>

static char *render(const vt_metrics *m) {
  char *out = NULL;
  size_t len = 0;
  assert_int_equal(vt_metrics_render(m, &out, &len), 0);
  assert_non_null(out);
  assert_int_equal(strlen(out), len);
  return out;
}

/* Every line is a HELP, a TYPE or a sample of the 0.0.4 text format. */
static void check_grammar(const char *text) {
  regex_t help, type, sample;
  assert_int_equal(regcomp(&help, "^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* ([^\\\\\n]|\\\\\\\\|\\\\n)*$", REG_EXTENDED), 0);
  assert_int_equal(regcomp(&type, "^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram)$", REG_EXTENDED), 0);
  assert_int_equal(regcomp(&sample,
                           "^[a-zA-Z_:][a-zA-Z0-9_:]*"
                           "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\n\"])*\""
                           "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\n\"])*\")*\\})? "
                           "(-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|[+-]Inf|NaN)$",
                           REG_EXTENDED),
                   0);
  assert_true(text[0] == 0 || text[strlen(text) - 1] == '\n');
  char *copy = strdup(text), *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (regexec(&help, line, 0, NULL, 0) && regexec(&type, line, 0, NULL, 0) && regexec(&sample, line, 0, NULL, 0))
      fail_msg("not exposition format: [%s]", line);
  }
  free(copy);
  regfree(&help);
  regfree(&type);
  regfree(&sample);
}

static void test_counter_gauge_exact(void **st) {
  (void)st;
  vt_metrics *m = vt_metrics_new();
  static const char *const lbl[] = {"method", "outcome"};
  vt_metric *req = vt_metrics_counter(m, "verity_requests_total", "Requests served.", lbl, 2);
  vt_metric *head = vt_metrics_gauge(m, "verity_head_block", "Pinned head.", NULL, 0);
  assert_non_null(req);
  assert_non_null(head);
  const char *const v1[] = {"eth_call", "ok"}, *const v2[] = {"eth_getBalance", "unavailable"};
  vt_metric_child *a = vt_metric_with(req, v1);
  vt_metric_child *b = vt_metric_with(req, v2);
  assert_ptr_equal(vt_metric_with(req, v1), a);  /* cached: same child */
  vt_metric_inc(a, 1);
  vt_metric_inc(a, 2);
  vt_metric_inc(b, 0.5);
  vt_metric_inc(a, -10);    /* counters never go down */
  vt_metric_inc(a, NAN);
  vt_metric_set(a, 100);    /* not a gauge: ignored */
  assert_true(vt_metric_value(a) == 3);
  vt_metric_child *h = vt_metric_with(head, NULL);
  vt_metric_set(h, 21000000);
  vt_metric_inc(h, -1);
  char *out = render(m);
  assert_string_equal(out,
                      "# HELP verity_requests_total Requests served.\n"
                      "# TYPE verity_requests_total counter\n"
                      "verity_requests_total{method=\"eth_call\",outcome=\"ok\"} 3\n"
                      "verity_requests_total{method=\"eth_getBalance\",outcome=\"unavailable\"} 0.5\n"
                      "# HELP verity_head_block Pinned head.\n"
                      "# TYPE verity_head_block gauge\n"
                      "verity_head_block 20999999\n");
  check_grammar(out);
  free(out);
  vt_metrics_free(m);
}

static void test_histogram(void **st) {
  (void)st;
  vt_metrics *m = vt_metrics_new();
  static const char *const lbl[] = {"upstream"};
  vt_metric *lat = vt_metrics_histogram(m, "verity_upstream_latency_seconds", "Latency.", lbl, 1);
  const char *const v[] = {"drpc"};
  vt_metric_child *c = vt_metric_with(lat, v);
  const double obs[] = {0.0003, 0.0005, 0.002, 0.3, 0.3, 7, 20, NAN};
  for (size_t i = 0; i < sizeof obs / sizeof obs[0]; i++) vt_metric_observe(c, obs[i]);
  vt_metric_inc(c, 5);  /* not a counter: ignored */
  char *out = render(m);
  check_grammar(out);
  static const struct { const char *le; unsigned n; } want[] = {
      {"0.0005", 2}, {"0.001", 2}, {"0.0025", 3}, {"0.005", 3}, {"0.01", 3}, {"0.025", 3}, {"0.05", 3},
      {"0.1", 3},    {"0.25", 3},  {"0.5", 5},    {"1", 5},     {"2.5", 5},  {"5", 5},     {"10", 6}, {"+Inf", 7}};
  const char *p = out;
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    char line[160];
    snprintf(line, sizeof line, "verity_upstream_latency_seconds_bucket{upstream=\"drpc\",le=\"%s\"} %u\n",
             want[i].le, want[i].n);
    const char *at = strstr(p, line);
    if (!at) fail_msg("missing or out of order: %s in\n%s", line, out);
    p = at + strlen(line);
  }
  const char *sum = strstr(out, "verity_upstream_latency_seconds_sum{upstream=\"drpc\"} ");
  assert_non_null(sum);
  assert_true(fabs(strtod(strchr(sum, ' ') + 1, NULL) - 27.6028) < 1e-9);
  assert_non_null(strstr(out, "verity_upstream_latency_seconds_count{upstream=\"drpc\"} 7\n"));
  assert_non_null(strstr(out, "# TYPE verity_upstream_latency_seconds histogram\n"));
  /* buckets are cumulative: never decreasing */
  unsigned long prev = 0;
  for (const char *q = strstr(out, "_bucket{"); q; q = strstr(q + 1, "_bucket{")) {
    const char *sp = strchr(q, ' ');
    unsigned long n = strtoul(sp + 1, NULL, 10);
    assert_true(n >= prev);
    prev = n;
  }
  free(out);
  /* the bucket table is the one documented */
  assert_true(vt_metric_buckets[0] == 0.0005 && vt_metric_buckets[VT_METRIC_NBUCKETS - 1] == 10);
  vt_metrics_free(m);
}

static void test_escaping(void **st) {
  (void)st;
  vt_metrics *m = vt_metrics_new();
  static const char *const lbl[] = {"method"};
  vt_metric *f = vt_metrics_counter(m, "x_total", "Help with \\ backslash\nand newline \"quoted\".", lbl, 1);
  const char *const v[] = {"a\"b\\c\nd} e=\"f\""};
  vt_metric_inc(vt_metric_with(f, v), 1);
  char *out = render(m);
  assert_string_equal(out,
                      "# HELP x_total Help with \\\\ backslash\\nand newline \"quoted\".\n"
                      "# TYPE x_total counter\n"
                      "x_total{method=\"a\\\"b\\\\c\\nd} e=\\\"f\\\"\"} 1\n");
  check_grammar(out);
  free(out);
  vt_metrics_free(m);
}

static void test_registration_rules(void **st) {
  (void)st;
  vt_metrics *m = vt_metrics_new();
  static const char *const l1[] = {"a"}, *const l2[] = {"b"}, *const dup[] = {"a", "a"},
                           *const le[] = {"le"}, *const reserved[] = {"__x"}, *const bad[] = {"1a"},
                           *const five[] = {"a", "b", "c", "d", "e"};
  vt_metric *f = vt_metrics_counter(m, "c_total", "h", l1, 1);
  assert_non_null(f);
  assert_ptr_equal(vt_metrics_counter(m, "c_total", "other help", l1, 1), f);  /* same shape: same family */
  assert_null(vt_metrics_gauge(m, "c_total", "h", l1, 1));                      /* other type */
  assert_null(vt_metrics_counter(m, "c_total", "h", l2, 1));                    /* other labels */
  assert_null(vt_metrics_counter(m, "1bad", "h", NULL, 0));
  assert_null(vt_metrics_counter(m, "bad-name", "h", NULL, 0));
  assert_null(vt_metrics_counter(m, "", "h", NULL, 0));
  assert_null(vt_metrics_counter(m, NULL, "h", NULL, 0));
  assert_null(vt_metrics_counter(m, "d_total", "h", dup, 2));
  assert_null(vt_metrics_histogram(m, "h_seconds", "h", le, 1));
  assert_non_null(vt_metrics_gauge(m, "g_le", "h", le, 1));  /* "le" is only reserved for histograms */
  assert_null(vt_metrics_counter(m, "r_total", "h", reserved, 1));
  assert_null(vt_metrics_counter(m, "b_total", "h", bad, 1));
  assert_null(vt_metrics_counter(m, "f_total", "h", five, 5));
  assert_null(vt_metrics_counter(m, "n_total", "h", NULL, 1));
  assert_non_null(vt_metrics_counter(m, "ns:sub_total", "h", NULL, 0));
  /* a missing label value */
  const char *const missing[] = {NULL};
  assert_null(vt_metric_with(f, missing));
  assert_null(vt_metric_with(f, NULL));
  /* NULL safety */
  assert_null(vt_metric_with(NULL, NULL));
  vt_metric_inc(NULL, 1);
  vt_metric_set(NULL, 1);
  vt_metric_observe(NULL, 1);
  assert_true(vt_metric_value(NULL) == 0);
  assert_null(vt_metrics_counter(NULL, "z", "h", NULL, 0));
  char *out = NULL;
  size_t len = 7;
  assert_int_equal(vt_metrics_render(NULL, &out, &len), 0);  /* an empty exposition */
  assert_string_equal(out, "");
  assert_int_equal(len, 0);
  free(out);
  vt_metrics_free(NULL);
  vt_metrics_free(m);
}

static void test_cardinality_cap(void **st) {
  (void)st;
  vt_metrics *m = vt_metrics_new();
  static const char *const lbl[] = {"method", "outcome"};
  vt_metric *f = vt_metrics_counter(m, "verity_requests_total", "h", lbl, 2);
  char name[32];
  vt_metric_child *first = NULL;
  for (int i = 0; i < VT_METRIC_MAX_CHILDREN + 100; i++) {
    snprintf(name, sizeof name, "m%d", i);
    const char *const v[] = {name, "ok"};
    vt_metric_child *c = vt_metric_with(f, v);
    assert_non_null(c);
    if (i == 0) first = c;
    vt_metric_inc(c, 1);
  }
  assert_int_equal(vt_metric_nchildren(f), VT_METRIC_MAX_CHILDREN + 1);
  const char *const v0[] = {"m0", "ok"};
  assert_ptr_equal(vt_metric_with(f, v0), first);  /* existing children still found */
  char *out = render(m);
  check_grammar(out);
  assert_non_null(strstr(out, "verity_requests_total{method=\"other\",outcome=\"other\"} 100\n"));
  assert_null(strstr(out, "method=\"m1024\""));
  free(out);
  /* long values are cut to VT_METRIC_MAX_VALUE bytes: two that share the prefix meet */
  static const char *const one[] = {"v"};
  vt_metric *g = vt_metrics_gauge(m, "long_values", "h", one, 1);
  char a[300], b[300];
  memset(a, 'x', sizeof a - 1);
  a[sizeof a - 1] = 0;
  memcpy(b, a, sizeof b);
  b[200] = 'y';
  const char *const va[] = {a}, *const vb[] = {b};
  assert_ptr_equal(vt_metric_with(g, va), vt_metric_with(g, vb));
  vt_metrics_free(m);
}

static void test_numbers(void **st) {
  (void)st;
  vt_metrics *m = vt_metrics_new();
  vt_metric *g = vt_metrics_gauge(m, "g", "h", NULL, 0);
  vt_metric_child *c = vt_metric_with(g, NULL);
  static const struct { double v; const char *text; } cases[] = {
      {0, "g 0\n"}, {-3, "g -3\n"}, {0.1, "g 0.1\n"}, {1e20, "g 1e+20\n"}, {1.0 / 3, "g 0.3333333333333333\n"},
      {INFINITY, "g +Inf\n"}, {-INFINITY, "g -Inf\n"}, {NAN, "g NaN\n"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vt_metric_set(c, cases[i].v);
    char *out = render(m);
    if (!strstr(out, cases[i].text)) fail_msg("%g rendered as %s", cases[i].v, out);
    check_grammar(out);
    free(out);
  }
  vt_metrics_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counter_gauge_exact), cmocka_unit_test(test_histogram),
      cmocka_unit_test(test_escaping),            cmocka_unit_test(test_registration_rules),
      cmocka_unit_test(test_cardinality_cap),     cmocka_unit_test(test_numbers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
