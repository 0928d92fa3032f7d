/*
 * hex.h: strict Ethereum JSON-RPC hex codecs (DATA and QUANTITY).
 *
 * Every verifier that reads a JSON-RPC value goes through here. DATA is "0x" followed by
 * an even number of hex digits (upper or lower case); QUANTITY is "0x0" or "0x" followed
 * by hex digits without a leading zero, at most 256 bits. Anything else is rejected with
 * VC_ERR_INPUT (VC_ERR_LIMIT when the value does not fit the caller's buffer): a gateway
 * that tells the truth must not guess what a sloppy upstream meant.
 *
 * Decoders write into caller-owned buffers and take explicit lengths (no NUL needed).
 * On error the contents of a decoder's output buffer are unspecified. Encoders write
 * "0x..." plus a terminating NUL into a caller buffer sized as documented.
 */
#ifndef VC_HEX_H
#define VC_HEX_H

#include "core/vc_base.h"

/* DATA: "0x" + even number of hex digits; writes len/2 bytes; VC_ERR_LIMIT over cap. */
vc_status vc_hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
                        size_t *out_len) VC_MUST_CHECK;

/* DATA of exactly n bytes (addresses: 20, hashes: 32). */
vc_status vc_hex_decode_fixed(const char *s, size_t slen, uint8_t *out, size_t n) VC_MUST_CHECK;

/* QUANTITY up to 256 bits; writes minimal big-endian bytes into out (0 -> *out_len 0). */
vc_status vc_hex_quantity(const char *s, size_t slen, uint8_t out[32], size_t *out_len) VC_MUST_CHECK;

/* QUANTITY that must fit 64 bits. */
vc_status vc_hex_quantity_u64(const char *s, size_t slen, uint64_t *out) VC_MUST_CHECK;

/* Lower-case "0x" + 2*len digits + NUL; out needs 2*len+3 bytes. Returns chars written
 * (excluding the NUL). */
size_t vc_hex_encode(const uint8_t *in, size_t len, char *out);

/* Minimal QUANTITY form of a big-endian number ("0x0" for zero, no leading zero digit);
 * out needs 2*len+3 bytes (at least 4). Returns chars written (excluding the NUL). */
size_t vc_hex_encode_quantity(const uint8_t *be, size_t len, char *out);

#endif
