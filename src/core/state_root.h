/*
 * state_root.h: the world-state root and the logs hash, from plain records.
 *
 * The state root is the root of the secure Merkle-Patricia trie over accounts: key
 * keccak(address), value rlp([nonce, balance, storageRoot, codeHash]). Each account's
 * storageRoot is the root of its own secure trie: key keccak(slot as 32 big-endian
 * bytes), value rlp(value as minimal big-endian bytes); slots holding zero are absent.
 * The logs hash is keccak(rlp([[address, [topic, ...], data], ...])), the `logs` field
 * of the ethereum/tests state tests.
 *
 * Input is a plain array of records the caller fills (the EVM adapts its journaled
 * state to them, the state test runner builds them from a test's `pre`/`post`), so this
 * module depends on nothing but the trie builder (core/trie.h), RLP and Keccak. Every
 * record given is included: dropping empty accounts (EIP-161) is the caller's decision.
 * Duplicate addresses or slots are an input error (the caller merged them wrongly).
 * Records are views the caller keeps alive for the call; nothing returned is owned.
 * Called by the EVM's host adapters, tests/evm/statetest.c and the unit tests.
 */
#ifndef VC_STATE_ROOT_H
#define VC_STATE_ROOT_H

#include "core/trie.h"
#include "core/u256.h"
#include "core/vc_base.h"

#define VC_SR_MAX_ACCOUNTS (1u << 20) /* accounts in one state */
#define VC_SR_MAX_SLOTS (1u << 20)    /* storage slots of one account */
#define VC_SR_MAX_LOGS (1u << 16)     /* logs in one logs hash */
#define VC_SR_MAX_TOPICS 4            /* LOG0..LOG4 */
#define VC_SR_MAX_LOG_DATA ((size_t)16 << 20)
#define VC_SR_MAX_LOGS_RLP ((size_t)128 << 20) /* the whole rlp(logs) encoding */

/* keccak("") : the code hash of an account without code. */
extern const uint8_t vc_sr_empty_code_hash[32];

typedef struct {
  vc_u256 key;   /* the slot number */
  vc_u256 value; /* zero means absent (skipped) */
} vc_sr_slot;

typedef struct {
  uint8_t address[20];
  uint64_t nonce;
  vc_u256 balance;
  uint8_t code_hash[32]; /* keccak(code); vc_sr_empty_code_hash when there is none */
  const vc_sr_slot *storage;
  size_t n_storage;
} vc_sr_account;

typedef struct {
  uint8_t address[20];
  const uint8_t (*topics)[32];
  size_t n_topics; /* at most VC_SR_MAX_TOPICS */
  const uint8_t *data;
  size_t data_len;
} vc_sr_log;

/* Put (keccak(key), val) into a trie builder: the step every secure trie is made of
 * (vlen == 0 deletes, as in vc_trie_put). */
vc_status vc_secure_trie_put(vc_trie *t, const uint8_t *key, size_t klen, const uint8_t *val,
                             size_t vlen, vc_err *err) VC_MUST_CHECK;

/* Root of one account's storage trie (zero values skipped; no slots: the empty root). */
vc_status vc_storage_root(const vc_sr_slot *slots, size_t n, uint8_t root[32],
                          vc_err *err) VC_MUST_CHECK;

/* rlp([nonce, balance, storageRoot, codeHash]) of one account into out (at most
 * VC_SR_ACCOUNT_RLP_MAX bytes); *out_len gets the length. */
#define VC_SR_ACCOUNT_RLP_MAX 112
vc_status vc_account_rlp(uint64_t nonce, const vc_u256 *balance, const uint8_t storage_root[32],
                         const uint8_t code_hash[32], uint8_t out[VC_SR_ACCOUNT_RLP_MAX],
                         size_t *out_len, vc_err *err) VC_MUST_CHECK;

/* Root of the state trie over these accounts (no accounts: the empty root). */
vc_status vc_state_root(const vc_sr_account *accts, size_t n, uint8_t root[32],
                        vc_err *err) VC_MUST_CHECK;

/* keccak(rlp(logs)); no logs: keccak(0xc0). */
vc_status vc_logs_hash(const vc_sr_log *logs, size_t n, uint8_t out[32],
                       vc_err *err) VC_MUST_CHECK;

#endif
