/*
 * rlp.c: strict canonical RLP decoding and capped RLP encoding (see rlp.h).
 *
 * The header of every item is read by one function, read_header(), which enforces the
 * canonical rules; vc_rlp_decode() then walks nested lists (depth-capped) so a decoded
 * item is canonical all the way down. The encoder writes into a vc_rlp_buf that grows
 * geometrically up to its max and latches the first failure.
 */
#include "core/rlp.h"

#include <stdlib.h>
#include <string.h>

/* Read the header at p (avail bytes). On success *hlen is the header size and *plen the
 * payload size, with hlen + plen <= avail. */
static vc_status read_header(const uint8_t *p, size_t avail, bool *is_list, size_t *hlen,
                             size_t *plen, vc_err *err) {
  if (avail == 0) return vc_fail(err, VC_ERR_INPUT, "rlp: empty input");
  uint8_t b = p[0];
  if (b < 0x80) {
    *is_list = false;
    *hlen = 0;
    *plen = 1;
    return VC_OK;
  }
  *is_list = b >= 0xc0;
  uint8_t base = *is_list ? 0xc0 : 0x80;
  size_t short_max = 55;
  if ((size_t)(b - base) <= short_max) {
    *hlen = 1;
    *plen = (size_t)(b - base);
    if (*plen > avail - 1)
      return vc_fail(err, VC_ERR_INPUT, "rlp: %s of %zu bytes runs past the end (%zu left)",
                     *is_list ? "list" : "string", *plen, avail - 1);
    if (!*is_list && *plen == 1 && p[1] < 0x80)
      return vc_fail(err, VC_ERR_INPUT, "rlp: single byte 0x%02x must not carry a header", p[1]);
    return VC_OK;
  }
  size_t ll = (size_t)(b - base) - short_max; /* 1..8 length-of-length bytes */
  if (ll > avail - 1) return vc_fail(err, VC_ERR_INPUT, "rlp: length bytes run past the end");
  if (p[1] == 0) return vc_fail(err, VC_ERR_INPUT, "rlp: leading zero in long length");
  uint64_t len = 0;
  for (size_t i = 0; i < ll; i++) len = len << 8 | p[1 + i];
  if (len <= short_max)
    return vc_fail(err, VC_ERR_INPUT, "rlp: long form used for %llu bytes (< 56)",
                   (unsigned long long)len);
  if (len > (uint64_t)(avail - 1 - ll))
    return vc_fail(err, VC_ERR_INPUT, "rlp: %s of %llu bytes runs past the end (%zu left)",
                   *is_list ? "list" : "string", (unsigned long long)len, avail - 1 - ll);
  *hlen = 1 + ll;
  *plen = (size_t)len;
  return VC_OK;
}

static vc_status take_item(vc_bytes *cursor, vc_rlp_item *out, vc_err *err) {
  bool is_list = false;
  size_t hlen = 0, plen = 0;
  vc_status st = read_header(cursor->ptr, cursor->len, &is_list, &hlen, &plen, err);
  if (st != VC_OK) return st;
  out->is_list = is_list;
  out->payload = vc_bytes_of(cursor->ptr + hlen, plen);
  out->raw = vc_bytes_of(cursor->ptr, hlen + plen);
  cursor->ptr += hlen + plen;
  cursor->len -= hlen + plen;
  return VC_OK;
}

/* Check every item inside a list payload, recursively. */
static vc_status check_list(vc_bytes payload, int depth, vc_err *err) {
  if (depth > VC_RLP_MAX_DEPTH)
    return vc_fail(err, VC_ERR_LIMIT, "rlp: lists nested deeper than %d", VC_RLP_MAX_DEPTH);
  while (payload.len) {
    vc_rlp_item it;
    vc_status st = take_item(&payload, &it, err);
    if (st != VC_OK) return st;
    if (it.is_list) {
      st = check_list(it.payload, depth + 1, err);
      if (st != VC_OK) return st;
    }
  }
  return VC_OK;
}

vc_status vc_rlp_decode(vc_bytes in, vc_rlp_item *out, vc_err *err) {
  vc_bytes cur = in;
  vc_status st = take_item(&cur, out, err);
  if (st != VC_OK) return st;
  if (cur.len) return vc_fail(err, VC_ERR_INPUT, "rlp: %zu trailing bytes after the item", cur.len);
  if (out->is_list) return check_list(out->payload, 1, err);
  return VC_OK;
}

vc_status vc_rlp_next(vc_bytes *cursor, vc_rlp_item *out, vc_err *err) {
  if (cursor->len == 0) return vc_fail(err, VC_ERR_MISSING, "rlp: no more items in the list");
  return take_item(cursor, out, err);
}

vc_status vc_rlp_list_items(vc_bytes list_payload, vc_rlp_item *items, size_t cap, size_t *n,
                            vc_err *err) {
  size_t count = 0;
  while (list_payload.len) {
    if (count == cap) return vc_fail(err, VC_ERR_LIMIT, "rlp: list has more than %zu items", cap);
    vc_status st = take_item(&list_payload, &items[count], err);
    if (st != VC_OK) return st;
    count++;
  }
  *n = count;
  return VC_OK;
}

