/*
 * presets.h: the built-in chain presets (mainnet, sepolia, hoodi, base, base-sepolia): chain id,
 * curated public keyless JSON-RPC upstreams from different operators, public beacon
 * API endpoints for the light client, and the anchor defaults.
 *
 * The table is static and read-only; config.c copies from it (vt_config_apply_preset)
 * so a vt_config never points into it. The endpoints are third-party services; see
 * docs/config.md.
 */
#ifndef VT_PRESETS_H
#define VT_PRESETS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define VT_PRESET_MAX_UPSTREAMS 12
#define VT_PRESET_MAX_BEACON 6

typedef struct {
  const char *name;
  const char *url;
} vt_preset_upstream;

typedef struct {
  const char *name;                 /* "mainnet" */
  uint64_t chain_id;
  vc_chain_kind kind;               /* ethereum, or op-stack (Base): core/op.h */
  vt_anchor_mode anchor_mode;       /* the default anchor for this chain */
  unsigned quorum;
  unsigned head_poll_ms;            /* about the block time */
  const char *checkpoint;           /* NULL: no built-in checkpoint */
  vt_preset_upstream upstreams[VT_PRESET_MAX_UPSTREAMS];  /* NULL-name terminated */
  const char *beacon[VT_PRESET_MAX_BEACON];               /* NULL terminated */
  /* op-stack: where outputs are posted (src/l1/): the preset whose upstreams are the L1
   * upstreams, and the DisputeGameFactory there (superchain registry); NULL: none */
  const char *l1_preset;
  const char *l1_factory;
} vt_preset;

/* The preset with this name, or NULL. */
const vt_preset *vt_preset_find(const char *name);
/* The preset for this chain id, or NULL. */
const vt_preset *vt_preset_by_chain_id(uint64_t chain_id);
/* Number of presets and the i-th one (for listing and tests). */
size_t vt_preset_count(void);
const vt_preset *vt_preset_at(size_t i);

#endif
