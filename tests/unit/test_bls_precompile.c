/*
 * test_bls_precompile.c: the EIP-2537 BLS12-381 precompiles (0x0b..0x11) and the
 * EIP-4844 point evaluation precompile (0x0a), through their gas and run functions.
 *
 *  - bls_precompile_vectors.h: the EIP's own vectors (ethereum/EIPs assets/eip-2537) and
 *    go-ethereum's G2 MSM and map vectors, success and failure cases: output bytes and
 *    gas must match exactly, failures must fail.
 *  - kzg_vectors.h: the 122 verify_kzg_proof vectors (c-kzg-4844 / consensus-spec-tests),
 *    directly and through the precompile (with the versioned hash), plus go-ethereum's
 *    pointEvaluation vector and the trusted-setup constant [s]_2.
 *  - the draft EIP-2537 rows (pc_bls_draft.h, for the stEIP2537 state tests) against
 *    the draft-era go-ethereum vectors (a208e725), prices included.
 *  - RFC 9380's BLS12381G1_XMD:SHA-256_SSWU_RO_ vectors for the G1 map alone (u -> Q)
 *    and with cofactor clearing (Q0 + Q1 -> P).
 *  - MSM gas at k = 0, 1, 2, 128, 129 and pairing gas, from the EIP formulas.
 *  - Pippenger against a sum of single multiplications, scalars >= r, the no-subgroup
 *    rule of the additions, length and encoding errors.
 *  - BLS_VECTORS_DIR=<go-ethereum>/core/vm/testdata/precompiles runs every bls*.json of
 *    that folder too (skips when unset). BLS_PRECOMPILE_XCHECK_FILE (written by
 *    tests/e2e/bls_precompile_noble.test.mjs) holds @noble/curves' answers for random
 *    and state-test inputs (skips when unset).
 *  - Timing of G1MSM with 128 pairs and PAIRING_CHECK with 2 pairs (printed).
 */
#include "testutil.h"

#include <jansson.h>
#include <nettle/sha2.h>
#include <time.h>

#include "bls_precompile_vectors.h"
#include "core/bls/bls_curve.h"
#include "core/bls/bls_evm.h"
#include "core/evm/pc_bls_draft.h"
#include "core/evm/precompile.h"
#include "kzg_vectors.h"

#define MAX_IN ((size_t)1 << 20) /* bytes of one precompile input in these tests */
#define MAX_OUT 256

typedef struct {
  uint16_t addr;
  const char *name;
  evm_pc_gas_fn gas;
  evm_pc_run_fn run;
} pc_row;

/* The rows this branch implements (precompile.c's table also names the other families). */
static const pc_row rows[] = {
    {0x0a, "kzg_point_eval", evm_pc_kzg_point_eval_gas, evm_pc_kzg_point_eval},
    {0x0b, "bls_g1add", evm_pc_bls_g1add_gas, evm_pc_bls_g1add},
    {0x0c, "bls_g1msm", evm_pc_bls_g1msm_gas, evm_pc_bls_g1msm},
    {0x0d, "bls_g2add", evm_pc_bls_g2add_gas, evm_pc_bls_g2add},
    {0x0e, "bls_g2msm", evm_pc_bls_g2msm_gas, evm_pc_bls_g2msm},
    {0x0f, "bls_pairing", evm_pc_bls_pairing_gas, evm_pc_bls_pairing},
    {0x10, "bls_map_fp_to_g1", evm_pc_bls_map_fp_to_g1_gas, evm_pc_bls_map_fp_to_g1},
    {0x11, "bls_map_fp2_to_g2", evm_pc_bls_map_fp2_to_g2_gas, evm_pc_bls_map_fp2_to_g2},
};

static const pc_row *row_of(uint16_t addr) {
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    if (rows[i].addr == addr) return &rows[i];
  fail_msg("no precompile 0x%02x", addr);
  return NULL;
}

/* Runs one case on the given gas and run functions; expected_hex NULL means the call
 * must fail. Returns 1 when it agrees. */
static int run_fns(evm_pc_gas_fn gas_fn, evm_pc_run_fn run_fn, uint16_t addr, const char *name,
                   const char *in_hex, const char *expected_hex, uint64_t gas, int verbose) {
  uint8_t want[MAX_OUT];
  const pc_row fns = {addr, name, gas_fn, run_fn}, *r = &fns;
  size_t cap = strlen(in_hex) / 2 + 1;
  assert_true(cap <= MAX_IN);
  uint8_t *in = malloc(cap);
  assert_non_null(in);
  long n = test_unhex(in_hex, in, cap);
  assert_true(n >= 0);
  evm_pc_out out = {NULL, 0};
  evm_pc_status st = r->run(in, (size_t)n, EVM_PRAGUE, &out);
  int ok;
  if (!expected_hex) {
    ok = st == EVM_PC_ERROR && out.data == NULL && out.len == 0;
  } else {
    long wn = test_unhex(expected_hex, want, sizeof want);
    assert_true(wn >= 0);
    ok = st == EVM_PC_OK && out.len == (size_t)wn && memcmp(out.data, want, (size_t)wn) == 0;
    if (gas && r->gas(in, (size_t)n, EVM_PRAGUE) != gas) {
      if (verbose) fprintf(stderr, "%s: gas %llu, want %llu\n", name,
                           (unsigned long long)r->gas(in, (size_t)n, EVM_PRAGUE), (unsigned long long)gas);
      ok = 0;
    }
  }
  if (!ok && verbose)
    fprintf(stderr, "%s (0x%02x): status %d, %zu output bytes, want %s\n", name, addr, (int)st, out.len,
            expected_hex ? "that output" : "an error");
  free(out.data);
  free(in);
  return ok;
}

