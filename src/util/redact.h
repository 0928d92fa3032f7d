/*
 * redact.h: replacing secrets in text before it leaves verity.
 *
 * Who calls it: the pool (pool/pool.c vt_pool_redact) on every error text an upstream
 * sends back (JSON-RPC error messages and objects, transport errors) before it is
 * noted in a -32002 answer, an upstream's last_error, a log line or a client's error;
 * the secrets are the ones the configuration collected (config.h, vt_upstream_cfg
 * secrets). Pure: no allocation beyond the caller's vt_buf, no I/O.
 */
#ifndef VT_UTIL_REDACT_H
#define VT_UTIL_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define VT_REDACTED "***"

/* Append in[0..len) to out with every occurrence of any secrets[i] (non-empty ones)
 * replaced by "***"; at one position the longest matching secret wins. Returns
 * vt_buf_ok(out). */
bool vt_redact_secrets(const char *const *secrets, size_t n, const char *in, size_t len, vt_buf *out);

#endif
