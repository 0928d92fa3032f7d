/*
 * fuzz_rlp.c: libFuzzer harness for the strict RLP decoder.
 *
 * Arbitrary bytes go to vc_rlp_decode(). Whatever decodes must re-encode, through the
 * encoder, to exactly the input bytes (canonical form is unique), and the scalar
 * readers must not crash on any string item.
 */
#include "core/rlp.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reencode(vc_rlp_buf *b, const vc_rlp_item *it) {
  if (!it->is_list) {
    uint64_t u;
    uint8_t be[32];
    vc_err err;
    (void)!vc_rlp_uint(it, &u, &err);
    (void)!vc_rlp_uint256(it, be, &err);
    vc_rlp_put_bytes(b, it->payload.ptr, it->payload.len);
    return;
  }
  size_t mark = vc_rlp_list_begin(b);
  vc_bytes cur = it->payload;
  vc_rlp_item sub;
  vc_err err;
  while (cur.len) {
    if (vc_rlp_next(&cur, &sub, &err) != VC_OK) abort(); /* decode already checked it */
    reencode(b, &sub);
  }
  vc_rlp_list_end(b, mark);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vc_rlp_item it;
  vc_err err;
  if (vc_rlp_decode(vc_bytes_of(data, size), &it, &err) != VC_OK) return 0;
  if (it.raw.ptr != data || it.raw.len != size) abort();
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, size + 16);
  reencode(&b, &it);
  if (vc_rlp_buf_status(&b) != VC_OK || b.len != size || memcmp(b.buf, data, size) != 0) abort();
  vc_rlp_buf_free(&b);
  return 0;
}
