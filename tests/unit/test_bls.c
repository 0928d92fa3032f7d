/*
 * test_bls.c: the public BLS API (src/core/bls/bls.h) against
 *   - all consensus-spec-tests general BLS vectors under ../shared/fixtures
 *     (phase0 verify, fast_aggregate_verify, aggregate_verify, aggregate; altair
 *     eth_fast_aggregate_verify, eth_aggregate_pubkeys), dispatched by a handler table;
 *   - hand-written cases: eth_fast_aggregate_verify with no keys (infinity signature
 *     true, any other false), invalid encodings (flags, x >= p, not on the curve,
 *     outside the subgroup) for keys and signatures, caps and the bitfield rules;
 *   - optionally a cross-check file written by tests/e2e/bls_noble.test.mjs with
 *     @noble/curves (BLS_CROSSCHECK_FILE=path: JSON array of cases).
 */
#include "testutil.h"

#include <dirent.h>
#include <jansson.h>

#include "core/bls/bls.h"
#include "core/bls/bls_curve.h"

#define SPEC_DIR "consensus-spec-tests/tests/general"
#define MAX_ITEMS 16

/* ---- a reader for the small, fixed-shape data.yaml files ---- */
typedef struct {
  char pubkey[256], message[256], signature[512], output[512];
  char pubkeys[MAX_ITEMS][128], messages[MAX_ITEMS][80], input[MAX_ITEMS][256];
  size_t n_pubkeys, n_messages, n_input;
} spec_case;

/* Copies a quoted or bare scalar into dst. */
static void yaml_scalar(char *dst, size_t cap, const char *s) {
  while (*s == ' ') s++;
  if (*s == '\'' || *s == '"') s++;
  size_t n = strcspn(s, "'\"\r\n");
  assert_true(n < cap);
  memcpy(dst, s, n);
  dst[n] = 0;
}

static void parse_case(spec_case *c, char *text) {
  memset(c, 0, sizeof *c);
  char *list = NULL; /* "pubkeys", "messages" or "input" */
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    char *t = line;
    while (*t == ' ') t++;
    if (t[0] == '-' && t[1] == ' ') {
      assert_non_null(list);
      if (!strcmp(list, "pubkeys")) {
        assert_true(c->n_pubkeys < MAX_ITEMS);
        yaml_scalar(c->pubkeys[c->n_pubkeys++], 128, t + 2);
      } else if (!strcmp(list, "messages")) {
        assert_true(c->n_messages < MAX_ITEMS);
        yaml_scalar(c->messages[c->n_messages++], 80, t + 2);
      } else {
        assert_true(c->n_input < MAX_ITEMS);
        yaml_scalar(c->input[c->n_input++], 256, t + 2);
      }
      continue;
    }
    char *colon = strchr(t, ':');
    if (!colon) continue;
    *colon = 0;
    char *v = colon + 1;
    list = NULL;
    if (!strcmp(t, "pubkey")) yaml_scalar(c->pubkey, sizeof c->pubkey, v);
    else if (!strcmp(t, "message")) yaml_scalar(c->message, sizeof c->message, v);
    else if (!strcmp(t, "signature")) yaml_scalar(c->signature, sizeof c->signature, v);
    else if (!strcmp(t, "output")) yaml_scalar(c->output, sizeof c->output, v);
    else if (!strcmp(t, "pubkeys")) list = "pubkeys";
    else if (!strcmp(t, "messages")) list = "messages";
    else if (!strcmp(t, "input")) list = "input";
  }
}

/* hex -> bytes of exactly want bytes; returns false when the length differs. */
static bool unhex_exact(const char *s, uint8_t *out, size_t want) {
  return test_unhex(s, out, want) == (long)want;
}

static bool expect_bool(const spec_case *c) {
  assert_true(!strcmp(c->output, "true") || !strcmp(c->output, "false"));
  return !strcmp(c->output, "true");
}

