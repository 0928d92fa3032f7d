/*
 * test_lightclient.c: the sync protocol (src/core/lightclient/lc.c) against the official
 * consensus-spec-tests light_client/sync vectors (minimal preset, Deneb and Electra) and
 * rejection tests built from the same real data.
 *
 * Each spec case is run step by step: meta.yaml gives the genesis validators root and the
 * trusted block root, config.yaml the fork versions and epochs, steps.yaml the
 * process_update / force_update steps with the expected finalized and optimistic header
 * (slot, beacon root, execution root) after each one. Updates are the raw .ssz files in
 * helios-derived (snappy-decompressed copies of the spec files). The BLS signature of
 * every update is checked by the real src/core/bls code.
 */
#include "testutil.h"

#include <yaml.h>

#include "core/lightclient/lc.h"
#include "core/lightclient/ssz.h"

#define SPEC_SSZ "helios-derived/consensus-core-testdata-ssz"
#define SPEC_YAML "helios/ethereum/consensus-core/testdata"

/* ---------------------------------------------------------------- tiny YAML access */

typedef struct {
  yaml_document_t doc;
  bool loaded;
} ydoc;

static bool ydoc_load(ydoc *d, const char *path) {
  FILE *f = fopen(path, "rb");
  yaml_parser_t p;
  d->loaded = false;
  if (!f) return false;
  yaml_parser_initialize(&p);
  yaml_parser_set_input_file(&p, f);
  d->loaded = yaml_parser_load(&p, &d->doc) == 1;
  yaml_parser_delete(&p);
  fclose(f);
  return d->loaded;
}

static void ydoc_free(ydoc *d) {
  if (d->loaded) yaml_document_delete(&d->doc);
  d->loaded = false;
}

static yaml_node_t *ymap_get(ydoc *d, yaml_node_t *map, const char *key) {
  if (!map || map->type != YAML_MAPPING_NODE) return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);
    if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
      return yaml_document_get_node(&d->doc, p->value);
  }
  return NULL;
}