/* The same on the final EIP-2537 / EIP-4844 row at addr. */
static int run_case(uint16_t addr, const char *name, const char *in_hex, const char *expected_hex,
                    uint64_t gas, int verbose) {
  const pc_row *r = row_of(addr);
  return run_fns(r->gas, r->run, addr, name, in_hex, expected_hex, gas, verbose);
}

static void test_eip2537_vectors(void **state) {
  (void)state;
  size_t n = sizeof bls_vectors / sizeof bls_vectors[0], good = 0, fails = 0;
  for (size_t i = 0; i < n; i++) {
    const bls_vector *v = &bls_vectors[i];
    good += (size_t)run_case(v->addr, v->name, v->input, v->expected, v->gas, 1);
    fails += v->expected == NULL;
  }
  fprintf(stderr, "EIP-2537 vectors: %zu of %zu agree (%zu of them failure cases)\n", good, n, fails);
  assert_int_equal(good, n);
  assert_true(fails >= 60);
}

/* The draft rows (pc_bls_draft.h) against the draft-era go-ethereum vectors; the final
 * rows must not be mistaken for them (other addresses and prices). */
static void test_draft_rows(void **state) {
  (void)state;
  size_t n = sizeof bls_draft_vectors / sizeof bls_draft_vectors[0], good = 0;
  for (size_t i = 0; i < n; i++) {
    const bls_vector *v = &bls_draft_vectors[i];
    uint8_t addr[20] = {0};
    addr[19] = (uint8_t)v->addr;
    const evm_precompile *row = evm_pc_bls_draft_find(addr);
    assert_non_null(row);
    good += (size_t)run_fns(row->gas, row->run, v->addr, v->name, v->input, v->expected, v->gas, 1);
  }
  fprintf(stderr, "draft EIP-2537 vectors: %zu of %zu agree\n", good, n);
  assert_int_equal(good, n);
  size_t rows_n;
  const evm_precompile *t = evm_pc_bls_draft_table(&rows_n);
  assert_int_equal(rows_n, 9);
  assert_int_equal(t[0].addr, 0x0b);
  assert_int_equal(t[8].addr, 0x13);
  uint8_t a[20] = {0};
  a[19] = 0x14;
  assert_null(evm_pc_bls_draft_find(a));
  a[19] = 0x0b;
  a[0] = 1;
  assert_null(evm_pc_bls_draft_find(a));
  /* draft prices differ from the final ones */
  a[0] = 0;
  assert_int_equal(evm_pc_bls_draft_find(a)->gas(NULL, 256, EVM_PRAGUE), 500);
  a[19] = 0x11;
  assert_int_equal(evm_pc_bls_draft_find(a)->gas(NULL, 384, EVM_PRAGUE), 108000);
}

/* Every bls*.json of go-ethereum's precompile test folder, when BLS_VECTORS_DIR names it. */
static void test_geth_vector_dir(void **state) {
  (void)state;
  static const struct { const char *file; uint16_t addr; } files[] = {
      {"blsG1Add.json", 0x0b}, {"fail-blsG1Add.json", 0x0b}, {"blsG1Mul.json", 0x0c},
      {"fail-blsG1Mul.json", 0x0c}, {"blsG1MultiExp.json", 0x0c}, {"fail-blsG1MultiExp.json", 0x0c},
      {"blsG2Add.json", 0x0d}, {"fail-blsG2Add.json", 0x0d}, {"blsG2Mul.json", 0x0e},
      {"fail-blsG2Mul.json", 0x0e}, {"blsG2MultiExp.json", 0x0e}, {"fail-blsG2MultiExp.json", 0x0e},
      {"blsPairing.json", 0x0f}, {"fail-blsPairing.json", 0x0f}, {"blsMapG1.json", 0x10},
      {"fail-blsMapG1.json", 0x10}, {"blsMapG2.json", 0x11}, {"fail-blsMapG2.json", 0x11},
      {"pointEvaluation.json", 0x0a}};
  const char *dir = getenv("BLS_VECTORS_DIR");
  if (!dir || !*dir) {
    fprintf(stderr, "skip: BLS_VECTORS_DIR not set (go-ethereum core/vm/testdata/precompiles)\n");
    skip();
  }
  size_t total = 0, good = 0;
  for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, files[f].file);
    json_error_t jerr;
    json_t *arr = json_load_file(path, 0, &jerr);
    if (!arr) fail_msg("cannot read %s: %s", path, jerr.text);
    size_t i, file_good = 0;
    json_t *c;
    json_array_foreach(arr, i, c) {
      json_t *exp = json_object_get(c, "Expected");
      file_good += (size_t)run_case(files[f].addr, json_string_value(json_object_get(c, "Name")),
                                    json_string_value(json_object_get(c, "Input")),
                                    exp ? json_string_value(exp) : NULL,
                                    (uint64_t)json_integer_value(json_object_get(c, "Gas")), 1);
    }
    fprintf(stderr, "  %-26s %zu of %zu\n", files[f].file, file_good, json_array_size(arr));
    total += json_array_size(arr);
    good += file_good;
    json_decref(arr);
  }
  fprintf(stderr, "go-ethereum precompile vectors: %zu of %zu agree\n", good, total);
  assert_int_equal(good, total);
}

