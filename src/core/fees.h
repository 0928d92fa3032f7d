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

#endif
