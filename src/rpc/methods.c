/*
 * methods.c: the method table (see methods.h). Sorted by name for bsearch; a test
 * checks the order.
 */
#include "rpc/methods.h"

#include <stdlib.h>
#include <string.h>

#define P(...) {__VA_ARGS__}
#define Z VT_E_ZERO_QTY
#define N VT_E_NULL

static const vt_method table[] = {
    /* name                                     kind          min max params                                        blk empty_like          flags, verifier, local */
    {"eth_accounts",                            VT_M_LOCAL,     0, 0, P(0),                                           -1, 0,                   0, 0, VT_L_ACCOUNTS},
    {"eth_blobBaseFee",                         VT_M_READ,      0, 0, P(0),                                           -1, 0,                   0, VT_V_BLOB_BASE_FEE, 0},
    {"eth_blockNumber",                         VT_M_LOCAL,     0, 0, P(0),                                           -1, 0,                   0, 0, VT_L_BLOCK_NUMBER},
    {"eth_call",                                VT_M_READ,      1, 4, P(VT_P_OBJ, VT_P_BLOCK, VT_P_OBJ, VT_P_OBJ),    1, VT_E_ZERO_WORD | VT_E_EMPTY_DATA, 0, VT_V_CALL, 0},
    {"eth_chainId",                             VT_M_LOCAL,     0, 0, P(0),                                           -1, 0,                   0, 0, VT_L_CHAIN_ID},
    {"eth_coinbase",                            VT_M_DENY,      0, 0, P(0),                                           -1, 0,                   0, 0, 0},
    {"eth_createAccessList",                    VT_M_READ,      1, 2, P(VT_P_OBJ, VT_P_BLOCK),                        1, 0,                    0, VT_V_ACCESS_LIST, 0},
    {"eth_estimateGas",                         VT_M_READ,      1, 4, P(VT_P_OBJ, VT_P_BLOCK, VT_P_OBJ, VT_P_OBJ),    1, 0,                    0, VT_V_ESTIMATE, 0},
    {"eth_feeHistory",                          VT_M_READ,      2, 3, P(VT_P_QTY, VT_P_BLOCKNUM, VT_P_ARRAY),         1, 0,                    0, VT_V_FEE_HISTORY, 0},
    {"eth_gasPrice",                            VT_M_READ,      0, 0, P(0),                                           -1, 0,                   0, VT_V_GAS_PRICE, 0},
    {"eth_getBalance",                          VT_M_READ,      1, 2, P(VT_P_ADDR, VT_P_BLOCK),                       1, Z,                    0, VT_V_BALANCE, 0},
    {"eth_getBlockByHash",                      VT_M_READ,      2, 2, P(VT_P_HASH, VT_P_BOOL),                        -1, N,                   VT_MF_BLOCK_BY_HASH, VT_V_BLOCK_BY_HASH, 0},
    {"eth_getBlockByNumber",                    VT_M_READ,      2, 2, P(VT_P_BLOCKNUM, VT_P_BOOL),                    0, N,                    0, VT_V_BLOCK_BY_NUMBER, 0},
    {"eth_getBlockReceipts",                    VT_M_READ,      1, 1, P(VT_P_BLOCK),                                  0, N | VT_E_EMPTY_ARR,   0, VT_V_BLOCK_RECEIPTS, 0},
    {"eth_getBlockTransactionCountByHash",      VT_M_READ,      1, 1, P(VT_P_HASH),                                   -1, N,                   VT_MF_BLOCK_BY_HASH, 0, 0},
    {"eth_getBlockTransactionCountByNumber",    VT_M_READ,      1, 1, P(VT_P_BLOCKNUM),                               0, N,                    0, 0, 0},
    {"eth_getCode",                             VT_M_READ,      1, 2, P(VT_P_ADDR, VT_P_BLOCK),                       1, VT_E_EMPTY_DATA,      0, VT_V_CODE, 0},
    {"eth_getFilterChanges",                    VT_M_FILTER,    1, 1, P(VT_P_STR),                                    -1, 0,                   0, 0, 0},
    {"eth_getFilterLogs",                       VT_M_FILTER,    1, 1, P(VT_P_STR),                                    -1, 0,                   0, 0, 0},
    {"eth_getLogs",                             VT_M_READ,      1, 1, P(VT_P_FILTER),                                 -1, VT_E_EMPTY_ARR,      VT_MF_RANGE, VT_V_LOGS, 0},
    {"eth_getProof",                            VT_M_READ,      2, 3, P(VT_P_ADDR, VT_P_SLOTS, VT_P_BLOCK),           2, 0,                    0, VT_V_PROOF, 0},
    {"eth_getStorageAt",                        VT_M_READ,      2, 3, P(VT_P_ADDR, VT_P_QTY, VT_P_BLOCK),             2, VT_E_ZERO_WORD | Z,   0, VT_V_STORAGE, 0},
    {"eth_getTransactionByBlockHashAndIndex",   VT_M_READ,      2, 2, P(VT_P_HASH, VT_P_QTY),                         -1, N,                   VT_MF_BLOCK_BY_HASH, VT_V_TX_BY_BLOCK_HASH_INDEX, 0},
    {"eth_getTransactionByBlockNumberAndIndex", VT_M_READ,      2, 2, P(VT_P_BLOCKNUM, VT_P_QTY),                     0, N,                    0, VT_V_TX_BY_BLOCK_NUMBER_INDEX, 0},
    {"eth_getTransactionByHash",                VT_M_READ,      1, 1, P(VT_P_HASH),                                   -1, N,                   VT_MF_TX_BY_HASH, VT_V_TX_BY_HASH, 0},
    {"eth_getTransactionCount",                 VT_M_READ,      1, 2, P(VT_P_ADDR, VT_P_BLOCK),                       1, Z,                    VT_MF_NO_PIN, VT_V_NONCE, 0},
    {"eth_getTransactionReceipt",               VT_M_READ,      1, 1, P(VT_P_HASH),                                   -1, N,                   VT_MF_TX_BY_HASH, VT_V_RECEIPT, 0},
    {"eth_getUncleByBlockHashAndIndex",         VT_M_READ,      2, 2, P(VT_P_HASH, VT_P_QTY),                         -1, 0,                   VT_MF_BLOCK_BY_HASH, 0, 0},
    {"eth_getUncleByBlockNumberAndIndex",       VT_M_READ,      2, 2, P(VT_P_BLOCKNUM, VT_P_QTY),                     0, 0,                    0, 0, 0},
    {"eth_getUncleCountByBlockHash",            VT_M_READ,      1, 1, P(VT_P_HASH),                                   -1, N,                   VT_MF_BLOCK_BY_HASH, 0, 0},
    {"eth_getUncleCountByBlockNumber",          VT_M_READ,      1, 1, P(VT_P_BLOCKNUM),                               0, N,                    0, 0, 0},
    {"eth_maxPriorityFeePerGas",                VT_M_READ,      0, 0, P(0),                                           -1, 0,                   0, VT_V_MAX_PRIORITY_FEE, 0},
    {"eth_mining",                              VT_M_LOCAL,     0, 0, P(0),                                           -1, 0,                   0, 0, VT_L_FALSE},
    {"eth_newBlockFilter",                      VT_M_FILTER,    0, 0, P(0),                                           -1, 0,                   0, 0, 0},
    {"eth_newFilter",                           VT_M_FILTER,    1, 1, P(VT_P_FILTER),                                 -1, 0,                   0, 0, 0},
    {"eth_newPendingTransactionFilter",         VT_M_FILTER,    0, 0, P(0),                                           -1, 0,                   0, 0, 0},
    {"eth_protocolVersion",                     VT_M_READ,      0, 0, P(0),                                           -1, 0,                   0, 0, 0},
    {"eth_sendRawTransaction",                  VT_M_WRITE,     1, 1, P(VT_P_DATA),                                   -1, 0,                   0, 0, 0},
    {"eth_sendTransaction",                     VT_M_DENY,      1, 1, P(VT_P_OBJ),                                    -1, 0,                   0, 0, 0},
    {"eth_sign",                                VT_M_DENY,      2, 2, P(VT_P_ADDR, VT_P_DATA),                        -1, 0,                   0, 0, 0},
    {"eth_signTransaction",                     VT_M_DENY,      1, 1, P(VT_P_OBJ),                                    -1, 0,                   0, 0, 0},
    {"eth_simulateV1",                          VT_M_READ,      1, 2, P(VT_P_OBJ, VT_P_BLOCK),                        1, 0,                    0, 0, 0},
    {"eth_subscribe",                           VT_M_SUBSCRIBE, 1, 2, P(VT_P_STR, VT_P_OBJ),                          -1, 0,                   0, 0, 0},
    {"eth_syncing",                             VT_M_LOCAL,     0, 0, P(0),                                           -1, 0,                   0, 0, VT_L_FALSE},
    {"eth_uninstallFilter",                     VT_M_FILTER,    1, 1, P(VT_P_STR),                                    -1, 0,                   0, 0, 0},
    {"eth_unsubscribe",                         VT_M_SUBSCRIBE, 1, 1, P(VT_P_STR),                                    -1, 0,                   0, 0, 0},
    {"net_listening",                           VT_M_LOCAL,     0, 0, P(0),                                           -1, 0,                   0, 0, VT_L_TRUE},
    {"net_peerCount",                           VT_M_READ,      0, 0, P(0),                                           -1, 0,                   0, 0, 0},
    {"net_version",                             VT_M_LOCAL,     0, 0, P(0),                                           -1, 0,                   0, 0, VT_L_NET_VERSION},
    {"web3_clientVersion",                      VT_M_LOCAL,     0, 0, P(0),                                           -1, 0,                   0, 0, VT_L_CLIENT_VERSION},
    {"web3_sha3",                               VT_M_LOCAL,     1, 1, P(VT_P_DATA),                                   -1, 0,                   0, 0, VT_L_SHA3},
};

