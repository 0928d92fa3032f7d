/*
 * test_ssz.c: SSZ merkleization, Merkle branches, strict container splitting and the
 * light-client container decoders (src/core/lightclient/ssz.c, lc_types.c).
 *
 * Expected roots for the merkleizer were computed independently with @noble/hashes
 * sha256 and a separate JavaScript merkleizer. Real containers come from the fixtures:
 * the minimal-preset spec-test bootstraps (root must equal meta.yaml's trusted root) and
 * colibri's mainnet SSZ bootstraps (root must start with the root in the file name).
 * Every decoder is also fed every truncation of a real object and must reject it.
 */
#include "testutil.h"

#include "core/lightclient/lc.h"
#include "core/lightclient/ssz.h"

static void hex32(const char *s, uint8_t out[32]) { assert_int_equal(test_unhex(s, out, 32), 32); }

static void assert_root(const uint8_t got[32], const char *want_hex) {
  uint8_t want[32];
  hex32(want_hex, want);
  assert_memory_equal(got, want, 32);
}

static void test_zero_hashes(void **state) {
  (void)state;
  assert_root(ssz_zero_hash(1), "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
  uint8_t h[32];
  ssz_hash_pair(ssz_zero_hash(5), ssz_zero_hash(5), h);
  assert_memory_equal(h, ssz_zero_hash(6), 32);
}

static void test_merkleize(void **state) {
  (void)state;
  uint8_t data[160], root[32];
  vc_err err;
  for (int i = 0; i < 160; i++) data[i] = (uint8_t)(i / 32 + 1);
  assert_int_equal(ssz_merkleize(data, 160, 5, root, &err), VC_OK);
  assert_root(root, "6c1cfb22738edf2a397893ab3bd49b601f5dfc69439772b613f6fad2889ebbd6");
  assert_int_equal(ssz_merkleize(data, 160, 1024, root, &err), VC_OK);
  assert_root(root, "221f0b87077ca66f027c226775731f1094ce1f85954161aa65e27e1b1a592dfb");
  /* Over the limit. */
  assert_int_equal(ssz_merkleize(data, 160, 4, root, &err), VC_ERR_LIMIT);
  /* Empty with a limit: the zero subtree root. */
  assert_int_equal(ssz_merkleize(data, 0, 8, root, &err), VC_OK);
  assert_memory_equal(root, ssz_zero_hash(3), 32);
}

static void test_lists_and_bits(void **state) {
  (void)state;
  uint8_t root[32];
  vc_err err;
  assert_int_equal(ssz_root_byte_list((const uint8_t *)"abc", 3, 32, root, &err), VC_OK);
  assert_root(root, "9863be41f9700db1a6da98141f7d9a2ae172a578d5cad6b3bcf39e9e1598f13a");
  uint8_t d100[100];
  for (int i = 0; i < 100; i++) d100[i] = (uint8_t)i;
  assert_int_equal(ssz_root_byte_list(d100, 100, 256, root, &err), VC_OK);
  assert_root(root, "cee0352986963c3aa79a034308abe79b9fe3acf60829f18c043fc1f0831dc10f");
  assert_int_equal(ssz_root_byte_list(d100, 100, 64, root, &err), VC_ERR_LIMIT);

  const uint8_t bl4[1] = {0x1b};
  assert_int_equal(ssz_root_bitlist(bl4, 1, 2048, root, &err), VC_OK);
  assert_root(root, "47db9f63d999db8bf07bed7f186914db8d8634644e73c852d092d82811c8e02d");
  const uint8_t bl8[2] = {0xff, 0x01};
  assert_int_equal(ssz_root_bitlist(bl8, 2, 16, root, &err), VC_OK);
  assert_root(root, "017d2fa0f6934ed2354e4cdb7a2230ccf8f31fe758c7a47442e37fdea1d68bfe");
  uint8_t bl300[38];
  memset(bl300, 0xff, sizeof bl300);
  bl300[37] = 0x1f;
  assert_int_equal(ssz_root_bitlist(bl300, 38, 2048, root, &err), VC_OK);
  assert_root(root, "4f7efa95690f1cb238b23e507ddd03608cf329e8e75be255d6b263b64eb2d75e");
  /* No delimiter, over the limit. */
  const uint8_t nodelim[2] = {0xff, 0x00};
  assert_int_equal(ssz_root_bitlist(nodelim, 2, 16, root, &err), VC_ERR_INPUT);
  assert_int_equal(ssz_root_bitlist(bl300, 38, 256, root, &err), VC_ERR_LIMIT);
  size_t nbits = 0;
  assert_int_equal(ssz_bitlist_len(bl300, 38, 2048, &nbits, &err), VC_OK);
  assert_int_equal(nbits, 300);

  /* Bitvector: padding bits past the length are rejected; counting. */
  const uint8_t bv[2] = {0xff, 0x03};
  assert_int_equal(ssz_root_bitvector(bv, 10, root, &err), VC_OK);
  assert_int_equal(ssz_bits_count(bv, 10), 10);
  const uint8_t bvbad[2] = {0xff, 0x07};
  assert_int_equal(ssz_root_bitvector(bvbad, 10, root, &err), VC_ERR_INPUT);
}

/* Build an 8-leaf tree, check every branch, then tamper with leaf, branch and index. */
static void test_branches(void **state) {
  (void)state;
  uint8_t leaves[8][32], l1[4][32], l2[2][32], root[32], branch[3][32];
  vc_err err;
  for (int i = 0; i < 8; i++) {
    memset(leaves[i], 0, 32);
    leaves[i][0] = (uint8_t)(i + 1);
  }
  for (int i = 0; i < 4; i++) ssz_hash_pair(leaves[2 * i], leaves[2 * i + 1], l1[i]);
  for (int i = 0; i < 2; i++) ssz_hash_pair(l1[2 * i], l1[2 * i + 1], l2[i]);
  ssz_hash_pair(l2[0], l2[1], root);
  uint8_t check[32];
  assert_int_equal(ssz_merkleize((const uint8_t *)leaves, sizeof leaves, 8, check, &err), VC_OK);
  assert_memory_equal(check, root, 32);
  for (unsigned i = 0; i < 8; i++) {
    memcpy(branch[0], leaves[i ^ 1], 32);
    memcpy(branch[1], l1[(i >> 1) ^ 1], 32);
    memcpy(branch[2], l2[(i >> 2) ^ 1], 32);
    assert_int_equal(ssz_verify_branch(leaves[i], (const uint8_t(*)[32])branch, 3, i, root, &err),
                     VC_OK);
    assert_int_equal(ssz_verify_gindex(leaves[i], (const uint8_t(*)[32])branch, 3, 8 + i, root,
                                       &err),
                     VC_OK);
    assert_int_equal(ssz_verify_gindex(leaves[i], (const uint8_t(*)[32])branch, 3, 8 + (i ^ 1),
                                       root, &err),
                     VC_ERR_MISMATCH);
    assert_int_equal(ssz_verify_gindex(leaves[i], (const uint8_t(*)[32])branch, 2, 8 + i, root,
                                       &err),
                     VC_ERR_INPUT);
    branch[1][7] ^= 1;
    assert_int_equal(ssz_verify_branch(leaves[i], (const uint8_t(*)[32])branch, 3, i, root, &err),
                     VC_ERR_MISMATCH);
  }
  /* Normalized (Electra): a 5-node branch for a depth-3 gindex needs 2 zero nodes first. */
  uint8_t norm[5][32] = {{0}};
  memcpy(norm[2], leaves[1], 32);
  memcpy(norm[3], l1[1], 32);
  memcpy(norm[4], l2[1], 32);
  assert_int_equal(ssz_verify_normalized(leaves[0], (const uint8_t(*)[32])norm, 5, 8, root, &err),
                   VC_OK);
  norm[0][31] = 1;
  assert_int_equal(ssz_verify_normalized(leaves[0], (const uint8_t(*)[32])norm, 5, 8, root, &err),
                   VC_ERR_MISMATCH);
}

static void test_split(void **state) {
  (void)state;
  const ssz_field f[3] = {{"a", 2}, {"b", 0}, {"c", 0}};
  vc_bytes p[3];
  vc_err err;
  /* fixed part = 2 + 4 + 4 = 10; b = [10,12), c = [12,15) */
  uint8_t ok[15] = {1, 2, 10, 0, 0, 0, 12, 0, 0, 0, 0xb0, 0xb1, 0xc0, 0xc1, 0xc2};
  assert_int_equal(ssz_split(vc_bytes_of(ok, 15), f, 3, p, "t", &err), VC_OK);
  assert_int_equal(p[1].len, 2);
  assert_int_equal(p[2].len, 3);
  assert_int_equal(p[2].ptr[0], 0xc0);
  uint8_t bad[15];
  memcpy(bad, ok, 15);
  bad[2] = 11; /* first offset must equal the fixed size */
  assert_int_equal(ssz_split(vc_bytes_of(bad, 15), f, 3, p, "t", &err), VC_ERR_INPUT);
  memcpy(bad, ok, 15);
  bad[6] = 9; /* decreasing */
  assert_int_equal(ssz_split(vc_bytes_of(bad, 15), f, 3, p, "t", &err), VC_ERR_INPUT);
  memcpy(bad, ok, 15);
  bad[6] = 16; /* past the end */
  assert_int_equal(ssz_split(vc_bytes_of(bad, 15), f, 3, p, "t", &err), VC_ERR_INPUT);
  assert_int_equal(ssz_split(vc_bytes_of(ok, 9), f, 3, p, "t", &err), VC_ERR_INPUT);
  /* Fixed-only container: trailing bytes rejected. */
  const ssz_field g[2] = {{"x", 8}, {"y", 4}};
  assert_int_equal(ssz_split(vc_bytes_of(ok, 12), g, 2, p, "g", &err), VC_OK);
  assert_int_equal(ssz_split(vc_bytes_of(ok, 13), g, 2, p, "g", &err), VC_ERR_INPUT);
}

/* Minimal-preset spec-test bootstraps: decode and check root == trusted_block_root. */
static void check_minimal_bootstrap(const char *fork_dir, lc_fork fork, const char *trusted) {
  char rel[256];
  snprintf(rel, sizeof rel, "helios-derived/consensus-core-testdata-ssz/%s/light_client_sync/bootstrap.ssz",
           fork_dir);
  FIXTURE_OR_SKIP(path, rel);
  size_t len = 0;
  uint8_t *buf = (uint8_t *)read_file(path, &len);
  assert_non_null(buf);
  lc_bootstrap *b = malloc(sizeof *b);
  vc_err err;
  assert_int_equal(lc_decode_bootstrap(b, fork, 32, vc_bytes_of(buf, len), &err), VC_OK);
  uint8_t root[32];
  lc_beacon_header_root(&b->header.beacon, root);
  assert_root(root, trusted);
  /* Every truncation is rejected, except those that only shorten the final
   * variable-size field (extra_data): those decode but no longer hash to the root. */
  size_t extra = b->header.execution.extra_data_len;
  for (size_t cut = 0; cut < len; cut++) {
    vc_status st = lc_decode_bootstrap(b, fork, 32, vc_bytes_of(buf, cut), &err);
    if (cut < len - extra) {
      assert_int_not_equal(st, VC_OK);
    } else {
      assert_int_equal(st, VC_OK);
      uint8_t r2[32];
      lc_beacon_header_root(&b->header.beacon, r2);
      assert_memory_equal(r2, root, 32);
      assert_int_equal(b->header.execution.extra_data_len, extra - (len - cut));
    }
  }
  /* Appended bytes lengthen extra_data: accepted up to 32 bytes, rejected past it. */
  size_t grow = 33 - extra;
  uint8_t *longer = calloc(1, len + grow);
  memcpy(longer, buf, len);
  assert_int_equal(lc_decode_bootstrap(b, fork, 32, vc_bytes_of(longer, len + grow - 1), &err),
                   VC_OK);
  assert_int_equal(lc_decode_bootstrap(b, fork, 32, vc_bytes_of(longer, len + grow), &err),
                   VC_ERR_LIMIT);
  /* Wrong fork layout (Electra has a longer branch). */
  lc_fork other = fork == LC_FORK_ELECTRA ? LC_FORK_DENEB : LC_FORK_ELECTRA;
  assert_int_not_equal(lc_decode_bootstrap(b, other, 32, vc_bytes_of(buf, len), &err), VC_OK);
  free(longer);
  free(b);
  free(buf);
}

static void test_minimal_bootstrap_deneb(void **state) {
  (void)state;
  check_minimal_bootstrap("deneb", LC_FORK_DENEB,
                          "c0f6807024e3a40cea50955a9daa481045e44a5e08ccb5aed4d1cd705fc624d4");
}

static void test_minimal_bootstrap_electra(void **state) {
  (void)state;
  check_minimal_bootstrap("electra", LC_FORK_ELECTRA,
                          "381b93f69ccc772fbe71d8093f0560343ca3e5c6893dcaae7e5f677ecfd823fb");
}

/* colibri mainnet SSZ bootstraps: the fork comes from the slot; the file name carries
 * the (truncated) root. */
static void check_colibri_bootstrap(const char *rel, const char *root_prefix, lc_fork want) {
  FIXTURE_OR_SKIP(path, rel);
  size_t len = 0;
  uint8_t *buf = (uint8_t *)read_file(path, &len);
  assert_non_null(buf);
  lc_bootstrap *b = malloc(sizeof *b);
  vc_err err;
  const lc_chain_config *cfg = lc_chain_config_get("mainnet");
  assert_non_null(cfg);
  assert_int_equal(lc_decode_bootstrap_auto(b, cfg, vc_bytes_of(buf, len), &err), VC_OK);
  assert_int_equal(b->fork, want);
  uint8_t root[32];
  char hex[65];
  lc_beacon_header_root(&b->header.beacon, root);
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", root[i]);
  assert_true(strlen(root_prefix) > 40);
  assert_int_equal(strncmp(hex, root_prefix, strlen(root_prefix)), 0);
  /* The execution branch of a real header verifies against body_root. */
  assert_int_equal(lc_check_header(cfg, &b->header, &err), VC_OK);
  b->header.execution.block_number ^= 1;
  assert_int_equal(lc_check_header(cfg, &b->header, &err), VC_ERR_MISMATCH);
  free(b);
  free(buf);
}

static void test_colibri_bootstraps(void **state) {
  (void)state;
  check_colibri_bootstrap(
      "colibri-stateless/test/data/trusted_block1/"
      "eth_v1_beacon_light_client_bootstrap_0xfc728271f234a95e04a101d2dc01717cd8e88edbc694f8a5377e396b08ff2.ssz",
      "fc728271f234a95e04a101d2dc01717cd8e88edbc694f8a5377e396b08ff2", LC_FORK_DENEB);
  check_colibri_bootstrap(
      "colibri-stateless/test/data/eth_blockNumber_electra/"
      "eth_v1_beacon_light_client_bootstrap_0xb8758d4bd976e1b33e62937ed31a709dba0a855869641581bef3d2a48b527.ssz",
      "b8758d4bd976e1b33e62937ed31a709dba0a855869641581bef3d2a48b527", LC_FORK_ELECTRA);
}

/* The update stream: 14 Deneb updates with digest 0x6a95a1a9, each decodable. */
static void test_update_stream(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, "colibri-stateless/test/data/trusted_block1/"
                        "eth_v1_beacon_light_client_updates_start_period_1393_count_14.ssz");
  size_t len = 0;
  uint8_t *buf = (uint8_t *)read_file(path, &len);
  assert_non_null(buf);
  const lc_chain_config *cfg = lc_chain_config_get("mainnet");
  uint8_t deneb_digest[4];
  lc_fork_digest(cfg, cfg->fork_version[LC_FORK_DENEB], deneb_digest);
  const uint8_t want_digest[4] = {0x6a, 0x95, 0xa1, 0xa9};
  assert_memory_equal(deneb_digest, want_digest, 4);
  vc_bytes cur = vc_bytes_of(buf, len), payload;
  uint8_t digest[4];
  vc_err err;
  lc_update *u = malloc(sizeof *u);
  int items = 0;
  uint64_t period = 1393;
  while (lc_stream_next(&cur, digest, &payload, &err) == VC_OK) {
    assert_memory_equal(digest, want_digest, 4);
    assert_int_equal(lc_decode_update_auto(u, cfg, payload, &err), VC_OK);
    assert_int_equal(u->fork, LC_FORK_DENEB);
    assert_int_equal(lc_period_at_slot(cfg, u->attested_header.beacon.slot), period++);
    assert_int_equal(lc_check_header(cfg, &u->attested_header, &err), VC_OK);
    assert_int_equal(lc_check_header(cfg, &u->finalized_header, &err), VC_OK);
    items++;
  }
  assert_int_equal(items, 14);
  /* A length running past the end is rejected. */
  uint8_t bad[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0};
  cur = vc_bytes_of(bad, sizeof bad);
  assert_int_equal(lc_stream_next(&cur, digest, &payload, &err), VC_ERR_INPUT);
  free(u);
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_zero_hashes),
      cmocka_unit_test(test_merkleize),
      cmocka_unit_test(test_lists_and_bits),
      cmocka_unit_test(test_branches),
      cmocka_unit_test(test_split),
      cmocka_unit_test(test_minimal_bootstrap_deneb),
      cmocka_unit_test(test_minimal_bootstrap_electra),
      cmocka_unit_test(test_colibri_bootstraps),
      cmocka_unit_test(test_update_stream),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
