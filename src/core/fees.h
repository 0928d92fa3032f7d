/*
 * fees.h: fee values derived from proven headers (sans I/O).
 *
 * The blob base fee of a block follows from its header's excessBlobGas and the blob
 * schedule of the fork active at its timestamp (EIP-4844 fake_exponential with the
 * fork's update fraction: Cancun 3338477, Prague (EIP-7691) and Osaka 5007716, BPO1
 * 8346193, BPO2 11684671). The schedule is a table per chain (mainnet, sepolia,
 * hoodi); a chain not in it has no schedule and its fee cannot be derived here.
 * Called by src/prove/fees.c on anchored headers. Nothing is allocated.
 */
#ifndef VC_FEES_H
#define VC_FEES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/header.h"
#include "core/vc_base.h"

#define VC_BLOB_MIN_BASE_FEE 1u /* MIN_BASE_FEE_PER_BLOB_GAS (EIP-4844) */

/* The blob base fee update fraction in force for chain_id at timestamp; false when the
 * chain has no schedule here or blobs are not active yet at that time. */
bool vc_blob_update_fraction(uint64_t chain_id, uint64_t timestamp, uint64_t *fraction);

/* EIP-4844 fake_exponential(factor, numerator, denominator) in 128 bits; VC_ERR_INPUT
 * when an intermediate would not fit (a fee no real chain reaches). */
vc_status vc_fake_exponential(uint64_t factor, uint64_t numerator, uint64_t denominator,
                              unsigned __int128 *out, vc_err *err) VC_MUST_CHECK;

/* The blob base fee of header h (its own excessBlobGas) on chain_id, as a JSON-RPC
 * QUANTITY ("0x1") in out (at least 36 bytes). VC_ERR_INPUT when the header has no
 * excessBlobGas or the chain has no blob schedule. */
vc_status vc_blob_base_fee(uint64_t chain_id, const vc_header *h, char *out, size_t cap,
                           vc_err *err) VC_MUST_CHECK;

/* From a proven full block (eth_getBlockByNumber with transactions, every transaction
 * already checked against the transactions root): its baseFeePerGas and the median of
 * its transactions' effective tips (min(maxPriorityFeePerGas, maxFeePerGas - baseFee),
 * or gasPrice - baseFee for legacy and access-list transactions), counting positive
 * tips only; an even count averages the middle two, as nimbus's verified proxy does.
 * No positive tip: *tip = 0 and *ntips = 0. Values past 128 bits saturate. At most
 * VC_FEES_MAX_TXS transactions are read. */
#define VC_FEES_MAX_TXS 8192u
vc_status vc_block_tip_median(const json_t *block, unsigned __int128 *base_fee, unsigned __int128 *tip,
                              size_t *ntips, vc_err *err) VC_MUST_CHECK;

/* A 128-bit value as a QUANTITY ("0x0", "0x1f"); out has at least 36 bytes. */
void vc_u128_to_quantity(unsigned __int128 v, char *out);

/* --- eth_feeHistory, from proven headers, blocks and receipts ----------------------- */

#define VC_FEE_MAX_PERCENTILES 100u /* reward percentiles one call may ask (geth's limit) */
#define VC_BLOB_GAS_PER_BLOB 131072u

/* The blob parameters in force for chain_id at timestamp: target and max blobs per
 * block, the update fraction, and whether EIP-7918's reserve price applies (Osaka on).
 * false when the chain has no schedule here or blobs are not active yet. */
typedef struct {
  uint64_t target, max, fraction;
  bool reserve_price;
} vc_blob_params;
bool vc_blob_params_at(uint64_t chain_id, uint64_t timestamp, vc_blob_params *out);

/* EIP-1559 (elasticity 2, change denominator 8): the base fee of the block after
 * parent. A parent without a base fee is the block before the chain's London block
 * when one is known (chain 1: 12965000; then the initial 1 gwei), else 0, as geth's
 * eth_feeHistory reports. */
unsigned __int128 vc_next_base_fee(uint64_t chain_id, const vc_header *parent);

/* A block's blob fields for eth_feeHistory: its blob base fee, the next block's
 * (excess by EIP-4844 and, from Osaka, EIP-7918, under the parent's schedule, as geth
 * computes it) and blobGasUsed / max blob gas. A header before Cancun: all zero. A
 * chain without a schedule here: exact only when excess and used are both zero (the
 * fee is then 1 wei whatever the fraction); otherwise VC_ERR_MISSING. */
typedef struct {
  unsigned __int128 fee, next_fee;
  double used_ratio;
} vc_blob_fees;
vc_status vc_blob_fees_of(uint64_t chain_id, const vc_header *h, vc_blob_fees *out, vc_err *err) VC_MUST_CHECK;

/* Reward percentiles as geth's eth_feeHistory has them: at most
 * VC_FEE_MAX_PERCENTILES numbers, each 0..100, strictly ascending. VC_ERR_INPUT with
 * geth's message ("invalid reward percentile: ...") otherwise. arr NULL: none. */
vc_status vc_fee_percentiles(const json_t *arr, double *out, size_t *n, vc_err *err) VC_MUST_CHECK;

/* The reward row of one proven block: block (full transactions, checked against its
 * transactions root) and its receipts (checked against the receipts root), in order.
 * Transactions sorted by effective tip at the block's base fee (a deposit or any tip
 * below zero counts as 0), each weighted by its receipt's gasUsed; for percentile p
 * the tip of the first transaction at which the running gasUsed reaches
 * floor(block gasUsed * p / 100). An empty block: zeros. out has n entries. */
vc_status vc_fee_rewards(const json_t *block, const json_t *receipts, const double *pct, size_t n,
                         unsigned __int128 *out, vc_err *err) VC_MUST_CHECK;

/* A ratio as Go's encoding/json writes a float64 (shortest round-trip digits, an
 * exponent only below 1e-6 or from 1e21: 0, 0.5, 0.00072868, 1e-7). Returns the
 * length; out has at least 32 bytes. */
size_t vc_fmt_ratio(double x, char *out, size_t cap);

#endif
