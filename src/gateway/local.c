/*
 * local.c: the methods verity answers itself, one handler per vt_local (the method
 * table's local column): the chain id and net_version from the config, the client
 * version, eth_blockNumber from the pool's reported head (which never goes back),
 * the constant answers of a gateway that has no accounts and does not mine, and
 * web3_sha3 computed here. Called by the front (gateway.c dispatch); each handler
 * writes one response object into the caller's buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/keccak.h"
#include "gateway/gateway.h"
#include "plan/params.h"

#define LOCAL_RESULT_MAX 96 /* the longest local result: a quoted 32-byte hash */

/* A handler fills res (LOCAL_RESULT_MAX bytes) with the result JSON, or writes an error
 * response into b and leaves res empty. */
typedef vt_trust_tier (*local_fn)(vt_gateway *gw, const vt_rpc_call *rc, vt_buf *b, char *res);

static vt_trust_tier chain_id(vt_gateway *gw, const vt_rpc_call *rc, vt_buf *b, char *res) {
  (void)rc, (void)b;
  snprintf(res, LOCAL_RESULT_MAX, "\"%s\"", gw->chain_id_hex);
  return VT_TRUST_LOCAL;
}

static vt_trust_tier net_version(vt_gateway *gw, const vt_rpc_call *rc, vt_buf *b, char *res) {
  (void)rc, (void)b;
  snprintf(res, LOCAL_RESULT_MAX, "\"%s\"", gw->net_version);
  return VT_TRUST_LOCAL;
}

static vt_trust_tier client_version(vt_gateway *gw, const vt_rpc_call *rc, vt_buf *b, char *res) {
  (void)gw, (void)rc, (void)b;
  snprintf(res, LOCAL_RESULT_MAX, "\"verity/v%s\"", VT_VERSION);
  return VT_TRUST_LOCAL;
}

static vt_trust_tier block_number(vt_gateway *gw, const vt_rpc_call *rc, vt_buf *b, char *res) {
  if (!gw->pool.head_known) {
    vt_rpc_write_error(b, rc->id, VT_RPC_RESOURCE_UNAVAILABLE, "resource unavailable: no upstream has reported a head yet",
                       "{\"reason\":\"no upstream has answered eth_blockNumber yet\"}");
    return VT_TRUST_NONE;
  }
  snprintf(res, LOCAL_RESULT_MAX, "\"0x%llx\"", (unsigned long long)gw->pool.head_reported);
  return vt_pool_quorum(&gw->pool) >= 2 ? VT_TRUST_QUORUM : VT_TRUST_SINGLE;
}

static vt_trust_tier accounts(vt_gateway *gw, const vt_rpc_call *rc, vt_buf *b, char *res) {
  (void)gw, (void)rc, (void)b;
  snprintf(res, LOCAL_RESULT_MAX, "[]");
  return VT_TRUST_LOCAL;
}

static vt_trust_tier is_false(vt_gateway *gw, const vt_rpc_call *rc, vt_buf *b, char *res) {
  (void)gw, (void)rc, (void)b;
  snprintf(res, LOCAL_RESULT_MAX, "false");
  return VT_TRUST_LOCAL;
}

static vt_trust_tier is_true(vt_gateway *gw, const vt_rpc_call *rc, vt_buf *b, char *res) {
  (void)gw, (void)rc, (void)b;
  snprintf(res, LOCAL_RESULT_MAX, "true");
  return VT_TRUST_LOCAL;
}

/* web3_sha3: keccak256 of the hex data in params[0]; an error response is written
 * into b (and res left empty) when the params are not that. */
static vt_trust_tier sha3(vt_gateway *gw, const vt_rpc_call *rc, vt_buf *b, char *res) {
  (void)gw;
  const char *m = rc->method;
  vt_plan p;
  if (vt_plan_params(vt_method_find(m), m, rc->params, 0, false, &p) != 0 || p.err_code) {
    vt_rpc_write_error(b, rc->id, VT_RPC_INVALID_PARAMS, p.err_code ? p.err : "invalid params", NULL);
    vt_plan_free(&p);
    return VT_TRUST_LOCAL;
  }
  vt_plan_free(&p);
  /* params: ["0x…"] (validated above) */
  const char *q = memchr(rc->params.p, '"', rc->params.n);
  const char *e = q ? memchr(q + 1, '"', rc->params.n - (size_t)(q + 1 - rc->params.p)) : NULL;
  size_t n = e ? (size_t)(e - q - 1) : 0;
  uint8_t *raw = malloc(n / 2 + 1);
  size_t rl = 0;
  if (!raw || vc_hex_decode(q + 1, n, raw, n / 2 + 1, &rl) != VC_OK) {
    free(raw);
    vt_rpc_write_error(b, rc->id, VT_RPC_INVALID_PARAMS, "invalid params: web3_sha3 takes hex data", NULL);
    return VT_TRUST_LOCAL;
  }
  uint8_t h[32];
  vc_keccak256(raw, rl, h);
  free(raw);
  res[0] = '"';
  vc_hex_encode(h, 32, res + 1);
  strcat(res, "\"");
  return VT_TRUST_LOCAL;
}

static const local_fn handlers[VT_L_COUNT] = {
    [VT_L_CHAIN_ID] = chain_id,       [VT_L_NET_VERSION] = net_version, [VT_L_CLIENT_VERSION] = client_version,
    [VT_L_BLOCK_NUMBER] = block_number, [VT_L_ACCOUNTS] = accounts,    [VT_L_FALSE] = is_false,
    [VT_L_TRUE] = is_true,            [VT_L_SHA3] = sha3,
};

vt_trust_tier vt_local_answer(vt_gateway *gw, const vt_method *m, const vt_rpc_call *rc, vt_buf *b) {
  local_fn fn = m->local < VT_L_COUNT ? handlers[m->local] : NULL;
  if (!fn) {
    vt_rpc_write_error(b, rc->id, VT_RPC_METHOD_NOT_FOUND, "method not found", NULL);
    return VT_TRUST_LOCAL;
  }
  char res[LOCAL_RESULT_MAX] = "";
  vt_trust_tier t = fn(gw, rc, b, res);
  if (res[0]) vt_rpc_write_result(b, rc->id, res, strlen(res)); /* empty: it wrote an error */
  return t;
}