static vc_status scalar_check(const vc_rlp_item *it, size_t max, vc_err *err) {
  if (it->is_list) return vc_fail(err, VC_ERR_INPUT, "rlp: expected a number, got a list");
  if (it->payload.len > max)
    return vc_fail(err, VC_ERR_INPUT, "rlp: number of %zu bytes exceeds %zu", it->payload.len, max);
  if (it->payload.len && it->payload.ptr[0] == 0)
    return vc_fail(err, VC_ERR_INPUT, "rlp: number with a leading zero byte");
  return VC_OK;
}

vc_status vc_rlp_uint(const vc_rlp_item *it, uint64_t *out, vc_err *err) {
  vc_status st = scalar_check(it, 8, err);
  if (st != VC_OK) return st;
  uint64_t v = 0;
  for (size_t i = 0; i < it->payload.len; i++) v = v << 8 | it->payload.ptr[i];
  *out = v;
  return VC_OK;
}

vc_status vc_rlp_uint256(const vc_rlp_item *it, uint8_t out[32], vc_err *err) {
  vc_status st = scalar_check(it, 32, err);
  if (st != VC_OK) return st;
  memset(out, 0, 32);
  if (it->payload.len) memcpy(out + 32 - it->payload.len, it->payload.ptr, it->payload.len);
  return VC_OK;
}

/* ---- encoder ---- */

#define RLP_BUF_MIN 64

void vc_rlp_buf_init(vc_rlp_buf *b, size_t max) {
  memset(b, 0, sizeof *b);
  b->max = max;
}

void vc_rlp_buf_free(vc_rlp_buf *b) {
  free(b->buf);
  b->buf = NULL;
  b->len = b->cap = 0;
}

/* Make room for n more bytes; latches a failure and returns false when it cannot. */
static bool reserve(vc_rlp_buf *b, size_t n) {
  if (b->failed) return false;
  if (n > b->max || b->len > b->max - n) {
    b->failed = VC_ERR_LIMIT;
    return false;
  }
  size_t need = b->len + n;
  if (need <= b->cap) return true;
  size_t ncap = b->cap ? b->cap : RLP_BUF_MIN;
  while (ncap < need) ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
  if (ncap > b->max) ncap = b->max;
  uint8_t *nb = realloc(b->buf, ncap);
  if (!nb) {
    b->failed = VC_ERR_NOMEM;
    return false;
  }
  b->buf = nb;
  b->cap = ncap;
  return true;
}

/* Big-endian minimal bytes of len into out[8]; returns how many. */
static size_t be_len(uint64_t len, uint8_t out[8]) {
  size_t n = 0;
  for (uint64_t v = len; v; v >>= 8) n++;
  for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(len >> (8 * (n - 1 - i)));
  return n;
}

/* Encode a header for a payload of len bytes into hdr[9]; returns its size. */
static size_t make_header(uint8_t base, size_t len, uint8_t hdr[9]) {
  if (len <= 55) {
    hdr[0] = (uint8_t)(base + len);
    return 1;
  }
  size_t ll = be_len(len, hdr + 1);
  hdr[0] = (uint8_t)(base + 55 + ll);
  return 1 + ll;
}

void vc_rlp_put_raw(vc_rlp_buf *b, const uint8_t *p, size_t n) {
  if (!reserve(b, n)) return;
  if (n) memcpy(b->buf + b->len, p, n);
  b->len += n;
}

void vc_rlp_put_bytes(vc_rlp_buf *b, const uint8_t *p, size_t n) {
  if (n == 1 && p[0] < 0x80) {
    vc_rlp_put_raw(b, p, 1);
    return;
  }
  if (b->failed) return;
  if (n > b->max) {
    b->failed = VC_ERR_LIMIT;
    return;
  }
  uint8_t hdr[9];
  size_t hl = make_header(0x80, n, hdr);
  if (!reserve(b, hl + n)) return;
  vc_rlp_put_raw(b, hdr, hl);
  vc_rlp_put_raw(b, p, n);
}

void vc_rlp_put_uint_be(vc_rlp_buf *b, const uint8_t *be, size_t n) {
  while (n && *be == 0) {
    be++;
    n--;
  }
  vc_rlp_put_bytes(b, be, n);
}

void vc_rlp_put_uint(vc_rlp_buf *b, uint64_t v) {
  uint8_t be[8];
  size_t n = be_len(v, be);
  vc_rlp_put_bytes(b, be, n);
}

size_t vc_rlp_list_begin(vc_rlp_buf *b) {
  return b->len;
}

void vc_rlp_list_end(vc_rlp_buf *b, size_t mark) {
  if (b->failed) return;
  if (mark > b->len) {
    b->failed = VC_ERR_INPUT;
    return;
  }
  size_t plen = b->len - mark;
  uint8_t hdr[9];
  size_t hl = make_header(0xc0, plen, hdr);
  if (!reserve(b, hl)) return;
  memmove(b->buf + mark + hl, b->buf + mark, plen);
  memcpy(b->buf + mark, hdr, hl);
  b->len += hl;
}

vc_status vc_rlp_buf_status(const vc_rlp_buf *b) {
  return (vc_status)b->failed;
}
