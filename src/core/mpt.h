/*
 * mpt.h: Merkle-Patricia trie proof verification (EIP-1186 style proofs).
 *
 * Given a trusted root, a key path (already hashed: keccak(address) for accounts,
 * keccak(slot) for storage, 32 bytes) and the proof nodes in root-to-leaf order,
 * walk branch, extension and leaf nodes, checking at every step that the node is the
 * one its parent committed to (keccak of the node for references of 32 bytes; the
 * embedded encoding itself for nodes shorter than 32 bytes). The result is either the
 * value stored at the key (inclusion) or a proof that nothing is stored there
 * (exclusion: an empty branch slot, or a leaf/extension whose path diverges).
 *
 * The value is a view into the caller's node buffers. Errors name the node index and
 * the reason ("proof node 2: hash mismatch").
 */
#ifndef VC_MPT_H
#define VC_MPT_H

#include "core/vc_base.h"

#define VC_MPT_MAX_NODES 64        /* a 32-byte key has 64 nibbles; mainnet proofs are ~10 */
/* Any one node. A full branch is at most 532 bytes, but leaves hold values and a
 * receipt-trie leaf can be large, so the cap is generous; the node count bounds work. */
#define VC_MPT_MAX_NODE_SIZE (1u << 20)
#define VC_MPT_MAX_KEY 32

/* Hex-prefix (compact) path decoding, as used in leaf and extension nodes: writes one
 * nibble per byte into nibbles (cap >= 2*hp.len), sets *leaf from the flag. */
vc_status vc_mpt_hp_decode(vc_bytes hp, uint8_t *nibbles, size_t cap, size_t *n, bool *leaf,
                           vc_err *err) VC_MUST_CHECK;

/* value_out->len == 0 means the key is proven absent (the trie never stores empty
 * values). Extra nodes after the walk ends are an error (VC_ERR_INPUT). Under the empty
 * trie root (keccak(0x80)) an empty proof, or the single node 0x80, proves absence. */
vc_status vc_mpt_verify(const uint8_t root[32], const uint8_t *key, size_t key_len,
                        const vc_bytes *nodes, size_t n_nodes, vc_bytes *value_out,
                        vc_err *err) VC_MUST_CHECK;

#endif
