/*
 * test_bls_mainnet.c: one real mainnet sync-committee signature, end to end.
 *
 * Data (../shared/fixtures/colibri-stateless/test/data/eth_sync/): the Deneb
 * LightClientUpdate of period 1366 in the beacon-API chunk format
 * ([u64 LE length][4-byte fork digest][SSZ LightClientUpdate]) and sync_1_1366, the
 * period's 512 compressed sync-committee keys. The test decompresses the 512 keys,
 * computes the signing root by hand with nettle SHA-256 (hash_tree_root of the
 * attested BeaconBlockHeader, then SigningData with DOMAIN_SYNC_COMMITTEE for the fork
 * at epoch (signature_slot - 1) / 32) and checks the sync aggregate with
 * bls_fast_aggregate_verify_points; then flips one participation bit, one signature
 * byte and one root byte, each of which must fail.
 *
 * Second case (helios/ethereum/testdata/, Capella, beacon-API JSON): the bootstrap's
 * period-862 committee (its aggregate_pubkey must equal bls_aggregate_pubkeys of the
 * 512 keys) signs update 0; each update's next_sync_committee signs the next one.
 * All six real aggregates (510 to 512 signers) must verify.
 */
#include "testutil.h"

#include <jansson.h>
#include <nettle/sha2.h>

#include "core/bls/bls.h"

#define SYNC_DIR "colibri-stateless/test/data/eth_sync/"
#define COMMITTEE 512

/* LightClientUpdate (Deneb) fixed part: offsets of its fields. */
#define UPD_OFF_ATTESTED 0
#define UPD_SYNC_BITS (4 + COMMITTEE * 48 + 48 + 5 * 32 + 4 + 6 * 32)
#define UPD_SYNC_SIG (UPD_SYNC_BITS + COMMITTEE / 8)
#define UPD_SIG_SLOT (UPD_SYNC_SIG + 96)
#define UPD_FIXED (UPD_SIG_SLOT + 8)
#define HEADER_BYTES 112 /* BeaconBlockHeader: slot, proposer, 3 roots */

static const char GENESIS_VALIDATORS_ROOT[] = "4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95";

/* Mainnet fork schedule (SOURCES.md): the version in force from each epoch. */
static const struct {
  uint64_t epoch;
  uint8_t version[4];
} FORKS[] = {
    {0, {0, 0, 0, 0}},           {74240, {1, 0, 0, 0}},  {144896, {2, 0, 0, 0}}, {194048, {3, 0, 0, 0}},
    {269568, {4, 0, 0, 0}},      {364032, {5, 0, 0, 0}}, {411392, {6, 0, 0, 0}},
};

static uint64_t le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void sha_pair(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]) {
  struct sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, 32, a);
  sha256_update(&c, 32, b);
  sha256_digest(&c, 32, out);
}

/* hash_tree_root(BeaconBlockHeader): 5 leaves padded to 8. */
static void header_root(uint8_t out[32], const uint8_t h[HEADER_BYTES]) {
  uint8_t leaves[8][32], l2[4][32], l1[2][32];
  memset(leaves, 0, sizeof leaves);
  memcpy(leaves[0], h, 8);
  memcpy(leaves[1], h + 8, 8);
  memcpy(leaves[2], h + 16, 32);
  memcpy(leaves[3], h + 48, 32);
  memcpy(leaves[4], h + 80, 32);
  for (int i = 0; i < 4; i++) sha_pair(l2[i], leaves[2 * i], leaves[2 * i + 1]);
  for (int i = 0; i < 2; i++) sha_pair(l1[i], l2[2 * i], l2[2 * i + 1]);
  sha_pair(out, l1[0], l1[1]);
}

static void signing_root(uint8_t out[32], const uint8_t header[HEADER_BYTES], uint64_t signature_slot) {
  uint64_t epoch = (signature_slot - 1) / 32;
  size_t f = 0;
  for (size_t i = 0; i < sizeof FORKS / sizeof FORKS[0]; i++)
    if (epoch >= FORKS[i].epoch) f = i;
  uint8_t version[32] = {0}, gvr[32], fork_data_root[32], domain[32], obj[32];
  memcpy(version, FORKS[f].version, 4);
  assert_int_equal(test_unhex(GENESIS_VALIDATORS_ROOT, gvr, 32), 32);
  sha_pair(fork_data_root, version, gvr);
  domain[0] = 0x07; /* DOMAIN_SYNC_COMMITTEE */
  domain[1] = domain[2] = domain[3] = 0;
  memcpy(domain + 4, fork_data_root, 28);
  header_root(obj, header);
  sha_pair(out, obj, domain);
}

