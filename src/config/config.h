/*
 * config.h: verity's configuration: the YAML file (libyaml), built-in chain presets,
 * validation, and a redacted dump of the effective settings.
 *
 * src/config/ sits below every stage that reads settings (pool, plan, prove, beacon,
 * features, the gateway's wiring) and depends on nothing of verity's but obs/log.h, so
 * no stage includes a CLI header; the CLI (src/cli/) only loads and prints it.
 *
 * main owns one vt_config for the life of the process:
 *
 *   vt_config cfg;
 *   vt_config_defaults(&cfg);                          // the mainnet preset
 *   if (path && vt_config_load_file(&cfg, path, err, sizeof err) != 0) { print err; exit }
 *   ... vt_gateway_start(&gw, loop, &cfg, ...) ...
 *   vt_config_free(&cfg);
 *
 * Every string and array in a vt_config is owned by it and freed by vt_config_free().
 * A load builds a complete new config (defaults, then the preset named by chain.name,
 * then the file's keys, then the cross-field rules) and only replaces *c when all of it
 * succeeded; on failure *c is untouched and err holds one sentence naming the key, the
 * offending value and what was expected, prefixed with "file:line:column: ".
 *
 * Secrets: vt_upstream_cfg.url and header values are the interpolated strings (with
 * ${ENV} replaced) and must never be logged or printed; use display_url. Error
 * messages and vt_config_dump never contain an interpolated value. Each upstream's
 * `secrets` lists the texts the pool replaces by *** in what upstreams send back.
 *
 * docs/config.md is the user reference for every key; the key table is in config.c.
 */
#ifndef VT_CONFIG_H
#define VT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/op.h"
#include "obs/log.h"

#define VT_CONFIG_MUST_CHECK __attribute__((warn_unused_result))

/* Input caps. */
#define VT_CONFIG_MAX_FILE      (1u << 20)  /* bytes of YAML */
#define VT_CONFIG_MAX_UPSTREAMS 64
#define VT_CONFIG_MAX_HEADERS   32          /* per upstream */
#define VT_CONFIG_MAX_METHODS   1024
#define VT_CONFIG_MAX_BEACON    16
#define VT_CONFIG_MAX_URL       2048        /* bytes, after interpolation */
#define VT_CONFIG_MAX_HEADER    4096        /* bytes of one header value, after interpolation */
#define VT_CONFIG_MAX_STRING    1024        /* any other string value */
#define VT_CONFIG_MAX_ORIGIN    256         /* bytes of cors_origin (the HTTP server's cap) */
#define VT_CONFIG_MAX_SECRETS   64          /* per upstream: texts redacted from its errors */
#define VT_CONFIG_MIN_SECRET    4           /* shorter values are not kept as secrets */
#define VT_CONFIG_MAX_KEYS      1024        /* client keys */
#define VT_CONFIG_MAX_KEY_RULES 64          /* allow / deny patterns per client key */
#define VT_CONFIG_KEY_MIN       16          /* bytes of a client key */
#define VT_CONFIG_KEY_MAX       256

/* VT_ANCHOR_AUTO: the light client while it is synced, quorum otherwise (prove/anchor.c
 * vt_anchor_active decides per lookup; /status says which and why). */
typedef enum { VT_ANCHOR_QUORUM, VT_ANCHOR_TRUSTED, VT_ANCHOR_LIGHTCLIENT, VT_ANCHOR_AUTO } vt_anchor_mode;
typedef enum { VT_POLICY_DEFAULT, VT_POLICY_ALLOW, VT_POLICY_DENY } vt_method_policy;

typedef struct {
  char *name;
  char *value;
} vt_kv;

typedef struct {
  char *name;            /* unique, [A-Za-z0-9_.-]{1,64} */
  char *url;             /* after ${ENV} interpolation: SECRET, never log it */
  char *display_url;     /* url with userinfo, path and query redacted when they came from
                            ${ENV} or look like keys (see docs/config.md); safe to print */
  vt_kv *headers;        /* values interpolated: SECRET */
  size_t nheaders;
  char **secrets;        /* what must never reach a client: every ${ENV} value used in the
                            url or a header, header values that used ${ENV}, the url's
                            userinfo parts, query values and key-like path segments;
                            replaced by *** in upstream error texts (pool.c) */
  size_t nsecrets;
  unsigned weight;       /* 1..1000, default 1 */
  bool trusted;
  unsigned timeout_ms;   /* 0 = pool default */
  double max_rps;        /* per-upstream request budget, 0 = unlimited */
  bool mempool;          /* its mempool is the source of eth_newPendingTransactionFilter */
  char *ws;              /* ws:// or wss:// for newHeads (pool/head_ws.c), or NULL: SECRET */
  char *display_ws;      /* ws redacted like display_url; safe to print */
} vt_upstream_cfg;