static const char *yscalar(yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static uint64_t yu64(yaml_node_t *n) {
  const char *s = yscalar(n);
  assert_non_null(s);
  char *end = NULL;
  uint64_t v = strtoull(s, &end, 0);
  assert_true(end && *end == 0);
  return v;
}

static void yhex(yaml_node_t *n, uint8_t *out, size_t len) {
  const char *s = yscalar(n);
  assert_non_null(s);
  assert_int_equal(test_unhex(s, out, len), (long)len);
}

/* ---------------------------------------------------------------- spec-test runner */

static const char *const fork_keys[LC_FORK_COUNT] = {"ALTAIR", "BELLATRIX", "CAPELLA",
                                                      "DENEB",  "ELECTRA",   "FULU"};

static void load_config(const char *dir, lc_chain_config *cfg, const uint8_t gvr[32]) {
  char path[512], key[64];
  snprintf(path, sizeof path, "%s/config.yaml", dir);
  ydoc d;
  assert_true(ydoc_load(&d, path));
  yaml_node_t *root = yaml_document_get_root_node(&d.doc);
  lc_chain_config_minimal(cfg, gvr, LC_FORK_FULU);
  yhex(ymap_get(&d, root, "GENESIS_FORK_VERSION"), cfg->genesis_fork_version, 4);
  for (int f = 0; f < LC_FORK_COUNT; f++) {
    snprintf(key, sizeof key, "%s_FORK_VERSION", fork_keys[f]);
    yaml_node_t *v = ymap_get(&d, root, key);
    snprintf(key, sizeof key, "%s_FORK_EPOCH", fork_keys[f]);
    yaml_node_t *e = ymap_get(&d, root, key);
    if (v && e) {
      yhex(v, cfg->fork_version[f], 4);
      cfg->fork_epoch[f] = yu64(e);
    } else {
      cfg->fork_epoch[f] = LC_FAR_FUTURE;
    }
  }
  ydoc_free(&d);
}

/* Fork whose digest (under cfg) equals the given one. */
static lc_fork fork_of_digest(const lc_chain_config *cfg, const uint8_t digest[4]) {
  for (int f = LC_FORK_COUNT - 1; f >= 0; f--) {
    uint8_t d[4];
    if (cfg->fork_epoch[f] == LC_FAR_FUTURE) continue;
    lc_fork_digest(cfg, cfg->fork_version[f], d);
    if (memcmp(d, digest, 4) == 0) return (lc_fork)f;
  }
  fail_msg("unknown fork digest");
  return LC_FORK_ALTAIR;
}

static uint8_t *load_ssz(const char *rel, size_t *len) {
  const char *path = fixture_path(rel);
  assert_non_null(path);
  uint8_t *buf = (uint8_t *)read_file(path, len);
  if (!buf) fail_msg("cannot read %s", rel);
  return buf;
}

static void check_header(ydoc *d, yaml_node_t *want, const lc_chain_config *cfg,
                         const lc_header *h, const char *what, size_t step) {
  uint8_t root[32], exp[32];
  vc_err err;
  if (h->beacon.slot != yu64(ymap_get(d, want, "slot")))
    fail_msg("step %zu: %s slot %llu, expected %llu", step, what,
             (unsigned long long)h->beacon.slot,
             (unsigned long long)yu64(ymap_get(d, want, "slot")));
  lc_beacon_header_root(&h->beacon, root);
  yhex(ymap_get(d, want, "beacon_root"), exp, 32);
  assert_memory_equal(root, exp, 32);
  assert_int_equal(lc_execution_root(cfg, h, root, &err), VC_OK);
  yhex(ymap_get(d, want, "execution_root"), exp, 32);
  assert_memory_equal(root, exp, 32);
}

/* Save the store and continue with a client restored from the blob. */
static lc_client *roundtrip(lc_client *c) {
  uint8_t *blob = malloc(LC_SAVE_MAX);
  size_t len = 0;
  vc_err err;
  if (lc_save(c, blob, LC_SAVE_MAX, &len, &err) != VC_OK) fail_msg("save: %s", err.msg);
  lc_client *d = malloc(sizeof *d);
  lc_init(d, &c->cfg, c->checkpoint);
  if (lc_load(d, vc_bytes_of(blob, len), &err) != VC_OK) fail_msg("load: %s", err.msg);
  assert_memory_equal(&d->finalized_header, &c->finalized_header, sizeof d->finalized_header);
  assert_int_equal(d->has_best_update, c->has_best_update);
  if (c->has_best_update)
    assert_memory_equal(&d->best_valid_update, &c->best_valid_update, sizeof(lc_update));
  lc_free(c);
  free(c);
  free(blob);
  return d;
}

static void run_spec_case_mode(const char *fork_dir, const char *case_name, lc_fork boot_fork,
                               bool persist) {
  char rel[512], dir[512];
  snprintf(rel, sizeof rel, SPEC_YAML "/%s/%s", fork_dir, case_name);
  FIXTURE_OR_SKIP(dpath, rel);
  snprintf(dir, sizeof dir, "%s", dpath);
  char path[600];
  ydoc meta, steps;
  snprintf(path, sizeof path, "%s/meta.yaml", dir);
  assert_true(ydoc_load(&meta, path));
  yaml_node_t *mroot = yaml_document_get_root_node(&meta.doc);
  uint8_t gvr[32], trusted[32];
  yhex(ymap_get(&meta, mroot, "genesis_validators_root"), gvr, 32);
  yhex(ymap_get(&meta, mroot, "trusted_block_root"), trusted, 32);
  ydoc_free(&meta);

  lc_chain_config cfg;
  load_config(dir, &cfg, gvr);
  size_t len = 0;
  snprintf(rel, sizeof rel, SPEC_SSZ "/%s/%s/bootstrap.ssz", fork_dir, case_name);
  uint8_t *buf = load_ssz(rel, &len);
  lc_bootstrap *b = malloc(sizeof *b);
  lc_update *u = malloc(sizeof *u);
  lc_client *c = malloc(sizeof *c);
  vc_err err = {{0}};
  assert_int_equal(lc_decode_bootstrap(b, boot_fork, 32, vc_bytes_of(buf, len), &err), VC_OK);
  free(buf);
  lc_init(c, &cfg, trusted);
  if (lc_process_bootstrap(c, b, &err) != VC_OK) fail_msg("bootstrap: %s", err.msg);

  snprintf(path, sizeof path, "%s/steps.yaml", dir);
  assert_true(ydoc_load(&steps, path));
  yaml_node_t *list = yaml_document_get_root_node(&steps.doc);
  assert_int_equal(list->type, YAML_SEQUENCE_NODE);
  size_t i = 0;
  for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top;
       it++, i++) {
    yaml_node_t *step = yaml_document_get_node(&steps.doc, *it);
    yaml_node_t *pu = ymap_get(&steps, step, "process_update");
    yaml_node_t *fu = ymap_get(&steps, step, "force_update");
    yaml_node_t *body = pu ? pu : fu;
    assert_non_null(body);
    uint64_t current_slot = yu64(ymap_get(&steps, body, "current_slot"));
    if (pu) {
      uint8_t digest[4];
      yhex(ymap_get(&steps, pu, "update_fork_digest"), digest, 4);
      snprintf(rel, sizeof rel, SPEC_SSZ "/%s/%s/%s.ssz", fork_dir, case_name,
               yscalar(ymap_get(&steps, pu, "update")));
      buf = load_ssz(rel, &len);
      assert_int_equal(
          lc_decode_update(u, fork_of_digest(&cfg, digest), 32, vc_bytes_of(buf, len), &err),
          VC_OK);
      free(buf);
      if (lc_process_update(c, u, current_slot, &err) != VC_OK)
        fail_msg("step %zu (%s): %s", i, rel, err.msg);
    } else {
      (void)lc_process_force_update(c, current_slot);
    }
    if (persist) c = roundtrip(c);
    yaml_node_t *checks = ymap_get(&steps, body, "checks");
    check_header(&steps, ymap_get(&steps, checks, "finalized_header"), &cfg, &c->finalized_header,
                 "finalized", i);
    check_header(&steps, ymap_get(&steps, checks, "optimistic_header"), &cfg,
                 &c->optimistic_header, "optimistic", i);
  }
  ydoc_free(&steps);
  assert_true(i > 0);
  lc_free(c);
  free(c);
  free(u);
  free(b);
}