static void test_mainnet_sync_aggregate(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(upd_path, SYNC_DIR "light_client_update.ssz");
  char *upd_file = NULL, *keys_file = NULL;
  bls_g1 *pts = NULL;
  size_t upd_len = 0, keys_len = 0;
  upd_file = read_file(upd_path, &upd_len);
  assert_non_null(upd_file);
  const char *keys_path = fixture_path(SYNC_DIR "sync_1_1366");
  keys_file = read_file(keys_path, &keys_len);
  assert_non_null(keys_file);
  assert_int_equal(keys_len, COMMITTEE * 48);

  /* one chunk: [u64 length][digest][update] */
  const uint8_t *chunk = (const uint8_t *)upd_file;
  assert_true(upd_len > 12);
  uint64_t clen = le64(chunk);
  assert_int_equal(clen, upd_len - 8);
  const uint8_t *u = chunk + 12;
  size_t ulen = (size_t)clen - 4;
  assert_true(ulen > UPD_FIXED);
  uint32_t att_off = le32(u + UPD_OFF_ATTESTED);
  assert_int_equal(att_off, UPD_FIXED);
  assert_true(att_off + HEADER_BYTES <= ulen);
  const uint8_t *header = u + att_off;
  const uint8_t *bits = u + UPD_SYNC_BITS;
  const uint8_t *sig = u + UPD_SYNC_SIG;
  uint64_t sig_slot = le64(u + UPD_SIG_SLOT);
  assert_int_equal(le64(header) / 8192, 1366); /* the committee's period */

  pts = calloc(COMMITTEE, sizeof *pts);
  assert_non_null(pts);
  vc_err err = {{0}};
  for (size_t i = 0; i < COMMITTEE; i++)
    assert_int_equal(bls_g1_decompress(&pts[i], (const uint8_t *)keys_file + 48 * i, &err), VC_OK);
  size_t participants = 0;
  for (size_t i = 0; i < COMMITTEE; i++) participants += (bits[i / 8] >> (i % 8)) & 1;
  assert_int_equal(participants, 511);

  uint8_t root[32];
  signing_root(root, header, sig_slot);
  vc_status st = bls_fast_aggregate_verify_points(pts, bits, COMMITTEE, root, 32, sig, &err);
  if (st != VC_OK) fail_msg("mainnet sync aggregate: %s", err.msg);

  /* tamper: one bit, one signature byte, one root byte */
  uint8_t tbits[COMMITTEE / 8], tsig[96], troot[32];
  memcpy(tbits, bits, sizeof tbits);
  tbits[7] ^= 0x10;
  assert_int_equal(bls_fast_aggregate_verify_points(pts, tbits, COMMITTEE, root, 32, sig, &err), VC_ERR_MISMATCH);
  memcpy(tbits, bits, sizeof tbits);
  for (size_t i = 0; i < sizeof tbits; i++) /* turn the one absent signer on */
    tbits[i] = 0xff;
  assert_int_equal(bls_fast_aggregate_verify_points(pts, tbits, COMMITTEE, root, 32, sig, &err), VC_ERR_MISMATCH);
  memcpy(tsig, sig, 96);
  tsig[50] ^= 0x01;
  assert_int_not_equal(bls_fast_aggregate_verify_points(pts, bits, COMMITTEE, root, 32, tsig, &err), VC_OK);
  memcpy(troot, root, 32);
  troot[31] ^= 0x80;
  assert_int_equal(bls_fast_aggregate_verify_points(pts, bits, COMMITTEE, troot, 32, sig, &err), VC_ERR_MISMATCH);
  /* a signature slot in the wrong fork gives another domain */
  signing_root(troot, header, 364032 * 32 + 1);
  assert_int_equal(bls_fast_aggregate_verify_points(pts, bits, COMMITTEE, troot, 32, sig, &err), VC_ERR_MISMATCH);

  free(pts);
  free(keys_file);
  free(upd_file);
}