static void test_gas(void **state) {
  (void)state;
  static uint8_t buf[129 * 288 + 7];
  /* G1MSM: k * 12000 * discount(k) / 1000, discount 1000, 949, ..., 519 from k = 128 on */
  assert_int_equal(evm_pc_bls_g1msm_gas(buf, 0, EVM_PRAGUE), 0);
  assert_int_equal(evm_pc_bls_g1msm_gas(buf, 159, EVM_PRAGUE), 0);
  assert_int_equal(evm_pc_bls_g1msm_gas(buf, 160, EVM_PRAGUE), 12000);
  assert_int_equal(evm_pc_bls_g1msm_gas(buf, 161, EVM_PRAGUE), 12000);
  assert_int_equal(evm_pc_bls_g1msm_gas(buf, 2 * 160, EVM_PRAGUE), 22776);
  assert_int_equal(evm_pc_bls_g1msm_gas(buf, 128 * 160, EVM_PRAGUE), 797184);
  assert_int_equal(evm_pc_bls_g1msm_gas(buf, 129 * 160, EVM_PRAGUE), 803412);
  /* G2MSM: k * 22500 * discount(k) / 1000, discount 1000, 1000, ..., 524 */
  assert_int_equal(evm_pc_bls_g2msm_gas(buf, 287, EVM_PRAGUE), 0);
  assert_int_equal(evm_pc_bls_g2msm_gas(buf, 288, EVM_PRAGUE), 22500);
  assert_int_equal(evm_pc_bls_g2msm_gas(buf, 2 * 288, EVM_PRAGUE), 45000);
  assert_int_equal(evm_pc_bls_g2msm_gas(buf, 128 * 288, EVM_PRAGUE), 1509120);
  assert_int_equal(evm_pc_bls_g2msm_gas(buf, 129 * 288, EVM_PRAGUE), 1520910);
  /* pairing: 32600 k + 37700, k = floor(len / 384) */
  assert_int_equal(evm_pc_bls_pairing_gas(buf, 0, EVM_PRAGUE), 37700);
  assert_int_equal(evm_pc_bls_pairing_gas(buf, 384, EVM_PRAGUE), 70300);
  assert_int_equal(evm_pc_bls_pairing_gas(buf, 2 * 384 + 5, EVM_PRAGUE), 102900);
  /* fixed prices */
  assert_int_equal(evm_pc_bls_g1add_gas(buf, 256, EVM_PRAGUE), 375);
  assert_int_equal(evm_pc_bls_g2add_gas(buf, 512, EVM_PRAGUE), 600);
  assert_int_equal(evm_pc_bls_map_fp_to_g1_gas(buf, 64, EVM_PRAGUE), 5500);
  assert_int_equal(evm_pc_bls_map_fp2_to_g2_gas(buf, 128, EVM_PRAGUE), 23800);
  assert_int_equal(evm_pc_kzg_point_eval_gas(buf, 192, EVM_CANCUN), 50000);
  /* absurd lengths saturate instead of wrapping */
  assert_true(evm_pc_bls_pairing_gas(NULL, SIZE_MAX, EVM_PRAGUE) == EVM_PC_GAS_MAX);
  assert_true(evm_pc_bls_g2msm_gas(NULL, SIZE_MAX, EVM_PRAGUE) == EVM_PC_GAS_MAX);
}

/* RFC 9380 appendix J.9.1, suite BLS12381G1_XMD:SHA-256_SSWU_RO_ (cfrg/draft-irtf-cfrg-hash-to-curve
 * @ 664b13592116, poc/vectors/BLS12381G1_XMD:SHA-256_SSWU_RO_.json): u0, u1, Q0 = map(u0),
 * Q1 = map(u1) and P = clear_cofactor(Q0 + Q1), affine x and y. */
