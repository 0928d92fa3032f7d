/*
 * lc_config.c: the networks the light client knows (one table row each), slot/epoch/
 * period arithmetic, fork schedule lookups, the sync-committee signing domain and fork
 * digests, and decoders that pick the container fork from the data's own slot.
 *
 * Called by lc.c and by the gateway's anchor (to pick a preset and compute the current
 * slot from the wall clock it reads itself). The table values come from the networks'
 * published configs (eth-clients mainnet/sepolia/hoodi metadata/config.yaml); rows are
 * expanded once into lc_chain_config structs (pthread_once) and are read-only after.
 */
#include "core/lightclient/lc.h"
#include "core/lightclient/ssz.h"
#include "core/hex.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const char *name;
  const char *gvr;
  uint64_t genesis_time;
  uint32_t genesis_version;
  uint32_t version[LC_FORK_COUNT];
  uint64_t epoch[LC_FORK_COUNT];
} network_row;

/* Fork order: Altair, Bellatrix, Capella, Deneb, Electra, Fulu. */
static const network_row networks[] = {
    {"mainnet", "0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95", 1606824023,
     0x00000000,
     {0x01000000, 0x02000000, 0x03000000, 0x04000000, 0x05000000, 0x06000000},
     {74240, 144896, 194048, 269568, 364032, 411392}},
    {"sepolia", "0xd8ea171f3c94aea21ebc42a1ed61052acf3f9209c00e4efbaaddac09ed9b8078", 1655733600,
     0x90000069,
     {0x90000070, 0x90000071, 0x90000072, 0x90000073, 0x90000074, 0x90000075},
     {50, 100, 56832, 132608, 222464, 272640}},
    {"hoodi", "0x212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f", 1742213400,
     0x10000910,
     {0x20000910, 0x30000910, 0x40000910, 0x50000910, 0x60000910, 0x70000910},
     {0, 0, 0, 0, 2048, 50688}},
};
#define NETWORKS (sizeof networks / sizeof networks[0])

static lc_chain_config built[NETWORKS];
static bool built_ok[NETWORKS];
static pthread_once_t built_once = PTHREAD_ONCE_INIT;

static void put_version(uint8_t out[4], uint32_t v) {
  out[0] = (uint8_t)(v >> 24);
  out[1] = (uint8_t)(v >> 16);
  out[2] = (uint8_t)(v >> 8);
  out[3] = (uint8_t)v;
}

static void build_networks(void) {
  for (size_t i = 0; i < NETWORKS; i++) {
    lc_chain_config *c = &built[i];
    const network_row *r = &networks[i];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", r->name);
    built_ok[i] = vc_hex_decode_fixed(r->gvr, strlen(r->gvr), c->genesis_validators_root, 32) ==
                  VC_OK;
    c->genesis_time = r->genesis_time;
    c->seconds_per_slot = 12;
    c->slots_per_epoch = 32;
    c->epochs_per_period = 256;
    c->sync_committee_size = 512;
    put_version(c->genesis_fork_version, r->genesis_version);
    for (int f = 0; f < LC_FORK_COUNT; f++) {
      put_version(c->fork_version[f], r->version[f]);
      c->fork_epoch[f] = r->epoch[f];
    }
  }
}

const lc_chain_config *lc_chain_config_get(const char *name) {
  pthread_once(&built_once, build_networks);
  for (size_t i = 0; i < NETWORKS && name; i++)
    if (strcmp(name, networks[i].name) == 0) return built_ok[i] ? &built[i] : NULL;
  return NULL;
}

void lc_chain_config_minimal(lc_chain_config *out, const uint8_t genesis_validators_root[32],
                             lc_fork last_fork) {
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "minimal");
  memcpy(out->genesis_validators_root, genesis_validators_root, 32);
  out->genesis_time = 1578009600;
  out->seconds_per_slot = 6;
  out->slots_per_epoch = 8;
  out->epochs_per_period = 8;
  out->sync_committee_size = 32;
  put_version(out->genesis_fork_version, 0x00000001);
  for (int f = 0; f < LC_FORK_COUNT; f++) {
    put_version(out->fork_version[f], ((uint32_t)(f + 1) << 24) | 1u);
    out->fork_epoch[f] = f <= (int)last_fork ? 0 : LC_FAR_FUTURE;
  }
}

