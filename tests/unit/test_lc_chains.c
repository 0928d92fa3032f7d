/*
 * test_lc_chains.c: the light client on real mainnet chains of trust, the beacon-API
 * JSON decoders, the "what next" planner, the execution anchors and the state blob.
 *
 * Data (see ../shared/fixtures/SOURCES.md sections 2-4):
 *   helios Capella JSON: bootstrap -> 6 period updates -> finality -> optimistic, ending
 *     at finalized slot 7109344 (execution block 17923026) and optimistic 7109431;
 *   nimbus Fulu JSON: bootstrap -> update -> finality -> optimistic (Electra gindices);
 *   colibri SSZ: Deneb and Electra bootstraps with their period updates, and 14
 *     consecutive Deneb period updates (1393-1406) whose last next committee must equal
 *     the committee of the period-1407 bootstrap.
 * Every update's BLS signature is checked. Chains with many 512-key committees run in
 * release builds, or anywhere with VERITY_LC_LONG=1; under ASan only the short ones run.
 */
#include "testutil.h"

#include <jansson.h>
#include <nettle/sha2.h>
#include <time.h>

#include "core/lightclient/lc.h"
#include "core/lightclient/lc_json.h"
#include "core/lightclient/ssz.h"

#define HELIOS "helios/ethereum/testdata/"
#define NIMBUS "nimbus-verified-proxy/nimbus_verified_proxy/tests/data/"
#define COLIBRI "colibri-stateless/test/data/"
#define NOW_SLOT 20000000ull /* a wall clock past every fixture */

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static bool long_chains(void) {
  const char *e = getenv("VERITY_LC_LONG");
  if (e && *e) return strcmp(e, "0") != 0;
  return !SANITIZED;
}

static json_t *load_json(const char *rel) {
  const char *path = fixture_path(rel);
  assert_non_null(path);
  json_error_t jerr;
  json_t *j = json_load_file(path, 0, &jerr);
  if (!j) fail_msg("%s: %s", rel, jerr.text);
  return j;
}

static uint8_t *load_bin(const char *rel, size_t *len) {
  const char *path = fixture_path(rel);
  assert_non_null(path);
  uint8_t *buf = (uint8_t *)read_file(path, len);
  if (!buf) fail_msg("cannot read %s", rel);
  return buf;
}

static void expect_ok(vc_status st, const vc_err *err, const char *what) {
  if (st != VC_OK) fail_msg("%s: %s (%s)", what, err->msg, vc_status_name(st));
}

static void assert_hex_field(const json_t *obj, const char *key, const uint8_t want[32]) {
  const json_t *v = json_object_get(obj, key);
  uint8_t got[32];
  assert_true(json_is_string(v));
  assert_int_equal(test_unhex(json_string_value(v), got, 32), 32);
  assert_memory_equal(got, want, 32);
}

/* ---------------------------------------------------------------- helios Capella */

