/*
 * ssz.c: SSZ merkleization, Merkle branch checks and strict container splitting.
 *
 * See ssz.h for the contract. The merkleizer walks the virtual tree recursively and
 * substitutes precomputed zero-subtree roots for every subtree that lies past the data,
 * so a List with a limit of 2^40 chunks costs O(chunks + depth) hashes and no memory.
 * The zero-hash table is filled once (pthread_once) and read-only afterwards.
 */
#include "core/lightclient/ssz.h"

#include <nettle/sha2.h>
#include <pthread.h>
#include <string.h>

static uint8_t zero_hashes[SSZ_MAX_DEPTH + 2][32];
static pthread_once_t zero_once = PTHREAD_ONCE_INIT;

void ssz_hash_pair(const uint8_t a[32], const uint8_t b[32], uint8_t out[32]) {
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, 32, a);
  sha256_update(&ctx, 32, b);
  sha256_digest(&ctx, 32, out);
}

static void zero_init(void) {
  memset(zero_hashes[0], 0, 32);
  for (unsigned i = 1; i < SSZ_MAX_DEPTH + 2; i++)
    ssz_hash_pair(zero_hashes[i - 1], zero_hashes[i - 1], zero_hashes[i]);
}

const uint8_t *ssz_zero_hash(unsigned depth) {
  pthread_once(&zero_once, zero_init);
  if (depth > SSZ_MAX_DEPTH + 1) depth = SSZ_MAX_DEPTH + 1;
  return zero_hashes[depth];
}

unsigned ssz_floorlog2(uint64_t v) {
  unsigned r = 0;
  while (v >>= 1) r++;
  return r;
}

static unsigned ceil_log2(uint64_t v) {
  if (v <= 1) return 0;
  return ssz_floorlog2(v - 1) + 1;
}

/* The packed bytes being merkleized; when patch is set, the final byte reads as last
 * (a Bitlist without its delimiter bit, with no copy of the data). */
typedef struct {
  const uint8_t *data;
  size_t len;
  bool patch;
  uint8_t last;
} chunk_src;

/* Root of the subtree of the given depth whose first leaf is chunk `first`. */
static void subtree(const chunk_src *src, uint64_t first, unsigned depth, uint8_t out[32]) {
  uint64_t nchunks = (src->len + 31) / 32;
  if (first >= nchunks) {
    memcpy(out, ssz_zero_hash(depth), 32);
    return;
  }
  if (depth == 0) {
    size_t off = (size_t)first * 32, n = src->len - off < 32 ? src->len - off : 32;
    memset(out, 0, 32);
    memcpy(out, src->data + off, n);
    if (src->patch && off + n == src->len) out[n - 1] = src->last;
    return;
  }
  uint8_t left[32], right[32];
  uint64_t half = (uint64_t)1 << (depth - 1);
  subtree(src, first, depth - 1, left);
  subtree(src, first + half, depth - 1, right);
  ssz_hash_pair(left, right, out);
}

static vc_status merkleize_src(const chunk_src *src, uint64_t limit_chunks, uint8_t out[32],
                               vc_err *err) {
  uint64_t nchunks = (src->len + 31) / 32;
  if (limit_chunks == 0) limit_chunks = 1;
  if (nchunks > limit_chunks)
    return vc_fail(err, VC_ERR_LIMIT, "ssz: %llu chunks exceed the limit of %llu",
                   (unsigned long long)nchunks, (unsigned long long)limit_chunks);
  unsigned depth = ceil_log2(limit_chunks);
  if (depth > SSZ_MAX_DEPTH)
    return vc_fail(err, VC_ERR_LIMIT, "ssz: tree depth %u over %u", depth, SSZ_MAX_DEPTH);
  subtree(src, 0, depth, out);
  return VC_OK;
}

vc_status ssz_merkleize(const uint8_t *data, size_t len, uint64_t limit_chunks, uint8_t out[32],
                        vc_err *err) {
  chunk_src src = {data, len, false, 0};
  return merkleize_src(&src, limit_chunks, out, err);
}

void ssz_write_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t ssz_read_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