static const struct {
  const char *u0, *u1, *q0x, *q0y, *q1x, *q1y, *px, *py;
} rfc_g1[] = {
    {"0ba14bd907ad64a016293ee7c2d276b8eae71f25a4b941eece7b0d89f17f75cb3ae5438a614fb61d6835ad59f29c564f",
     "019b9bd7979f12657976de2884c7cce192b82c177c80e0ec604436a7f538d231552f0d96d9f7babe5fa3b19b3ff25ac9",
     "11a3cce7e1d90975990066b2f2643b9540fa40d6137780df4e753a8054d07580db3b7f1f03396333d4a359d1fe3766fe",
     "0eeaf6d794e479e270da10fdaf768db4c96b650a74518fc67b04b03927754bac66f3ac720404f339ecdcc028afa091b7",
     "160003aaf1632b13396dbad518effa00fff532f604de1a7fc2082ff4cb0afa2d63b2c32da1bef2bf6c5ca62dc6b72f9c",
     "0d8bb2d14e20cf9f6036152ed386d79189415b6d015a20133acb4e019139b94e9c146aaad5817f866c95d609a361735e",
     "052926add2207b76ca4fa57a8734416c8dc95e24501772c814278700eed6d1e4e8cf62d9c09db0fac349612b759e79a1",
     "08ba738453bfed09cb546dbb0783dbb3a5f1f566ed67bb6be0e8c67e2e81a4cc68ee29813bb7994998f3eae0c9c6a265"},
    {"0d921c33f2bad966478a03ca35d05719bdf92d347557ea166e5bba579eea9b83e9afa5c088573c2281410369fbd32951",
     "003574a00b109ada2f26a37a91f9d1e740dffd8d69ec0c35e1e9f4652c7dba61123e9dd2e76c655d956e2b3462611139",
     "125435adce8e1cbd1c803e7123f45392dc6e326d292499c2c45c5865985fd74fe8f042ecdeeec5ecac80680d04317d80",
     "0e8828948c989126595ee30e4f7c931cbd6f4570735624fd25aef2fa41d3f79cfb4b4ee7b7e55a8ce013af2a5ba20bf2",
     "11def93719829ecda3b46aa8c31fc3ac9c34b428982b898369608e4f042babee6c77ab9218aad5c87ba785481eff8ae4",
     "0007c9cef122ccf2efd233d6eb9bfc680aa276652b0661f4f820a653cec1db7ff69899f8e52b8e92b025a12c822a6ce6",
     "03567bc5ef9c690c2ab2ecdf6a96ef1c139cc0b2f284dca0a9a7943388a49a3aee664ba5379a7655d3c68900be2f6903",
     "0b9c15f3fe6e5cf4211f346271d7b01c8f3b28be689c8429c85b67af215533311f0b8dfaaa154fa6b88176c229f2885d"},
    {"062d1865eb80ebfa73dcfc45db1ad4266b9f3a93219976a3790ab8d52d3e5f1e62f3b01795e36834b17b70e7b76246d4",
     "0cdc3e2f271f29c4ff75020857ce6c5d36008c9b48385ea2f2bf6f96f428a3deb798aa033cd482d1cdc8b30178b08e3a",
     "08834484878c217682f6d09a4b51444802fdba3d7f2df9903a0ddadb92130ebbfa807fffa0eabf257d7b48272410afff",
     "0b318f7ecf77f45a0f038e62d7098221d2dbbca2a394164e2e3fe953dc714ac2cde412d8f2d7f0c03b259e6795a2508e",
     "158418ed6b27e2549f05531a8281b5822b31c3bf3144277fbb977f8d6e2694fedceb7011b3c2b192f23e2a44b2bd106e",
     "1879074f344471fac5f839e2b4920789643c075792bec5af4282c73f7941cda5aa77b00085eb10e206171b9787c4169f",
     "11e0b079dea29a68f0383ee94fed1b940995272407e3bb916bbf268c263ddd57a6a27200a784cbc248e84f357ce82d98",
     "03a87ae2caf14e8ee52e51fa2ed8eefe80f02457004ba4d486d6aa1f517c0889501dc7413753f9599b099ebcbbd2d709"},
    {"010476f6a060453c0b1ad0b628f3e57c23039ee16eea5e71bb87c3b5419b1255dc0e5883322e563b84a29543823c0e86",
     "0b1a912064fb0554b180e07af7e787f1f883a0470759c03c1b6509eb8ce980d1670305ae7b928226bb58fdc0a419f46e",
     "0cbd7f84ad2c99643fea7a7ac8f52d63d66cefa06d9a56148e58b984b3dd25e1f41ff47154543343949c64f88d48a710",
     "052c00e4ed52d000d94881a5638ae9274d3efc8bc77bc0e5c650de04a000b2c334a9e80b85282a00f3148dfdface0865",
     "06493fb68f0d513af08be0372f849436a787e7b701ae31cb964d968021d6ba6bd7d26a38aaa5a68e8c21a6b17dc8b579",
     "02e98f2ccf5802b05ffaac7c20018bc0c0b2fd580216c4aa2275d2909dc0c92d0d0bdc979226adeb57a29933536b6bb4",
     "15f68eaa693b95ccb85215dc65fa81038d69629f70aeee0d0f677cf22285e7bf58d7cb86eefe8f2e9bc3f8cb84fac488",
     "1807a1d50c29f430b8cafc4f8638dfeeadf51211e1602a5f184443076715f91bb90a48ba1e370edce6ae1062f5e6dd38"},
    {"0a8ffa7447f6be1c5a2ea4b959c9454b431e29ccc0802bc052413a9c5b4f9aac67a93431bd480d15be1e057c8a08e8c6",
     "05d487032f602c90fa7625dbafe0f4a49ef4a6b0b33d7bb349ff4cf5410d297fd6241876e3e77b651cfc8191e40a68b7",
     "0cf97e6dbd0947857f3e578231d07b309c622ade08f2c08b32ff372bd90db19467b2563cc997d4407968d4ac80e154f8",
     "127f0cddf2613058101a5701f4cb9d0861fd6c2a1b8e0afe194fccf586a3201a53874a2761a9ab6d7220c68661a35ab3",
     "092f1acfa62b05f95884c6791fba989bbe58044ee6355d100973bf9553ade52b47929264e6ae770fb264582d8dce512a",
     "028e6d0169a72cfedb737be45db6c401d3adfb12c58c619c82b93a5dfcccef12290de530b0480575ddc8397cda0bbebf",
     "082aabae8b7dedb0e78aeb619ad3bfd9277a2f77ba7fad20ef6aabdc6c31d19ba5a6d12283553294c1825c4b3ca2dcfe",
     "05b84ae5a942248eea39e1d91030458c40153f3b654ab7872d779ad1e942856a20c438e8d99bc8abfbf74729ce1f7ac8"},
};

static void fp_of(bls_fp *r, const char *hex) {
  uint8_t b[48];
  assert_int_equal(test_unhex(hex, b, sizeof b), 48);
  assert_true(bls_fp_from_be48(r, b));
}

static void assert_affine(const bls_g1p *p, const char *xhex, const char *yhex) {
  bls_g1a a;
  bls_fp x, y;
  bls_g1p_to_affine(&a, p);
  fp_of(&x, xhex);
  fp_of(&y, yhex);
  assert_false(a.inf);
  assert_true(bls_fp_eq(&a.x, &x));
  assert_true(bls_fp_eq(&a.y, &y));
}

