/*
 * fuzz_mpt.c: libFuzzer harness for Merkle-Patricia proof verification.
 *
 * Input layout: one byte key length (mod 33), the key, then nodes as [2-byte big-endian
 * length][bytes] until the input ends. The proof is checked against a fixed mainnet
 * state root (must essentially never verify) and against keccak(first node), which lets
 * the fuzzer reach the branch/extension/leaf logic. A verified value must be a view into
 * one of the node buffers.
 */
#include "core/keccak.h"
#include "core/mpt.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fixed_root[32] = {
    0x7b, 0x3d, 0x5a, 0x01, 0xf6, 0x9b, 0x7d, 0x2e, 0xa7, 0x47, 0x9f, 0xd7, 0xae, 0x35, 0xf4, 0xba,
    0xc2, 0x70, 0x0a, 0xb6, 0xd6, 0xd7, 0xb4, 0x80, 0x7a, 0x7f, 0xed, 0xf5, 0x3c, 0xed, 0x71, 0x0e};

static void check(const uint8_t root[32], const uint8_t *key, size_t klen, const vc_bytes *nodes,
                  size_t n) {
  vc_bytes v;
  vc_err err;
  if (vc_mpt_verify(root, key, klen, nodes, n, &v, &err) != VC_OK) return;
  if (!v.len) return;
  for (size_t i = 0; i < n; i++) {
    if (v.ptr >= nodes[i].ptr && v.ptr + v.len <= nodes[i].ptr + nodes[i].len) return;
  }
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t klen = data[0] % (VC_MPT_MAX_KEY + 1);
  if (size < 1 + klen) return 0;
  const uint8_t *key = data + 1;
  size_t off = 1 + klen;
  vc_bytes nodes[VC_MPT_MAX_NODES + 1];
  size_t n = 0;
  while (off + 2 <= size && n < VC_MPT_MAX_NODES + 1) {
    size_t len = (size_t)data[off] << 8 | data[off + 1];
    off += 2;
    if (len > size - off) len = size - off;
    nodes[n++] = vc_bytes_of(data + off, len);
    off += len;
  }
  check(fixed_root, key, klen, nodes, n);
  if (n) {
    uint8_t root[32];
    vc_keccak256(nodes[0].ptr, nodes[0].len, root);
    check(root, key, klen, nodes, n);
  }
  return 0;
}