static void test_helios_capella_chain(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, HELIOS "bootstrap.json");
  (void)dir;
  const lc_chain_config *cfg = lc_chain_config_get("mainnet");
  uint8_t checkpoint[32];
  assert_int_equal(test_unhex("0x5afc212a7924789b2bc86acad3ab3a6ffb1f6e97253ea50bee7f4f51422c9275",
                              checkpoint, 32),
                   32);
  lc_client *c = calloc(1, sizeof *c);
  lc_bootstrap *b = malloc(sizeof *b);
  lc_update *u = malloc(sizeof *u);
  vc_err err = {{0}};
  lc_request req;
  lc_init(c, cfg, checkpoint);
  lc_next_request(c, NOW_SLOT, &req);
  assert_int_equal(req.kind, LC_REQ_BOOTSTRAP);
  assert_memory_equal(req.root, checkpoint, 32);

  json_t *j = load_json(HELIOS "bootstrap.json");
  expect_ok(lc_bootstrap_from_response(b, j, 512, &err), &err, "bootstrap json");
  json_decref(j);
  assert_int_equal(b->fork, LC_FORK_CAPELLA);
  expect_ok(lc_process_bootstrap(c, b, &err), &err, "bootstrap");
  lc_exec_anchor a;
  expect_ok(lc_finalized_execution(c, &a, &err), &err, "anchor");
  assert_int_equal(a.block_number, 17883333);
  assert_int_equal(a.beacon_slot, 7069376);

  /* Store at period 862 without its next committee: ask for updates from 862. */
  uint64_t sig_max = 7109432;
  lc_next_request(c, sig_max, &req);
  assert_int_equal(req.kind, LC_REQ_UPDATES);
  assert_int_equal(req.start_period, 862);
  assert_int_equal(req.count, 867 - 862 + 1);

  size_t n_updates = 6;
  j = load_json(HELIOS "updates.json");
  assert_int_equal(json_array_size(j), 6);
  for (size_t i = 0; i < n_updates; i++) {
    expect_ok(lc_update_from_response(u, LC_KIND_UPDATE, json_array_get(j, i), 512, &err), &err,
              "update json");
    expect_ok(lc_process_update(c, u, sig_max, &err), &err, "update");
    assert_true(c->next_known);
  }
  json_decref(j);
  assert_int_equal(lc_period_at_slot(cfg, c->finalized_header.beacon.slot), 867);

  j = load_json(HELIOS "finality.json");
  expect_ok(lc_update_from_response(u, LC_KIND_FINALITY, j, 512, &err), &err, "finality json");
  json_decref(j);
  expect_ok(lc_process_update(c, u, sig_max, &err), &err, "finality");
  j = load_json(HELIOS "optimistic.json");
  expect_ok(lc_update_from_response(u, LC_KIND_OPTIMISTIC, j, 512, &err), &err,
            "optimistic json");
  json_decref(j);
  expect_ok(lc_process_update(c, u, sig_max, &err), &err, "optimistic");

  assert_int_equal(c->finalized_header.beacon.slot, 7109344);
  assert_int_equal(c->optimistic_header.beacon.slot, 7109431);
  expect_ok(lc_finalized_execution(c, &a, &err), &err, "finalized anchor");
  assert_int_equal(a.block_number, 17923026);
  /* The anchor equals the payload of the full beacon block at the finalized slot. */
  j = load_json(HELIOS "blocks/7109344.json");
  json_t *payload = json_object_get(
      json_object_get(json_object_get(json_object_get(j, "data"), "message"), "body"),
      "execution_payload");
  assert_hex_field(payload, "block_hash", a.block_hash);
  assert_hex_field(payload, "state_root", a.state_root);
  json_decref(j);
  expect_ok(lc_optimistic_execution(c, &a, &err), &err, "optimistic anchor");
  assert_int_equal(a.block_number, 17923113);
  /* Replaying the optimistic update is still valid (newer than the finalized header) and
   * changes nothing. */
  expect_ok(lc_process_update(c, u, sig_max, &err), &err, "optimistic replay");
  assert_int_equal(c->optimistic_header.beacon.slot, 7109431);
  /* An attested header older than the finalized one is not relevant. */
  u->attested_header.beacon.slot = 7109344 - 8192 * 5 + 1;
  assert_int_equal(lc_process_update(c, u, sig_max, &err), VC_ERR_MISMATCH);
  /* Caught up: next is a finality or optimistic poll, not a period sync. */
  lc_next_request(c, 7109433, &req);
  assert_int_equal(req.kind, LC_REQ_OPTIMISTIC);
  lc_next_request(c, 7109344 + 3 * 32, &req);
  assert_int_equal(req.kind, LC_REQ_FINALITY);
  lc_next_request(c, 7109344 + 8192, &req);
  assert_int_equal(req.kind, LC_REQ_UPDATES);
  assert_int_equal(req.start_period, 868);
  lc_free(c);
  free(c);
  free(b);
  free(u);
}

/* ---------------------------------------------------------------- nimbus Fulu */

