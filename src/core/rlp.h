/*
 * rlp.h: strict canonical RLP (Recursive Length Prefix) decoder and encoder.
 *
 * Decoding: every header, transaction, receipt, account and trie node a verifier looks
 * at is RLP, so the decoder accepts exactly one encoding per value and rejects the rest:
 * a single byte < 0x80 wrapped as 0x81xx, the long form for payloads under 56 bytes,
 * leading zeros in a length, lengths past the end of the input, trailing bytes. Decoded
 * items are views (vc_rlp_item) into the caller's input; nothing is allocated.
 *
 * Encoding: vc_rlp_buf is a growable, capped output buffer (the caller owns it and frees
 * it with vc_rlp_buf_free). Puts never fail loudly: the first failure (cap passed, or
 * out of memory) is latched, later puts become no-ops, and vc_rlp_buf_status() reports
 * it once at the end, so building a header is a straight sequence of puts and one check.
 */
#ifndef VC_RLP_H
#define VC_RLP_H

#include "core/vc_base.h"

/* Deepest list nesting vc_rlp_decode will walk when validating (DoS cap). */
#define VC_RLP_MAX_DEPTH 64

typedef struct {
  bool is_list;
  vc_bytes payload; /* the string bytes, or the concatenated encodings of list items */
  vc_bytes raw;     /* the whole encoding of this item, header included */
} vc_rlp_item;

/* The whole input must be exactly one canonical item (lists are checked recursively,
 * so every nested item is canonical too). */
vc_status vc_rlp_decode(vc_bytes in, vc_rlp_item *out, vc_err *err) VC_MUST_CHECK;

/* Take the next item from a list payload and advance *cursor past it. The item's own
 * header is checked for canonical form; nested lists are not walked (call decode or
 * next on them). VC_ERR_MISSING when the cursor is empty. */
vc_status vc_rlp_next(vc_bytes *cursor, vc_rlp_item *out, vc_err *err) VC_MUST_CHECK;

/* Split a list payload into its items; VC_ERR_LIMIT if there are more than cap. */
vc_status vc_rlp_list_items(vc_bytes list_payload, vc_rlp_item *items, size_t cap, size_t *n,
                            vc_err *err) VC_MUST_CHECK;

/* A canonical scalar string (no leading zero byte, at most 8 bytes) -> uint64. */
vc_status vc_rlp_uint(const vc_rlp_item *it, uint64_t *out, vc_err *err) VC_MUST_CHECK;

/* A canonical scalar string up to 32 bytes -> 32 big-endian bytes (left padded). */
vc_status vc_rlp_uint256(const vc_rlp_item *it, uint8_t out[32], vc_err *err) VC_MUST_CHECK;

typedef struct {
  uint8_t *buf;
  size_t len, cap, max;
  int failed; /* 0, or the vc_status of the first failure */
} vc_rlp_buf;

/* max: the largest encoding allowed (a named cap from the caller). */
void vc_rlp_buf_init(vc_rlp_buf *b, size_t max);
void vc_rlp_buf_free(vc_rlp_buf *b);

/* A byte string. */
void vc_rlp_put_bytes(vc_rlp_buf *b, const uint8_t *p, size_t n);
/* A scalar (0 encodes as the empty string 0x80). */
void vc_rlp_put_uint(vc_rlp_buf *b, uint64_t v);
/* A big-endian scalar of any length; leading zero bytes are stripped. */
void vc_rlp_put_uint_be(vc_rlp_buf *b, const uint8_t *be, size_t n);
/* An item that is already RLP-encoded, copied verbatim. */
void vc_rlp_put_raw(vc_rlp_buf *b, const uint8_t *p, size_t n);

/* Open a list; returns a mark to hand to vc_rlp_list_end, which writes the header in
 * front of the items put since (moving them if the header needs more than one byte). */
size_t vc_rlp_list_begin(vc_rlp_buf *b);
void vc_rlp_list_end(vc_rlp_buf *b, size_t mark);

/* VC_OK, or VC_ERR_LIMIT / VC_ERR_NOMEM after the first failed put. */
vc_status vc_rlp_buf_status(const vc_rlp_buf *b) VC_MUST_CHECK;

#endif