typedef struct {
  char *method;          /* an exact name, or a prefix ending in '*' ("debug_*") */
  vt_method_policy policy;
  unsigned timeout_ms;   /* 0 = pool default */
} vt_method_cfg;

/* A client key (keys:): who may use the gateway, how fast, and for which methods.
 * key is SECRET (interpolated from ${ENV}): never log it; src/access/ shows a hash prefix. */
typedef struct {
  char *name;            /* [A-Za-z0-9_.-]{1,64}, unique; shown in the config dump */
  char *key;             /* VT_CONFIG_KEY_MIN..MAX of A-Z a-z 0-9 - _ . ~ (a URL path segment) */
  double rps;            /* requests per second, 0 = unlimited */
  unsigned burst;        /* bucket size; 0 = max(1, rps rounded up) */
  char **allow;          /* method patterns ("eth_*"); none = every method the gateway serves */
  size_t nallow;
  char **deny;           /* method patterns refused to this key (checked first) */
  size_t ndeny;
} vt_key_cfg;

typedef struct {
  char *listen_host;     /* "127.0.0.1"; "::1" for "[::1]:8545" (no brackets here) */
  int listen_port;
  int log_level;         /* VT_LOG_* */
  bool log_json;
  uint64_t chain_id;
  char *chain_name;
  vc_chain_kind chain_kind; /* chain.kind: ethereum or op-stack (Base): how blocks, txs and
                               receipts are verified (core/op.h); from the preset */
  vt_anchor_mode anchor_mode;
  unsigned quorum;
  char *checkpoint;      /* "0x" + 64 hex, or NULL */
  char **beacon;         /* beacon API base urls (keyless) */
  size_t nbeacon;
  unsigned max_staleness_s;
  /* anchor.lightclient: a light-client network that is not built in (devnets); with
   * lc_preset NULL the network is the one chain.name names (mainnet, sepolia, hoodi) */
  char *lc_preset;         /* "minimal" */
  char *lc_fork;           /* every fork up to this one active from genesis: "deneb", "electra" */
  char *lc_gvr;            /* genesis_validators_root: 0x + 64 hex */
  uint64_t lc_genesis_time;
  unsigned lc_seconds_per_slot;
  unsigned lc_poll_ms;     /* 0 = one slot */
  unsigned history_walk;   /* light client: parent hashes walked past the EIP-2935 window */
  char *lc_state;          /* light-client state file; NULL = none */
  vt_upstream_cfg *upstreams;
  size_t nupstreams;
  vt_method_cfg *methods;
  size_t nmethods;
  /* pool */
  unsigned timeout_ms, connect_timeout_ms;
  unsigned hedge_after_ms;     /* 0 = adaptive from the p90 latency */
  unsigned max_retries, breaker_failures, breaker_open_ms, head_poll_ms;
  unsigned head_lag_blocks;    /* an upstream this many blocks behind the pinned head is lagging */
  unsigned max_inflight_per_upstream;  /* 0 = unlimited */
  /* limits */
  size_t max_body, max_batch, max_header_bytes, max_response, max_ws_message;
  unsigned max_connections, max_json_depth;
  unsigned max_connections_per_client; /* 0 = the server's default (a quarter of max_connections) */
  unsigned reserved_connections;       /* 0 = the server's default (max_connections / 16, 1..16) */
  unsigned busy_idle_ms;               /* 0 = the server's default (5 s) */
  unsigned max_inflight_per_client;    /* calls one address may have in flight; 0 = no limit */
  unsigned max_subscriptions_per_client; /* eth_subscribe subscriptions of one address */
  char *cors_origin;     /* NULL = no CORS headers; "*" or scheme://host[:port] */
  bool cors_all_paths;   /* CORS on /status, /metrics, /dashboard too */
  vt_key_cfg *keys;      /* client keys; none = open (as on loopback by default) */
  size_t nkeys;
  /* cache */
  size_t cache_memory;
  char *cache_path;      /* LMDB directory, NULL = memory only */
  char *redis_url;       /* NULL = no shared cache */
  bool degraded_stale;
  bool verify;           /* prove provable methods against anchored headers (default true) */
  /* eth_getLogs over ranges */
  uint64_t logs_max_blocks;   /* the widest range one call may cover */
  uint64_t logs_chunk_blocks; /* first chunk size asked of upstreams, before limits are learned */
  unsigned logs_parallel;     /* chunks in flight at once */
  /* filters served by verity (src/filters/) */
  unsigned filters_ttl_s;         /* an idle filter is dropped after this many seconds */
  size_t filters_max_per_client;  /* filters one source address may have installed */
  size_t filters_max_total;       /* filters installed on one instance */
  /* l1: for an op-stack chain, the Ethereum (L1) it posts output roots to (src/l1/): its
   * upstreams, the k of them that must agree on an L1 header, the DisputeGameFactory,
   * how often its latest game is read, and how many L2 parent hashes are walked down
   * from a proven output. Off unless chain.kind is op-stack and both the factory and at
   * least one L1 upstream are set (vt_config_l1_on). */
  vt_upstream_cfg *l1_upstreams;
  size_t nl1_upstreams;
  uint64_t l1_chain_id;       /* checked against the L1 upstreams' eth_chainId */
  unsigned l1_quorum;
  char *l1_factory;           /* 0x + 40 hex, or NULL */
  unsigned l1_poll_ms;
  unsigned l1_walk;
  /* verified eth_call / eth_estimateGas / eth_createAccessList (prove/exec.c) */
  unsigned call_max_rounds;   /* rounds of evidence after the hint before -32002 */
  uint64_t call_gas_cap;      /* gas of a call without one, and the most any may use */
} vt_config;