/* The G1 map on its own (SSWU + 11-isogeny) and with cofactor clearing, RFC 9380. */
static void test_map_g1_rfc9380(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof rfc_g1 / sizeof rfc_g1[0]; i++) {
    bls_fp u0, u1;
    bls_g1p q0, q1, p;
    fp_of(&u0, rfc_g1[i].u0);
    fp_of(&u1, rfc_g1[i].u1);
    bls_map_to_g1(&q0, &u0);
    bls_map_to_g1(&q1, &u1);
    assert_affine(&q0, rfc_g1[i].q0x, rfc_g1[i].q0y);
    assert_affine(&q1, rfc_g1[i].q1x, rfc_g1[i].q1y);
    bls_g1p_add(&p, &q0, &q1);
    bls_g1p_clear_cofactor(&p, &p);
    assert_affine(&p, rfc_g1[i].px, rfc_g1[i].py);
    assert_true(bls_g1p_in_subgroup(&p));
  }
}

/* --- KZG --- */

static const char setup_s2_hex[] =
    "b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2afaaab24f3499f72"
    "185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2";

/* The build's [s]_2 equals the published g2_monomial[1] decompressed, and is a G2 point. */
static void test_kzg_setup_constant(void **state) {
  (void)state;
  uint8_t comp[96], want[256] = {0}, got[288];
  bls_g2a s;
  vc_err err = {{0}};
  assert_int_equal(test_unhex(setup_s2_hex, comp, sizeof comp), 96);
  assert_int_equal(bls_g2a_decode(&s, comp, &err), VC_OK);
  const bls_fp *c[4] = {&s.x.c0, &s.x.c1, &s.y.c0, &s.y.c1};
  for (size_t i = 0; i < 4; i++) bls_fp_to_be48(want + 64 * i + 16, c[i]);
  bls_evm_kzg_setup_g2(got);
  assert_memory_equal(got, want, 256);
  memset(got + 256, 0, 32);
  got[287] = 1; /* G2MSM(s, 1): on the curve, in the subgroup, unchanged */
  uint8_t back[256];
  assert_int_equal(bls_evm_g2_msm(back, got, 1, &err), VC_OK);
  assert_memory_equal(back, want, 256);
}

static int unhex_exact(const char *s, uint8_t *out, size_t n) { return test_unhex(s, out, n) == (long)n; }

static void kzg_input(uint8_t in[192], const uint8_t c[48], const uint8_t z[32], const uint8_t y[32],
                      const uint8_t pi[48]) {
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, 48, c);
  sha256_digest(&ctx, 32, in);
  in[0] = 0x01;
  memcpy(in + 32, z, 32);
  memcpy(in + 64, y, 32);
  memcpy(in + 96, c, 48);
  memcpy(in + 144, pi, 48);
}

static void test_kzg_vectors(void **state) {
  (void)state;
  size_t n = sizeof kzg_vectors / sizeof kzg_vectors[0], good = 0, counts[3] = {0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    const kzg_vector *v = &kzg_vectors[i];
    uint8_t c[48], z[32], y[32], pi[48], in[192];
    int got;
    counts[v->expected + 1]++;
    if (!unhex_exact(v->commitment, c, 48) || !unhex_exact(v->z, z, 32) || !unhex_exact(v->y, y, 32) ||
        !unhex_exact(v->proof, pi, 48)) {
      got = -1; /* a wrong length cannot be handed to the precompile at all */
    } else {
      vc_err err = {{0}};
      vc_status st = bls_evm_kzg_verify(c, z, y, pi, &err);
      got = st == VC_OK ? 1 : st == VC_ERR_MISMATCH ? 0 : -1;
      /* the precompile: success exactly for the valid proofs */
      kzg_input(in, c, z, y, pi);
      evm_pc_out out = {NULL, 0};
      evm_pc_status ps = evm_pc_kzg_point_eval(in, sizeof in, EVM_CANCUN, &out);
      assert_int_equal(ps == EVM_PC_OK, got == 1);
      if (ps == EVM_PC_OK) {
        assert_int_equal(out.len, 64);
        assert_int_equal(out.data[30], 0x10); /* 4096 */
        assert_int_equal(out.data[32], 0x73); /* BLS_MODULUS */
      }
      free(out.data);
    }
    if (got == v->expected)
      good++;
    else
      fprintf(stderr, "%s: got %d, want %d\n", v->name, got, v->expected);
  }
  fprintf(stderr, "verify_kzg_proof vectors: %zu of %zu agree (%zu valid, %zu wrong proofs, %zu invalid inputs)\n",
          good, n, counts[2], counts[1], counts[0]);
  assert_int_equal(good, n);
  assert_true(counts[0] > 0 && counts[1] > 0 && counts[2] > 0);
}