/* An encoding of the wrong length cannot decode: the spec calls that INVALID. */
static vc_status run_verify(const spec_case *c) {
  uint8_t pk[48], sig[96], msg[64];
  long mlen = test_unhex(c->message, msg, sizeof msg);
  assert_true(mlen >= 0);
  if (!unhex_exact(c->pubkey, pk, 48) || !unhex_exact(c->signature, sig, 96)) return VC_ERR_INPUT;
  vc_err err;
  return bls_verify(pk, msg, (size_t)mlen, sig, &err);
}

static vc_status run_fav(const spec_case *c, bool eth) {
  uint8_t pks[MAX_ITEMS][48], sig[96], msg[64];
  long mlen = test_unhex(c->message, msg, sizeof msg);
  assert_true(mlen >= 0);
  for (size_t i = 0; i < c->n_pubkeys; i++)
    if (!unhex_exact(c->pubkeys[i], pks[i], 48)) return VC_ERR_INPUT;
  if (!unhex_exact(c->signature, sig, 96)) return VC_ERR_INPUT;
  vc_err err;
  if (eth) return bls_eth_fast_aggregate_verify(pks, c->n_pubkeys, msg, (size_t)mlen, sig, &err);
  return bls_fast_aggregate_verify(pks, c->n_pubkeys, msg, (size_t)mlen, sig, &err);
}

static void h_verify(const spec_case *c) { assert_int_equal(run_verify(c) == VC_OK, expect_bool(c)); }
static void h_fav(const spec_case *c) { assert_int_equal(run_fav(c, false) == VC_OK, expect_bool(c)); }
static void h_eth_fav(const spec_case *c) { assert_int_equal(run_fav(c, true) == VC_OK, expect_bool(c)); }

static void h_aggregate_verify(const spec_case *c) {
  uint8_t pks[MAX_ITEMS][48], sig[96], msgs[MAX_ITEMS][64];
  vc_bytes views[MAX_ITEMS];
  vc_status st = VC_OK;
  assert_int_equal(c->n_pubkeys, c->n_messages);
  for (size_t i = 0; i < c->n_pubkeys; i++) {
    if (!unhex_exact(c->pubkeys[i], pks[i], 48)) st = VC_ERR_INPUT;
    long ml = test_unhex(c->messages[i], msgs[i], 64);
    assert_true(ml >= 0);
    views[i] = vc_bytes_of(msgs[i], (size_t)ml);
  }
  if (!unhex_exact(c->signature, sig, 96)) st = VC_ERR_INPUT;
  vc_err err;
  if (st == VC_OK) st = bls_aggregate_verify(pks, views, c->n_pubkeys, sig, &err);
  assert_int_equal(st == VC_OK, expect_bool(c));
}

static void h_aggregate(const spec_case *c) {
  uint8_t sigs[MAX_ITEMS][96], out[96], want[96];
  vc_status st = VC_OK;
  for (size_t i = 0; i < c->n_input; i++)
    if (!unhex_exact(c->input[i], sigs[i], 96)) st = VC_ERR_INPUT;
  vc_err err;
  if (st == VC_OK) st = bls_aggregate_signatures(sigs, c->n_input, out, &err);
  if (!strcmp(c->output, "null") || !c->output[0]) {
    assert_int_not_equal(st, VC_OK);
    return;
  }
  assert_int_equal(st, VC_OK);
  assert_true(unhex_exact(c->output, want, 96));
  assert_memory_equal(out, want, 96);
}

static void h_eth_aggregate_pubkeys(const spec_case *c) {
  uint8_t pks[MAX_ITEMS][48], out[48], want[48];
  vc_status st = VC_OK;
  for (size_t i = 0; i < c->n_input; i++)
    if (!unhex_exact(c->input[i], pks[i], 48)) st = VC_ERR_INPUT;
  vc_err err;
  if (st == VC_OK) st = bls_aggregate_pubkeys(pks, c->n_input, out, &err);
  if (!strcmp(c->output, "null") || !c->output[0]) {
    assert_int_not_equal(st, VC_OK);
    return;
  }
  assert_int_equal(st, VC_OK);
  assert_true(unhex_exact(c->output, want, 48));
  assert_memory_equal(out, want, 48);
}