static void test_nimbus_fulu_chain(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, NIMBUS "lc_bootstrap.json");
  (void)dir;
  const lc_chain_config *cfg = lc_chain_config_get("mainnet");
  uint8_t checkpoint[32];
  assert_int_equal(test_unhex("0x9bcb90ec3a294591b77dd2a58e973578715cdc0e6eeeb286bc06dd120057f18b",
                              checkpoint, 32),
                   32);
  lc_client *c = calloc(1, sizeof *c);
  lc_bootstrap *b = malloc(sizeof *b);
  lc_update *u = malloc(sizeof *u);
  vc_err err = {{0}};
  lc_init(c, cfg, checkpoint);
  json_t *j = load_json(NIMBUS "lc_bootstrap.json");
  expect_ok(lc_bootstrap_from_response(b, j, 512, &err), &err, "bootstrap json");
  json_decref(j);
  assert_int_equal(b->fork, LC_FORK_FULU);
  assert_int_equal(b->branch_len, 6);
  expect_ok(lc_process_bootstrap(c, b, &err), &err, "bootstrap");

  j = load_json(NIMBUS "lc_updates.json");
  expect_ok(lc_update_from_response(u, LC_KIND_UPDATE, json_array_get(j, 0), 512, &err), &err,
            "update json");
  json_decref(j);
  /* The period update is older than the bootstrap but supplies the next committee. */
  expect_ok(lc_process_update(c, u, NOW_SLOT, &err), &err, "update");
  assert_true(c->next_known);
  assert_int_equal(c->finalized_header.beacon.slot, 14017856);

  j = load_json(NIMBUS "lc_finality.json");
  expect_ok(lc_update_from_response(u, LC_KIND_FINALITY, j, 512, &err), &err, "finality json");
  json_decref(j);
  assert_int_equal(u->finality_branch_len, 7);
  expect_ok(lc_process_update(c, u, NOW_SLOT, &err), &err, "finality");
  j = load_json(NIMBUS "lc_optimistic.json");
  expect_ok(lc_update_from_response(u, LC_KIND_OPTIMISTIC, j, 512, &err), &err, "optimistic");
  json_decref(j);
  /* Same attested header as the finality update: valid, and the store keeps it. */
  expect_ok(lc_process_update(c, u, NOW_SLOT, &err), &err, "optimistic");
  /* The same update signed one slot "later" than the wall clock: from the future. */
  assert_int_equal(lc_process_update(c, u, u->signature_slot - 1, &err), VC_ERR_MISMATCH);

  lc_exec_anchor a;
  expect_ok(lc_finalized_execution(c, &a, &err), &err, "finalized anchor");
  assert_int_equal(a.beacon_slot, 14017952);
  assert_int_equal(a.block_number, 24784163);
  /* The finalized execution block (eth_getBlockByNumber) has this hash and state root. */
  j = load_json(NIMBUS "block_0x17a2d23.json");
  assert_hex_field(j, "hash", a.block_hash);
  assert_hex_field(j, "stateRoot", a.state_root);
  json_decref(j);
  expect_ok(lc_optimistic_execution(c, &a, &err), &err, "optimistic anchor");
  assert_int_equal(a.beacon_slot, 14018019);
  assert_int_equal(a.block_number, 24784229);

  /* State blob: save, restore into a fresh client, same answers; corruption refused. */
  uint8_t *blob = malloc(LC_SAVE_MAX);
  size_t blen = 0;
  expect_ok(lc_save(c, blob, LC_SAVE_MAX, &blen, &err), &err, "save");
  assert_int_equal(lc_save(c, blob, 1000, &blen, &err), VC_ERR_LIMIT);
  expect_ok(lc_save(c, blob, LC_SAVE_MAX, &blen, &err), &err, "save");
  lc_client *d = calloc(1, sizeof *d);
  lc_init(d, cfg, checkpoint);
  expect_ok(lc_load(d, vc_bytes_of(blob, blen), &err), &err, "load");
  assert_memory_equal(&d->finalized_header, &c->finalized_header, sizeof d->finalized_header);
  assert_memory_equal(&d->optimistic_header, &c->optimistic_header, sizeof d->optimistic_header);
  assert_memory_equal(d->next_committee_root, c->next_committee_root, 32);
  assert_true(d->next_known);
  lc_request r1, r2;
  lc_next_request(c, NOW_SLOT, &r1);
  lc_next_request(d, NOW_SLOT, &r2);
  assert_memory_equal(&r1, &r2, sizeof r1);
  blob[blen / 2] ^= 1;
  lc_init(d, cfg, checkpoint);
  assert_int_equal(lc_load(d, vc_bytes_of(blob, blen), &err), VC_ERR_MISMATCH);
  assert_false(d->bootstrapped);
  blob[blen / 2] ^= 1;
  assert_int_not_equal(lc_load(d, vc_bytes_of(blob, blen - 1), &err), VC_OK);
  /* A consistent checksum over a changed committee key: the committee root catches it. */
  uint8_t *key = memmem(blob, blen, c->current_sync_committee.pubkeys[7], 48);
  assert_non_null(key);
  key[3] ^= 1;
  struct sha256_ctx sh;
  sha256_init(&sh);
  sha256_update(&sh, blen - 32, blob);
  sha256_digest(&sh, 32, blob + blen - 32);
  lc_init(d, cfg, checkpoint);
  assert_int_equal(lc_load(d, vc_bytes_of(blob, blen), &err), VC_ERR_MISMATCH);
  assert_non_null(strstr(err.msg, "committee"));
  assert_false(d->bootstrapped);
  key[3] ^= 1;
  sha256_init(&sh);
  sha256_update(&sh, blen - 32, blob);
  sha256_digest(&sh, 32, blob + blen - 32);
  expect_ok(lc_load(d, vc_bytes_of(blob, blen), &err), &err, "reload");
  lc_init(d, lc_chain_config_get("sepolia"), checkpoint);
  assert_int_equal(lc_load(d, vc_bytes_of(blob, blen), &err), VC_ERR_MISMATCH);
  assert_false(d->bootstrapped);
  lc_free(d);
  free(d);
  free(blob);
  lc_free(c);
  free(c);
  free(b);
  free(u);
}