static void run_spec_case(const char *fork_dir, const char *case_name, lc_fork boot_fork) {
  run_spec_case_mode(fork_dir, case_name, boot_fork, false);
}

/* The same cases with the store saved and restored after every step. */
static void test_spec_persisted(void **s) {
  (void)s;
  run_spec_case_mode("deneb", "light_client_sync", LC_FORK_DENEB, true);
  run_spec_case_mode("electra", "light_client_sync", LC_FORK_ELECTRA, true);
  run_spec_case_mode("electra", "advance_finality_without_sync_committee", LC_FORK_ELECTRA, true);
}

static void test_spec_deneb_sync(void **s) {
  (void)s;
  run_spec_case("deneb", "light_client_sync", LC_FORK_DENEB);
}
static void test_spec_deneb_advance_finality(void **s) {
  (void)s;
  run_spec_case("deneb", "advance_finality_without_sync_committee", LC_FORK_DENEB);
}
static void test_spec_deneb_past_update(void **s) {
  (void)s;
  run_spec_case("deneb", "supply_sync_committee_from_past_update", LC_FORK_DENEB);
}
static void test_spec_electra_sync(void **s) {
  (void)s;
  run_spec_case("electra", "light_client_sync", LC_FORK_ELECTRA);
}
static void test_spec_electra_advance_finality(void **s) {
  (void)s;
  run_spec_case("electra", "advance_finality_without_sync_committee", LC_FORK_ELECTRA);
}
static void test_spec_electra_past_update(void **s) {
  (void)s;
  run_spec_case("electra", "supply_sync_committee_from_past_update", LC_FORK_ELECTRA);
}

