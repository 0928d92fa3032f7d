/*
 * block.h: the block-level verifiers the gateway calls on upstream JSON (jansson).
 *
 * Everything here starts from a header whose hash the caller trusts (an anchored hash
 * passed as expected_hash, or one the caller compares hdr_out->hash against) and proves
 * the rest of an answer from it:
 *   - vc_verify_block: the header hash; full transactions (each hash, signer, position,
 *     block fields, effective gasPrice) and the transactions root; withdrawals root;
 *     uncles hash when there are no uncles; the block "size" when it can be recomputed
 *     (size is committed to by no root and clients disagree on it, so a wrong size only
 *     leaves vc_block_check.size_proven false).
 *     A hash-only transaction list cannot prove the root (the tx encodings are needed):
 *     vc_verify_block_ex says so in vc_block_check.txs_proven, and the strict
 *     vc_verify_block fails with VC_ERR_MISSING ("fetch the full block"); then
 *     vc_verify_tx_hashes proves the hash list from a verified full block.
 *   - vc_verify_block_receipts: eth_getBlockReceipts against a verified header (and,
 *     optionally, the verified full block: transactionHash, type, from, to,
 *     contractAddress, effectiveGasPrice, blobGasUsed of each receipt).
 *   - vc_verify_tx_in_block / vc_verify_receipt_in_block: one tx or receipt against the
 *     entry at its index in an already verified list.
 *   - vc_verify_logs_for_block: eth_getLogs for one block equals exactly the matching
 *     logs of the verified receipts (nothing omitted, nothing invented, same positions).
 *   - vc_verify_uncles: uncle headers against sha3Uncles and the uncle hash list.
 * Inputs are borrowed; nothing is retained. Every verifier fills vc_err on failure.
 */
#ifndef VC_BLOCK_H
#define VC_BLOCK_H

#include "core/bloom.h"
#include "core/header.h"
#include "core/op.h"
#include "core/vc_base.h"

#include <jansson.h>

typedef struct {
  bool txs_full;            /* "transactions" held full objects */
  bool txs_proven;          /* the list (hashes or objects) is proven by transactionsRoot */
  size_t n_txs;
  bool withdrawals_present; /* "withdrawals" was in the JSON */
  bool withdrawals_proven;  /* and matched withdrawalsRoot (OP stack: the list is empty,
                               as the chain's rules require; see vc_verify_block_for) */
  bool uncles_proven;       /* "uncles" matched sha3Uncles (only possible when empty) */
  bool size_proven;         /* "size" recomputed from the full block and equal */
  bool senders_proven;      /* every full tx's "from" recovered from its signature */
} vc_block_check;

/* vc_verify_block_opts flags */
#define VC_BLOCK_SKIP_SENDERS 1u /* skip secp256k1 recovery of "from" (senders_proven false) */

/* Lenient: proves what the JSON allows and reports it in chk (may be NULL). */
vc_status vc_verify_block_ex(const json_t *block, const uint8_t *expected_hash,
                             vc_header *hdr_out, vc_block_check *chk,
                             vc_err *err) VC_MUST_CHECK;

/* The same with flags (VC_BLOCK_SKIP_SENDERS). */
vc_status vc_verify_block_opts(const json_t *block, const uint8_t *expected_hash, unsigned flags,
                               vc_header *hdr_out, vc_block_check *chk,
                               vc_err *err) VC_MUST_CHECK;

/* The same on a chain of the given kind (op.h): VC_CHAIN_OP_STACK accepts deposit
 * transactions (type 0x7e, whose effective gas price is 0), requires an empty
 * withdrawals list and does not compare an Isthmus withdrawalsRoot (the message
 * passer's storage root) with it; VC_CHAIN_ETHEREUM (what _ex and _opts use) rejects
 * a block holding a deposit. */
vc_status vc_verify_block_for(const json_t *block, const uint8_t *expected_hash,
                              vc_chain_kind kind, unsigned flags, vc_header *hdr_out,
                              vc_block_check *chk, vc_err *err) VC_MUST_CHECK;

