/*
 * lc_types.h: the beacon light-client containers, per fork, and their SSZ decoders.
 *
 * The sync protocol (lc.c) and the gateway's anchor call these (the JSON decoders that
 * fill the same structs are in lc_json.h). Decoded containers are plain structs with
 * fixed-size arrays sized for the mainnet preset (512-key sync committees); the number
 * of keys actually used comes from the preset (32 on minimal).
 * The caller owns every struct; nothing here allocates. A LightClientUpdate is about
 * 26 KB and a bootstrap about 25 KB, so hosts keep them on the heap.
 *
 * Fork differences live in one table (fork_layouts in lc_types.c): which execution
 * payload header the LightClientHeader carries (none before Capella; blob gas fields from
 * Deneb) and the branch depths of the sync-committee and finality proofs (Electra moved
 * the gindices 54/55 -> 86/87 and 105 -> 169). Finality and optimistic updates decode
 * into an lc_update with the absent parts zeroed, exactly as the spec converts them.
 */
#ifndef LC_TYPES_H
#define LC_TYPES_H

#include "core/vc_base.h"

typedef enum {
  LC_FORK_ALTAIR = 0,
  LC_FORK_BELLATRIX,
  LC_FORK_CAPELLA,
  LC_FORK_DENEB,
  LC_FORK_ELECTRA,
  LC_FORK_FULU,
  LC_FORK_COUNT
} lc_fork;

#define LC_MAX_COMMITTEE 512           /* SYNC_COMMITTEE_SIZE, mainnet preset */
#define LC_EXEC_BRANCH_DEPTH 4         /* EXECUTION_PAYLOAD_GINDEX 25 */
#define LC_EXEC_PAYLOAD_GINDEX 25
#define LC_MAX_COMMITTEE_BRANCH 6      /* Electra: gindex 86/87 */
#define LC_MAX_FINALITY_BRANCH 7       /* Electra: gindex 169 */
#define LC_MAX_EXTRA_DATA 32           /* MAX_EXTRA_DATA_BYTES */
#define LC_EXEC_FIELDS_CAPELLA 15     /* ExecutionPayloadHeader fields, Capella */
#define LC_EXEC_FIELDS_DENEB 17       /* + blob_gas_used, excess_blob_gas */
#define LC_MAX_SSZ_INPUT (1u << 20)    /* cap on any one SSZ light-client object */

typedef struct {
  uint64_t slot;
  uint64_t proposer_index;
  uint8_t parent_root[32];
  uint8_t state_root[32];
  uint8_t body_root[32];
} lc_beacon_header;

/* ExecutionPayloadHeader (Capella fields; blob gas from Deneb, zero before). */
typedef struct {
  uint8_t parent_hash[32];
  uint8_t fee_recipient[20];
  uint8_t state_root[32];
  uint8_t receipts_root[32];
  uint8_t logs_bloom[256];
  uint8_t prev_randao[32];
  uint64_t block_number;
  uint64_t gas_limit;
  uint64_t gas_used;
  uint64_t timestamp;
  uint8_t extra_data[LC_MAX_EXTRA_DATA];
  uint8_t extra_data_len;
  uint8_t base_fee_per_gas[32]; /* uint256, little-endian as in SSZ */
  uint8_t block_hash[32];
  uint8_t transactions_root[32];
  uint8_t withdrawals_root[32];
  uint64_t blob_gas_used;
  uint64_t excess_blob_gas;
} lc_exec_header;

typedef struct {
  lc_fork fork; /* the container layout it was decoded with */
  lc_beacon_header beacon;
  lc_exec_header execution; /* all zero before Capella */
  uint8_t execution_branch[LC_EXEC_BRANCH_DEPTH][32];
} lc_header;

typedef struct {
  uint8_t pubkeys[LC_MAX_COMMITTEE][48];
  uint8_t aggregate_pubkey[48];
} lc_sync_committee;

typedef struct {
  uint8_t bits[LC_MAX_COMMITTEE / 8];
  uint8_t signature[96];
} lc_sync_aggregate;

typedef struct {
  lc_fork fork;
  lc_header header;
  lc_sync_committee current_sync_committee;
  uint8_t current_sync_committee_branch[LC_MAX_COMMITTEE_BRANCH][32];
  size_t branch_len;
} lc_bootstrap;