uint64_t lc_epoch_at_slot(const lc_chain_config *cfg, uint64_t slot) {
  return slot / cfg->slots_per_epoch;
}

uint64_t lc_period_at_slot(const lc_chain_config *cfg, uint64_t slot) {
  return slot / cfg->slots_per_epoch / cfg->epochs_per_period;
}

uint64_t lc_slot_at_time(const lc_chain_config *cfg, uint64_t unix_seconds) {
  if (unix_seconds < cfg->genesis_time || cfg->seconds_per_slot == 0) return 0;
  return (unix_seconds - cfg->genesis_time) / cfg->seconds_per_slot;
}

lc_fork lc_fork_at_epoch(const lc_chain_config *cfg, uint64_t epoch) {
  lc_fork f = LC_FORK_ALTAIR;
  for (int i = 0; i < LC_FORK_COUNT; i++)
    if (cfg->fork_epoch[i] != LC_FAR_FUTURE && epoch >= cfg->fork_epoch[i]) f = (lc_fork)i;
  return f;
}

void lc_fork_version_at_epoch(const lc_chain_config *cfg, uint64_t epoch, uint8_t out[4]) {
  memcpy(out, cfg->genesis_fork_version, 4);
  for (int i = 0; i < LC_FORK_COUNT; i++)
    if (cfg->fork_epoch[i] != LC_FAR_FUTURE && epoch >= cfg->fork_epoch[i])
      memcpy(out, cfg->fork_version[i], 4);
}

/* compute_fork_data_root(current_version, genesis_validators_root). */
static void fork_data_root(const lc_chain_config *cfg, const uint8_t version[4], uint8_t out[32]) {
  uint8_t v[32] = {0};
  memcpy(v, version, 4);
  ssz_hash_pair(v, cfg->genesis_validators_root, out);
}

void lc_sync_domain(const lc_chain_config *cfg, const uint8_t fork_version[4], uint8_t out[32]) {
  uint8_t root[32];
  fork_data_root(cfg, fork_version, root);
  put_version(out, LC_DOMAIN_SYNC_COMMITTEE);
  memcpy(out + 4, root, 28);
}

void lc_fork_digest(const lc_chain_config *cfg, const uint8_t fork_version[4], uint8_t out[4]) {
  uint8_t root[32];
  fork_data_root(cfg, fork_version, root);
  memcpy(out, root, 4);
}

/* Fork of an SSZ object from its first header's slot: try the offset (Capella+) reading
 * first; a slot whose fork has no execution header means the fixed Altair layout. */
static vc_status fork_of_ssz(const lc_chain_config *cfg, vc_bytes in, lc_fork *fork,
                             vc_err *err) {
  uint64_t slot = 0;
  if (lc_peek_slot(in, true, &slot, NULL) == VC_OK) {
    lc_fork f = lc_fork_at_epoch(cfg, lc_epoch_at_slot(cfg, slot));
    if (lc_fork_info(f)->exec_fields) {
      *fork = f;
      return VC_OK;
    }
  }
  vc_status st = lc_peek_slot(in, false, &slot, err);
  if (st != VC_OK) return st;
  lc_fork f = lc_fork_at_epoch(cfg, lc_epoch_at_slot(cfg, slot));
  if (lc_fork_info(f)->exec_fields)
    return vc_fail(err, VC_ERR_INPUT, "light-client object: slot does not match any fork layout");
  *fork = f;
  return VC_OK;
}

vc_status lc_decode_update_auto(lc_update *out, const lc_chain_config *cfg, vc_bytes in,
                                vc_err *err) {
  lc_fork fork;
  vc_status st = fork_of_ssz(cfg, in, &fork, err);
  if (st != VC_OK) {
    memset(out, 0, sizeof *out);
    return st;
  }
  return lc_decode_update(out, fork, cfg->sync_committee_size, in, err);
}

vc_status lc_decode_bootstrap_auto(lc_bootstrap *out, const lc_chain_config *cfg, vc_bytes in,
                                   vc_err *err) {
  lc_fork fork;
  vc_status st = fork_of_ssz(cfg, in, &fork, err);
  if (st != VC_OK) {
    memset(out, 0, sizeof *out);
    return st;
  }
  return lc_decode_bootstrap(out, fork, cfg->sync_committee_size, in, err);
}
