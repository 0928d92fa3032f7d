/*
 * account.h: verify an eth_getProof result against a trusted state root.
 *
 * The gateway calls these after it has pinned a block and knows (from the anchor) the
 * block's stateRoot. vc_verify_account_proof() proves the account (or its absence) and
 * checks that every field the upstream claims in the JSON agrees with the proven one;
 * vc_verify_storage_proofs() then proves each requested storage slot against the
 * account's storageHash; vc_verify_code() checks eth_getCode bytes against codeHash.
 * The JSON stays owned by the caller; outputs are plain copies.
 */
#ifndef VC_ACCOUNT_H
#define VC_ACCOUNT_H

#include "core/vc_base.h"

#include <jansson.h>

#define VC_PROOF_MAX_STORAGE 256 /* storageProof entries accepted in one result */
/* One state- or storage-trie node: a full branch is 532 bytes, an account leaf under
 * 200; anything larger is not a node of these tries. */
#define VC_PROOF_MAX_NODE 1024

typedef struct {
  bool exists;
  uint64_t nonce;
  uint8_t balance[32];      /* big-endian */
  uint8_t storage_root[32];
  uint8_t code_hash[32];
} vc_account;

/* keccak256("") and keccak256(rlp("")) = the empty trie root. */
extern const uint8_t vc_empty_code_hash[32];
extern const uint8_t vc_empty_trie_root[32];

/* Proves address's account (or its absence) under state_root and checks the JSON's
 * address, nonce, balance, storageHash and codeHash against it. An absent account must
 * claim balance 0 and nonce 0, and either the empty code hash / empty trie root or all-zero
 * hashes (clients differ); *out then has exists=false and the empty hashes. On failure
 * *out is zeroed and err says which node or field disagreed. */
vc_status vc_verify_account_proof(const json_t *proof_result, const uint8_t state_root[32],
                                  const uint8_t address[20], vc_account *out,
                                  vc_err *err) VC_MUST_CHECK;

/* acct: the result of vc_verify_account_proof on the same proof_result. Every entry of
 * storageProof is verified against acct->storage_root (keys and values may be spelled as
 * QUANTITY or DATA); every requested slot must appear; values_out[i] is slot i's proven
 * value, 32 bytes big-endian (zero when proven absent). */
vc_status vc_verify_storage_proofs(const json_t *proof_result, const vc_account *acct,
                                   const uint8_t (*slots)[32], size_t nslots,
                                   uint8_t (*values_out)[32], vc_err *err) VC_MUST_CHECK;

/* eth_getCode bytes against the account's codeHash. */
vc_status vc_verify_code(const uint8_t code_hash[32], const uint8_t *code, size_t len,
                         vc_err *err) VC_MUST_CHECK;

#endif