/* go-ethereum core/vm/testdata/precompiles/pointEvaluation.json, and the same input broken. */
static void test_kzg_precompile(void **state) {
  (void)state;
  static const char in_hex[] =
      "01e798154708fe7789429634053cbf9f99b619f9f084048927333fce637f549b564c0a11a0f704f4fc3e8acfe0f8245f"
      "0ad1347b378fbf96e206da11a5d3630624d25032e67a7e6a4910df5834b8fe70e6bcfeeac0352434196bdf4b2485d5a1"
      "8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7"
      "873033e038326e87ed3e1276fd140253fa08e9fc25fb2d9a98527fc22a2c9612fbeafdad446cbc7bcdbdcd780af2c16a";
  static const char want_hex[] =
      "0000000000000000000000000000000000000000000000000000000000001000"
      "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
  uint8_t in[192], want[64];
  assert_int_equal(test_unhex(in_hex, in, sizeof in), 192);
  assert_int_equal(test_unhex(want_hex, want, sizeof want), 64);
  evm_pc_out out = {NULL, 0};
  assert_int_equal(evm_pc_kzg_point_eval(in, 192, EVM_CANCUN, &out), EVM_PC_OK);
  assert_int_equal(out.len, 64);
  assert_memory_equal(out.data, want, 64);
  free(out.data);
  in[5] ^= 1; /* versioned hash no longer sha256(commitment) */
  assert_int_equal(evm_pc_kzg_point_eval(in, 192, EVM_CANCUN, &out), EVM_PC_ERROR);
  in[5] ^= 1;
  in[95] ^= 1; /* another y: the proof fails */
  assert_int_equal(evm_pc_kzg_point_eval(in, 192, EVM_CANCUN, &out), EVM_PC_ERROR);
  in[95] ^= 1;
  in[0] = 0x02; /* a version other than 0x01 */
  assert_int_equal(evm_pc_kzg_point_eval(in, 192, EVM_CANCUN, &out), EVM_PC_ERROR);
  in[0] = 0x01;
  assert_int_equal(evm_pc_kzg_point_eval(in, 191, EVM_CANCUN, &out), EVM_PC_ERROR);
  assert_int_equal(evm_pc_kzg_point_eval(in, 192, EVM_CANCUN, &out), EVM_PC_OK);
  free(out.data);
}

/* --- MSM properties --- */

static const char g1_gen_hex[] =
    "0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
    "0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1";
static const char g2_gen_hex[] =
    "00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
    "0000000000000000000000000000000013e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
    "000000000000000000000000000000000ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801"
    "000000000000000000000000000000000606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be";
static const uint8_t r_be[32] = {0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8,
                                 0x08, 0x09, 0xa1, 0xd8, 0x05, 0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe,
                                 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint8_t rnd8(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint8_t)(rng_state >> 24);
}

/* n random multiples of the generator (point size psz), each followed by a random scalar. */
static uint8_t *random_pairs(size_t n, size_t psz, const char *gen_hex) {
  uint8_t gen[256], one[288];
  assert_int_equal(test_unhex(gen_hex, gen, sizeof gen), (long)psz);
  uint8_t *pairs = malloc(n * (psz + 32));
  assert_non_null(pairs);
  for (size_t i = 0; i < n; i++) {
    memcpy(one, gen, psz);
    for (size_t b = 0; b < 32; b++) one[psz + b] = rnd8();
    vc_err err;
    uint8_t *p = pairs + i * (psz + 32);
    vc_status st = psz == 128 ? bls_evm_g1_msm(p, one, 1, &err) : bls_evm_g2_msm(p, one, 1, &err);
    assert_int_equal(st, VC_OK);
    for (size_t b = 0; b < 32; b++) p[psz + b] = rnd8();
  }
  return pairs;
}

/* sum [k_i] P_i computed with n single multiplications and n - 1 additions. */
static void naive_msm(uint8_t *out, const uint8_t *pairs, size_t n, size_t psz) {
  uint8_t acc[256] = {0}, term[256], two[512];
  vc_err err;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *p = pairs + i * (psz + 32);
    vc_status st = psz == 128 ? bls_evm_g1_msm(term, p, 1, &err) : bls_evm_g2_msm(term, p, 1, &err);
    assert_int_equal(st, VC_OK);
    memcpy(two, acc, psz);
    memcpy(two + psz, term, psz);
    st = psz == 128 ? bls_evm_g1_add(acc, two, two + psz, &err) : bls_evm_g2_add(acc, two, two + psz, &err);
    assert_int_equal(st, VC_OK);
  }
  memcpy(out, acc, psz);
}

static void test_msm_matches_naive(void **state) {
  (void)state;
  static const size_t sizes[] = {2, 3, 5, 9, 17, 33, 70, 130};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    for (int g = 0; g < 2; g++) {
      size_t psz = g ? 256 : 128, n = g ? sizes[s] / 2 + 2 : sizes[s];
      uint8_t *pairs = random_pairs(n, psz, g ? g2_gen_hex : g1_gen_hex);
      uint8_t want[256], got[256];
      vc_err err;
      naive_msm(want, pairs, n, psz);
      vc_status st = g ? bls_evm_g2_msm(got, pairs, n, &err) : bls_evm_g1_msm(got, pairs, n, &err);
      assert_int_equal(st, VC_OK);
      if (memcmp(got, want, psz) != 0) fail_msg("G%d MSM of %zu pairs differs from the naive sum", g + 1, n);
      free(pairs);
    }
  }
}

/* k + r and k give the same point (subgroup points); 2^256 - 1 is accepted. */
static void test_scalar_not_reduced(void **state) {
  (void)state;
  for (int g = 0; g < 2; g++) {
    size_t psz = g ? 256 : 128;
    uint8_t pair[288], pair2[288], a[256], b[256];
    assert_int_equal(test_unhex(g ? g2_gen_hex : g1_gen_hex, pair, sizeof pair), (long)psz);
    memset(pair + psz, 0, 32);
    pair[psz + 31] = 5;
    memcpy(pair2, pair, psz);
    unsigned carry = 5;
    for (int i = 31; i >= 0; i--) { /* pair2 scalar = r + 5 */
      unsigned v = r_be[i] + carry;
      pair2[psz + (size_t)i] = (uint8_t)v;
      carry = v >> 8;
    }
    vc_err err;
    assert_int_equal(g ? bls_evm_g2_msm(a, pair, 1, &err) : bls_evm_g1_msm(a, pair, 1, &err), VC_OK);
    assert_int_equal(g ? bls_evm_g2_msm(b, pair2, 1, &err) : bls_evm_g1_msm(b, pair2, 1, &err), VC_OK);
    assert_memory_equal(a, b, psz);
    memcpy(pair2 + psz, r_be, 32); /* [r]P = O */
    assert_int_equal(g ? bls_evm_g2_msm(b, pair2, 1, &err) : bls_evm_g1_msm(b, pair2, 1, &err), VC_OK);
    for (size_t i = 0; i < psz; i++) assert_int_equal(b[i], 0);
    memset(pair2 + psz, 0xff, 32);
    assert_int_equal(g ? bls_evm_g2_msm(b, pair2, 1, &err) : bls_evm_g1_msm(b, pair2, 1, &err), VC_OK);
  }
}