/* Namespaces denied by default: they manage nodes, keys or expose internals. */
static const vt_method deny_prefixes[] = {
    {"admin_", VT_M_DENY, 0, VT_MAX_PARAMS, P(0), -1, 0, 0, 0, 0},
    {"debug_", VT_M_DENY, 0, VT_MAX_PARAMS, P(0), -1, 0, 0, 0, 0},
    {"engine_", VT_M_DENY, 0, VT_MAX_PARAMS, P(0), -1, 0, 0, 0, 0},
    {"miner_", VT_M_DENY, 0, VT_MAX_PARAMS, P(0), -1, 0, 0, 0, 0},
    {"personal_", VT_M_DENY, 0, VT_MAX_PARAMS, P(0), -1, 0, 0, 0, 0},
    {"txpool_", VT_M_DENY, 0, VT_MAX_PARAMS, P(0), -1, 0, 0, 0, 0},
    {"anvil_", VT_M_DENY, 0, VT_MAX_PARAMS, P(0), -1, 0, 0, 0, 0},
    {"evm_", VT_M_DENY, 0, VT_MAX_PARAMS, P(0), -1, 0, 0, 0, 0},
    {"hardhat_", VT_M_DENY, 0, VT_MAX_PARAMS, P(0), -1, 0, 0, 0, 0},
};

static const vt_method generic_read = {"(allowed by config)", VT_M_READ, 0, 255, P(0), -1, 0, 0, 0, 0};

static int cmp(const void *key, const void *row) {
  return strcmp((const char *)key, ((const vt_method *)row)->name);
}

const vt_method *vt_method_find(const char *name) {
  const vt_method *m = bsearch(name, table, sizeof table / sizeof table[0], sizeof table[0], cmp);
  if (m) return m;
  for (size_t i = 0; i < sizeof deny_prefixes / sizeof deny_prefixes[0]; i++)
    if (strncmp(name, deny_prefixes[i].name, strlen(deny_prefixes[i].name)) == 0)
      return &deny_prefixes[i];
  return NULL;
}

const vt_method *vt_method_generic_read(void) { return &generic_read; }
size_t vt_method_count(void) { return sizeof table / sizeof table[0]; }
const vt_method *vt_method_at(size_t i) { return i < vt_method_count() ? &table[i] : NULL; }