static const struct {
  const char *dir;
  void (*run)(const spec_case *c);
  size_t min_cases;
} HANDLERS[] = {
    {"phase0/bls/verify/bls", h_verify, 8},
    {"phase0/bls/fast_aggregate_verify/bls", h_fav, 7},
    {"phase0/bls/aggregate_verify/bls", h_aggregate_verify, 3},
    {"phase0/bls/aggregate/bls", h_aggregate, 2},
    {"altair/bls/eth_fast_aggregate_verify/bls", h_eth_fav, 2},
    {"altair/bls/eth_aggregate_pubkeys/bls", h_eth_aggregate_pubkeys, 4},
};

static void test_spec_vectors(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(base, SPEC_DIR);
  char root[4096], path[4096 + 512];
  snprintf(root, sizeof root, "%s", base);
  size_t total = 0;
  for (size_t h = 0; h < sizeof HANDLERS / sizeof HANDLERS[0]; h++) {
    char dirpath[4096 + 128];
    snprintf(dirpath, sizeof dirpath, "%s/%s", root, HANDLERS[h].dir);
    DIR *d = opendir(dirpath);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      snprintf(path, sizeof path, "%s/%s/data.yaml", dirpath, e->d_name);
      char *text = read_file(path, NULL);
      assert_non_null(text);
      static spec_case c;
      parse_case(&c, text);
      fprintf(stderr, "  %s/%s -> %.12s\n", HANDLERS[h].dir, e->d_name, c.output);
      HANDLERS[h].run(&c);
      free(text);
      n++;
    }
    closedir(d);
    assert_true(n >= HANDLERS[h].min_cases);
    total += n;
  }
  assert_int_equal(total, 26);
}

/* ---- keys and signatures made here with the internal API (test-only signer) ---- */
static const char POP_DST[] = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

static void make_key(uint8_t pk[48], uint8_t seed) {
  uint8_t sk[32];
  for (int i = 0; i < 32; i++) sk[i] = (uint8_t)(seed * 7 + i * 13 + 1);
  sk[0] &= 0x3f; /* below r */
  bls_g1a g;
  bls_g1p p;
  bls_g1_generator(&g);
  bls_g1p_from_affine(&p, &g);
  bls_g1p_mul(&p, &p, sk, 32);
  bls_g1p_to_affine(&g, &p);
  bls_g1a_encode(pk, &g);
}

static void make_sig_point(bls_g2p *out, uint8_t seed, const uint8_t *msg, size_t len) {
  uint8_t sk[32];
  for (int i = 0; i < 32; i++) sk[i] = (uint8_t)(seed * 7 + i * 13 + 1);
  sk[0] &= 0x3f;
  vc_err err;
  assert_int_equal(bls_hash_to_g2(out, msg, len, (const uint8_t *)POP_DST, strlen(POP_DST), &err), VC_OK);
  bls_g2p_mul(out, out, sk, 32);
}

static void make_sig(uint8_t sig[96], uint8_t seed, const uint8_t *msg, size_t len) {
  bls_g2p p;
  bls_g2a a;
  make_sig_point(&p, seed, msg, len);
  bls_g2p_to_affine(&a, &p);
  bls_g2a_encode(sig, &a);
}

static const uint8_t MSG[32] = "verity: sign me, check me, ok?";

static void test_sign_verify(void **state) {
  (void)state;
  uint8_t pk[48], pk2[48], sig[96], bad[96];
  vc_err err = {{0}};
  make_key(pk, 1);
  make_key(pk2, 2);
  make_sig(sig, 1, MSG, sizeof MSG);
  assert_int_equal(bls_verify(pk, MSG, sizeof MSG, sig, &err), VC_OK);
  assert_int_equal(bls_verify(pk2, MSG, sizeof MSG, sig, &err), VC_ERR_MISMATCH);
  assert_int_equal(bls_verify(pk, MSG, sizeof MSG - 1, sig, &err), VC_ERR_MISMATCH);
  for (size_t pos = 0; pos < 96; pos += 19) { /* any flipped bit must fail */
    memcpy(bad, sig, 96);
    bad[pos] ^= 0x04;
    assert_int_not_equal(bls_verify(pk, MSG, sizeof MSG, bad, &err), VC_OK);
  }
  /* the infinity signature never verifies for a real key */
  memset(bad, 0, 96);
  bad[0] = 0xc0;
  assert_int_equal(bls_verify(pk, MSG, sizeof MSG, bad, &err), VC_ERR_MISMATCH);
}

