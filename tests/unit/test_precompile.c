/*
 * test_precompile.c: the classic precompiles of pc_basic.c, pc_blake2f.c and pc_p256.c
 * against vectors from their specifications and independent computations (modexp has
 * its own file, test_precompile_modexp.c).
 *
 * ecrecover: the signature of ethereum/tests stPreCompiledContracts2/CALLCODEEcrecover0
 * (read from the fixtures; expected signer = the fixture's transaction sender) and
 * signatures made here with libsecp256k1, plus every rejection rule (v word, r/s range)
 * and zero padding. sha256/ripemd160: FIPS 180 and the RIPEMD-160 authors' "" and "abc"
 * digests, and the linear prices up to a length whose price does not fit 64 bits.
 * blake2f: EIP-152's vectors and RFC 7693 Appendix A (BLAKE2b-512("abc")) built from the
 * RFC's parameter block. P256VERIFY: sixteen EIP-7951 vectors (from its
 * assets/eip-7951/test-vectors.json, CC0, which takes them from Wycheproof, Apache-2.0)
 * and the EIP's input rules around a valid signature.
 *
 * The test calls each family's functions directly, not the table, so it links without
 * the bn254/BLS/KZG families that live on other branches.
 */
#include "pcutil.h"

#include <jansson.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "core/keccak.h"

#define HEX_CAP 4096

/* ---------------------------------------------------------------- ecrecover */

static const uint8_t secp_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
    0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

/* The 32-byte word ecrecover returns for a public key: 12 zeros, then the address. */
static void address_word(const secp256k1_pubkey *pk, uint8_t word[32]) {
  uint8_t pub[65], d[32];
  size_t pl = sizeof pub;
  secp256k1_ec_pubkey_serialize(secp256k1_context_static, pub, &pl, pk,
                                SECP256K1_EC_UNCOMPRESSED);
  vc_keccak256(pub + 1, 64, d);
  memset(word, 0, 12);
  memcpy(word + 12, d + 12, 20);
}

static void recover_expect(const uint8_t in[128], size_t len, const uint8_t *want_word) {
  evm_pc_out o = {(uint8_t *)1, 1};
  assert_int_equal(evm_pc_ecrecover(in, len, EVM_CANCUN, &o), EVM_PC_OK);
  if (!want_word) {
    assert_int_equal(o.len, 0);
    assert_null(o.data);
    return;
  }
  assert_int_equal(o.len, 32);
  assert_memory_equal(o.data, want_word, 32);
  free(o.data);
}

/* 32-byte big-endian n - x */
static void n_minus(const uint8_t x[32], uint8_t out[32]) {
  int borrow = 0;
  for (int i = 31; i >= 0; i--) {
    int d = secp_n[i] - x[i] - borrow;
    borrow = d < 0;
    out[i] = (uint8_t)(d + (borrow ? 256 : 0));
  }
}

static void test_ecrecover_fixture(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, "ethereum-tests/GeneralStateTests/stPreCompiledContracts2/"
                        "CALLCODEEcrecover0.json");
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  assert_non_null(root);
  json_t *t = json_object_iter_value(json_object_iter(root));
  const char *sender = json_string_value(json_object_get(json_object_get(t, "transaction"),
                                                         "sender"));
  const char *code = json_string_value(json_object_get(
      json_object_get(json_object_get(t, "pre"), "0x095e7baea6a6c7c4c2dfeb977efac326af552d87"),
      "code"));
  assert_non_null(sender);
  assert_non_null(code);
  /* the contract MSTOREs hash (PUSH32), v = PUSH1 0x1c, r and s (PUSH32), calls 0x01 and
   * checks that the recovered address is the transaction's origin */
  uint8_t bc[HEX_CAP], in[128] = {0}, want[32] = {0};
  long n = test_unhex(code, bc, sizeof bc);
  assert_true(n > 0);
  int words = 0;
  for (long pc = 0; pc < n && words < 3; pc++) {
    if (bc[pc] == 0x7f && pc + 32 < n) {
      memcpy(in + (words == 0 ? 0 : 32 + 32 * words), bc + pc + 1, 32);
      words++;
      pc += 32;
    } else if (bc[pc] >= 0x60 && bc[pc] < 0x7f) {
      pc += bc[pc] - 0x5f;
    }
  }
  assert_int_equal(words, 3);
  assert_non_null(strstr(code, "601c602052")); /* v = 28 stored at 0x20 */
  in[63] = 28;
  assert_int_equal(test_unhex(sender, want + 12, 20), 20);
  recover_expect(in, sizeof in, want);
  assert_int_equal(evm_pc_ecrecover_gas(in, sizeof in, EVM_CANCUN), 3000);
  in[63] = 27; /* the other parity recovers some other key, or none */
  evm_pc_out o = {0};
  assert_int_equal(evm_pc_ecrecover(in, sizeof in, EVM_CANCUN, &o), EVM_PC_OK);
  if (o.len) assert_memory_not_equal(o.data, want, 32);
  free(o.data);
  json_decref(root);
}

