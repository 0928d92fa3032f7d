/*
 * lc_internal.h: field tables shared by the light-client SSZ (lc_types.c) and JSON
 * (lc_json.c) decoders and the state blob (lc_save.c). Not part of the public API.
 *
 * One row per container field, in SSZ order: its JSON name, its kind, its serialized
 * size (0 for the one variable-size field, extra_data) and where it lives in the C
 * struct. Decoding, hashing and saving all walk the same rows, so a layout change is a
 * table change.
 */
#ifndef LC_INTERNAL_H
#define LC_INTERNAL_H

#include <stddef.h>

#include "core/lightclient/lc_types.h"

typedef enum {
  LC_F_BYTES, /* fixed byte vector of `size` bytes */
  LC_F_U64,   /* uint64 (JSON: decimal string) */
  LC_F_U256,  /* uint256 stored little-endian (JSON: decimal string) */
  LC_F_LIST   /* ByteList[LC_MAX_EXTRA_DATA]; length byte at len_off */
} lc_field_kind;

typedef struct {
  const char *name;
  lc_field_kind kind;
  uint16_t size;
  uint16_t off;
  uint16_t len_off;
} lc_field;

#define LC_BEACON_FIELDS 5

extern const lc_field lc_beacon_fields[LC_BEACON_FIELDS];
extern const lc_field lc_exec_fields[LC_EXEC_FIELDS_DENEB];

/* hash_tree_root of one field's value inside base. */
vc_status lc_field_root(const lc_field *f, const void *base, uint8_t out[32], vc_err *err)
    VC_MUST_CHECK;

/* Serialized size of a LightClientHeader / SyncCommittee / SyncAggregate. */
size_t lc_committee_ssz_size(size_t n);
size_t lc_aggregate_ssz_size(size_t n);

/* Serialize a header in its fork's SSZ layout into out (cap bytes); sets *len. Used by
 * the state blob, so a saved store decodes with the same strict decoder. */
vc_status lc_encode_header(const lc_header *h, uint8_t *out, size_t cap, size_t *len,
                           vc_err *err) VC_MUST_CHECK;
vc_status lc_decode_header(lc_header *out, lc_fork fork, vc_bytes in, vc_err *err)
    VC_MUST_CHECK;
#define LC_HEADER_SSZ_MAX (112 + 4 + 128 + 584 + LC_MAX_EXTRA_DATA)

#endif
