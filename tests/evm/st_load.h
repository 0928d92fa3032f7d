/*
 * st_load.h: a GeneralStateTests JSON file (ethereum/tests "filled" state tests) as
 * plain structs, for the conformance runner (tests/evm/statetest.c).
 *
 * One file holds one or more named tests; each test has an environment (the block the
 * transaction runs in), a `pre` allocation, one transaction template whose data, gas
 * limit and value are lists, and `post.<Fork>` entries that pick one element of each
 * list by index and give the expected post-state root, logs hash and, for invalid
 * transactions, the expected exception. st_file_load parses all of it with jansson;
 * quantities are read leniently ("0x00", "0x1", "0x:bigint 0x...") because the fixtures
 * write them so. The sender comes from `secretKey` through libsecp256k1 and must equal
 * `sender` when both are given.
 *
 * Every allocation belongs to the st_file (a list of blocks freed together by
 * st_file_free); the structs are views into it. Caps on every list and byte string
 * (ST_MAX_*) keep a malformed or hostile file from taking the machine; passing one is an
 * error naming the cap. Test tooling, not core: it reads files and allocates freely.
 */
#ifndef ST_LOAD_H
#define ST_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/state_root.h"
#include "core/u256.h"

#define ST_MAX_FILE_BYTES ((size_t)64 << 20)
#define ST_MAX_TESTS 512         /* named tests in one file */
#define ST_MAX_ACCOUNTS 4096     /* pre accounts */
#define ST_MAX_SLOTS 65536       /* storage slots of one pre account */
#define ST_MAX_CODE ((size_t)1 << 20)
#define ST_MAX_DATA ((size_t)4 << 20) /* one calldata / initcode entry */
#define ST_MAX_VARIANTS 4096     /* entries of data[], gasLimit[], value[] each */
#define ST_MAX_POST 8192         /* post entries of one test, all forks */
#define ST_MAX_ACCESS 4096       /* addresses in one access list */
#define ST_MAX_ACCESS_KEYS 65536 /* storage keys of one access-list entry */
#define ST_MAX_BLOBS 64          /* blob versioned hashes */
#define ST_MAX_AUTHS 1024        /* EIP-7702 authorizations */
#define ST_MAX_TXBYTES ((size_t)8 << 20)
#define ST_MAX_EXCEPTION 256     /* expectException text */

typedef struct {
  char msg[512];
} st_err;

typedef struct {
  uint8_t address[20];
  uint64_t nonce;
  vc_u256 balance;
  const uint8_t *code;
  size_t code_len;
  vc_sr_slot *storage;
  size_t n_storage;
} st_account;

typedef struct {
  uint8_t coinbase[20];
  uint64_t number, timestamp, gas_limit;
  vc_u256 difficulty;
  bool has_base_fee;
  vc_u256 base_fee;
  bool has_random; /* post-merge: PREVRANDAO */
  uint8_t random[32];
  bool has_excess_blob_gas;
  uint64_t excess_blob_gas;
} st_env;

typedef struct {
  uint8_t address[20];
  uint8_t (*keys)[32];
  size_t n_keys;
} st_access_entry;

typedef struct {
  bool present; /* false: the JSON had null (no access list for this data index) */
  st_access_entry *entries;
  size_t n;
} st_access_list;

typedef struct {
  vc_u256 chain_id;
  uint8_t address[20];
  uint64_t nonce;
  uint8_t y_parity;
  vc_u256 r, s;
  bool has_signer;
  uint8_t signer[20];
} st_auth;

typedef struct {
  const uint8_t *ptr;
  size_t len;
} st_blob;

typedef struct {
  st_blob *data;
  size_t n_data;
  uint64_t *gas_limit;
  size_t n_gas;
  vc_u256 *value;
  bool *value_overflow; /* the fixture's value does not fit 256 bits (must be rejected) */
  size_t n_value;
  st_access_list *access_lists; /* per data index; NULL when the tx has none */
  size_t n_access_lists;
  uint64_t nonce;
  bool is_create; /* to == "" */
  uint8_t to[20];
  uint8_t secret_key[32];
  uint8_t sender[20];
  bool has_gas_price; /* legacy / 2930 pricing */
  vc_u256 gas_price;
  bool has_max_fee; /* 1559 pricing */
  vc_u256 max_fee_per_gas, max_priority_fee_per_gas;
  bool has_blob_fields;
  uint8_t (*blob_hashes)[32];
  size_t n_blob_hashes;
  vc_u256 max_fee_per_blob_gas;
  bool has_auths;
  st_auth *auths;
  size_t n_auths;
} st_tx;

typedef struct {
  char fork[24];
  size_t d, g, v; /* indexes into data[], gasLimit[], value[] */
  uint8_t hash[32];
  uint8_t logs[32];
  const char *expect_exception; /* NULL for a valid transaction */
  const uint8_t *txbytes;
  size_t txbytes_len;
} st_post;

typedef struct {
  const char *name;
  st_env env;
  st_account *pre;
  size_t n_pre;
  st_tx tx;
  st_post *post;
  size_t n_post;
} st_test;

typedef struct st_block st_block;

typedef struct {
  st_test *tests;
  size_t n_tests;
  st_block *blocks; /* every allocation of this file */
} st_file;

/* Parse path into *f (zeroed first). On failure *f holds nothing to free and err says
 * which test and field was wrong. */
int st_file_load(const char *path, st_file *f, st_err *err);
void st_file_free(st_file *f);

/* Sender address of a secp256k1 secret key; 0, or -1 when the key is invalid. */
int st_sender_of(const uint8_t secret_key[32], uint8_t out[20]);

#endif
