/*
 * lc.h: the Ethereum beacon light-client sync protocol as a sans-I/O state machine.
 *
 * Follows consensus-specs altair/light-client/sync-protocol.md with the Capella, Deneb
 * and Electra changes: a store holding the finalized and optimistic headers, the current
 * and next sync committees and the best valid update, advanced by bootstraps, updates,
 * finality updates and optimistic updates whose sync-committee BLS signatures are checked.
 *
 * Who calls it: the gateway's anchor. It asks lc_next_request() what to fetch, fetches
 * it from beacon API endpoints, decodes it (lc_types.h / lc_json.h) and hands it to
 * lc_process_*(). The caller passes the current slot (no clocks here) and owns the
 * lc_client (about 110 KB: keep it on the heap). lc_free() releases the decompressed
 * public-key caches, the only memory the client allocates (one per sync committee, made
 * on first use and reused for every update of that period).
 *
 * Not thread-safe: one client per thread, or a lock around it.
 */
#ifndef LC_H
#define LC_H

#include "core/lightclient/lc_types.h"

/* Preset and network parameters. Built-in networks come from lc_chain_config_get();
 * tests build their own (the minimal preset) with lc_chain_config_minimal(). */
typedef struct {
  char name[16];
  uint8_t genesis_validators_root[32];
  uint64_t genesis_time;
  uint32_t seconds_per_slot;
  uint32_t slots_per_epoch;        /* 32 mainnet, 8 minimal */
  uint32_t epochs_per_period;      /* EPOCHS_PER_SYNC_COMMITTEE_PERIOD: 256 / 8 */
  uint32_t sync_committee_size;    /* 512 / 32 */
  uint8_t genesis_fork_version[4];
  uint8_t fork_version[LC_FORK_COUNT][4];
  uint64_t fork_epoch[LC_FORK_COUNT]; /* LC_FAR_FUTURE when not scheduled */
} lc_chain_config;

#define LC_FAR_FUTURE UINT64_MAX
#define LC_MIN_SYNC_COMMITTEE_PARTICIPANTS 1
#define LC_MAX_REQUEST_UPDATES 128
#define LC_DOMAIN_SYNC_COMMITTEE 0x07000000u

/* "mainnet", "sepolia", "hoodi"; NULL when unknown. */
const lc_chain_config *lc_chain_config_get(const char *name);
/* The minimal preset (8 slots/epoch, 8 epochs/period, 32 keys) with the spec tests' fork
 * versions 0x0N000001 and every fork up to and including last_fork at epoch 0. */
void lc_chain_config_minimal(lc_chain_config *out, const uint8_t genesis_validators_root[32],
                             lc_fork last_fork);

uint64_t lc_epoch_at_slot(const lc_chain_config *cfg, uint64_t slot);
uint64_t lc_period_at_slot(const lc_chain_config *cfg, uint64_t slot);
/* Fork active at an epoch; LC_FORK_ALTAIR also for pre-Altair epochs (phase0). */
lc_fork lc_fork_at_epoch(const lc_chain_config *cfg, uint64_t epoch);
/* compute_fork_version(epoch): the genesis version before Altair. */
void lc_fork_version_at_epoch(const lc_chain_config *cfg, uint64_t epoch, uint8_t out[4]);
/* compute_domain(DOMAIN_SYNC_COMMITTEE, fork_version, genesis_validators_root). */
void lc_sync_domain(const lc_chain_config *cfg, const uint8_t fork_version[4], uint8_t out[32]);
/* compute_fork_digest for the pre-Fulu forks (fork_data_root[:4]). */
void lc_fork_digest(const lc_chain_config *cfg, const uint8_t fork_version[4], uint8_t out[4]);
/* Current slot from a unix time (the host reads the clock and passes it in). */
uint64_t lc_slot_at_time(const lc_chain_config *cfg, uint64_t unix_seconds);

/* Decode SSZ whose fork is not known in advance: the fork is the one at the slot of the
 * first (attested) header, as the beacon API defines it. */
vc_status lc_decode_update_auto(lc_update *out, const lc_chain_config *cfg, vc_bytes in,
                                vc_err *err) VC_MUST_CHECK;
vc_status lc_decode_bootstrap_auto(lc_bootstrap *out, const lc_chain_config *cfg, vc_bytes in,
                                   vc_err *err) VC_MUST_CHECK;

struct lc_pkcache;

typedef struct {
  lc_chain_config cfg;
  uint8_t checkpoint[32];
  bool bootstrapped;
  lc_header finalized_header;
  lc_header optimistic_header;
  lc_sync_committee current_sync_committee;
  lc_sync_committee next_sync_committee; /* all zero when unknown */
  bool next_known;
  uint8_t current_committee_root[32];
  uint8_t next_committee_root[32];
  bool has_best_update;
  lc_update best_valid_update;
  uint8_t best_next_committee_root[32];
  uint64_t previous_max_active_participants;
  uint64_t current_max_active_participants;
  struct lc_pkcache *pk_cache[2]; /* decompressed keys, keyed by committee root */
  uint64_t pk_decompressions;     /* statistics: committees decompressed so far */
} lc_client;

