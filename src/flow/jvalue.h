/*
 * jvalue.h: reading one JSON-RPC DATA or QUANTITY value out of a jansson tree, with
 * the strict codecs of core/hex.h. Used by the provers (src/prove/) and the chunked
 * eth_getLogs feature (src/feature/logs.c). No state, no I/O; nothing is allocated.
 */
#ifndef VT_JVALUE_H
#define VT_JVALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A JSON string holding exactly n bytes of DATA / a QUANTITY that fits 64 bits;
 * false for anything else. */
bool vt_json_fixed(const json_t *v, uint8_t *out, size_t n);
bool vt_json_u64(const json_t *v, uint64_t *out);

#endif