static void test_eth_fast_aggregate_empty(void **state) {
  (void)state;
  uint8_t inf[96] = {0xc0}, sig[96];
  vc_err err = {{0}};
  make_sig(sig, 1, MSG, sizeof MSG);
  assert_int_equal(bls_eth_fast_aggregate_verify(NULL, 0, MSG, sizeof MSG, inf, &err), VC_OK);
  assert_int_equal(bls_eth_fast_aggregate_verify(NULL, 0, MSG, sizeof MSG, sig, &err), VC_ERR_MISMATCH);
  inf[95] = 1; /* not a valid infinity encoding */
  assert_int_equal(bls_eth_fast_aggregate_verify(NULL, 0, MSG, sizeof MSG, inf, &err), VC_ERR_MISMATCH);
  inf[95] = 0;
  assert_int_equal(bls_fast_aggregate_verify(NULL, 0, MSG, sizeof MSG, inf, &err), VC_ERR_INPUT);
}

/* x (as integer) whose curve value is a non-square / a point outside G1. */
static void find_g1_x(uint8_t out[48], bool want_on_curve) {
  for (uint64_t xv = 1; xv < 100; xv++) {
    bls_fp x, rhs, y;
    bls_fp_from_u64(&x, xv);
    bls_fp_sqr(&rhs, &x);
    bls_fp_mul(&rhs, &rhs, &x);
    bls_fp_add(&rhs, &rhs, &bls_g1_b);
    if (bls_fp_sqrt(&y, &rhs) == want_on_curve) {
      bls_fp_to_be48(out, &x);
      out[0] |= 0x80;
      return;
    }
  }
  fail_msg("no x found");
}

static void find_g2_x(uint8_t out[96], bool want_on_curve) {
  for (uint64_t xv = 1; xv < 100; xv++) {
    bls_fp2 x, rhs, y;
    bls_fp_from_u64(&x.c0, xv);
    bls_fp_from_u64(&x.c1, 3);
    bls_fp2_sqr(&rhs, &x);
    bls_fp2_mul(&rhs, &rhs, &x);
    bls_fp2_add(&rhs, &rhs, &bls_g2_b);
    if (bls_fp2_sqrt(&y, &rhs) == want_on_curve) {
      bls_fp_to_be48(out, &x.c1);
      bls_fp_to_be48(out + 48, &x.c0);
      out[0] |= 0x80;
      return;
    }
  }
  fail_msg("no x found");
}

static const char P_HEX[] =
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";

static void expect_pk_error(const uint8_t pk[48], const char *needle) {
  bls_g1 out;
  vc_err err = {{0}};
  assert_int_equal(bls_g1_decompress(&out, pk, &err), VC_ERR_INPUT);
  if (!strstr(err.msg, needle)) fail_msg("error '%s' lacks '%s'", err.msg, needle);
}

static void expect_sig_error(const uint8_t sig[96], const char *needle) {
  uint8_t pk[48];
  vc_err err = {{0}};
  make_key(pk, 3);
  assert_int_equal(bls_verify(pk, MSG, sizeof MSG, sig, &err), VC_ERR_INPUT);
  if (!strstr(err.msg, needle)) fail_msg("error '%s' lacks '%s'", err.msg, needle);
}