uint32_t ssz_read_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void ssz_mix_in_length(const uint8_t root[32], uint64_t length, uint8_t out[32]) {
  uint8_t len_chunk[32] = {0};
  ssz_write_u64(len_chunk, length);
  ssz_hash_pair(root, len_chunk, out);
}

void ssz_root_u64(uint64_t v, uint8_t out[32]) {
  memset(out, 0, 32);
  ssz_write_u64(out, v);
}

void ssz_root_small_bytes(const uint8_t *data, size_t n, uint8_t out[32]) {
  if (n <= 32) {
    memset(out, 0, 32);
    memcpy(out, data, n);
    return;
  }
  uint8_t b[32] = {0};
  if (n > 64) n = 64;
  memcpy(b, data + 32, n - 32);
  ssz_hash_pair(data, b, out);
}

vc_status ssz_root_byte_vector(const uint8_t *data, size_t n, uint8_t out[32], vc_err *err) {
  return ssz_merkleize(data, n, (n + 31) / 32, out, err);
}

vc_status ssz_root_byte_list(const uint8_t *data, size_t len, size_t max_len, uint8_t out[32],
                             vc_err *err) {
  if (len > max_len)
    return vc_fail(err, VC_ERR_LIMIT, "ssz: byte list of %zu over its limit %zu", len, max_len);
  vc_status st = ssz_merkleize(data, len, (max_len + 31) / 32, out, err);
  if (st != VC_OK) return st;
  ssz_mix_in_length(out, len, out);
  return VC_OK;
}

vc_status ssz_root_bitvector(const uint8_t *data, size_t nbits, uint8_t out[32], vc_err *err) {
  size_t nbytes = (nbits + 7) / 8;
  if (nbits % 8 && (data[nbytes - 1] >> (nbits % 8)))
    return vc_fail(err, VC_ERR_INPUT, "ssz: bitvector[%zu] has bits set past its length", nbits);
  return ssz_merkleize(data, nbytes, (nbits + 255) / 256, out, err);
}

vc_status ssz_bitlist_len(const uint8_t *data, size_t len, size_t max_bits, size_t *nbits,
                          vc_err *err) {
  if (len == 0 || data[len - 1] == 0)
    return vc_fail(err, VC_ERR_INPUT, "ssz: bitlist without its delimiter bit");
  size_t n = (len - 1) * 8 + ssz_floorlog2(data[len - 1]);
  if (n > max_bits)
    return vc_fail(err, VC_ERR_LIMIT, "ssz: bitlist of %zu bits over its limit %zu", n, max_bits);
  *nbits = n;
  return VC_OK;
}

vc_status ssz_root_bitlist(const uint8_t *data, size_t len, size_t max_bits, uint8_t out[32],
                           vc_err *err) {
  size_t nbits = 0;
  vc_status st = ssz_bitlist_len(data, len, max_bits, &nbits, err);
  if (st != VC_OK) return st;
  /* The packed bits without the delimiter: drop the last byte when the delimiter sits
   * alone in it, otherwise clear the delimiter bit in place (through the patch). */
  size_t nbytes = (nbits + 7) / 8;
  uint8_t last = data[len - 1];
  chunk_src src = {data, nbytes, nbytes == len, (uint8_t)(last & ~(1u << ssz_floorlog2(last)))};
  uint8_t root[32];
  st = merkleize_src(&src, (max_bits + 255) / 256, root, err);
  if (st != VC_OK) return st;
  ssz_mix_in_length(root, nbits, out);
  return VC_OK;
}

vc_status ssz_root_fields(const uint8_t (*roots)[32], size_t n, uint8_t out[32], vc_err *err) {
  return ssz_merkleize((const uint8_t *)roots, n * 32, n, out, err);
}

size_t ssz_bits_count(const uint8_t *data, size_t nbits) {
  size_t c = 0;
  for (size_t i = 0; i < nbits; i++) c += (data[i / 8] >> (i % 8)) & 1;
  return c;
}

