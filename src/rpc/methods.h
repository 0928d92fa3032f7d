/*
 * methods.h: the method table, one row per JSON-RPC method verity knows.
 *
 * A row says how a method is served (answered locally, read from upstreams, written
 * to all of them, subscribed over WebSocket, or denied), the shape of its params (so
 * bad input is refused with -32602 before any upstream sees it), where its block
 * parameter is (so `latest` can be pinned to a number), and which results are
 * "unknown-like" (a zero balance, a null receipt, an empty log list) and so must be
 * confirmed by another upstream before a client sees them, which verifier proves its
 * answer (src/prove/verify.c) and which handler answers it locally (src/gateway/
 * local.c). Whether an answer is cached follows from its pinning: a read about a
 * concrete block at or below the head, or a block by hash (src/plan/flight.c). The
 * config can allow or deny any method by name or prefix (src/plan/policy.c). Adding a
 * method is adding a row. Prefix rows deny whole namespaces (admin_, debug_, …) unless
 * the config allows a method by name.
 */
#ifndef VT_METHODS_H
#define VT_METHODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  VT_M_LOCAL,      /* answered by verity itself */
  VT_M_READ,       /* read from one upstream (hedged, retried) */
  VT_M_WRITE,      /* broadcast to every healthy upstream */
  VT_M_SUBSCRIBE,  /* eth_subscribe / eth_unsubscribe over WebSocket */
  VT_M_DENY,       /* refused unless the config allows it */
  VT_M_FILTER,     /* eth_newFilter & co: filter state kept by verity (src/filters/) */
} vt_method_kind;

typedef enum {
  VT_P_NONE = 0,
  VT_P_ANY,        /* any JSON value */
  VT_P_ADDR,       /* 20-byte DATA */
  VT_P_HASH,       /* 32-byte DATA */
  VT_P_DATA,       /* DATA of any length */
  VT_P_QTY,        /* QUANTITY */
  VT_P_BOOL,
  VT_P_BLOCK,      /* tag, QUANTITY or EIP-1898 {blockHash|blockNumber} */
  VT_P_BLOCKNUM,   /* tag or QUANTITY */
  VT_P_OBJ,        /* an object (call, filter, …) */
  VT_P_SLOTS,      /* array of storage keys */
  VT_P_FILTER,     /* eth_getLogs filter object */
  VT_P_ARRAY,      /* any array */
  VT_P_STR,        /* any string */
} vt_param_kind;

/* Result values that must not come from one upstream alone. */
enum {
  VT_E_ZERO_QTY = 1 << 0,   /* "0x0" */
  VT_E_EMPTY_DATA = 1 << 1, /* "0x" */
  VT_E_ZERO_WORD = 1 << 2,  /* 32 zero bytes */
  VT_E_NULL = 1 << 3,       /* null */
  VT_E_EMPTY_ARR = 1 << 4,  /* [] */
};

/* Flags. */
enum {
  VT_MF_BLOCK_BY_HASH = 1 << 0, /* first param names a block by hash */
  VT_MF_TX_BY_HASH = 1 << 1,    /* first param is a transaction hash */
  VT_MF_NO_PIN = 1 << 2,        /* pending is kept (e.g. the pending nonce wallets need) */
  VT_MF_RANGE = 1 << 3,         /* eth_getLogs: fromBlock/toBlock in a filter */
};

/* The verifier that proves a method's answer against an anchored header. */
typedef enum {
  VT_V_NONE = 0,
  VT_V_BALANCE, VT_V_NONCE, VT_V_STORAGE, VT_V_PROOF, VT_V_CODE,     /* account proofs */
  VT_V_BLOCK_BY_NUMBER, VT_V_BLOCK_BY_HASH,                           /* header, transactions */
  VT_V_BLOCK_RECEIPTS, VT_V_RECEIPT,                                  /* receipts root */
  VT_V_TX_BY_HASH, VT_V_TX_BY_BLOCK_HASH_INDEX, VT_V_TX_BY_BLOCK_NUMBER_INDEX,
  VT_V_LOGS,                                                          /* receipts of bloom matches */
  VT_V_BLOB_BASE_FEE,                                                 /* head header's excessBlobGas */
  VT_V_GAS_PRICE, VT_V_MAX_PRIORITY_FEE,                              /* proven head block's tips */
  VT_V_CALL, VT_V_ESTIMATE, VT_V_ACCESS_LIST,                         /* run on proven state (prove/exec.c) */
  VT_V_FEE_HISTORY,                                                   /* anchored headers, proven blocks (prove/fee_history.c) */
  VT_V_COUNT
} vt_verifier;

/* The handler of a method verity answers itself (kind VT_M_LOCAL). */
typedef enum {
  VT_L_NONE = 0, VT_L_CHAIN_ID, VT_L_NET_VERSION, VT_L_CLIENT_VERSION, VT_L_BLOCK_NUMBER,
  VT_L_ACCOUNTS, VT_L_FALSE, VT_L_TRUE, VT_L_SHA3, VT_L_COUNT
} vt_local;

#define VT_MAX_PARAMS 4

typedef struct {
  const char *name;
  vt_method_kind kind;
  uint8_t min_params, max_params;
  uint8_t param[VT_MAX_PARAMS];
  int8_t block_idx;       /* index of the block parameter; -1 none */
  uint8_t empty_like;     /* VT_E_* results that need confirmation */
  uint8_t flags;          /* VT_MF_* */
  uint8_t verifier;       /* vt_verifier: VT_V_NONE when it cannot be proven */
  uint8_t local;          /* vt_local: the handler of a VT_M_LOCAL method */
} vt_method;

/* The row for name, or NULL. Denied namespaces match a prefix row. */
const vt_method *vt_method_find(const char *name);
/* The row a method would fall under if it were allowed by config (a plain read). */
const vt_method *vt_method_generic_read(void);
size_t vt_method_count(void);
const vt_method *vt_method_at(size_t i);

#endif
