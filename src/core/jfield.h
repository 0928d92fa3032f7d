/*
 * jfield.h: typed readers for fields of execution-layer JSON-RPC objects (jansson).
 *
 * Headers, transactions, receipts, logs and withdrawals all arrive as JSON objects whose
 * values are DATA or QUANTITY hex strings. These helpers look a key up, insist on the
 * right shape through the strict codecs in hex.h, and fail with a message that names the
 * object kind and the key ("receipt 3: cumulativeGasUsed: not a QUANTITY"). A key that
 * is absent or JSON null is VC_ERR_MISSING, so callers can treat optional fields with
 * vc_jf_present() first. Outputs go to caller buffers; nothing is allocated except by
 * vc_jf_data_alloc, whose buffer the caller frees.
 *
 * Used by header.c, tx.c, receipt.c, bloom.c and block.c (all owned by the same module
 * family); not part of the public core API.
 */
#ifndef VC_JFIELD_H
#define VC_JFIELD_H

#include "core/vc_base.h"

#include <jansson.h>

/* Minimal big-endian unsigned number up to 256 bits (len 0 = zero). */
typedef struct {
  uint8_t be[32];
  uint8_t len;
} vc_qty;

/* True when obj has key with a non-null value. */
bool vc_jf_present(const json_t *obj, const char *key);

/* DATA of exactly n bytes. */
vc_status vc_jf_fixed(const json_t *obj, const char *key, uint8_t *out, size_t n,
                      const char *what, vc_err *err) VC_MUST_CHECK;
/* QUANTITY that fits 64 bits. */
vc_status vc_jf_u64(const json_t *obj, const char *key, uint64_t *out, const char *what,
                    vc_err *err) VC_MUST_CHECK;
/* QUANTITY up to 256 bits. */
vc_status vc_jf_qty(const json_t *obj, const char *key, vc_qty *out, const char *what,
                    vc_err *err) VC_MUST_CHECK;
/* DATA of at most cap bytes into a caller buffer. */
vc_status vc_jf_data(const json_t *obj, const char *key, uint8_t *out, size_t cap, size_t *len,
                     const char *what, vc_err *err) VC_MUST_CHECK;
/* DATA of at most cap bytes into a malloc'd buffer (*out NULL when len is 0). */
vc_status vc_jf_data_alloc(const json_t *obj, const char *key, size_t cap, uint8_t **out,
                           size_t *len, const char *what, vc_err *err) VC_MUST_CHECK;

/* The same for a bare JSON value (array elements); name says what it is. */
vc_status vc_jv_fixed(const json_t *v, uint8_t *out, size_t n, const char *what,
                      const char *name, vc_err *err) VC_MUST_CHECK;
vc_status vc_jv_u64(const json_t *v, uint64_t *out, const char *what, const char *name,
                    vc_err *err) VC_MUST_CHECK;

/* The field must equal want (VC_ERR_MISMATCH names the key otherwise). */
vc_status vc_eq_fixed(const json_t *o, const char *key, const uint8_t *want, size_t n,
                      const char *what, vc_err *err) VC_MUST_CHECK;
vc_status vc_eq_u64(const json_t *o, const char *key, uint64_t want, const char *what,
                    vc_err *err) VC_MUST_CHECK;

#endif
