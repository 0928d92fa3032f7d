/*
 * fuzz_ssz.c: arbitrary bytes into every light-client decoder (src/core/lightclient).
 *
 * The first input byte picks the target: the container kind (bootstrap, update,
 * finality update, optimistic update, or "other": the update stream, the JSON decoders
 * and the state blob), the fork (Altair ... Fulu) and the preset (32 or 512 keys); the
 * rest is the input. Whatever decodes is then hashed and header-checked, so the
 * merkleization code sees attacker-shaped values too. Nothing may crash, leak or read
 * out of bounds (ASan/UBSan), and no decoder may accept more than LC_MAX_SSZ_INPUT.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/lightclient/lc.h"
#include "core/lightclient/lc_json.h"
#include "core/lightclient/ssz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lc_update g_update;
static lc_bootstrap g_boot;
static lc_client g_client;

static void exercise_header(const lc_chain_config *cfg, const lc_header *h) {
  uint8_t root[32];
  vc_err err;
  lc_beacon_header_root(&h->beacon, root);
  if (lc_execution_root(cfg, h, root, &err) == VC_OK) (void)lc_check_header(cfg, h, &err);
}

static void other_targets(const lc_chain_config *cfg, size_t n, lc_fork fork, vc_bytes in) {
  vc_err err;
  vc_bytes cur = in, payload;
  uint8_t digest[4];
  for (int i = 0; i < 64 && lc_stream_next(&cur, digest, &payload, &err) == VC_OK; i++)
    if (lc_decode_update_auto(&g_update, cfg, payload, &err) == VC_OK)
      exercise_header(cfg, &g_update.attested_header);
  json_t *j = json_loadb((const char *)in.ptr, in.len, 0, NULL);
  if (j) {
    const char *name = lc_fork_info(fork)->name;
    (void)lc_bootstrap_from_json(&g_boot, name, j, n, &err);
    for (int k = LC_KIND_UPDATE; k <= LC_KIND_OPTIMISTIC; k++)
      (void)lc_update_from_json(&g_update, (lc_update_kind)k, name, j, n, &err);
    (void)lc_update_from_response(&g_update, LC_KIND_UPDATE, j, n, &err);
    json_decref(j);
  }
  lc_init(&g_client, cfg, (const uint8_t[32]){0});
  (void)lc_load(&g_client, in, &err);
  lc_free(&g_client);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned sel = data[0];
  vc_bytes in = vc_bytes_of(data + 1, size - 1);
  unsigned kind = sel % 5;
  lc_fork fork = (lc_fork)((sel / 5) % LC_FORK_COUNT);
  size_t n = (sel / 30) % 2 ? 512 : 32;
  lc_chain_config minimal;
  uint8_t gvr[32] = {0};
  lc_chain_config_minimal(&minimal, gvr, fork);
  const lc_chain_config *cfg = n == 512 ? lc_chain_config_get("mainnet") : &minimal;
  vc_err err;
  vc_status st = VC_ERR_INPUT;
  switch (kind) {
  case 0:
    st = lc_decode_bootstrap(&g_boot, fork, n, in, &err);
    if (st == VC_OK) {
      uint8_t root[32];
      exercise_header(cfg, &g_boot.header);
      (void)lc_sync_committee_root(&g_boot.current_sync_committee, n, root, &err);
    }
    if (lc_decode_bootstrap_auto(&g_boot, cfg, in, &err) == VC_OK)
      exercise_header(cfg, &g_boot.header);
    return 0;
  case 1:
    st = lc_decode_update(&g_update, fork, n, in, &err);
    break;
  case 2:
    st = lc_decode_finality_update(&g_update, fork, n, in, &err);
    break;
  case 3:
    st = lc_decode_optimistic_update(&g_update, fork, n, in, &err);
    break;
  default:
    other_targets(cfg, n, fork, in);
    return 0;
  }
  if (st == VC_OK) {
    exercise_header(cfg, &g_update.attested_header);
    exercise_header(cfg, &g_update.finalized_header);
  }
  return 0;
}