/* ---------------------------------------------------------------- rejections */

#define REJ_CASE SPEC_YAML "/electra/light_client_sync"
#define REJ_SSZ SPEC_SSZ "/electra/light_client_sync"
#define REJ_UPDATE "update_0xed3633b21718e0ad4f0eafca7349e20d78c2bd1128e9fb52ce63e60732635ade_sf.ssz"
#define REJ_SLOT 41

typedef struct {
  lc_chain_config cfg;
  uint8_t trusted[32];
  lc_bootstrap *b;
  lc_update *u;
  lc_client *c;
} rej_ctx;

static int rej_setup(void **state) {
  const char *dpath = fixture_path(REJ_CASE);
  if (!dpath) {
    *state = NULL;
    return 0;
  }
  rej_ctx *x = calloc(1, sizeof *x);
  char dir[512], path[600];
  snprintf(dir, sizeof dir, "%s", dpath);
  ydoc meta;
  snprintf(path, sizeof path, "%s/meta.yaml", dir);
  if (!ydoc_load(&meta, path)) return -1;
  yaml_node_t *root = yaml_document_get_root_node(&meta.doc);
  uint8_t gvr[32];
  yhex(ymap_get(&meta, root, "genesis_validators_root"), gvr, 32);
  yhex(ymap_get(&meta, root, "trusted_block_root"), x->trusted, 32);
  ydoc_free(&meta);
  load_config(dir, &x->cfg, gvr);
  x->b = malloc(sizeof *x->b);
  x->u = malloc(sizeof *x->u);
  x->c = calloc(1, sizeof *x->c);
  size_t len;
  vc_err err;
  uint8_t *buf = load_ssz(REJ_SSZ "/bootstrap.ssz", &len);
  if (lc_decode_bootstrap(x->b, LC_FORK_ELECTRA, 32, vc_bytes_of(buf, len), &err) != VC_OK) return -1;
  free(buf);
  buf = load_ssz(REJ_SSZ "/" REJ_UPDATE, &len);
  if (lc_decode_update(x->u, LC_FORK_ELECTRA, 32, vc_bytes_of(buf, len), &err) != VC_OK) return -1;
  free(buf);
  lc_init(x->c, &x->cfg, x->trusted);
  if (lc_process_bootstrap(x->c, x->b, &err) != VC_OK) return -1;
  *state = x;
  return 0;
}

static int rej_teardown(void **state) {
  rej_ctx *x = *state;
  if (!x) return 0;
  lc_free(x->c);
  free(x->c);
  free(x->u);
  free(x->b);
  free(x);
  return 0;
}

#define REJ_OR_SKIP(x, state)                                                      \
  rej_ctx *x = *(state);                                                           \
  do {                                                                             \
    if (!x) {                                                                      \
      fprintf(stderr, "skip: ../shared/fixtures absent, needs %s\n", REJ_CASE);    \
      skip();                                                                      \
    }                                                                              \
  } while (0)

/* Validate a tampered copy; the store must not change. */
static vc_status try_update(rej_ctx *x, const lc_update *u, uint64_t slot, vc_err *err) {
  lc_header fin = x->c->finalized_header, opt = x->c->optimistic_header;
  vc_status st = lc_process_update(x->c, u, slot, err);
  if (st != VC_OK) {
    assert_memory_equal(&fin, &x->c->finalized_header, sizeof fin);
    assert_memory_equal(&opt, &x->c->optimistic_header, sizeof opt);
  }
  return st;
}