static void test_invalid_pubkeys(void **state) {
  (void)state;
  uint8_t pk[48], good[48];
  bls_g1 out;
  vc_err err;
  make_key(good, 4);
  assert_int_equal(bls_g1_decompress(&out, good, &err), VC_OK);
  uint8_t back[48];
  bls_g1_compress(back, &out);
  assert_memory_equal(back, good, 48);
  memcpy(pk, good, 48);
  pk[0] &= 0x7f;
  expect_pk_error(pk, "compression");
  memset(pk, 0, 48);
  pk[0] = 0xc0;
  expect_pk_error(pk, "infinity");
  pk[0] = 0xe0; /* infinity with the sign bit */
  expect_pk_error(pk, "nonzero");
  pk[0] = 0xc0;
  pk[47] = 1;
  expect_pk_error(pk, "nonzero");
  assert_int_equal(test_unhex(P_HEX, pk, 48), 48);
  pk[0] |= 0x80;
  expect_pk_error(pk, "not below p");
  find_g1_x(pk, false);
  expect_pk_error(pk, "not on the curve");
  find_g1_x(pk, true); /* small x on the curve: outside the subgroup */
  expect_pk_error(pk, "subgroup");
  pk[0] |= 0x20;
  expect_pk_error(pk, "subgroup");
}

static void test_invalid_signatures(void **state) {
  (void)state;
  uint8_t sig[96], good[96];
  make_sig(good, 3, MSG, sizeof MSG);
  memcpy(sig, good, 96);
  sig[0] &= 0x7f;
  expect_sig_error(sig, "compression");
  memset(sig, 0, 96);
  sig[0] = 0xe0;
  expect_sig_error(sig, "nonzero");
  sig[0] = 0xc0;
  sig[60] = 1;
  expect_sig_error(sig, "nonzero");
  memcpy(sig, good, 96); /* x.c1 >= p */
  assert_int_equal(test_unhex(P_HEX, sig, 48), 48);
  sig[0] |= 0x80;
  expect_sig_error(sig, "not below p");
  memcpy(sig, good, 96); /* x.c0 >= p */
  assert_int_equal(test_unhex(P_HEX, sig + 48, 48), 48);
  expect_sig_error(sig, "not below p");
  find_g2_x(sig, false);
  expect_sig_error(sig, "not on the curve");
  find_g2_x(sig, true);
  expect_sig_error(sig, "subgroup");
}

static void test_points_and_bitfield(void **state) {
  (void)state;
  enum { N = 12 };
  uint8_t pks[N][48], sig[96];
  bls_g1 pts[N];
  vc_err err = {{0}};
  uint8_t bits[2] = {0x35, 0x09}; /* signers 0, 2, 4, 5, 8, 11 */
  bls_g2p agg, s;
  bls_g2p_set_inf(&agg);
  for (int i = 0; i < N; i++) {
    make_key(pks[i], (uint8_t)(10 + i));
    assert_int_equal(bls_g1_decompress(&pts[i], pks[i], &err), VC_OK);
    if ((bits[i / 8] >> (i % 8)) & 1) {
      make_sig_point(&s, (uint8_t)(10 + i), MSG, sizeof MSG);
      bls_g2p_add(&agg, &agg, &s);
    }
  }
  bls_g2a a;
  bls_g2p_to_affine(&a, &agg);
  bls_g2a_encode(sig, &a);
  assert_int_equal(bls_fast_aggregate_verify_points(pts, bits, N, MSG, sizeof MSG, sig, &err), VC_OK);
  uint8_t t[2] = {0x35, 0x08}; /* one signer missing */
  assert_int_equal(bls_fast_aggregate_verify_points(pts, t, N, MSG, sizeof MSG, sig, &err), VC_ERR_MISMATCH);
  t[1] = 0x0b; /* one extra */
  assert_int_equal(bls_fast_aggregate_verify_points(pts, t, N, MSG, sizeof MSG, sig, &err), VC_ERR_MISMATCH);
  t[1] = 0x19; /* bit 12 is beyond n */
  assert_int_equal(bls_fast_aggregate_verify_points(pts, t, N, MSG, sizeof MSG, sig, &err), VC_ERR_INPUT);
  t[0] = t[1] = 0;
  assert_int_equal(bls_fast_aggregate_verify_points(pts, t, N, MSG, sizeof MSG, sig, &err), VC_ERR_INPUT);
  assert_non_null(strstr(err.msg, "participants"));
  assert_int_equal(bls_fast_aggregate_verify_points(pts, bits, 0, MSG, sizeof MSG, sig, &err), VC_ERR_INPUT);
  assert_int_equal(bls_fast_aggregate_verify_points(pts, bits, BLS_MAX_KEYS + 1, MSG, sizeof MSG, sig, &err),
                   VC_ERR_LIMIT);
  assert_int_equal(bls_fast_aggregate_verify_points(pts, NULL, N, MSG, sizeof MSG, sig, &err), VC_ERR_INPUT);
  /* the same through the compressed-key API, with the signer subset */
  uint8_t sub[6][48];
  int idx[6] = {0, 2, 4, 5, 8, 11};
  for (int i = 0; i < 6; i++) memcpy(sub[i], pks[idx[i]], 48);
  assert_int_equal(bls_fast_aggregate_verify(sub, 6, MSG, sizeof MSG, sig, &err), VC_OK);
  assert_int_equal(bls_eth_fast_aggregate_verify(sub, 6, MSG, sizeof MSG, sig, &err), VC_OK);
  assert_int_equal(bls_fast_aggregate_verify(sub, 5, MSG, sizeof MSG, sig, &err), VC_ERR_MISMATCH);
  /* aggregate key = sum of the points */
  uint8_t aggpk[48];
  assert_int_equal(bls_aggregate_pubkeys(sub, 6, aggpk, &err), VC_OK);
  assert_int_equal(bls_verify(aggpk, MSG, sizeof MSG, sig, &err), VC_OK);
  /* a key and its negation sum to infinity: rejected, not "verified" */
  uint8_t pair[2][48];
  memcpy(pair[0], pks[0], 48);
  memcpy(pair[1], pks[0], 48);
  pair[1][0] ^= 0x20;
  uint8_t inf[96] = {0xc0};
  assert_int_equal(bls_fast_aggregate_verify(pair, 2, MSG, sizeof MSG, inf, &err), VC_ERR_INPUT);
  assert_non_null(strstr(err.msg, "infinity"));
}

