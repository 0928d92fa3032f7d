/*
 * ssz.h: SimpleSerialize (SSZ) merkleization and strict decoding helpers.
 *
 * The light client (lc_*.c) and anything else in libverity-core that needs beacon-chain
 * hashing calls these. Merkleization follows the consensus-specs ssz/simple-serialize.md
 * rules: values are packed into 32-byte chunks, the chunk list is padded with zero
 * hashes up to the next power of two of its limit, lists mix in their length, and
 * containers merkleize the roots of their fields. Nothing here allocates; every input
 * is a caller-owned view, and every output is written into a caller-owned buffer.
 *
 * Decoding is strict: a container is split into its field slices by a table of field
 * sizes (0 = variable size, reached through a 4-byte offset); offsets must start exactly
 * at the end of the fixed part, never decrease, and stay inside the input. A trailing
 * byte, a short input or a bad offset is VC_ERR_INPUT with the field named.
 */
#ifndef VC_SSZ_H
#define VC_SSZ_H

#include "core/vc_base.h"

#define SSZ_CHUNK 32
/* Deepest tree the merkleizer accepts (2^62 chunks); far above any real limit. */
#define SSZ_MAX_DEPTH 62
/* Largest container the splitter handles (ExecutionPayloadHeader has 17 fields). */
#define SSZ_MAX_FIELDS 32
#define SSZ_OFFSET_SIZE 4

/* SHA-256 of a || b (64 bytes) into out; out may alias a or b. */
void ssz_hash_pair(const uint8_t a[32], const uint8_t b[32], uint8_t out[32]);

/* Root of an all-zero subtree of the given depth (depth 0 = the zero chunk). */
const uint8_t *ssz_zero_hash(unsigned depth);

/* Merkleize len bytes of packed data (the last chunk zero-padded) as a tree of
 * limit_chunks leaves (rounded up to a power of two). len must fit in limit_chunks. */
vc_status ssz_merkleize(const uint8_t *data, size_t len, uint64_t limit_chunks,
                        uint8_t out[32], vc_err *err) VC_MUST_CHECK;

/* out = SHA-256(root || uint256 little-endian length). out may alias root. */
void ssz_mix_in_length(const uint8_t root[32], uint64_t length, uint8_t out[32]);

/* hash_tree_root of basic values and byte vectors. */
void ssz_root_u64(uint64_t v, uint8_t out[32]);
/* ByteVector[N] with N <= 64 (Bytes4, Bytes20, Bytes32, BLSPubkey, ...). */
void ssz_root_small_bytes(const uint8_t *data, size_t n, uint8_t out[32]);
/* ByteVector[N] of any size (logs_bloom, BLSSignature, ...). */
vc_status ssz_root_byte_vector(const uint8_t *data, size_t n, uint8_t out[32],
                               vc_err *err) VC_MUST_CHECK;
/* ByteList[max_len]: data holds len bytes. */
vc_status ssz_root_byte_list(const uint8_t *data, size_t len, size_t max_len, uint8_t out[32],
                             vc_err *err) VC_MUST_CHECK;
/* Bitvector[nbits]: data holds (nbits+7)/8 bytes; bits past nbits must be zero. */
vc_status ssz_root_bitvector(const uint8_t *data, size_t nbits, uint8_t out[32],
                             vc_err *err) VC_MUST_CHECK;
/* Bitlist[max_bits] in its serialized form (with the delimiter bit). */
vc_status ssz_root_bitlist(const uint8_t *data, size_t len, size_t max_bits, uint8_t out[32],
                           vc_err *err) VC_MUST_CHECK;
/* Container (or fixed Vector of composite values) given the roots of its n fields. */
vc_status ssz_root_fields(const uint8_t (*roots)[32], size_t n, uint8_t out[32],
                          vc_err *err) VC_MUST_CHECK;

/* Count the set bits of a Bitvector (serialized bytes). */
size_t ssz_bits_count(const uint8_t *data, size_t nbits);
/* Length in bits of a serialized Bitlist; VC_ERR_INPUT without its delimiter bit. */
vc_status ssz_bitlist_len(const uint8_t *data, size_t len, size_t max_bits, size_t *nbits,
                          vc_err *err) VC_MUST_CHECK;

/* Merkle proofs. depth = number of branch nodes, index = position among the 2^depth
 * leaves. The root is recomputed from leaf and branch and compared with root. */
vc_status ssz_verify_branch(const uint8_t leaf[32], const uint8_t (*branch)[32], unsigned depth,
                            uint64_t index, const uint8_t root[32], vc_err *err) VC_MUST_CHECK;
/* Same, addressed by a generalized index (depth = floor(log2(gindex))). */
vc_status ssz_verify_gindex(const uint8_t leaf[32], const uint8_t (*branch)[32], size_t branch_len,
                            uint64_t gindex, const uint8_t root[32], vc_err *err) VC_MUST_CHECK;
/* Electra's is_valid_normalized_merkle_branch: branch_len may exceed the depth of gindex;
 * the extra leading nodes must be zero. */
vc_status ssz_verify_normalized(const uint8_t leaf[32], const uint8_t (*branch)[32],
                                size_t branch_len, uint64_t gindex, const uint8_t root[32],
                                vc_err *err) VC_MUST_CHECK;
unsigned ssz_floorlog2(uint64_t v);

/* --- strict decoding --- */

/* One field of a container: its name (for errors) and its size, 0 when variable-size. */
typedef struct {
  const char *name;
  size_t size;
} ssz_field;

/* Split a serialized container into field slices (parts[i] for fields[i]). Variable
 * fields get the bytes between their offset and the next one (or the end). */
vc_status ssz_split(vc_bytes in, const ssz_field *fields, size_t n, vc_bytes *parts,
                    const char *what, vc_err *err) VC_MUST_CHECK;

uint64_t ssz_read_u64(const uint8_t *p);
uint32_t ssz_read_u32(const uint8_t *p);
void ssz_write_u64(uint8_t *p, uint64_t v);

#endif
