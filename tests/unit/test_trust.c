/* test_trust.c: the typed trust value (flow/trust.h): every text form the response
 * header and the cache codec have always used reads back into the same fields and
 * prints as the same bytes; anything else is refused; what may be cached. */
#include "testutil.h"

#include "flow/trust.h"

static void roundtrip(const char *text, vt_trust_tier tier) {
  vt_trust t;
  char out[VT_TRUST_TEXT_MAX];
  if (!vt_trust_parse(text, &t)) fail_msg("not read: %s", text);
  assert_int_equal(t.tier, tier);
  assert_string_equal(vt_trust_format(&t, out, sizeof out), text);
}

static void test_every_form_round_trips(void **st) {
  (void)st;
  roundtrip("none", VT_TRUST_NONE);
  roundtrip("single", VT_TRUST_SINGLE);
  roundtrip("local", VT_TRUST_LOCAL);
  roundtrip("quorum:2/3", VT_TRUST_QUORUM);
  roundtrip("quorum:12/64", VT_TRUST_QUORUM);
  roundtrip("verified", VT_TRUST_VERIFIED);
  roundtrip("verified:quorum:1/1", VT_TRUST_VERIFIED);
  roundtrip("verified:quorum:2/3", VT_TRUST_VERIFIED);
  roundtrip("verified:trusted", VT_TRUST_VERIFIED);
  roundtrip("verified:hash", VT_TRUST_VERIFIED);
  roundtrip("verified:lightclient:finalized", VT_TRUST_VERIFIED);
  roundtrip("verified:lightclient:optimistic", VT_TRUST_VERIFIED);
  roundtrip("verified:l1:in_progress", VT_TRUST_VERIFIED);
  roundtrip("verified:l1:defender_wins", VT_TRUST_VERIFIED);
  roundtrip("stale:0 block=0x10", VT_TRUST_STALE);
  roundtrip("stale:3600 block=0x1234abcd", VT_TRUST_STALE);
}

static void test_fields(void **st) {
  (void)st;
  vt_trust t;
  assert_true(vt_trust_parse("verified:quorum:2/3", &t));
  assert_int_equal(t.anchor, VT_ANCHOR_SRC_QUORUM);
  assert_int_equal(t.k, 2);
  assert_int_equal(t.n, 3);
  assert_true(vt_trust_parse("verified:lightclient:finalized", &t));
  assert_int_equal(t.anchor, VT_ANCHOR_SRC_LIGHTCLIENT);
  assert_true(t.finalized);
  assert_true(vt_trust_parse("verified:lightclient:optimistic", &t));
  assert_false(t.finalized);
  assert_true(vt_trust_parse("verified:l1:defender_wins", &t));
  assert_int_equal(t.anchor, VT_ANCHOR_SRC_L1);
  assert_int_equal(t.l1_status, VT_L1_DEFENDER_WINS);
  assert_true(vt_trust_parse("verified:l1:in_progress", &t));
  assert_int_equal(t.l1_status, VT_L1_IN_PROGRESS);
  assert_true(vt_trust_parse("verified:hash", &t));
  assert_int_equal(t.anchor, VT_ANCHOR_SRC_HASH);
  assert_true(vt_trust_parse("stale:7 block=0xff", &t));
  assert_int_equal(t.age_s, 7);
  assert_int_equal(t.block, 0xff);
  vt_trust q = vt_trust_quorum(3, 5);
  char out[VT_TRUST_TEXT_MAX];
  assert_string_equal(vt_trust_format(&q, out, sizeof out), "quorum:3/5");
}

static void test_refused(void **st) {
  (void)st;
  static const char *const bad[] = {
      "", "bad trust", "quorum", "quorum:", "quorum:2", "quorum:2/", "quorum:/3", "quorum:2/3x", "quorum:-1/3",
      "verified:", "verified:quorum", "verified:lightclient", "verified:lightclient:maybe", "verifiedx",
      "verified:trusted:x", "verified:l1", "verified:l1:", "verified:l1:challenger_wins",
      "verified:l1:unknown", "verified:l1:in_progressx", "stale:", "stale:5", "stale:5 block=0x", "stale:5 block=0xzz", "Single", "none ",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    vt_trust t = {.tier = VT_TRUST_VERIFIED};
    if (vt_trust_parse(bad[i], &t)) fail_msg("read: \"%s\"", bad[i]);
    assert_int_equal(t.tier, VT_TRUST_NONE);
  }
  vt_trust t;
  assert_false(vt_trust_parse(NULL, &t));
}

static void test_cacheable(void **st) {
  (void)st;
  static const struct {
    const char *text;
    bool cacheable;
  } rows[] = {
      {"verified:quorum:2/3", true}, {"verified:hash", true}, {"verified", true}, {"quorum:2/3", true},
      {"single", false}, {"none", false}, {"local", false}, {"stale:1 block=0x1", false},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    vt_trust t;
    assert_true(vt_trust_parse(rows[i].text, &t));
    if (vt_trust_cacheable(&t) != rows[i].cacheable) fail_msg("cacheable(%s)", rows[i].text);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_form_round_trips),
      cmocka_unit_test(test_fields),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_cacheable),
  };
  return cmocka_run_group_tests_name("trust", tests, NULL, NULL);
}