static void test_caps(void **state) {
  (void)state;
  uint8_t pk[48], sig[96];
  vc_err err = {{0}};
  make_key(pk, 1);
  make_sig(sig, 1, MSG, sizeof MSG);
  assert_int_equal(bls_verify(pk, MSG, BLS_MSG_MAX + 1, sig, &err), VC_ERR_LIMIT);
  assert_int_equal(bls_aggregate_pubkeys((const uint8_t(*)[48])pk, BLS_MAX_KEYS + 1, pk, &err), VC_ERR_LIMIT);
  assert_int_equal(bls_aggregate_pubkeys((const uint8_t(*)[48])pk, 0, pk, &err), VC_ERR_INPUT);
  assert_int_equal(bls_aggregate_signatures((const uint8_t(*)[96])sig, 0, sig, &err), VC_ERR_INPUT);
  assert_int_equal(bls_aggregate_verify((const uint8_t(*)[48])pk, NULL, 0, sig, &err), VC_ERR_INPUT);
  assert_string_equal(bls_backend_name(), "in-tree");
}

static void test_aggregate_signatures_rules(void **state) {
  (void)state;
  uint8_t sigs[3][96], out[96], again[96];
  vc_err err = {{0}};
  for (int i = 0; i < 3; i++) make_sig(sigs[i], (uint8_t)(20 + i), MSG, sizeof MSG);
  assert_int_equal(bls_aggregate_signatures((const uint8_t(*)[96])sigs, 3, out, &err), VC_OK);
  /* order does not matter */
  uint8_t swapped[3][96];
  memcpy(swapped[0], sigs[2], 96);
  memcpy(swapped[1], sigs[0], 96);
  memcpy(swapped[2], sigs[1], 96);
  assert_int_equal(bls_aggregate_signatures((const uint8_t(*)[96])swapped, 3, again, &err), VC_OK);
  assert_memory_equal(out, again, 96);
  /* one bad member spoils the aggregate */
  sigs[1][0] &= 0x7f;
  assert_int_equal(bls_aggregate_signatures((const uint8_t(*)[96])sigs, 3, out, &err), VC_ERR_INPUT);
  assert_non_null(strstr(err.msg, "compression"));
}