typedef enum { LC_KIND_UPDATE, LC_KIND_FINALITY, LC_KIND_OPTIMISTIC } lc_update_kind;

typedef struct {
  lc_fork fork;
  lc_update_kind kind; /* which container it came from */
  lc_header attested_header;
  lc_sync_committee next_sync_committee;
  uint8_t next_sync_committee_branch[LC_MAX_COMMITTEE_BRANCH][32];
  size_t next_branch_len;
  lc_header finalized_header;
  uint8_t finality_branch[LC_MAX_FINALITY_BRANCH][32];
  size_t finality_branch_len;
  lc_sync_aggregate sync_aggregate;
  uint64_t signature_slot;
} lc_update;

/* One row per fork: what its light-client containers look like. */
typedef struct {
  const char *name;          /* beacon-API "version" string */
  uint8_t exec_fields;       /* ExecutionPayloadHeader fields: 0, 15 (Capella) or 17 (Deneb+) */
  uint8_t committee_depth;   /* current/next sync committee branch length */
  uint8_t finality_depth;    /* finality branch length */
  uint64_t current_gindex;   /* CURRENT_SYNC_COMMITTEE_GINDEX */
  uint64_t next_gindex;      /* NEXT_SYNC_COMMITTEE_GINDEX */
  uint64_t finalized_gindex; /* FINALIZED_ROOT_GINDEX */
} lc_fork_layout;

const lc_fork_layout *lc_fork_info(lc_fork fork);
/* Fork named by a beacon-API "version" string ("capella", "deneb", ...). */
vc_status lc_fork_from_name(const char *name, lc_fork *out, vc_err *err) VC_MUST_CHECK;

/* --- hashing --- */
void lc_beacon_header_root(const lc_beacon_header *h, uint8_t out[32]);
/* hash_tree_root(ExecutionPayloadHeader) with exec_fields fields (15 or 17). */
vc_status lc_exec_header_root(const lc_exec_header *e, unsigned exec_fields, uint8_t out[32],
                              vc_err *err) VC_MUST_CHECK;
/* hash_tree_root(SyncCommittee) for a committee of n keys. */
vc_status lc_sync_committee_root(const lc_sync_committee *c, size_t n, uint8_t out[32],
                                 vc_err *err) VC_MUST_CHECK;

/* --- SSZ decoding (n = preset SYNC_COMMITTEE_SIZE: 512 mainnet, 32 minimal) --- */
vc_status lc_decode_bootstrap(lc_bootstrap *out, lc_fork fork, size_t n, vc_bytes in,
                              vc_err *err) VC_MUST_CHECK;
vc_status lc_decode_update(lc_update *out, lc_fork fork, size_t n, vc_bytes in,
                           vc_err *err) VC_MUST_CHECK;
vc_status lc_decode_finality_update(lc_update *out, lc_fork fork, size_t n, vc_bytes in,
                                    vc_err *err) VC_MUST_CHECK;
vc_status lc_decode_optimistic_update(lc_update *out, lc_fork fork, size_t n, vc_bytes in,
                                      vc_err *err) VC_MUST_CHECK;

/* Slot of the first header of an SSZ light-client object (the attested header of an
 * update, the header of a bootstrap); variable_header for Capella+ layouts, where the
 * header is reached through an offset. The fork of the data is the fork at that slot. */
vc_status lc_peek_slot(vc_bytes in, bool variable_header, uint64_t *slot, vc_err *err)
    VC_MUST_CHECK;

/* The beacon-API SSZ stream of /eth/v1/beacon/light_client/updates: repeated
 * [u64 LE length][4-byte fork digest][payload], length counting digest + payload.
 * Each call takes the next item off *cursor; VC_ERR_MISSING when the stream is empty. */
vc_status lc_stream_next(vc_bytes *cursor, uint8_t digest[4], vc_bytes *payload,
                         vc_err *err) VC_MUST_CHECK;

/* True when the container equals its SSZ default (all zero). */
bool lc_header_is_zero(const lc_header *h);
bool lc_exec_is_zero(const lc_exec_header *e);
bool lc_committee_is_zero(const lc_sync_committee *c, size_t n);
bool lc_branch_is_zero(const uint8_t (*branch)[32], size_t len);

#endif
