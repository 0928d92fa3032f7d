/*
 * rpc.h: the JSON-RPC 2.0 message model.
 *
 * vt_rpc_parse() takes a client's HTTP body or WebSocket message and splits it into
 * calls without building a JSON tree: each call keeps its id and params as spans into
 * the body, so an id goes back to the client byte for byte (huge integers, strings
 * with escapes, null) and params are only parsed by whoever needs them. A call that is
 * not a valid request carries the error to answer with (-32600 and a sentence a
 * person can act on). The body must outlive the vt_rpc_msg. A method name holding
 * NUL (\u0000) and an id longer than VT_RPC_MAX_ID are refused; ids with invalid
 * UTF-8 never get this far (the whole body is then a parse error, id null).
 *
 * The writers build responses into a capped vt_buf. They write all of a response or
 * nothing: when the cap is passed the buffer is cut back to where the response
 * began (and stays failed, so vt_buf_ok() tells), never left holding half an object. vt_rpc_parse_response() reads an
 * upstream's reply to one call.
 */
#ifndef VT_RPC_H
#define VT_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/json_scan.h"
#include "util/buf.h"

enum {
  VT_RPC_PARSE_ERROR = -32700,
  VT_RPC_INVALID_REQUEST = -32600,
  VT_RPC_METHOD_NOT_FOUND = -32601,
  VT_RPC_INVALID_PARAMS = -32602,
  VT_RPC_INTERNAL = -32603,
  VT_RPC_RESOURCE_UNAVAILABLE = -32002, /* EIP-1474 */
  VT_RPC_LIMIT_EXCEEDED = -32005,        /* EIP-1474 */
  VT_RPC_METHOD_UNSUPPORTED = -32004,    /* EIP-1474 */
  VT_RPC_UNAUTHORIZED = -32001,          /* HTTP 401: no or unknown client key (src/access/) */
};

#define VT_RPC_METHOD_MAX 64
/* Bytes of an id's raw JSON. A longer id is refused (-32600, answered with id null):
 * every response repeats the id, and the caps on response buffers must hold it. */
#define VT_RPC_MAX_ID 1024

typedef struct {
  vt_span id;           /* raw JSON of the id; "null" when invalid and unknown */
  bool has_id;          /* false: a notification, no response is sent */
  char method[VT_RPC_METHOD_MAX + 1];
  vt_span params;       /* raw JSON array or object; n == 0 when absent */
  int err_code;         /* 0 = valid call */
  const char *err_msg;  /* static text for err_code */
} vt_rpc_call;

typedef struct {
  bool is_batch;
  vt_rpc_call *calls;   /* &one for a single call, else malloc'd; vt_rpc_msg_free. The
                         * message must stay where vt_rpc_parse filled it (no copies). */
  vt_rpc_call one;
  size_t ncalls;
  int err_code;         /* whole-message error (parse error, empty or oversized batch) */
  const char *err_msg;
} vt_rpc_msg;

typedef struct {
  size_t max_batch;     /* calls per batch */
  unsigned max_depth;   /* JSON nesting */
} vt_rpc_limits;

/* Returns 0; on a whole-message error sets msg->err_code (the caller answers once
 * with id null). Allocation failure is -1. */
int vt_rpc_parse(const char *body, size_t len, const vt_rpc_limits *lim, vt_rpc_msg *msg);
void vt_rpc_msg_free(vt_rpc_msg *msg);

/* Response writers. id is the raw id span ("null" if n == 0). */
bool vt_rpc_write_result(vt_buf *b, vt_span id, const char *result, size_t n);
/* data_json: raw JSON for the error's data member, or NULL. */
bool vt_rpc_write_error(vt_buf *b, vt_span id, int code, const char *msg, const char *data_json);
/* Same with the error object already encoded as raw JSON ({"code":…,"message":…}). */
bool vt_rpc_write_error_raw(vt_buf *b, vt_span id, const char *err, size_t n);

/* An upstream's answer to one call. */
typedef struct {
  bool is_error;
  vt_span result;       /* raw result JSON (when !is_error) */
  vt_span error;        /* raw error object (when is_error) */
  long code;            /* error code */
  char message[256];    /* decoded error message (truncated) */
} vt_rpc_resp;

/* 0 on a well-formed JSON-RPC response object; -1 with why filled otherwise. */
int vt_rpc_parse_response(const char *body, size_t len, unsigned max_depth, vt_rpc_resp *out,
                          const char **why);

/* A result that is a JSON-RPC QUANTITY string ("0x1a", at most 64 bits). */
bool vt_rpc_result_u64(vt_span result, uint64_t *out);

#endif