/* JSON decoding rejects what the SSZ decoder would: wrong shapes and sizes. */
static void test_json_rejects(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(dir, NIMBUS "lc_finality.json");
  (void)dir;
  lc_update *u = malloc(sizeof *u);
  vc_err err;
  json_t *j = load_json(NIMBUS "lc_finality.json");
  json_t *data = json_object_get(j, "data");
  expect_ok(lc_update_from_json(u, LC_KIND_FINALITY, "fulu", data, 512, &err), &err, "ok");
  assert_int_equal(lc_update_from_json(u, LC_KIND_FINALITY, "gloas", data, 512, &err),
                   VC_ERR_INPUT);
  /* Fulu data read as Deneb: the finality branch has the wrong length. */
  assert_int_equal(lc_update_from_json(u, LC_KIND_FINALITY, "deneb", data, 512, &err),
                   VC_ERR_INPUT);
  assert_non_null(strstr(err.msg, "finality_branch"));
  json_t *beacon = json_object_get(json_object_get(data, "attested_header"), "beacon");
  json_object_set_new(beacon, "slot", json_string("18446744073709551616"));
  assert_int_equal(lc_update_from_json(u, LC_KIND_FINALITY, "fulu", data, 512, &err),
                   VC_ERR_INPUT);
  assert_non_null(strstr(err.msg, "attested_header.beacon.slot"));
  json_object_set_new(beacon, "slot", json_string("-1"));
  assert_int_equal(lc_update_from_json(u, LC_KIND_FINALITY, "fulu", data, 512, &err),
                   VC_ERR_INPUT);
  json_object_set_new(beacon, "slot", json_string("14018019"));
  json_t *exec = json_object_get(json_object_get(data, "attested_header"), "execution");
  json_object_set_new(exec, "extra_data", json_string("0x"
                                                      "00112233445566778899aabbccddeeff"
                                                      "00112233445566778899aabbccddeeff00"));
  assert_int_equal(lc_update_from_json(u, LC_KIND_FINALITY, "fulu", data, 512, &err),
                   VC_ERR_INPUT);
  json_object_set_new(exec, "extra_data", json_string("0x01"));
  json_object_set_new(exec, "fee_recipient", json_string("0x1234"));
  assert_int_equal(lc_update_from_json(u, LC_KIND_FINALITY, "fulu", data, 512, &err),
                   VC_ERR_INPUT);
  json_object_del(exec, "fee_recipient");
  assert_int_equal(lc_update_from_json(u, LC_KIND_FINALITY, "fulu", data, 512, &err),
                   VC_ERR_INPUT);
  assert_int_equal(lc_update_from_json(u, LC_KIND_FINALITY, "fulu", NULL, 512, &err),
                   VC_ERR_INPUT);
  json_decref(j);
  free(u);
}