/* Initialize (no allocation). The checkpoint is a trusted beacon block root. */
void lc_init(lc_client *c, const lc_chain_config *cfg, const uint8_t checkpoint_root[32]);
/* Release the public-key caches; the client may be re-initialized afterwards. */
void lc_free(lc_client *c);

/* initialize_light_client_store: header valid, root == checkpoint, committee branch. */
vc_status lc_process_bootstrap(lc_client *c, const lc_bootstrap *b, vc_err *err) VC_MUST_CHECK;
/* process_light_client_update (any kind: full, finality or optimistic update). */
vc_status lc_process_update(lc_client *c, const lc_update *u, uint64_t current_slot,
                            vc_err *err) VC_MUST_CHECK;
/* The SSZ body of /eth/v1/beacon/light_client/updates: every item decoded (fork from its
 * attested slot) into *scratch (caller-owned, about 26 KB) and processed in order.
 * Stops at the first item that fails; *processed counts the items that passed. */
vc_status lc_process_update_stream(lc_client *c, vc_bytes stream, uint64_t current_slot,
                                   lc_update *scratch, size_t *processed, vc_err *err)
    VC_MUST_CHECK;
/* process_light_client_store_force_update; true when it applied the best update. */
bool lc_process_force_update(lc_client *c, uint64_t current_slot);

/* validate_light_client_update alone (store unchanged): every branch and the signature. */
vc_status lc_validate_update(lc_client *c, const lc_update *u, uint64_t current_slot,
                             vc_err *err) VC_MUST_CHECK;
/* is_valid_light_client_header: the execution branch against body_root (Capella+). */
vc_status lc_check_header(const lc_chain_config *cfg, const lc_header *h, vc_err *err)
    VC_MUST_CHECK;
/* get_lc_execution_root: hash_tree_root of the execution payload header in the layout of
 * the fork at the header's slot (zero before Capella). */
vc_status lc_execution_root(const lc_chain_config *cfg, const lc_header *h, uint8_t out[32],
                            vc_err *err) VC_MUST_CHECK;

/* The one place the sync-committee signature is checked: FastAggregateVerify of the
 * participating keys of the committee (root names the committee for the key cache) over
 * compute_signing_root(attested beacon header, domain at signature_slot - 1). */
vc_status lc_verify_sync_aggregate(lc_client *c, const lc_sync_committee *committee,
                                   const uint8_t committee_root[32],
                                   const lc_beacon_header *attested,
                                   const lc_sync_aggregate *agg, uint64_t signature_slot,
                                   vc_err *err) VC_MUST_CHECK;

typedef enum {
  LC_REQ_NONE = 0,
  LC_REQ_BOOTSTRAP,  /* GET /eth/v1/beacon/light_client/bootstrap/{root} */
  LC_REQ_UPDATES,    /* GET /eth/v1/beacon/light_client/updates?start_period&count */
  LC_REQ_FINALITY,   /* GET /eth/v1/beacon/light_client/finality_update */
  LC_REQ_OPTIMISTIC, /* GET /eth/v1/beacon/light_client/optimistic_update */
} lc_request_kind;

typedef struct {
  lc_request_kind kind;
  uint8_t root[32];      /* BOOTSTRAP */
  uint64_t start_period; /* UPDATES */
  uint64_t count;        /* UPDATES */
} lc_request;

/* What to fetch next at current_slot. */
void lc_next_request(const lc_client *c, uint64_t current_slot, lc_request *out);

/* A verified header's execution anchor. */
typedef struct {
  uint64_t beacon_slot;
  uint8_t beacon_root[32];
  uint64_t block_number;
  uint8_t block_hash[32];
  uint8_t state_root[32];
  uint64_t timestamp;
} lc_exec_anchor;

/* VC_ERR_MISSING before the bootstrap or for a pre-Capella header (no execution). */
vc_status lc_finalized_execution(const lc_client *c, lc_exec_anchor *out, vc_err *err)
    VC_MUST_CHECK;
vc_status lc_optimistic_execution(const lc_client *c, lc_exec_anchor *out, vc_err *err)
    VC_MUST_CHECK;

/* State blob: versioned, SHA-256 checksummed. lc_save writes at most cap bytes and sets
 * *len (LC_SAVE_MAX is always enough); lc_load restores into a client initialized with
 * the same chain config (the genesis validators root must match). The whole store is
 * saved, best_valid_update included, so a restored client behaves exactly as the saved one.
 * lc_load decodes into a heap scratch store first (freed before it returns), so a bad
 * blob leaves the client untouched. */
#define LC_SAVE_MAX (128u * 1024u)
vc_status lc_save(const lc_client *c, uint8_t *out, size_t cap, size_t *len, vc_err *err)
    VC_MUST_CHECK;
vc_status lc_load(lc_client *c, vc_bytes blob, vc_err *err) VC_MUST_CHECK;

#endif
