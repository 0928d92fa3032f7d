/*
 * cache_codec.c: the entry header's validation and the byte format LMDB and Redis store
 * (layout in cache.h). Decode trusts nothing: Redis is shared with other processes, so
 * every length is checked against what is left and the version byte must match.
 * Called by lmdb.c and redis.c; nothing here allocates except through the caller's vt_buf.
 */
#include "store/cache.h"

#include <string.h>
#include <time.h>

#define ENTRY_VERSION 1u
#define ENTRY_FIXED (1 + 1 + 8 + 8 + 1) /* version flags block inserted trust_len */
enum { EF_FINAL = 1, EF_HASH = 2 };

/* Printable ASCII without space: trust levels look like "verified:quorum:2/3". */
static bool trust_char_ok(unsigned char ch) { return ch > 0x20 && ch < 0x7f; }

static bool trust_ok(const char *s, size_t n) {
  if (n == 0 || n > VT_CACHE_TRUST_MAX) return false;
  for (size_t i = 0; i < n; i++)
    if (!trust_char_ok((unsigned char)s[i])) return false;
  return true;
}

bool vt_cache_meta_valid(const vt_cache_meta *m) {
  if (!m) return false;
  size_t n = strnlen(m->trust, sizeof m->trust);
  return n < sizeof m->trust && trust_ok(m->trust, n);
}

uint64_t vt_cache_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *const status_names[] = {
    [VT_CACHE_OK] = "ok",
    [VT_CACHE_E_ARG] = "bad argument (key 1..512 bytes, trust 1..40 printable bytes)",
    [VT_CACHE_E_TOO_BIG] = "value larger than budget/8",
    [VT_CACHE_E_NOMEM] = "out of memory",
};

const char *vt_cache_status_str(vt_cache_status s) {
  if ((unsigned)s >= sizeof status_names / sizeof status_names[0]) return "unknown";
  return status_names[s];
}

static void put_be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}
static uint64_t get_be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return v;
}

bool vt_cache_entry_encode(vt_buf *out, const vt_cache_meta *m, const void *val, size_t vlen) {
  if (!vt_cache_meta_valid(m) || vlen > VT_CACHE_VALUE_MAX_ABS || (!val && vlen)) return false;
  size_t tlen = strlen(m->trust);
  uint8_t hdr[ENTRY_FIXED], vl[4];
  hdr[0] = ENTRY_VERSION;
  hdr[1] = (uint8_t)((m->finalized ? EF_FINAL : 0) | (m->has_hash ? EF_HASH : 0));
  put_be64(hdr + 2, m->block_number);
  put_be64(hdr + 10, m->inserted_ms);
  hdr[18] = (uint8_t)tlen;
  for (int i = 0; i < 4; i++) vl[i] = (uint8_t)(vlen >> (24 - 8 * i));
  vt_buf_append(out, hdr, sizeof hdr);
  vt_buf_append(out, m->trust, tlen);
  if (m->has_hash) vt_buf_append(out, m->block_hash, 32);
  vt_buf_append(out, vl, 4);
  if (vlen) vt_buf_append(out, val, vlen);
  return vt_buf_ok(out);
}

bool vt_cache_entry_decode(const uint8_t *buf, size_t len, vt_cache_meta *m,
                           const uint8_t **val, size_t *vlen) {
  if (!buf || len < ENTRY_FIXED || buf[0] != ENTRY_VERSION || (buf[1] & ~(EF_FINAL | EF_HASH)))
    return false;
  size_t tlen = buf[18], pos = ENTRY_FIXED;
  if (tlen > len - pos || !trust_ok((const char *)buf + pos, tlen)) return false;
  memset(m, 0, sizeof *m);
  memcpy(m->trust, buf + pos, tlen);
  pos += tlen;
  m->finalized = (buf[1] & EF_FINAL) != 0;
  m->has_hash = (buf[1] & EF_HASH) != 0;
  m->block_number = get_be64(buf + 2);
  m->inserted_ms = get_be64(buf + 10);
  if (m->has_hash) {
    if (len - pos < 32) return false;
    memcpy(m->block_hash, buf + pos, 32);
    pos += 32;
  }
  if (len - pos < 4) return false;
  size_t n = (size_t)buf[pos] << 24 | (size_t)buf[pos + 1] << 16 | (size_t)buf[pos + 2] << 8 | buf[pos + 3];
  pos += 4;
  if (n != len - pos || n > VT_CACHE_VALUE_MAX_ABS) return false;
  *val = buf + pos;
  *vlen = n;
  return true;
}
