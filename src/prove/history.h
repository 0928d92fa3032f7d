/*
 * history.h: block hashes from the EIP-2935 history contract, proven.
 *
 * From Prague the system contract at 0x0000F90827F1C53a10cb7A02335B175320002935 keeps
 * the hashes of the last 8191 blocks in a ring: slot `number % 8191` of the state of
 * block H holds the hash of the newest block n < H with that remainder. vt_history_hash
 * proves that slot with eth_getStorageAt's verifier (eth_getProof against the state
 * root of the anchored block `head`) and hands back the 32-byte value; the anchor
 * (anchor.c) then fetches the header by that hash and checks its number, which is the
 * consistency check the contract's ring needs (a slot may hold a block 8191 away).
 * The gateway wires it to the anchor with vt_anchor_set_history; ud is the vt_prover.
 */
#ifndef VT_HISTORY_H
#define VT_HISTORY_H

#include "prove/anchor.h"

#define VT_HISTORY_ADDRESS "0x0000F90827F1C53a10cb7A02335B175320002935"

/* A vt_history_fn: ud is the vt_prover (borrowed, lives as long as the anchor). */
void vt_history_hash(void *ud, uint64_t head, uint64_t number, vt_history_done done, void *done_ud);

#endif