/* ---------------------------------------------------------------- colibri SSZ */

static void colibri_case(const char *dir, const char *boot, const char *updates,
                         uint64_t want_period, lc_fork want_fork) {
  char rel[512];
  snprintf(rel, sizeof rel, COLIBRI "%s/%s", dir, boot);
  FIXTURE_OR_SKIP(path, rel);
  (void)path;
  const lc_chain_config *cfg = lc_chain_config_get("mainnet");
  size_t len;
  uint8_t *buf = load_bin(rel, &len);
  lc_bootstrap *b = malloc(sizeof *b);
  lc_update *u = malloc(sizeof *u);
  lc_client *c = calloc(1, sizeof *c);
  vc_err err = {{0}};
  expect_ok(lc_decode_bootstrap_auto(b, cfg, vc_bytes_of(buf, len), &err), &err, "bootstrap");
  free(buf);
  assert_int_equal(b->fork, want_fork);
  /* The file name holds only a prefix of the root: the test checks the prefix (in
   * test_ssz) and trusts the bootstrap's own root as the checkpoint. */
  uint8_t root[32];
  lc_beacon_header_root(&b->header.beacon, root);
  lc_init(c, cfg, root);
  expect_ok(lc_process_bootstrap(c, b, &err), &err, "bootstrap");
  assert_int_equal(lc_period_at_slot(cfg, b->header.beacon.slot), want_period);

  snprintf(rel, sizeof rel, COLIBRI "%s/%s", dir, updates);
  buf = load_bin(rel, &len);
  vc_bytes cur = vc_bytes_of(buf, len), payload;
  uint8_t digest[4], want_digest[4];
  expect_ok(lc_stream_next(&cur, digest, &payload, &err), &err, "stream");
  expect_ok(lc_decode_update_auto(u, cfg, payload, &err), &err, "update");
  lc_fork_digest(cfg, cfg->fork_version[u->fork], want_digest);
  assert_memory_equal(digest, want_digest, 4);
  /* The same stream with a junk item appended: the real update is applied, the junk is
   * reported by its position. */
  uint8_t *longer = calloc(1, len + 22);
  memcpy(longer, buf, len);
  longer[len] = 14; /* u64 length: digest + 10 bytes */
  memset(longer + len + 12, 0xee, 10);
  size_t done = 0;
  assert_int_not_equal(
      lc_process_update_stream(c, vc_bytes_of(longer, len + 22), NOW_SLOT, u, &done, &err), VC_OK);
  assert_int_equal(done, 1);
  assert_non_null(strstr(err.msg, "update 1 of the stream"));
  assert_true(c->next_known);
  free(longer);
  free(buf);
  lc_free(c);
  free(c);
  free(u);
  free(b);
}

