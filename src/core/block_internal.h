/*
 * block_internal.h: pieces shared by block.c and block_receipts.c (not public API).
 *
 * vc_block_ctx is what a verified block contributes to checking the JSON fields of its
 * transactions and receipts that are not in their consensus encodings: the block hash,
 * number and timestamp, and the base fee for effective gas prices.
 */
#ifndef VC_BLOCK_INTERNAL_H
#define VC_BLOCK_INTERNAL_H

#include "core/header.h"
#include "core/jfield.h"
#include "core/u256.h"

#include <jansson.h>

typedef struct {
  uint8_t hash[32];
  uint64_t number, timestamp;
  bool has_base_fee;
  vc_u256 base_fee;
} vc_block_ctx;

vc_status vc_block_ctx_from_header(const vc_header *h, vc_block_ctx *bc) VC_MUST_CHECK;
/* From a verified block's JSON (hash, number, timestamp, baseFeePerGas). */
vc_status vc_block_ctx_from_json(const json_t *block, vc_block_ctx *bc, vc_err *err) VC_MUST_CHECK;

/* gasPrice for types 0/1; min(maxFeePerGas, baseFee + maxPriorityFeePerGas) from type 2. */
vc_status vc_effective_gas_price(const json_t *tx, const vc_block_ctx *bc, vc_u256 *out,
                                 vc_err *err) VC_MUST_CHECK;

/* blockHash, blockNumber, transactionIndex, blockTimestamp (if present) and gasPrice (if
 * present: the effective price) of a tx object at position idx. */
vc_status vc_check_tx_block_fields(const json_t *tx, size_t idx, const vc_block_ctx *bc,
                                   vc_err *err) VC_MUST_CHECK;

#endif
