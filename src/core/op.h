/*
 * op.h: what is different on OP-stack chains (Base, OP Mainnet, ...), sans I/O.
 *
 * An OP-stack L2 block is an Ethereum block with three differences the verifier must
 * know about; everything else (header hash, tries, blooms, state proofs) is the same
 * code as on Ethereum. The differences are chosen by a vc_chain_kind PARAMETER that the
 * caller passes (block.h: vc_verify_block_for), never by a global:
 *
 *  1. Deposit transactions (type 0x7e, tx.h). Every L2 block starts with the L1
 *     attributes deposit. They carry no signature; "from" is in the encoding. On
 *     VC_CHAIN_ETHEREUM a block holding a deposit is rejected.
 *  2. Withdrawals. OP blocks never carry withdrawals: the list must be empty. From
 *     Canyon to Holocene the header's withdrawalsRoot is the empty trie root; from
 *     Isthmus on (the OP header then also carries requestsHash, as Base does) it is the
 *     storage root of the L2ToL1MessagePasser (0x4200..0016) after the block, so it is
 *     NOT compared with the root of the (empty) list: vc_op_header_mp_root returns it.
 *  3. Receipts. Deposit receipts carry depositNonce and depositReceiptVersion (Canyon);
 *     both are in the consensus encoding when depositReceiptVersion is present
 *     (receipt.h), so the receipts root proves them. The L1 fee fields op-geth adds to
 *     every receipt (l1Fee, l1GasPrice, l1GasUsed, l1FeeScalar, l1BaseFeeScalar,
 *     l1BlobBaseFee, l1BlobBaseFeeScalar, operatorFeeScalar, operatorFeeConstant,
 *     daFootprintGasScalar, and from Jovian blobGasUsed, which on an OP chain is the tx's
 *     DA footprint) are NOT committed to by any root. verity's choice: a
 *     verified receipt does not carry them. vc_op_strip_unproven removes them from
 *     receipts before an answer is labelled verified; a client that needs them asks
 *     with verification off. The deposit tx JSON members outside the encoding (nonce,
 *     depositReceiptVersion, and the zero gasPrice/v/r/s) are checked against the
 *     verified receipt and the deposit rules by vc_op_check_deposit_fields.
 *
 * L1 anchoring (what the gateway builds on): an OP chain posts output roots to L1,
 *   outputRoot = keccak256(version(32 zero bytes) || stateRoot ||
 *                          messagePasserStorageRoot || blockHash)
 * vc_op_output_root computes it; vc_op_verify_output checks an L2 header (its hash
 * computed from its fields) against a proven output root, taking the message-passer
 * storage root from the header (Isthmus) or from an eth_getProof of 0x4200..0016 at
 * that block (any fork), or both (then they must agree). How the output root itself is
 * proven on L1 (dispute games) is op_game.h.
 *
 * All functions are pure (no I/O, no globals); inputs are borrowed, outputs are caller
 * buffers, except vc_op_strip_unproven, which edits the caller's JSON in place.
 */
#ifndef VC_OP_H
#define VC_OP_H

#include "core/header.h"
#include "core/vc_base.h"

#include <jansson.h>

typedef enum {
  VC_CHAIN_ETHEREUM = 0, /* Ethereum L1 and chains that follow it exactly */
  VC_CHAIN_OP_STACK = 1, /* Base, OP Mainnet and other OP-stack L2s */
} vc_chain_kind;

/* 0x4200000000000000000000000000000000000016 */
extern const uint8_t vc_op_message_passer[20];

/* outputRoot v0 = keccak256(32 zero bytes || state_root || mp_root || block_hash). */
void vc_op_output_root(const uint8_t state_root[32], const uint8_t mp_root[32],
                       const uint8_t block_hash[32], uint8_t out[32]);

/* True when h is an Isthmus-or-later OP header (it has requestsHash); then mp_root gets
 * its withdrawalsRoot, which is the message passer's storage root. */
bool vc_op_header_mp_root(const vc_header *h, uint8_t mp_root[32]);

/* An L2 header (from vc_header_from_json / _rlp, so h->hash is computed from the
 * fields) against an output root proven on L1 for block l2_number: number, then
 * keccak(0 || stateRoot || mpRoot || hash) == output_root. mp_proof (may be NULL on an
 * Isthmus header) is eth_getProof of vc_op_message_passer at this block; it is proven
 * against h->state_root. mp_root_out (may be NULL) gets the message-passer root used. */
vc_status vc_op_verify_output(const vc_header *h, uint64_t l2_number, const json_t *mp_proof,
                              const uint8_t output_root[32], uint8_t mp_root_out[32],
                              vc_err *err) VC_MUST_CHECK;

/* Receipt members no OP-stack root commits to (NULL-terminated). */
extern const char *const vc_op_receipt_unproven[];

/* Remove those members from a receipt or an array of receipts, in place (the answer to
 * eth_getTransactionReceipt / eth_getBlockReceipts on an OP chain, after verification).
 * Returns how many members were removed. Non-objects are left alone. */
size_t vc_op_strip_unproven(json_t *receipts);

/* The deposit tx JSON members that are not in the deposit encoding, checked against
 * what does prove them: "nonce" and "depositReceiptVersion" against the verified
 * receipt's depositNonce / depositReceiptVersion (receipt may be NULL: then only the
 * rules are checked), and "gasPrice", "v", "r", "s", "yParity", when present, must be
 * zero (a deposit pays no L2 gas price and has no signature). VC_OK for non-deposits. */
vc_status vc_op_check_deposit_fields(const json_t *tx, const json_t *receipt,
                                     vc_err *err) VC_MUST_CHECK;

#endif