static void test_reject_tampering(void **state) {
  REJ_OR_SKIP(x, state);
  vc_err err;
  lc_update *t = malloc(sizeof *t);
  assert_int_equal(lc_validate_update(x->c, x->u, REJ_SLOT, &err), VC_OK);

  *t = *x->u; /* tampered signature */
  t->sync_aggregate.signature[40] ^= 0x01;
  assert_int_not_equal(try_update(x, t, REJ_SLOT, &err), VC_OK);

  *t = *x->u; /* one signer dropped: the aggregate no longer matches */
  for (int i = 0; i < 32; i++)
    if (t->sync_aggregate.bits[i / 8] >> (i % 8) & 1) {
      t->sync_aggregate.bits[i / 8] &= (uint8_t) ~(1u << (i % 8));
      break;
    }
  assert_int_equal(try_update(x, t, REJ_SLOT, &err), VC_ERR_MISMATCH);

  *t = *x->u; /* flipped finality branch byte */
  t->finality_branch[3][7] ^= 0x80;
  assert_int_equal(try_update(x, t, REJ_SLOT, &err), VC_ERR_MISMATCH);
  assert_non_null(strstr(err.msg, "finality"));

  *t = *x->u; /* flipped next-sync-committee branch byte */
  t->next_sync_committee_branch[5][0] ^= 0x01;
  assert_int_equal(try_update(x, t, REJ_SLOT, &err), VC_ERR_MISMATCH);

  *t = *x->u; /* a different next committee */
  t->next_sync_committee.pubkeys[3][10] ^= 0x01;
  assert_int_equal(try_update(x, t, REJ_SLOT, &err), VC_ERR_MISMATCH);

  *t = *x->u; /* execution branch of the attested header */
  t->attested_header.execution_branch[2][31] ^= 0x01;
  assert_int_equal(try_update(x, t, REJ_SLOT, &err), VC_ERR_MISMATCH);

  *t = *x->u; /* attested header changed after signing */
  t->attested_header.beacon.proposer_index ^= 1;
  assert_int_not_equal(try_update(x, t, REJ_SLOT, &err), VC_OK);

  *t = *x->u; /* no participants at all */
  memset(t->sync_aggregate.bits, 0, sizeof t->sync_aggregate.bits);
  assert_int_equal(try_update(x, t, REJ_SLOT, &err), VC_ERR_MISMATCH);
  assert_non_null(strstr(err.msg, "participants"));

  /* From a future slot: the wall clock has not reached signature_slot. */
  assert_int_equal(try_update(x, x->u, x->u->signature_slot - 1, &err), VC_ERR_MISMATCH);
  assert_non_null(strstr(err.msg, "slots out of order"));
  free(t);
  /* And the untouched update still applies. */
  assert_int_equal(try_update(x, x->u, REJ_SLOT, &err), VC_OK);
}

static void test_reject_wrong_fork_version(void **state) {
  REJ_OR_SKIP(x, state);
  vc_err err;
  lc_client *c = calloc(1, sizeof *c);
  lc_chain_config cfg = x->cfg;
  cfg.fork_version[LC_FORK_ELECTRA][0] ^= 0x10;
  lc_init(c, &cfg, x->trusted);
  assert_int_equal(lc_process_bootstrap(c, x->b, &err), VC_OK);
  assert_int_equal(lc_process_update(c, x->u, REJ_SLOT, &err), VC_ERR_MISMATCH);
  assert_non_null(strstr(err.msg, "signature"));
  /* A wrong genesis validators root changes the domain the same way. */
  lc_free(c);
  cfg = x->cfg;
  cfg.genesis_validators_root[0] ^= 1;
  lc_init(c, &cfg, x->trusted);
  assert_int_equal(lc_process_bootstrap(c, x->b, &err), VC_OK);
  assert_int_equal(lc_process_update(c, x->u, REJ_SLOT, &err), VC_ERR_MISMATCH);
  lc_free(c);
  free(c);
}