vc_status ssz_verify_branch(const uint8_t leaf[32], const uint8_t (*branch)[32], unsigned depth,
                            uint64_t index, const uint8_t root[32], vc_err *err) {
  if (depth > 63) return vc_fail(err, VC_ERR_LIMIT, "merkle branch depth %u over 63", depth);
  uint8_t h[32];
  memcpy(h, leaf, 32);
  for (unsigned i = 0; i < depth; i++) {
    if ((index >> i) & 1)
      ssz_hash_pair(branch[i], h, h);
    else
      ssz_hash_pair(h, branch[i], h);
  }
  if (memcmp(h, root, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "merkle branch (depth %u, index %llu) does not reach the root",
                   depth, (unsigned long long)index);
  return VC_OK;
}

vc_status ssz_verify_gindex(const uint8_t leaf[32], const uint8_t (*branch)[32], size_t branch_len,
                            uint64_t gindex, const uint8_t root[32], vc_err *err) {
  if (gindex < 1) return vc_fail(err, VC_ERR_INPUT, "generalized index 0 is invalid");
  unsigned depth = ssz_floorlog2(gindex);
  if (branch_len != depth)
    return vc_fail(err, VC_ERR_INPUT, "gindex %llu needs %u branch nodes, got %zu",
                   (unsigned long long)gindex, depth, branch_len);
  return ssz_verify_branch(leaf, branch, depth, gindex - ((uint64_t)1 << depth), root, err);
}

vc_status ssz_verify_normalized(const uint8_t leaf[32], const uint8_t (*branch)[32],
                                size_t branch_len, uint64_t gindex, const uint8_t root[32],
                                vc_err *err) {
  if (gindex < 1) return vc_fail(err, VC_ERR_INPUT, "generalized index 0 is invalid");
  unsigned depth = ssz_floorlog2(gindex);
  if (branch_len < depth)
    return vc_fail(err, VC_ERR_INPUT, "gindex %llu needs %u branch nodes, got %zu",
                   (unsigned long long)gindex, depth, branch_len);
  size_t extra = branch_len - depth;
  for (size_t i = 0; i < extra; i++)
    if (memcmp(branch[i], ssz_zero_hash(0), 32) != 0)
      return vc_fail(err, VC_ERR_MISMATCH, "normalized branch: padding node %zu is not zero", i);
  return ssz_verify_branch(leaf, branch + extra, depth, gindex - ((uint64_t)1 << depth), root, err);
}

vc_status ssz_split(vc_bytes in, const ssz_field *fields, size_t n, vc_bytes *parts,
                    const char *what, vc_err *err) {
  if (n > SSZ_MAX_FIELDS) return vc_fail(err, VC_ERR_LIMIT, "%s: too many fields", what);
  size_t fixed = 0;
  for (size_t i = 0; i < n; i++) fixed += fields[i].size ? fields[i].size : SSZ_OFFSET_SIZE;
  if (in.len < fixed)
    return vc_fail(err, VC_ERR_INPUT, "%s: %zu bytes, shorter than its fixed part (%zu)", what,
                   in.len, fixed);
  size_t pos = 0, prev_off = 0;
  long prev_var = -1;
  for (size_t i = 0; i < n; i++) {
    if (fields[i].size) {
      parts[i] = vc_bytes_of(in.ptr + pos, fields[i].size);
      pos += fields[i].size;
      continue;
    }
    size_t off = ssz_read_u32(in.ptr + pos);
    pos += SSZ_OFFSET_SIZE;
    if (prev_var < 0 && off != fixed)
      return vc_fail(err, VC_ERR_INPUT, "%s.%s: first offset %zu, expected %zu", what,
                     fields[i].name, off, fixed);
    if (off < prev_off || off > in.len)
      return vc_fail(err, VC_ERR_INPUT, "%s.%s: offset %zu out of order or past the end (%zu)",
                     what, fields[i].name, off, in.len);
    if (prev_var >= 0) parts[prev_var].len = off - prev_off;
    parts[i] = vc_bytes_of(in.ptr + off, 0);
    prev_off = off;
    prev_var = (long)i;
  }
  if (prev_var >= 0)
    parts[prev_var].len = in.len - prev_off;
  else if (in.len != fixed)
    return vc_fail(err, VC_ERR_INPUT, "%s: %zu bytes, expected exactly %zu", what, in.len, fixed);
  return VC_OK;
}