static void test_colibri_electra(void **state) {
  (void)state;
  colibri_case("eth_blockNumber_electra",
               "eth_v1_beacon_light_client_bootstrap_"
               "0xb8758d4bd976e1b33e62937ed31a709dba0a855869641581bef3d2a48b527.ssz",
               "eth_v1_beacon_light_client_updates_start_period_1422_count_1.ssz", 1422,
               LC_FORK_ELECTRA);
}

static void test_colibri_deneb_and_type4(void **state) {
  (void)state;
  if (!long_chains()) {
    fprintf(stderr, "note: sanitized build, skipping extra 512-key committees\n");
    skip();
  }
  colibri_case("eth_getBlockByNumber_electra",
               "eth_v1_beacon_light_client_bootstrap_"
               "0xd9717ecc253684291f828688f311ba74d05af74c31654f6e14077669fca62.ssz",
               "eth_v1_beacon_light_client_updates_start_period_1421_count_1.ssz", 1421,
               LC_FORK_DENEB);
  colibri_case("eth_getTransaction_Type_4",
               "eth_v1_beacon_light_client_bootstrap_"
               "0x318d7c4a0013bc0527d1897557330bf25fc2edb0fa48d385d89d9efb4824b.ssz",
               "eth_v1_beacon_light_client_updates_start_period_1428_count_1.ssz", 1428,
               LC_FORK_ELECTRA);
}

/* 14 consecutive Deneb period updates. The store starts from the committee of period
 * 1393 carried by the period-1392 update (the test's trusted starting point: its branch
 * is checked against that update's attested state root), and must end holding the
 * committee of the period-1407 bootstrap. */
static void test_colibri_long_range(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, COLIBRI "trusted_block1/eth_v1_beacon_light_client_updates_start_period_1392_count_1.ssz");
  (void)path;
  if (!long_chains()) {
    fprintf(stderr, "note: sanitized build, skipping the 14-period chain (VERITY_LC_LONG=1)\n");
    skip();
  }
  const lc_chain_config *cfg = lc_chain_config_get("mainnet");
  lc_update *u = malloc(sizeof *u);
  lc_bootstrap *b = malloc(sizeof *b);
  lc_client *c = calloc(1, sizeof *c);
  vc_err err = {{0}};
  size_t len;
  uint8_t digest[4];
  vc_bytes cur, payload;
  uint8_t *buf = load_bin(COLIBRI "trusted_block1/eth_v1_beacon_light_client_updates_start_period_1392_count_1.ssz", &len);
  cur = vc_bytes_of(buf, len);
  expect_ok(lc_stream_next(&cur, digest, &payload, &err), &err, "stream");
  expect_ok(lc_decode_update_auto(u, cfg, payload, &err), &err, "update 1392");
  free(buf);
  uint8_t root[32];
  expect_ok(lc_sync_committee_root(&u->next_sync_committee, 512, root, &err), &err, "root");
  expect_ok(ssz_verify_normalized(root, (const uint8_t(*)[32])u->next_sync_committee_branch,
                                  u->next_branch_len, 55, u->attested_header.beacon.state_root,
                                  &err),
            &err, "1392 next committee branch");
  lc_init(c, cfg, root);
  c->bootstrapped = true;
  c->finalized_header = u->finalized_header;
  c->optimistic_header = u->attested_header;
  c->next_sync_committee = u->next_sync_committee;
  memcpy(c->next_committee_root, root, 32);
  c->next_known = true;
  /* The period-1392 committee is unknown: make it unusable (a signature in 1392 fails). */
  memset(&c->current_sync_committee, 0, sizeof c->current_sync_committee);

  buf = load_bin(COLIBRI "trusted_block1/eth_v1_beacon_light_client_updates_start_period_1393_count_14.ssz", &len);
  cur = vc_bytes_of(buf, len);
  int n = 0;
  while (lc_stream_next(&cur, digest, &payload, &err) == VC_OK) {
    expect_ok(lc_decode_update_auto(u, cfg, payload, &err), &err, "update");
    expect_ok(lc_process_update(c, u, NOW_SLOT, &err), &err, "process update");
    assert_int_equal(lc_period_at_slot(cfg, c->finalized_header.beacon.slot), 1393 + (uint64_t)n);
    n++;
  }
  free(buf);
  assert_int_equal(n, 14);
  assert_int_equal(c->pk_decompressions, 14);
  buf = load_bin(COLIBRI "trusted_block1/eth_v1_beacon_light_client_bootstrap_"
                         "0xfc728271f234a95e04a101d2dc01717cd8e88edbc694f8a5377e396b08ff2.ssz",
                 &len);
  expect_ok(lc_decode_bootstrap_auto(b, cfg, vc_bytes_of(buf, len), &err), &err, "bootstrap");
  free(buf);
  assert_memory_equal(&b->current_sync_committee, &c->next_sync_committee,
                      sizeof b->current_sync_committee);
  lc_free(c);
  free(c);
  free(b);
  free(u);
}