/* Every rejection rule around a valid signature in (v = 27 + recid); in is restored. */
static void check_rejections(uint8_t in[128], int recid, const uint8_t want[32]) {
  /* v must be the whole word 27 or 28 */
  static const uint8_t bad_v[] = {0, 1, 26, 29, 255};
  for (size_t i = 0; i < sizeof bad_v; i++) {
    in[63] = bad_v[i];
    recover_expect(in, 128, NULL);
  }
  in[63] = (uint8_t)(27 + recid);
  in[32] = 1; /* 2^248 + 27 */
  recover_expect(in, 128, NULL);
  in[32] = 0;
  in[62] = 1; /* 256 + 27 */
  recover_expect(in, 128, NULL);
  in[62] = 0;

  /* r and s in [1, n-1] */
  uint8_t save[64];
  memcpy(save, in + 64, 64);
  memset(in + 64, 0, 32);
  recover_expect(in, 128, NULL);
  memcpy(in + 64, secp_n, 32);
  recover_expect(in, 128, NULL);
  memcpy(in + 64, save, 64);
  memset(in + 96, 0, 32);
  recover_expect(in, 128, NULL);
  memcpy(in + 96, secp_n, 32);
  recover_expect(in, 128, NULL);
  memset(in + 96, 0xff, 32);
  recover_expect(in, 128, NULL);
  memcpy(in + 64, save, 64);
  recover_expect(in, 128, want); /* restored: recovers again */
}

static void test_ecrecover_signed(void **state) {
  (void)state;
  secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  assert_non_null(ctx);
  for (int k = 0; k < 8; k++) {
    uint8_t seckey[32], hash[32], sig64[64], in[160] = {0}, want[32], other[32];
    char seed[32];
    snprintf(seed, sizeof seed, "verity key %d", k);
    vc_keccak256((const uint8_t *)seed, strlen(seed), seckey);
    snprintf(seed, sizeof seed, "verity message %d", k);
    vc_keccak256((const uint8_t *)seed, strlen(seed), hash);
    secp256k1_pubkey pk;
    secp256k1_ecdsa_recoverable_signature sig;
    int recid;
    assert_true(secp256k1_ec_pubkey_create(ctx, &pk, seckey));
    assert_true(secp256k1_ecdsa_sign_recoverable(ctx, &sig, hash, seckey, NULL, NULL));
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig64, &recid, &sig);
    address_word(&pk, want);
    memcpy(in, hash, 32);
    in[63] = (uint8_t)(27 + recid);
    memcpy(in + 64, sig64, 64);
    recover_expect(in, 128, want);
    recover_expect(in, 160, want); /* bytes past 128 are ignored */

    /* high s (n - s) with the other parity is the same signature: accepted here */
    uint8_t hi[128];
    memcpy(hi, in, 128);
    n_minus(in + 96, hi + 96);
    hi[63] = (uint8_t)(27 + (recid ^ 1));
    recover_expect(hi, 128, want);

    /* the wrong parity gives another key (or none), never this one */
    in[63] = (uint8_t)(27 + (recid ^ 1));
    evm_pc_out o = {0};
    assert_int_equal(evm_pc_ecrecover(in, 128, EVM_CANCUN, &o), EVM_PC_OK);
    if (o.len) {
      memcpy(other, o.data, 32);
      assert_memory_not_equal(other, want, 32);
    }
    free(o.data);
    in[63] = (uint8_t)(27 + recid);

    check_rejections(in, recid, want);

    /* a short input is zero-padded: cutting s's trailing zero bytes changes nothing,
     * cutting a nonzero byte does */
    size_t end = 128;
    while (end > 96 && in[end - 1] == 0) end--;
    recover_expect(in, end, want);
    if (end > 97) {
      evm_pc_out o2 = {0};
      assert_int_equal(evm_pc_ecrecover(in, end - 1, EVM_CANCUN, &o2), EVM_PC_OK);
      if (o2.len) assert_memory_not_equal(o2.data, want, 32);
      free(o2.data);
    }
  }
  secp256k1_context_destroy(ctx);
  recover_expect(NULL, 0, NULL); /* empty input: v = 0 */
  assert_int_equal(evm_pc_ecrecover_gas(NULL, 0, EVM_FRONTIER), 3000);
}