/* Strict: VC_OK only if everything the JSON contains is proven (the header, and the
 * transactions and uncles lists whenever they are present and non-empty). */
vc_status vc_verify_block(const json_t *block, const uint8_t *expected_hash, vc_header *hdr_out,
                          vc_err *err) VC_MUST_CHECK;

/* A hash-only "transactions" list equals the hashes of a verified full block's list. */
vc_status vc_verify_tx_hashes(const json_t *hashes, const json_t *verified_full_txs,
                              vc_err *err) VC_MUST_CHECK;

/* The uncle headers (JSON objects, in order) hash to the listed uncle hashes, and their
 * RLP list hashes to uncles_hash (the header's sha3Uncles). */
vc_status vc_verify_uncles(const json_t *uncle_hashes, const json_t *uncle_headers,
                           const uint8_t uncles_hash[32], vc_err *err) VC_MUST_CHECK;

/* eth_getBlockReceipts against a verified header: receipts root and positions (see
 * receipt.h), blockHash/blockNumber, the last cumulativeGasUsed = gasUsed, the header
 * bloom = OR of the receipt blooms. verified_block (may be NULL): the verified block
 * JSON; its transactions then prove each receipt's tx-derived fields. */
vc_status vc_verify_block_receipts(const json_t *receipts, const vc_header *hdr,
                                   const json_t *verified_block, vc_err *err) VC_MUST_CHECK;

/* The same on a chain of the given kind: on VC_CHAIN_OP_STACK a receipt's blobGasUsed
 * is its DA footprint (Jovian), not blob gas, and is not checked (op.h: unproven). */
vc_status vc_verify_block_receipts_for(const json_t *receipts, const vc_header *hdr,
                                       const json_t *verified_block, vc_chain_kind kind,
                                       vc_err *err) VC_MUST_CHECK;

/* One receipt's tx-derived members (transactionHash, type, from, to, contractAddress,
 * effectiveGasPrice, blobGasUsed) and its blockHash/blockNumber against its verified tx
 * object and the verified header of its block (eth_getTransactionReceipt). */
vc_status vc_verify_receipt_vs_tx(const json_t *receipt, const json_t *verified_tx,
                                  const vc_header *hdr, vc_err *err) VC_MUST_CHECK;
vc_status vc_verify_receipt_vs_tx_for(const json_t *receipt, const json_t *verified_tx,
                                      const vc_header *hdr, vc_chain_kind kind,
                                      vc_err *err) VC_MUST_CHECK;

/* A tx object (eth_getTransactionByHash / ...ByBlock*AndIndex) matches the entry at its
 * transactionIndex in a verified block (full objects, or hashes proven with
 * vc_verify_tx_hashes), including blockHash/blockNumber and its own hash and signer. */
vc_status vc_verify_tx_in_block(const json_t *tx, const json_t *verified_block,
                                vc_err *err) VC_MUST_CHECK;

/* A receipt (eth_getTransactionReceipt) equals the entry at its transactionIndex in a
 * receipt list verified with vc_verify_block_receipts: same consensus encoding and the
 * same value for every other member either side has. */
vc_status vc_verify_receipt_in_block(const json_t *receipt, const json_t *verified_receipts,
                                     vc_err *err) VC_MUST_CHECK;

/* eth_getLogs restricted to one block: logs_result (every entry must carry this
 * block_hash) must be exactly, in order, the logs of the verified receipts that match
 * filter, with equal address, topics, data, logIndex, transactionIndex,
 * transactionHash, blockHash, blockNumber, removed=false; any other member an entry
 * carries must equal the receipt log's (unprovable extras are rejected). */
vc_status vc_verify_logs_for_block(const json_t *logs_result, const json_t *receipts,
                                   const vc_log_filter *filter, const uint8_t block_hash[32],
                                   vc_err *err) VC_MUST_CHECK;

#endif