/* ---------------------------------------------------------------- measurement */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* VERITY_LC_BENCH=1: time one full period update (nimbus Fulu, 512 signers): cold (the
 * committee is decompressed first) and warm (keys cached), plus its parts. */
static void test_bench_period_update(void **state) {
  (void)state;
  if (!getenv("VERITY_LC_BENCH")) {
    fprintf(stderr, "note: set VERITY_LC_BENCH=1 to measure the period update\n");
    skip();
  }
  FIXTURE_OR_SKIP(dir, NIMBUS "lc_bootstrap.json");
  (void)dir;
  const lc_chain_config *cfg = lc_chain_config_get("mainnet");
  lc_bootstrap *b = malloc(sizeof *b);
  lc_update *u = malloc(sizeof *u);
  lc_client *c = calloc(1, sizeof *c);
  vc_err err = {{0}};
  json_t *j = load_json(NIMBUS "lc_bootstrap.json");
  expect_ok(lc_bootstrap_from_response(b, j, 512, &err), &err, "bootstrap json");
  json_decref(j);
  j = load_json(NIMBUS "lc_updates.json");
  expect_ok(lc_update_from_response(u, LC_KIND_UPDATE, json_array_get(j, 0), 512, &err), &err,
            "update json");
  json_decref(j);
  uint8_t root[32];
  lc_beacon_header_root(&b->header.beacon, root);
  const int rounds = 20;
  double cold = 0, warm = 0, committee_root = 0;
  for (int r = 0; r < rounds; r++) {
    lc_init(c, cfg, root);
    expect_ok(lc_process_bootstrap(c, b, &err), &err, "bootstrap");
    double t0 = now_ms();
    expect_ok(lc_validate_update(c, u, NOW_SLOT, &err), &err, "cold");
    double t1 = now_ms();
    expect_ok(lc_validate_update(c, u, NOW_SLOT, &err), &err, "warm");
    double t2 = now_ms();
    uint8_t cr[32];
    expect_ok(lc_sync_committee_root(&u->next_sync_committee, 512, cr, &err), &err, "root");
    double t3 = now_ms();
    cold += t1 - t0;
    warm += t2 - t1;
    committee_root += t3 - t2;
    lc_free(c);
  }
  fprintf(stderr,
          "lc bench: full period update (512 keys, 512 signers), mean of %d:\n"
          "  cold (decompress committee + verify): %.3f ms\n"
          "  warm (keys cached):                   %.3f ms\n"
          "  of which next-committee hash_tree_root: %.3f ms\n",
          rounds, cold / rounds, warm / rounds, committee_root / rounds);
  free(c);
  free(u);
  free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_helios_capella_chain),
      cmocka_unit_test(test_nimbus_fulu_chain),
      cmocka_unit_test(test_json_rejects),
      cmocka_unit_test(test_colibri_electra),
      cmocka_unit_test(test_colibri_deneb_and_type4),
      cmocka_unit_test(test_colibri_long_range),
      cmocka_unit_test(test_bench_period_update),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