static void test_reject_bootstrap(void **state) {
  REJ_OR_SKIP(x, state);
  vc_err err;
  lc_client *c = calloc(1, sizeof *c);
  uint8_t other[32];
  memcpy(other, x->trusted, 32);
  other[31] ^= 1;
  lc_init(c, &x->cfg, other);
  assert_int_equal(lc_process_bootstrap(c, x->b, &err), VC_ERR_MISMATCH);
  assert_non_null(strstr(err.msg, "checkpoint"));
  assert_false(c->bootstrapped);
  /* Updates before a bootstrap are refused. */
  assert_int_equal(lc_process_update(c, x->u, REJ_SLOT, &err), VC_ERR_MISSING);
  lc_bootstrap *t = malloc(sizeof *t);
  *t = *x->b;
  t->current_sync_committee.pubkeys[0][5] ^= 1;
  lc_init(c, &x->cfg, x->trusted);
  assert_int_equal(lc_process_bootstrap(c, t, &err), VC_ERR_MISMATCH);
  *t = *x->b;
  t->current_sync_committee_branch[4][0] ^= 1;
  assert_int_equal(lc_process_bootstrap(c, t, &err), VC_ERR_MISMATCH);
  *t = *x->b;
  t->current_sync_committee_branch[0][0] ^= 1; /* the leaf-side sibling */
  assert_int_not_equal(lc_process_bootstrap(c, t, &err), VC_OK);
  assert_int_equal(lc_process_bootstrap(c, x->b, &err), VC_OK);
  assert_int_equal(lc_process_bootstrap(c, x->b, &err), VC_ERR_INPUT); /* only once */
  free(t);
  lc_free(c);
  free(c);
}

/* ---------------------------------------------------------------- config, planner */

static void test_chain_configs(void **state) {
  (void)state;
  const lc_chain_config *m = lc_chain_config_get("mainnet");
  assert_non_null(m);
  assert_null(lc_chain_config_get("holesky-typo"));
  assert_int_equal(lc_chain_config_get("sepolia")->genesis_validators_root[0], 0xd8);
  assert_int_equal(lc_chain_config_get("hoodi")->genesis_validators_root[0], 0x21);
  assert_int_equal(lc_fork_at_epoch(m, 0), LC_FORK_ALTAIR);
  assert_int_equal(lc_fork_at_epoch(m, 194048), LC_FORK_CAPELLA);
  assert_int_equal(lc_fork_at_epoch(m, 364031), LC_FORK_DENEB);
  assert_int_equal(lc_fork_at_epoch(m, 364032), LC_FORK_ELECTRA);
  assert_int_equal(lc_fork_at_epoch(m, 411392), LC_FORK_FULU);
  assert_int_equal(lc_fork_at_epoch(lc_chain_config_get("hoodi"), 0), LC_FORK_DENEB);
  uint8_t v[4];
  lc_fork_version_at_epoch(m, 74239, v);
  assert_int_equal(v[0], 0x00);
  lc_fork_version_at_epoch(m, 74240, v);
  assert_int_equal(v[0], 0x01);
  lc_fork_version_at_epoch(m, 1u << 30, v);
  assert_int_equal(v[0], 0x06);
  assert_int_equal(lc_slot_at_time(m, m->genesis_time + 12 * 100 + 11), 100);
  assert_int_equal(lc_slot_at_time(m, m->genesis_time - 1), 0);
  assert_int_equal(lc_period_at_slot(m, 8192 * 3 - 1), 2);
  /* Mainnet sync-committee domain prefix and the known Deneb fork digest. */
  uint8_t d[32], digest[4];
  lc_sync_domain(m, m->fork_version[LC_FORK_DENEB], d);
  assert_int_equal(d[0], 0x07);
  assert_int_equal(d[3], 0x00);
  lc_fork_digest(m, m->fork_version[LC_FORK_DENEB], digest);
  assert_int_equal(digest[0], 0x6a);
  assert_int_equal(digest[3], 0xa9);
  lc_fork f;
  vc_err err;
  assert_int_equal(lc_fork_from_name("electra", &f, &err), VC_OK);
  assert_int_equal(f, LC_FORK_ELECTRA);
  assert_int_equal(lc_fork_from_name("phase0", &f, &err), VC_ERR_INPUT);
}

