/*
 * header.h: execution block headers: JSON and RLP in, fields and a proven hash out.
 *
 * A block's identity is keccak(rlp(header)). The gateway receives headers as the JSON of
 * eth_getBlockByNumber/ByHash (or raw RLP from debug_getRawHeader) and must know that
 * every field it hands on is the one the hash commits to. vc_header_from_json reads every
 * header field, re-encodes the RLP with the layout of the header's fork, hashes it, and
 * compares with the JSON "hash" when there is one.
 *
 * The fork layout is found by FIELD PRESENCE, not by block number, so it works for any
 * chain: the fields are one table in RLP order (header.c); the first 15 are always
 * there, the later ones (baseFeePerGas: London, withdrawalsRoot: Shanghai, blobGasUsed,
 * excessBlobGas, parentBeaconBlockRoot: Cancun, requestsHash: Prague,
 * blockAccessListHash: Amsterdam/EIP-7928) must appear as an unbroken prefix of that
 * list. A gap ("withdrawalsRoot without baseFeePerGas") is rejected: no valid header
 * has that shape.
 *
 * OP-stack (Base) headers use the same layouts, reached by other forks: Bedrock and
 * Regolith 16 fields (London), Canyon 17 (withdrawalsRoot), Ecotone to Holocene 20
 * (blob gas fields, parentBeaconBlockRoot), Isthmus 21 (requestsHash). The hash is
 * computed the same way; what differs is the MEANING of two fields (from Isthmus the
 * withdrawalsRoot is the L2ToL1MessagePasser's storage root; from Jovian blobGasUsed
 * carries the DA footprint), which op.h and block.h handle under vc_chain_kind.
 *
 * vc_header is a plain value (no pointers): copy it, cache it, free nothing.
 */
#ifndef VC_HEADER_H
#define VC_HEADER_H

#include "core/jfield.h"
#include "core/rlp.h"
#include "core/vc_base.h"

#include <jansson.h>

/* extraData cap: 32 bytes on mainnet; PoA/L2 chains carry signatures and validator
 * sets there, so the cap is generous. */
#define VC_HEADER_MAX_EXTRA 4096
/* Largest header RLP accepted by vc_header_from_rlp. */
#define VC_HEADER_MAX_RLP (VC_HEADER_MAX_EXTRA + 2048)
#define VC_HEADER_MIN_FIELDS 15
#define VC_HEADER_MAX_FIELDS 22

typedef struct {
  uint8_t parent_hash[32];
  uint8_t uncles_hash[32];
  uint8_t miner[20];
  uint8_t state_root[32];
  uint8_t transactions_root[32];
  uint8_t receipts_root[32];
  uint8_t logs_bloom[256];
  vc_qty difficulty;
  uint64_t number;
  uint64_t gas_limit;
  uint64_t gas_used;
  uint64_t timestamp;
  size_t extra_len;
  uint8_t extra_data[VC_HEADER_MAX_EXTRA];
  uint8_t mix_hash[32];
  uint8_t nonce[8];
  /* optional, by fork; valid when n_fields says the field is present */
  vc_qty base_fee;                    /* field 15 */
  uint8_t withdrawals_root[32];       /* 16 */
  uint64_t blob_gas_used;             /* 17 */
  uint64_t excess_blob_gas;           /* 18 */
  uint8_t parent_beacon_root[32];     /* 19 */
  uint8_t requests_hash[32];          /* 20 */
  uint8_t block_access_list_hash[32]; /* 21 */
  unsigned n_fields;                  /* 15 .. VC_HEADER_MAX_FIELDS */
  uint8_t hash[32];                   /* keccak(rlp(header)), computed */
} vc_header;

/* Field indices, for has-field checks: vc_header_has(h, VC_HF_WITHDRAWALS_ROOT). */
enum {
  VC_HF_BASE_FEE = 15,
  VC_HF_WITHDRAWALS_ROOT = 16,
  VC_HF_BLOB_GAS_USED = 17,
  VC_HF_EXCESS_BLOB_GAS = 18,
  VC_HF_PARENT_BEACON_ROOT = 19,
  VC_HF_REQUESTS_HASH = 20,
  VC_HF_BLOCK_ACCESS_LIST_HASH = 21,
};

static inline bool vc_header_has(const vc_header *h, unsigned field) {
  return field < h->n_fields;
}

/* Parse a block/header JSON object; fills out (including out->hash, computed). Fails
 * with VC_ERR_MISMATCH if the JSON has a "hash" and it is not keccak(rlp(header)). */
vc_status vc_header_from_json(const json_t *block, vc_header *out, vc_err *err) VC_MUST_CHECK;

/* Parse a raw RLP header (debug_getRawHeader); strict canonical RLP, fills out->hash. */
vc_status vc_header_from_rlp(vc_bytes rlp, vc_header *out, vc_err *err) VC_MUST_CHECK;

/* Append rlp(header) to out (the caller inits/frees out). */
vc_status vc_header_encode(const vc_header *h, vc_rlp_buf *out, vc_err *err) VC_MUST_CHECK;

/* keccak(rlp(h)) into hash (does not read or write h->hash). */
vc_status vc_header_hash(const vc_header *h, uint8_t hash[32], vc_err *err) VC_MUST_CHECK;

/* The JSON key of field i (0 .. VC_HEADER_MAX_FIELDS-1), or NULL: for diagnostics/tests. */
const char *vc_header_field_key(size_t i);

#endif
