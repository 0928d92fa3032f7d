/*
 * tx.h: transactions: JSON -> consensus encoding, hash, transactions root, sender.
 *
 * A transaction's hash is keccak of its consensus encoding, and a block's
 * transactionsRoot is the trie of those encodings keyed by rlp(index). So a JSON
 * transaction (eth_getTransactionByHash, or a full tx object of eth_getBlockBy*) is
 * proven once it is re-encoded and its hash equals the hash the verified block lists.
 * Supported envelopes (one table row each in tx.c, fields in RLP order):
 *   legacy          rlp([nonce, gasPrice, gas, to, value, input, v, r, s])
 *                   (v = 27/28, or chainId*2+35/36 with EIP-155)
 *   0x01 EIP-2930   chainId, nonce, gasPrice, gas, to, value, input, accessList, yParity, r, s
 *   0x02 EIP-1559   chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to, value,
 *                   input, accessList, yParity, r, s
 *   0x03 EIP-4844   ... accessList, maxFeePerBlobGas, blobVersionedHashes, yParity, r, s
 *   0x04 EIP-7702   ... accessList, authorizationList, yParity, r, s
 *   0x7e OP-stack deposit (op-geth DepositTx): sourceHash, from, to (empty = create),
 *                   mint, value, gas, isSystemTx, input. No signature: "from" is part of
 *                   the encoding, so it is proven by the hash / transactions root and
 *                   needs no recovery. JSON as op-geth returns it: "mint" absent means 0,
 *                   "isSystemTx" absent means false. The JSON "nonce" of a deposit is the
 *                   receipt's depositNonce and "gasPrice"/"v"/"r"/"s" are zeros: none of
 *                   them is in the encoding (see op.h for what proves them).
 *                   Which chains may carry deposits is decided one level up (block.h,
 *                   vc_chain_kind): the encoding itself is chain-neutral.
 * Typed encodings are type || rlp([...]). Other types are VC_ERR_INPUT (unverifiable).
 *
 * vc_tx_decode_raw checks raw bytes (eth_getRawTransaction, TransactionTests) against
 * the same table: strict RLP, right field count, canonical scalars, 20-byte addresses.
 * vc_tx_sender_raw recovers the signer with libsecp256k1, which proves a JSON "from".
 */
#ifndef VC_TX_H
#define VC_TX_H

#include "core/rlp.h"
#include "core/vc_base.h"

#include <jansson.h>

#define VC_TX_MAX_BYTES ((size_t)32 << 20) /* one encoded transaction */
#define VC_TX_MAX_LIST 65536               /* accessList / keys / authorizations / blobs */
#define VC_TXS_MAX 65536                   /* transactions per block */
#define VC_TX_TYPE_DEPOSIT 0x7e            /* OP-stack deposit transaction */

/* Append the consensus encoding of a JSON transaction to out. */
vc_status vc_tx_encode(const json_t *tx, vc_rlp_buf *out, vc_err *err) VC_MUST_CHECK;

/* keccak(encoding); does not look at the JSON "hash". */
vc_status vc_tx_hash(const json_t *tx, uint8_t hash[32], vc_err *err) VC_MUST_CHECK;

/* Re-encode, hash, and require the JSON "hash" to match; when the JSON has "from", also
 * recover the signer and require it to match. hash_out (may be NULL) gets the hash. */
vc_status vc_verify_tx(const json_t *tx, uint8_t hash_out[32], vc_err *err) VC_MUST_CHECK;

/* Every tx of a full block: vc_verify_tx on each, then their trie root == root. Also
 * requires transactionIndex == position when present. */
vc_status vc_verify_transactions(const json_t *txs, const uint8_t root[32],
                                 vc_err *err) VC_MUST_CHECK;

/* Flags for vc_verify_transactions_len. Sender recovery (secp256k1) dominates the cost
 * of a big block (~40 us a tx); a caller that will not hand out "from" may skip it. */
#define VC_TX_SKIP_SENDERS 1u

/* The same, with flags, also giving the length of the RLP list these transactions form
 * in a block body (legacy txs as lists, typed ones wrapped in a string), for "size". */
vc_status vc_verify_transactions_len(const json_t *txs, const uint8_t root[32], unsigned flags,
                                     size_t *body_list_len, vc_err *err) VC_MUST_CHECK;

/* Bytes of an RLP string or list header for a payload of len bytes. */
size_t vc_tx_prefix_len(size_t len);

typedef struct {
  uint8_t type;       /* 0 = legacy */
  uint8_t hash[32];   /* keccak(raw) */
  size_t n_fields;
  vc_rlp_item fields[14]; /* views into the raw bytes, in table order */
} vc_tx_raw;

/* Structural check of raw tx bytes; fills out (views into raw). */
vc_status vc_tx_decode_raw(vc_bytes raw, vc_tx_raw *out, vc_err *err) VC_MUST_CHECK;

/* Recover the sender address of a decoded raw transaction. */
vc_status vc_tx_sender_raw(const vc_tx_raw *tx, uint8_t from[20], vc_err *err) VC_MUST_CHECK;

#endif