static void test_points_reject_infinity_member(void **state) {
  (void)state;
  uint8_t pk[48], sig[96], bits[1] = {0x03};
  bls_g1 pts[2];
  vc_err err = {{0}};
  make_key(pk, 5);
  make_sig(sig, 5, MSG, sizeof MSG);
  assert_int_equal(bls_g1_decompress(&pts[0], pk, &err), VC_OK);
  memset(&pts[1], 0, sizeof pts[1]);
  pts[1].inf = 1; /* not something bls_g1_decompress ever returns */
  assert_int_equal(bls_fast_aggregate_verify_points(pts, bits, 2, MSG, sizeof MSG, sig, &err), VC_ERR_INPUT);
  assert_non_null(strstr(err.msg, "public key 1"));
  bits[0] = 0x01; /* the bad key does not take part */
  assert_int_equal(bls_fast_aggregate_verify_points(pts, bits, 2, MSG, sizeof MSG, sig, &err), VC_OK);
}

/* ---- @noble/curves cross-check (file written by tests/e2e/bls_noble.test.mjs) ---- */
#define XCHECK_MAX_KEYS 16
#define XCHECK_MAX_MSG 256

static void test_crosscheck_noble(void **state) {
  (void)state;
  const char *path = getenv("BLS_CROSSCHECK_FILE");
  if (!path || !*path) {
    fprintf(stderr, "skip: BLS_CROSSCHECK_FILE not set (tests/e2e/bls_noble.test.mjs writes it)\n");
    skip();
  }
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr);
  if (!root) fail_msg("cannot parse %s: %s", path, jerr.text);
  json_t *cases = json_object_get(root, "cases");
  assert_true(json_is_array(cases));
  size_t i, agree = 0, valid = 0;
  json_t *c;
  json_array_foreach(cases, i, c) {
    const char *kind = json_string_value(json_object_get(c, "kind"));
    json_t *pkarr = json_object_get(c, "pubkeys");
    size_t n = json_array_size(pkarr);
    uint8_t pks[XCHECK_MAX_KEYS][48], sig[96], msg[XCHECK_MAX_MSG];
    assert_non_null(kind);
    assert_true(n >= 1 && n <= XCHECK_MAX_KEYS);
    for (size_t k = 0; k < n; k++)
      assert_true(unhex_exact(json_string_value(json_array_get(pkarr, k)), pks[k], 48));
    long mlen = test_unhex(json_string_value(json_object_get(c, "message")), msg, sizeof msg);
    assert_true(mlen >= 0);
    assert_true(unhex_exact(json_string_value(json_object_get(c, "signature")), sig, 96));
    bool expected = json_is_true(json_object_get(c, "expected"));
    vc_err err = {{0}};
    vc_status st;
    if (!strcmp(kind, "verify"))
      st = bls_verify(pks[0], msg, (size_t)mlen, sig, &err);
    else if (!strcmp(kind, "fast_aggregate_verify"))
      st = bls_fast_aggregate_verify(pks, n, msg, (size_t)mlen, sig, &err);
    else
      fail_msg("case %zu: unknown kind %s", i, kind);
    if ((st == VC_OK) != expected) fail_msg("case %zu (%s): noble says %d, we say %s (%s)", i, kind, expected,
                                            vc_status_name(st), err.msg);
    agree++;
    valid += expected;
  }
  fprintf(stderr, "cross-check: %zu cases agree with @noble/curves (%zu valid)\n", agree, valid);
  assert_true(agree >= 10 && valid > 0 && valid < agree);
  json_decref(root);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spec_vectors),
      cmocka_unit_test(test_sign_verify),
      cmocka_unit_test(test_eth_fast_aggregate_empty),
      cmocka_unit_test(test_invalid_pubkeys),
      cmocka_unit_test(test_invalid_signatures),
      cmocka_unit_test(test_points_and_bitfield),
      cmocka_unit_test(test_caps),
      cmocka_unit_test(test_aggregate_signatures_rules),
      cmocka_unit_test(test_points_reject_infinity_member),
      cmocka_unit_test(test_crosscheck_noble),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