/* (0, 2) is on E1 (0 + 4 = 2^2) but has order 3: ADD takes it, MSM and pairing refuse it. */
static void test_subgroup_rules(void **state) {
  (void)state;
  uint8_t in[384 + 8] = {0}, g1[128];
  evm_pc_out out = {NULL, 0};
  in[127] = 2; /* (0, 2) */
  assert_int_equal(evm_pc_bls_g1add(in, 256, EVM_PRAGUE, &out), EVM_PC_OK);
  assert_int_equal(out.len, 128);
  assert_int_equal(out.data[127], 2); /* (0, 2) + O */
  free(out.data);
  in[128 + 31] = 1; /* scalar 1 right after the point: one MSM pair */
  assert_int_equal(evm_pc_bls_g1msm(in, 160, EVM_PRAGUE, &out), EVM_PC_ERROR);
  assert_null(out.data);
  memset(in + 128, 0, 256); /* (0, 2) paired with O in G2 */
  assert_int_equal(evm_pc_bls_pairing(in, 384, EVM_PRAGUE, &out), EVM_PC_ERROR);
  /* errors the EIP lists: length, top bytes, x >= p, off the curve, empty input */
  assert_int_equal(test_unhex(g1_gen_hex, g1, sizeof g1), 128);
  memcpy(in, g1, 128);
  memcpy(in + 128, g1, 128);
  assert_int_equal(evm_pc_bls_g1add(in, 255, EVM_PRAGUE, &out), EVM_PC_ERROR);
  assert_int_equal(evm_pc_bls_g1add(in, 257, EVM_PRAGUE, &out), EVM_PC_ERROR);
  assert_int_equal(evm_pc_bls_g1add(in, 256, EVM_PRAGUE, &out), EVM_PC_OK);
  free(out.data);
  in[3] = 1; /* a nonzero top byte */
  assert_int_equal(evm_pc_bls_g1add(in, 256, EVM_PRAGUE, &out), EVM_PC_ERROR);
  in[3] = 0;
  in[127] ^= 1; /* y off the curve */
  assert_int_equal(evm_pc_bls_g1add(in, 256, EVM_PRAGUE, &out), EVM_PC_ERROR);
  assert_int_equal(evm_pc_bls_g1msm(in, 0, EVM_PRAGUE, &out), EVM_PC_ERROR);
  assert_int_equal(evm_pc_bls_g2msm(in, 0, EVM_PRAGUE, &out), EVM_PC_ERROR);
  assert_int_equal(evm_pc_bls_pairing(in, 0, EVM_PRAGUE, &out), EVM_PC_ERROR);
  assert_int_equal(evm_pc_bls_map_fp_to_g1(in, 63, EVM_PRAGUE, &out), EVM_PC_ERROR);
  assert_int_equal(evm_pc_bls_map_fp2_to_g2(in, 129, EVM_PRAGUE, &out), EVM_PC_ERROR);
  static const uint8_t p_be[48] = {0x1a, 0x01, 0x11, 0xea, 0x39, 0x7f, 0xe6, 0x9a, 0x4b, 0x1b, 0xa7, 0xb6,
                                   0x43, 0x4b, 0xac, 0xd7, 0x64, 0x77, 0x4b, 0x84, 0xf3, 0x85, 0x12, 0xbf,
                                   0x67, 0x30, 0xd2, 0xa0, 0xf6, 0xb0, 0xf6, 0x24, 0x1e, 0xab, 0xff, 0xfe,
                                   0xb1, 0x53, 0xff, 0xff, 0xb9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xab};
  memset(in, 0, 64);
  memcpy(in + 16, p_be, 48); /* u = p is not a field element */
  assert_int_equal(evm_pc_bls_map_fp_to_g1(in, 64, EVM_PRAGUE, &out), EVM_PC_ERROR);
  in[63] = 0xaa; /* p - 1 is */
  assert_int_equal(evm_pc_bls_map_fp_to_g1(in, 64, EVM_PRAGUE, &out), EVM_PC_OK);
  free(out.data);
}

/* --- @noble/curves cross-check (tests/e2e/bls_precompile_noble.test.mjs writes the file) --- */

