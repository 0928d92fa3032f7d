/*
 * receipt.h: transaction receipts: consensus encoding and the receipts root.
 *
 * A header's receiptsRoot commits to rlp-encoded receipts, keyed by rlp(index):
 *   legacy:  rlp([status-or-root, cumulativeGasUsed, logsBloom, logs])
 *   typed:   type || rlp([...same...])          (EIP-2718; types 0x01..0x7f)
 * where status is 0x1 / empty for failure (Byzantium on), or a 32-byte post-state root
 * before Byzantium, and each log is [address, [topics...], data].
 * OP-stack deposit receipts (type 0x7e) from Canyon on, i.e. when the JSON has
 * depositReceiptVersion, encode
 *           0x7e || rlp([status, cumulativeGasUsed, logsBloom, logs, depositNonce,
 *                        depositReceiptVersion])
 * (op-geth EncodeIndex); before Canyon they use the plain layout and the Regolith
 * depositNonce is not committed to. The L1 fee members of OP receipts are in no
 * encoding: op.h says what a verified answer does with them.
 *
 * vc_verify_receipts takes the JSON list a node returns for eth_getBlockReceipts and
 * proves it: the encodings must hash to the given root, AND the fields that are not in
 * the encoding must be consistent with their position in the block (transactionIndex,
 * logIndex counted across the block, gasUsed = the difference of cumulativeGasUsed, the
 * same blockHash/blockNumber everywhere, log.transactionHash = receipt.transactionHash).
 * Which block and which transactions those are is checked one level up (block.h).
 */
#ifndef VC_RECEIPT_H
#define VC_RECEIPT_H

#include "core/rlp.h"
#include "core/vc_base.h"

#include <jansson.h>

#define VC_RECEIPTS_MAX 65536               /* receipts per block */
#define VC_RECEIPT_MAX_LOGS 65536           /* logs per receipt */
#define VC_RECEIPT_MAX_LOG_DATA (16u << 20) /* bytes of one log's data */
#define VC_RECEIPTS_MAX_BYTES ((size_t)128 << 20) /* all encodings of one block */
#define VC_RECEIPT_TYPE_DEPOSIT 0x7e              /* OP-stack deposit receipt */

/* Append the consensus encoding of one receipt (type byte included for typed
 * receipts) to out. */
vc_status vc_receipt_encode(const json_t *receipt, vc_rlp_buf *out, vc_err *err) VC_MUST_CHECK;

/* Prove a block's receipt list against its receipts root (see above). */
vc_status vc_verify_receipts(const json_t *receipts, const uint8_t receipts_root[32],
                             vc_err *err) VC_MUST_CHECK;

/* The receipts root of a JSON receipt list (no consistency checks). */
vc_status vc_receipts_root(const json_t *receipts, uint8_t root[32], vc_err *err) VC_MUST_CHECK;

/* Only the position/consistency checks of vc_verify_receipts. */
vc_status vc_receipts_check_positions(const json_t *receipts, vc_err *err) VC_MUST_CHECK;

#endif