static void test_planner_and_force(void **state) {
  REJ_OR_SKIP(x, state);
  vc_err err;
  lc_request r;
  lc_client *c = calloc(1, sizeof *c);
  lc_init(c, &x->cfg, x->trusted);
  lc_next_request(c, 100, &r);
  assert_int_equal(r.kind, LC_REQ_BOOTSTRAP);
  assert_memory_equal(r.root, x->trusted, 32);
  lc_exec_anchor a;
  assert_int_equal(lc_finalized_execution(c, &a, &err), VC_ERR_MISSING);
  uint8_t blob[16];
  size_t blen;
  assert_int_equal(lc_save(c, blob, sizeof blob, &blen, &err), VC_ERR_MISSING);
  assert_int_equal(lc_process_bootstrap(c, x->b, &err), VC_OK);
  uint64_t fin = c->finalized_header.beacon.slot; /* minimal: 64 slots per period */
  uint64_t period = fin / 64;
  lc_next_request(c, fin + 1, &r);
  assert_int_equal(r.kind, LC_REQ_UPDATES);
  assert_int_equal(r.start_period, period);
  assert_int_equal(r.count, 1);
  lc_next_request(c, fin + 64 * 200, &r);
  assert_int_equal(r.count, LC_MAX_REQUEST_UPDATES);
  assert_false(lc_process_force_update(c, fin + 1000)); /* nothing to force */
  assert_int_equal(lc_process_update(c, x->u, REJ_SLOT, &err), VC_OK);
  assert_true(c->next_known);
  /* Next committee known, still in the store's period: poll finality / optimistic. */
  uint64_t opt = c->optimistic_header.beacon.slot, fin2 = c->finalized_header.beacon.slot;
  assert_int_equal(fin2, 24);
  assert_int_equal(opt, 40);
  lc_next_request(c, opt, &r); /* epoch 5: the checkpoint at epoch 3 is still current */
  assert_int_equal(r.kind, LC_REQ_NONE);
  lc_next_request(c, 48, &r); /* epoch 6: a newer checkpoint is due */
  assert_int_equal(r.kind, LC_REQ_FINALITY);
  lc_next_request(c, opt + 1, &r);
  assert_int_equal(r.kind, LC_REQ_OPTIMISTIC);
  lc_next_request(c, (c->finalized_header.beacon.slot / 64 + 2) * 64, &r);
  assert_int_equal(r.kind, LC_REQ_UPDATES);
  assert_int_equal(r.start_period, c->finalized_header.beacon.slot / 64 + 1);
  assert_int_equal(r.count, 2);
  lc_free(c);
  free(c);
}