static void test_crosscheck_noble(void **state) {
  (void)state;
  const char *path = getenv("BLS_PRECOMPILE_XCHECK_FILE");
  if (!path || !*path) {
    fprintf(stderr, "skip: BLS_PRECOMPILE_XCHECK_FILE not set (tests/e2e/bls_precompile_noble.test.mjs writes it)\n");
    skip();
  }
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr);
  if (!root) fail_msg("cannot parse %s: %s", path, jerr.text);
  json_t *cases = json_object_get(root, "cases");
  size_t i, good = 0, ok_cases = 0;
  json_t *c;
  json_array_foreach(cases, i, c) {
    json_t *exp = json_object_get(c, "expected");
    const char *name = json_string_value(json_object_get(c, "name"));
    good += (size_t)run_case((uint16_t)json_integer_value(json_object_get(c, "addr")), name ? name : "case",
                             json_string_value(json_object_get(c, "input")),
                             json_is_string(exp) ? json_string_value(exp) : NULL, 0, 1);
    ok_cases += json_is_string(exp);
  }
  size_t n = json_array_size(cases);
  json_decref(root);
  fprintf(stderr, "precompile cross-check: %zu of %zu cases agree with @noble/curves (%zu successful calls)\n",
          good, n, ok_cases);
  assert_true(n > 0);
  assert_int_equal(good, n);
}

/* --- timing (printed, not asserted) --- */

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Best of five runs of one precompile call, in microseconds; the call must succeed. */
static double time_call(evm_pc_run_fn run, const uint8_t *in, size_t len, evm_fork fork) {
  double best = 1e18;
  for (int rep = 0; rep < 5; rep++) {
    evm_pc_out out = {NULL, 0};
    double t0 = now_us();
    assert_int_equal(run(in, len, fork, &out), EVM_PC_OK);
    double dt = now_us() - t0;
    if (dt < best) best = dt;
    free(out.data);
  }
  return best;
}

static void test_timing(void **state) {
  (void)state;
  uint8_t *g1 = random_pairs(128, 128, g1_gen_hex), *g2 = random_pairs(128, 256, g2_gen_hex);
  fprintf(stderr, "timing: G1MSM, 128 pairs (797184 gas): %.0f us\n",
          time_call(evm_pc_bls_g1msm, g1, 128 * 160, EVM_PRAGUE));
  fprintf(stderr, "timing: G1MSM, 1 pair (12000 gas): %.0f us\n", time_call(evm_pc_bls_g1msm, g1, 160, EVM_PRAGUE));
  fprintf(stderr, "timing: G2MSM, 128 pairs (1509120 gas): %.0f us\n",
          time_call(evm_pc_bls_g2msm, g2, 128 * 288, EVM_PRAGUE));
  /* e(P, G2) e(P, -G2) = 1 with P = [a]G1; -G2 = [r - 1]G2 */
  uint8_t in[768], neg[288];
  evm_pc_out out = {NULL, 0};
  vc_err err;
  memcpy(in, g1, 128);
  assert_int_equal(test_unhex(g2_gen_hex, in + 128, 256), 256);
  memcpy(in + 384, g1, 128);
  memcpy(neg, in + 128, 256);
  memcpy(neg + 256, r_be, 32);
  neg[256 + 31] -= 1;
  assert_int_equal(bls_evm_g2_msm(in + 512, neg, 1, &err), VC_OK);
  fprintf(stderr, "timing: PAIRING_CHECK, 2 pairs (102900 gas): %.0f us\n",
          time_call(evm_pc_bls_pairing, in, 768, EVM_PRAGUE));
  assert_int_equal(evm_pc_bls_pairing(in, 768, EVM_PRAGUE, &out), EVM_PC_OK);
  assert_int_equal(out.data[31], 1);
  free(out.data);
  memcpy(in + 512, in + 128, 256); /* second Q = G2: e(P, G2)^2 != 1 */
  assert_int_equal(evm_pc_bls_pairing(in, 768, EVM_PRAGUE, &out), EVM_PC_OK);
  assert_int_equal(out.data[31], 0);
  free(out.data);
  uint8_t fp[128] = {0};
  memcpy(fp + 17, g1 + 17, 47);
  memcpy(fp + 81, g1 + 81, 47);
  fprintf(stderr, "timing: MAP_FP_TO_G1 (5500 gas): %.0f us\n", time_call(evm_pc_bls_map_fp_to_g1, fp, 64, EVM_PRAGUE));
  fprintf(stderr, "timing: MAP_FP2_TO_G2 (23800 gas): %.0f us\n",
          time_call(evm_pc_bls_map_fp2_to_g2, fp, 128, EVM_PRAGUE));
  const kzg_vector *v = &kzg_vectors[0];
  for (size_t i = 0; i < sizeof kzg_vectors / sizeof kzg_vectors[0]; i++)
    if (kzg_vectors[i].expected == 1 && kzg_vectors[i].commitment[0] != 'c') v = &kzg_vectors[i];
  uint8_t c[48], z[32], y[32], pi[48], kin[192];
  assert_true(unhex_exact(v->commitment, c, 48) && unhex_exact(v->z, z, 32) && unhex_exact(v->y, y, 32) &&
              unhex_exact(v->proof, pi, 48));
  kzg_input(kin, c, z, y, pi);
  fprintf(stderr, "timing: point evaluation (50000 gas): %.0f us\n",
          time_call(evm_pc_kzg_point_eval, kin, sizeof kin, EVM_CANCUN));
  free(g1);
  free(g2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_eip2537_vectors),   cmocka_unit_test(test_draft_rows),
      cmocka_unit_test(test_geth_vector_dir),
      cmocka_unit_test(test_gas),               cmocka_unit_test(test_map_g1_rfc9380),
      cmocka_unit_test(test_kzg_setup_constant),
      cmocka_unit_test(test_kzg_vectors),       cmocka_unit_test(test_kzg_precompile),
      cmocka_unit_test(test_msm_matches_naive), cmocka_unit_test(test_scalar_not_reduced),
      cmocka_unit_test(test_subgroup_rules),    cmocka_unit_test(test_crosscheck_noble),
      cmocka_unit_test(test_timing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