/* Fill c with the mainnet preset and every default (c's previous content is ignored,
 * not freed). Never fails except on memory exhaustion, which aborts. */
void vt_config_defaults(vt_config *c);

/* Load a YAML file / string over the defaults (see top of file). 0 ok; -1 with err. */
int vt_config_load_file(vt_config *c, const char *path, char *err, size_t errlen) VT_CONFIG_MUST_CHECK;
int vt_config_load_string(vt_config *c, const char *yaml, size_t len, char *err, size_t errlen)
    VT_CONFIG_MUST_CHECK;

/* Replace chain id, name, upstreams, beacon list, checkpoint, anchor mode and quorum,
 * and pool.head_poll_ms with a built-in preset: mainnet, sepolia, hoodi, base.
 * 0 ok; -1 with err when the name is unknown (c is then unchanged). */
int vt_config_apply_preset(vt_config *c, const char *name, char *err, size_t errlen) VT_CONFIG_MUST_CHECK;

/* Check every numeric key's range and the cross-field rules (at least one upstream,
 * quorum <= upstreams, unique names, trusted mode has a trusted upstream, ...). The
 * loaders call it; call it again after changing fields by hand (e.g. command-line
 * overrides). 0 ok; -1 with err ("key: value: expected ..."). */
int vt_config_validate(const vt_config *c, char *err, size_t errlen) VT_CONFIG_MUST_CHECK;

void vt_config_free(vt_config *c);

/* Is L1 anchoring of an op-stack chain configured (l1.factory and l1.upstreams)? */
bool vt_config_l1_on(const vt_config *c);

/* The entry for method: an exact match first, then the longest matching "prefix*"
 * pattern; NULL when the config says nothing about it. */
const vt_method_cfg *vt_config_method(const vt_config *c, const char *method);

/* The effective config as YAML with secrets redacted (urls as display_url, header
 * values as "<redacted>"), for `verity config`. Returns the length written (excluding
 * the NUL), or -1 when buf is too small (buf then holds a NUL-terminated prefix). */
int vt_config_dump(const vt_config *c, char *buf, size_t len);

/* Names used in the file and the dump. */
const char *vt_anchor_mode_name(vt_anchor_mode m);
/* "ethereum" / "op-stack" */
const char *vt_chain_kind_name(vc_chain_kind k);
const char *vt_method_policy_name(vt_method_policy p);

#endif
