/*
 * fuzz_store.c: arbitrary bytes as a stored cache entry (what LMDB and a shared Redis
 * hand back: a Redis anyone else can write to is untrusted input). A decoded entry
 * must have a valid header and a value inside the input; re-encoding it must give
 * the same bytes back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/cache.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vt_cache_meta m;
  const uint8_t *val;
  size_t vlen;
  if (!vt_cache_entry_decode(data, size, &m, &val, &vlen)) return 0;
  if (!vt_cache_meta_valid(&m)) abort();
  if (vlen > size || val < data || val + vlen > data + size) abort();
  vt_buf b;
  vt_buf_init(&b, size + 1024);
  if (vt_cache_entry_encode(&b, &m, val, vlen)) {
    vt_cache_meta m2;
    const uint8_t *v2;
    size_t l2;
    if (!vt_cache_entry_decode((const uint8_t *)b.data, b.len, &m2, &v2, &l2)) abort();
    if (l2 != vlen || memcmp(v2, val, vlen) != 0 || strcmp(m2.trust, m.trust) != 0 ||
        m2.block_number != m.block_number || m2.finalized != m.finalized)
      abort();
  }
  vt_buf_free(&b);
  return 0;
}