static void test_hashes(void **state) {
  (void)state;
  const uint8_t *abc = (const uint8_t *)"abc";
  expect_out(evm_pc_sha256, NULL, 0, EVM_FRONTIER,
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  expect_out(evm_pc_sha256, abc, 3, EVM_OSAKA,
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  expect_out(evm_pc_ripemd160, NULL, 0, EVM_FRONTIER,
             "0000000000000000000000009c1185a5c5e9fc54612808977ee8f548b2258d31");
  expect_out(evm_pc_ripemd160, abc, 3, EVM_OSAKA,
             "0000000000000000000000008eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
  /* gas: base + per word, words rounded up */
  static const struct { size_t len; uint64_t sha, ripemd, id; } gas[] = {
      {0, 60, 600, 15}, {1, 72, 720, 18}, {32, 72, 720, 18}, {33, 84, 840, 21},
      {64, 84, 840, 21}, {1000, 444, 4440, 111},
  };
  for (size_t i = 0; i < sizeof gas / sizeof gas[0]; i++) {
    assert_int_equal(evm_pc_sha256_gas(NULL, gas[i].len, EVM_CANCUN), gas[i].sha);
    assert_int_equal(evm_pc_ripemd160_gas(NULL, gas[i].len, EVM_CANCUN), gas[i].ripemd);
    assert_int_equal(evm_pc_identity_gas(NULL, gas[i].len, EVM_CANCUN), gas[i].id);
  }
  /* SIZE_MAX bytes are 2^59 words: sha256 and identity still fit 64 bits exactly,
   * ripemd160's price does not and saturates instead of wrapping */
  const uint64_t w = (uint64_t)1 << 59;
  assert_true(evm_pc_sha256_gas(NULL, SIZE_MAX, EVM_CANCUN) == 60 + 12 * w);
  assert_true(evm_pc_identity_gas(NULL, SIZE_MAX, EVM_CANCUN) == 15 + 3 * w);
  assert_true(evm_pc_ripemd160_gas(NULL, SIZE_MAX, EVM_CANCUN) == EVM_PC_GAS_MAX);
}

static void test_identity(void **state) {
  (void)state;
  uint8_t buf[300];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 31 + 7);
  evm_pc_out o = {(uint8_t *)1, 1};
  assert_int_equal(evm_pc_identity(buf, sizeof buf, EVM_CANCUN, &o), EVM_PC_OK);
  assert_int_equal(o.len, sizeof buf);
  assert_memory_equal(o.data, buf, sizeof buf);
  assert_ptr_not_equal(o.data, buf); /* a copy the caller owns */
  free(o.data);
  expect_out(evm_pc_identity, NULL, 0, EVM_CANCUN, "");
}

/* ---------------------------------------------------------------- blake2f */

/* EIP-152's test vectors 0-8 (h, m, t shared by 1-8; only rounds and f change). */
#define B2_H "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e51" \
             "1f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b"
#define B2_M "61626300000000000000000000000000000000000000000000000000000000000000000000000000" \
             "00000000000000000000000000000000000000000000000000000000000000000000000000000000" \
             "00000000000000000000000000000000000000000000000000000000000000000000000000000000" \
             "0000000000000000"
#define B2_T "03000000000000000000000000000000"

static void test_blake2f_eip152(void **state) {
  (void)state;
  static const struct {
    const char *rounds, *flag, *want; /* want NULL: error */
  } v[] = {
      {"0000000c", "02", NULL}, /* vector 3: final flag 2 */
      {"00000000", "01",
       "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d282e6ad7f520e511f6c3e2b8c"
       "68059b9442be0454267ce079217e1319cde05b"},
      {"0000000c", "01",
       "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de45"
       "33cc9518d38aa8dbf1925ab92386edd4009923"},
      {"0000000c", "00",
       "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2d3e8d22603"
       "9cd31b4e426ac4f2d3d666a610c2116fde4735"},
      {"00000001", "01",
       "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fba551b3a8333bcdf5f2f7e08993"
       "d53923de3d64fcc68c034e717b9293fed7a421"},
  };
  char h[600];
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    snprintf(h, sizeof h, "%s%s%s%s%s", v[i].rounds, B2_H, B2_M, B2_T, v[i].flag);
    uint8_t *in;
    size_t n = unhex_alloc(h, &in);
    assert_int_equal(n, 213);
    assert_int_equal(evm_pc_blake2f_gas(in, n, EVM_ISTANBUL), strtoul(v[i].rounds, NULL, 16));
    if (v[i].want) expect_out(evm_pc_blake2f, in, n, EVM_ISTANBUL, v[i].want);
    else expect_error(evm_pc_blake2f, in, n, EVM_ISTANBUL);
    /* vectors 0-2: any length but 213 is an error (gas 0) */
    expect_error(evm_pc_blake2f, in, n - 1, EVM_ISTANBUL);
    assert_int_equal(evm_pc_blake2f_gas(in, n - 1, EVM_ISTANBUL), 0);
    uint8_t longer[214];
    memcpy(longer, in, n);
    longer[213] = 1;
    expect_error(evm_pc_blake2f, longer, sizeof longer, EVM_ISTANBUL);
    free(in);
  }
  expect_error(evm_pc_blake2f, NULL, 0, EVM_ISTANBUL);
  /* vector 8: 2^32 - 1 rounds; only its price is checked (running it takes minutes) */
  snprintf(h, sizeof h, "ffffffff%s%s%s01", B2_H, B2_M, B2_T);
  uint8_t *in;
  size_t n = unhex_alloc(h, &in);
  assert_true(evm_pc_blake2f_gas(in, n, EVM_ISTANBUL) == 0xffffffffULL);
  free(in);
}

/* RFC 7693 Appendix A: BLAKE2b-512("abc"), one block, built here from the RFC's
 * initialisation (h = IV, h[0] ^= 0x01010000 ^ (kk << 8) ^ nn with kk = 0, nn = 64). */
static void test_blake2f_rfc7693(void **state) {
  (void)state;
  static const uint64_t iv[8] = {
      0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
      0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
      0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
  uint8_t in[213] = {0};
  in[3] = 12;
  for (int i = 0; i < 8; i++) {
    uint64_t w = iv[i] ^ (i == 0 ? 0x01010040ULL : 0);
    for (int k = 0; k < 8; k++) in[4 + 8 * i + k] = (uint8_t)(w >> (8 * k));
  }
  memcpy(in + 68, "abc", 3);
  in[196] = 3;   /* t = 3 bytes */
  in[212] = 1;   /* last block */
  expect_out(evm_pc_blake2f, in, sizeof in, EVM_CANCUN,
             "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
             "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  /* 22 rounds (the schedule wraps after 10) give another state */
  evm_pc_out o12 = {0}, o22 = {0};
  assert_int_equal(evm_pc_blake2f(in, sizeof in, EVM_CANCUN, &o12), EVM_PC_OK);
  in[3] = 22;
  assert_int_equal(evm_pc_blake2f(in, sizeof in, EVM_CANCUN, &o22), EVM_PC_OK);
  assert_int_equal(o22.len, 64);
  assert_memory_not_equal(o12.data, o22.data, 64);
  free(o12.data);
  free(o22.data);
}

/* Round counts around the 10-round schedule period (the implementation runs whole groups
 * of 10 unrolled, then the rest one at a time): 2, 9, 10, 11, 19, 20, 21, 25, 99, 1000
 * and 123457 rounds of vector 4's h, m, t, final flag alternating 0/1. The outputs were
 * recorded from the plain one-round-at-a-time form of RFC 7693 F this file held before
 * (commit 88f6592), so the two forms agree on every boundary. */
static void test_blake2f_round_groups(void **state) {
  (void)state;
  static const struct {
    uint32_t rounds;
    int final;
    const char *want;
  } v[] = {
      {2, 0, "88ded215c5e361d00d4c79121d3326d8811eef0537a7fdefca3dedbab7537a7b"
       "2d38cebb3d18be71686c4060042f6ed7bfef347902318786c8a7adff5ead4e66"},
      {9, 1, "69fbbdf42d5f5f2eb657faaa82862c9a492237cbb93ffd9938ff7b757671fac0"
       "a19b9f27d130b78180d070f9b9b96ee1bb1d69e2edae0c1b7602f2f2e0977614"},
      {10, 0, "7e17552d599dcfc4db3567ced40798a30cb39ebd98353e998a5c61b5d3bd7a3c"
       "c0f1971d4044dd5248722e4f1e447a6ac7edd6fe9f5896276803ddd09cb6aa75"},
      {11, 1, "60faa8f91624b2b718210df242b788c7ae887e953dce3c7f80862bc5e4f88d82"
       "7cada4d95d2c4ac41eb66b84fcdc0e12ab0c66f4d9d546ff8a0d712f324e1845"},
      {19, 0, "35302a33114fdb4f319c4c776e527d96a76895cfa495f51e76eaa1fbdfa76b3d"
       "e377b79e2cb7704999e0c1ace758b02d037ce53ff528c0a9ebbbbc746bd3374b"},
      {20, 1, "0c1b96fc9c06898bb49af24ef91a669143df8e847807765da43f8ad6c0ec5180"
       "e6ab033a21428e52c5d933345f81d8300a02158704935b7a020d990572ad9be0"},
      {21, 0, "0d4281b9bd1df7f31a4e76a96d8e92cefb538945b8186f60186f9ca4d5f80e0f"
       "77d7782ea9fb6700b4c35a1112f721829a9a271ac0e49052a26adc7c6620cee2"},
      {25, 1, "09df5600d96313fe649dba417c7641180e74b10f9ce0135ec54cd409c5211206"
       "19d322441e8e93bcc64605ff70c760dd1bafc089c8d81651c40fd9ad8b3bf50b"},
      {99, 0, "44fb0d945761794e5a094591ec6d61ef4f56b6065317bf24f84667e8b9c93d3d"
       "d465a62d296af77d4b44c0e4aef4081eb565a29c3af2bf32dc68dc3d375188bd"},
      {1000, 1, "f92ac5126772237de3d2353169fe7697d4af3af4382778b05c7bb12e48903fbe"
       "cefe56df2b901796d385e58cf759690a1bbec1aa9d95b5fa3ee79a575f116915"},
      {123457, 0, "c2bc21acebe1225e0fbf640ec6d3db1cb20ecd05c2f81883c17b02128fb102c3"
       "4482f9d4e64bc961ef41cd51780f7d8db00122eb92a0e29db876c8cd857c73a3"},
  };
  uint8_t *base;
  char hx[600];
  snprintf(hx, sizeof hx, "00000000%s%s%s00", B2_H, B2_M, B2_T);
  assert_int_equal(unhex_alloc(hx, &base), 213);
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    uint8_t in[213];
    memcpy(in, base, sizeof in);
    for (int k = 0; k < 4; k++) in[k] = (uint8_t)(v[i].rounds >> (24 - 8 * k));
    in[212] = (uint8_t)v[i].final;
    expect_out(evm_pc_blake2f, in, sizeof in, EVM_CANCUN, v[i].want);
  }
  free(base);
}

/* ---------------------------------------------------------------- P256VERIFY */

/* From EIP-7951's assets/eip-7951/test-vectors.json (Wycheproof
 * ecdsa_secp256r1_sha256_p1363_test.json, case numbers kept); input h r s qx qy. */
static const struct {
  const char *name, *in;
  int valid;
} p256_vectors[] = {
    {"p1363 #1: signature malleability",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18"
     "4cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76"
     "2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838"
     "c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e"
     , 1},
    {"p1363 #3: Modified r or s",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "d45c5740946b2a147f59262ee6f5bc90bd01ed280528b62b3aed5fc93f06f739"
     "b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db"
     "2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838"
     "c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e"
     , 0},
    {"p1363 #58: Edge case for Shamir multiplication",
     "70239dd877f7c944c422f44dea4ed1a52f2627416faf2f072fa50c772ed6f807"
     "64a1aab5000d0e804f3e2fc02bdee9be8ff312334e2ba16d11547c97711c898e"
     "6af015971cc30be6d1a206d4e013e0997772a2f91d73286ffd683b9bb2cf4f1b"
     "2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838"
     "c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e"
     , 1},
    {"p1363 #59: special case hash",
     "00000000690ed426ccf17803ebe2bd0884bcd58a1bb5e7477ead3645f356e7a9"
     "16aea964a2f6506d6f78c81c91fc7e8bded7d397738448de1e19a0ec580bf266"
     "252cd762130c6667cfe8b7bc47d27d78391e8e80c578d1cd38c3ff033be928e9"
     "2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838"
     "c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e"
     , 1},
    {"p1363 #113: k*G has a large x-coordinate",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "000000000000000000000000000000004319055358e8617b0c46353d039cdaab"
     "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254e"
     "0ad99500288d466940031d72a9f5445a4d43784640855bf0a69874d2de5fe103"
     "c5011e6ef2c42dcd50d5d3d29f99ae6eba2c80c9244f4c5422f0979ff0c3ba5e"
     , 1},
    {"p1363 #114: r too large",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc"
     "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254e"
     "0ad99500288d466940031d72a9f5445a4d43784640855bf0a69874d2de5fe103"
     "c5011e6ef2c42dcd50d5d3d29f99ae6eba2c80c9244f4c5422f0979ff0c3ba5e"
     , 0},
    {"p1363 #134: s == 1",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "555555550000000055555555555555553ef7a8e48d07df81a693439654210c70"
     "0000000000000000000000000000000000000000000000000000000000000001"
     "8aeb368a7027a4d64abdea37390c0c1d6a26f399e2d9734de1eb3d0e19373874"
     "05bd13834715e1dbae9b875cf07bd55e1b6691c7f7536aef3b19bf7a4adf576d"
     , 1},
    {"p1363 #136: point at infinity during verify",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8"
     "555555550000000055555555555555553ef7a8e48d07df81a693439654210c70"
     "b533d4695dd5b8c5e07757e55e6e516f7e2c88fa0239e23f60e8ec07dd70f287"
     "1b134ee58cc583278456863f33c3a85d881f7d4a39850143e29d4eaf009afe47"
     , 0},
    {"p1363 #140: u1 == n - 1",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "555555550000000055555555555555553ef7a8e48d07df81a693439654210c70"
     "44a5ad0ad0636d9f12bc9e0a6bdd5e1cbcb012ea7bf091fcec15b0c43202d52e"
     "d8adc00023a8edc02576e2b63e3e30621a471e2b2320620187bf067a1ac1ff32"
     "33e2b50ec09807accb36131fff95ed12a09a86b4ea9690aa32861576ba2362e1"
     , 1},
    {"p1363 #141: u2 == 1",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "555555550000000055555555555555553ef7a8e48d07df81a693439654210c70"
     "555555550000000055555555555555553ef7a8e48d07df81a693439654210c70"
     "3623ac973ced0a56fa6d882f03a7d5c7edca02cfc7b2401fab3690dbe75ab785"
     "8db06908e64b28613da7257e737f39793da8e713ba0643b92e9bb3252be7f8fe"
     , 1},
    {"p1363 #171: point duplication during verification",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "6f2347cab7dd76858fe0555ac3bc99048c4aacafdfb6bcbe05ea6c42c4934569"
     "bb726660235793aa9957a61e76e00c2c435109cf9a15dd624d53f4301047856b"
     "5b812fd521aafa69835a849cce6fbdeb6983b442d2444fe70e134c027fc46963"
     "838a40f2a36092e9004e92d8d940cf5638550ce672ce8b8d4e15eba5499249e9"
     , 1},
    {"p1363 #172: duplication bug",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "6f2347cab7dd76858fe0555ac3bc99048c4aacafdfb6bcbe05ea6c42c4934569"
     "bb726660235793aa9957a61e76e00c2c435109cf9a15dd624d53f4301047856b"
     "5b812fd521aafa69835a849cce6fbdeb6983b442d2444fe70e134c027fc46963"
     "7c75bf0c5c9f6d17ffb16d2726bf30a9c7aaf31a8d317472b1ea145ab66db616"
     , 0},
    {"p1363 #175: comparison with point at infinity ",
     "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
     "555555550000000055555555555555553ef7a8e48d07df81a693439654210c70"
     "3333333300000000333333333333333325c7cbbc549e52e763f1f55a327a3aa9"
     "dd86d3b5f4a13e8511083b78002081c53ff467f11ebd98a51a633db76665d250"
     "45d5c8200c89f2fa10d849349226d21d8dfaed6ff8d5cb3e1b7e17474ebc18f7"
     , 0},
    {"p1363 #208: x-coordinate of the public key is large",
     "2f77668a9dfbf8d5848b9eeb4a7145ca94c6ed9236e4a773f6dcafa5132b2f91"
     "766456dce1857c906f9996af729339464d27e9d98edc2d0e3b760297067421f6"
     "402385ecadae0d8081dccaf5d19037ec4e55376eced699e93646bfbbf19d0b41"
     "fffffff948081e6a0458dd8f9e738f2665ff9059ad6aac0708318c4ca9a7a4f5"
     "5a8abcba2dda8474311ee54149b973cae0c0fb89557ad0bf78e6529a1663bd73"
     , 1},
    {"invalid public key x param errors",
     "2f77668a9dfbf8d5848b9eeb4a7145ca94c6ed9236e4a773f6dcafa5132b2f91"
     "70bebe684cdcb5ca72a42f0d873879359bd1781a591809947628d313a3814f67"
     "aec03aca8f5587a4d535fa31027bbe9cc0e464b1c3577f4c2dcde6b2094798a9"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "fffffffeecad44b6f05d15b33146549c2297b522a5eed8430cff596758e6c43d"
     , 0},
    {"reference point errors",
     "2f77668a9dfbf8d5848b9eeb4a7145ca94c6ed9236e4a773f6dcafa5132b2f91"
     "70bebe684cdcb5ca72a42f0d873879359bd1781a591809947628d313a3814f67"
     "aec03aca8f5587a4d535fa31027bbe9cc0e464b1c3577f4c2dcde6b2094798a9"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     , 0},
};

static void test_p256_eip7951(void **state) {
  (void)state;
  static const char *const one = "0000000000000000000000000000000000000000000000000000000000000001";
  for (size_t i = 0; i < sizeof p256_vectors / sizeof p256_vectors[0]; i++) {
    uint8_t *in;
    size_t n = unhex_alloc(p256_vectors[i].in, &in);
    assert_int_equal(n, 160);
    evm_pc_out o = {0};
    assert_int_equal(evm_pc_p256verify(in, n, EVM_OSAKA, &o), EVM_PC_OK);
    if ((o.len == 32) != p256_vectors[i].valid) fail_msg("%s: got %zu bytes", p256_vectors[i].name, o.len);
    if (o.len) {
      uint8_t w[32];
      assert_int_equal(test_unhex(one, w, 32), 32);
      assert_memory_equal(o.data, w, 32);
    }
    free(o.data);
    assert_int_equal(evm_pc_p256verify_gas(in, n, EVM_OSAKA), 6900);
    free(in);
  }
}

/* The EIP's input rules around a valid signature (vector #1). */
static void test_p256_rules(void **state) {
  (void)state;
  static const char *const n_hex = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
  static const char *const p_hex = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
  uint8_t good[161], in[161];
  assert_int_equal(test_unhex(p256_vectors[0].in, good, 160), 160);
  assert_true(p256_vectors[0].valid);
  static const char *const one = "0000000000000000000000000000000000000000000000000000000000000001";
  expect_out(evm_pc_p256verify, good, 160, EVM_OSAKA, one);
  /* exactly 160 bytes: one more or one less fails (empty output, success) */
  good[160] = 0;
  expect_out(evm_pc_p256verify, good, 161, EVM_OSAKA, "");
  expect_out(evm_pc_p256verify, good, 159, EVM_OSAKA, "");
  expect_out(evm_pc_p256verify, NULL, 0, EVM_OSAKA, "");
  /* r, s in [1, n-1]: n itself and 0 fail */
  static const int scalar_at[2] = {32, 64};
  for (int i = 0; i < 2; i++) {
    memcpy(in, good, 160);
    assert_int_equal(test_unhex(n_hex, in + scalar_at[i], 32), 32);
    expect_out(evm_pc_p256verify, in, 160, EVM_OSAKA, "");
    memset(in + scalar_at[i], 0, 32);
    expect_out(evm_pc_p256verify, in, 160, EVM_OSAKA, "");
  }
  /* the public key: (0, 0) is infinity; a coordinate >= p; qx + p (same residue) */
  memcpy(in, good, 160);
  memset(in + 96, 0, 64);
  expect_out(evm_pc_p256verify, in, 160, EVM_OSAKA, "");
  memcpy(in, good, 160);
  assert_int_equal(test_unhex(p_hex, in + 128, 32), 32);
  expect_out(evm_pc_p256verify, in, 160, EVM_OSAKA, "");
  /* off the curve: flip the lowest bit of qy */
  memcpy(in, good, 160);
  in[159] ^= 1;
  expect_out(evm_pc_p256verify, in, 160, EVM_OSAKA, "");
  /* another message hash */
  memcpy(in, good, 160);
  in[0] ^= 0x80;
  expect_out(evm_pc_p256verify, in, 160, EVM_OSAKA, "");
  /* -Q = (qx, p - qy) is on the curve but is not the key */
  memcpy(in, good, 160);
  uint8_t p[32];
  assert_int_equal(test_unhex(p_hex, p, 32), 32);
  int borrow = 0;
  for (int i = 31; i >= 0; i--) {
    int d = p[i] - good[128 + i] - borrow;
    borrow = d < 0;
    in[128 + i] = (uint8_t)(d + (borrow ? 256 : 0));
  }
  expect_out(evm_pc_p256verify, in, 160, EVM_OSAKA, "");
  /* and the original still verifies (nothing was kept between calls) */
  expect_out(evm_pc_p256verify, good, 160, EVM_OSAKA, one);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ecrecover_fixture),  cmocka_unit_test(test_ecrecover_signed),
      cmocka_unit_test(test_hashes),             cmocka_unit_test(test_identity),
      cmocka_unit_test(test_blake2f_eip152),
      cmocka_unit_test(test_blake2f_rfc7693),
      cmocka_unit_test(test_blake2f_round_groups),
      cmocka_unit_test(test_p256_eip7951),
      cmocka_unit_test(test_p256_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