/* ---- helios Capella chain (JSON) ---- */
#define HELIOS_DIR "helios/ethereum/testdata/"

static json_t *data_of(json_t *j) {
  json_t *d = json_object_get(j, "data");
  return d ? d : j;
}

static void hex_field(uint8_t *out, size_t n, json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  if (!s || test_unhex(s, out, n) != (long)n) fail_msg("field %s: want %zu hex bytes", key, n);
}

static uint64_t u64_field(json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  char *end = NULL;
  assert_non_null(s);
  unsigned long long v = strtoull(s, &end, 10);
  assert_true(end && *end == 0 && end != s);
  return (uint64_t)v;
}

/* BeaconBlockHeader JSON -> its 112-byte SSZ form. */
static void header_from_json(uint8_t h[HEADER_BYTES], json_t *beacon) {
  uint64_t slot = u64_field(beacon, "slot"), prop = u64_field(beacon, "proposer_index");
  for (int i = 0; i < 8; i++) {
    h[i] = (uint8_t)(slot >> (8 * i));
    h[8 + i] = (uint8_t)(prop >> (8 * i));
  }
  hex_field(h + 16, 32, beacon, "parent_root");
  hex_field(h + 48, 32, beacon, "state_root");
  hex_field(h + 80, 32, beacon, "body_root");
}

static void committee_from_json(bls_g1 *pts, json_t *committee) {
  json_t *pks = json_object_get(committee, "pubkeys");
  assert_int_equal(json_array_size(pks), COMMITTEE);
  vc_err err = {{0}};
  for (size_t i = 0; i < COMMITTEE; i++) {
    uint8_t pk[48];
    assert_int_equal(test_unhex(json_string_value(json_array_get(pks, i)), pk, 48), 48);
    if (bls_g1_decompress(&pts[i], pk, &err) != VC_OK) fail_msg("committee key %zu: %s", i, err.msg);
  }
}

static void test_helios_capella_updates(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(boot_path, HELIOS_DIR "bootstrap.json");
  json_error_t jerr;
  json_t *boot = json_load_file(boot_path, 0, &jerr);
  assert_non_null(boot);
  json_t *updates = json_load_file(fixture_path(HELIOS_DIR "updates.json"), 0, &jerr);
  assert_non_null(updates);
  bls_g1 *pts = calloc(COMMITTEE, sizeof *pts);
  uint8_t(*raw)[48] = calloc(COMMITTEE, 48);
  assert_non_null(pts);
  assert_non_null(raw);

  /* the bootstrap committee and its published aggregate key */
  json_t *cur = json_object_get(data_of(boot), "current_sync_committee");
  json_t *pks = json_object_get(cur, "pubkeys");
  for (size_t i = 0; i < COMMITTEE; i++)
    assert_int_equal(test_unhex(json_string_value(json_array_get(pks, i)), raw[i], 48), 48);
  uint8_t agg[48], want[48];
  vc_err err = {{0}};
  assert_int_equal(bls_aggregate_pubkeys((const uint8_t(*)[48])raw, COMMITTEE, agg, &err), VC_OK);
  hex_field(want, 48, cur, "aggregate_pubkey");
  assert_memory_equal(agg, want, 48);
  committee_from_json(pts, cur);

  assert_int_equal(json_array_size(updates), 6);
  for (size_t k = 0; k < json_array_size(updates); k++) {
    json_t *u = data_of(json_array_get(updates, k));
    json_t *sa = json_object_get(u, "sync_aggregate");
    uint8_t header[HEADER_BYTES], bits[COMMITTEE / 8], sig[96], root[32];
    header_from_json(header, json_object_get(json_object_get(u, "attested_header"), "beacon"));
    hex_field(bits, sizeof bits, sa, "sync_committee_bits");
    hex_field(sig, sizeof sig, sa, "sync_committee_signature");
    signing_root(root, header, u64_field(u, "signature_slot"));
    vc_status st = bls_fast_aggregate_verify_points(pts, bits, COMMITTEE, root, 32, sig, &err);
    if (st != VC_OK) fail_msg("helios update %zu: %s", k, err.msg);
    committee_from_json(pts, json_object_get(u, "next_sync_committee"));
  }
  free(raw);
  free(pts);
  json_decref(updates);
  json_decref(boot);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mainnet_sync_aggregate),
      cmocka_unit_test(test_helios_capella_updates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