/* is_valid_light_client_header across fork boundaries (Capella at epoch 10, Deneb at 20). */
static void test_header_fork_rules(void **state) {
  (void)state;
  lc_chain_config cfg;
  uint8_t gvr[32] = {0}, root[32], want[32];
  vc_err err;
  lc_chain_config_minimal(&cfg, gvr, LC_FORK_BELLATRIX);
  cfg.fork_epoch[LC_FORK_CAPELLA] = 10;
  cfg.fork_epoch[LC_FORK_DENEB] = 20;
  lc_header h;
  memset(&h, 0, sizeof h);
  h.fork = LC_FORK_DENEB;
  h.beacon.slot = 8 * 5; /* Bellatrix epoch: the execution part must be empty */
  assert_int_equal(lc_check_header(&cfg, &h, &err), VC_OK);
  assert_int_equal(lc_execution_root(&cfg, &h, root, &err), VC_OK);
  assert_true(lc_branch_is_zero((const uint8_t(*)[32])root, 1));
  h.execution.gas_limit = 1;
  assert_int_equal(lc_check_header(&cfg, &h, &err), VC_ERR_MISMATCH);
  h.execution.gas_limit = 0;
  h.execution.extra_data_len = 1; /* a non-empty extra_data is not the default either */
  assert_int_equal(lc_check_header(&cfg, &h, &err), VC_ERR_MISMATCH);
  h.execution.extra_data_len = 0;
  h.execution_branch[3][0] = 1;
  assert_int_equal(lc_check_header(&cfg, &h, &err), VC_ERR_MISMATCH);
  memset(h.execution_branch, 0, sizeof h.execution_branch);

  /* Capella epoch, Deneb container: the Capella root (15 fields); blob gas forbidden. */
  h.beacon.slot = 8 * 15;
  h.execution.block_number = 77;
  assert_int_equal(lc_execution_root(&cfg, &h, root, &err), VC_OK);
  assert_int_equal(lc_exec_header_root(&h.execution, LC_EXEC_FIELDS_CAPELLA, want, &err), VC_OK);
  assert_memory_equal(root, want, 32);
  /* Give it a consistent execution branch: body_root = the root of a depth-4 path. */
  uint8_t node[32];
  memcpy(node, root, 32);
  for (int i = 0; i < 4; i++) {
    memset(h.execution_branch[i], 0x10 + i, 32);
    if ((9 >> i) & 1) /* subtree index of gindex 25 is 9 */
      ssz_hash_pair(h.execution_branch[i], node, node);
    else
      ssz_hash_pair(node, h.execution_branch[i], node);
  }
  memcpy(h.beacon.body_root, node, 32);
  assert_int_equal(lc_check_header(&cfg, &h, &err), VC_OK);
  h.execution.blob_gas_used = 1;
  assert_int_equal(lc_check_header(&cfg, &h, &err), VC_ERR_MISMATCH);
  h.execution.blob_gas_used = 0;
  /* The same header at a Deneb slot hashes with 17 fields: the branch no longer fits. */
  h.beacon.slot = 8 * 25;
  assert_int_equal(lc_check_header(&cfg, &h, &err), VC_ERR_MISMATCH);
  assert_int_equal(lc_execution_root(&cfg, &h, root, &err), VC_OK);
  assert_int_equal(lc_exec_header_root(&h.execution, LC_EXEC_FIELDS_DENEB, want, &err), VC_OK);
  assert_memory_equal(root, want, 32);
  /* An Altair container carries no execution at all and is always structurally valid. */
  h.fork = LC_FORK_ALTAIR;
  assert_int_equal(lc_check_header(&cfg, &h, &err), VC_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spec_deneb_sync),
      cmocka_unit_test(test_spec_deneb_advance_finality),
      cmocka_unit_test(test_spec_deneb_past_update),
      cmocka_unit_test(test_spec_electra_sync),
      cmocka_unit_test(test_spec_electra_advance_finality),
      cmocka_unit_test(test_spec_electra_past_update),
      cmocka_unit_test(test_spec_persisted),
      cmocka_unit_test_setup_teardown(test_reject_tampering, rej_setup, rej_teardown),
      cmocka_unit_test_setup_teardown(test_reject_wrong_fork_version, rej_setup, rej_teardown),
      cmocka_unit_test_setup_teardown(test_reject_bootstrap, rej_setup, rej_teardown),
      cmocka_unit_test(test_chain_configs),
      cmocka_unit_test(test_header_fork_rules),
      cmocka_unit_test_setup_teardown(test_planner_and_force, rej_setup, rej_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
