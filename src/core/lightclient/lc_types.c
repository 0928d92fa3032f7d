/*
 * lc_types.c: light-client containers: the fork layout table, hash_tree_root of the
 * headers and sync committees, and strict SSZ decoders for bootstrap and the three
 * update kinds.
 *
 * Called by lc.c (the sync protocol), lc_json.c (which fills the same structs from
 * beacon-API JSON) and the fuzz harness. Every decoder zeroes its output first, checks
 * the total size against LC_MAX_SSZ_INPUT, splits containers with ssz_split (monotonic,
 * in-range offsets; no trailing bytes) and rejects an extra_data over 32 bytes or
 * Bitvector padding bits. The caller owns all structs.
 */
#include "core/lightclient/lc_internal.h"
#include "core/lightclient/ssz.h"

#include <string.h>

/* Fork table: container layout of each fork's light-client data. */
static const lc_fork_layout fork_layouts[LC_FORK_COUNT] = {
    [LC_FORK_ALTAIR] = {"altair", 0, 5, 6, 54, 55, 105},
    [LC_FORK_BELLATRIX] = {"bellatrix", 0, 5, 6, 54, 55, 105},
    [LC_FORK_CAPELLA] = {"capella", LC_EXEC_FIELDS_CAPELLA, 5, 6, 54, 55, 105},
    [LC_FORK_DENEB] = {"deneb", LC_EXEC_FIELDS_DENEB, 5, 6, 54, 55, 105},
    [LC_FORK_ELECTRA] = {"electra", LC_EXEC_FIELDS_DENEB, 6, 7, 86, 87, 169},
    [LC_FORK_FULU] = {"fulu", LC_EXEC_FIELDS_DENEB, 6, 7, 86, 87, 169},
};

#define FB(n, f, sz) {n, LC_F_BYTES, sz, (uint16_t)offsetof(lc_exec_header, f), 0}
#define FU(n, f) {n, LC_F_U64, 8, (uint16_t)offsetof(lc_exec_header, f), 0}

const lc_field lc_exec_fields[LC_EXEC_FIELDS_DENEB] = {
    FB("parent_hash", parent_hash, 32),
    FB("fee_recipient", fee_recipient, 20),
    FB("state_root", state_root, 32),
    FB("receipts_root", receipts_root, 32),
    FB("logs_bloom", logs_bloom, 256),
    FB("prev_randao", prev_randao, 32),
    FU("block_number", block_number),
    FU("gas_limit", gas_limit),
    FU("gas_used", gas_used),
    FU("timestamp", timestamp),
    {"extra_data", LC_F_LIST, 0, (uint16_t)offsetof(lc_exec_header, extra_data),
     (uint16_t)offsetof(lc_exec_header, extra_data_len)},
    {"base_fee_per_gas", LC_F_U256, 32, (uint16_t)offsetof(lc_exec_header, base_fee_per_gas), 0},
    FB("block_hash", block_hash, 32),
    FB("transactions_root", transactions_root, 32),
    FB("withdrawals_root", withdrawals_root, 32),
    FU("blob_gas_used", blob_gas_used),
    FU("excess_blob_gas", excess_blob_gas),
};

const lc_field lc_beacon_fields[LC_BEACON_FIELDS] = {
    {"slot", LC_F_U64, 8, (uint16_t)offsetof(lc_beacon_header, slot), 0},
    {"proposer_index", LC_F_U64, 8, (uint16_t)offsetof(lc_beacon_header, proposer_index), 0},
    {"parent_root", LC_F_BYTES, 32, (uint16_t)offsetof(lc_beacon_header, parent_root), 0},
    {"state_root", LC_F_BYTES, 32, (uint16_t)offsetof(lc_beacon_header, state_root), 0},
    {"body_root", LC_F_BYTES, 32, (uint16_t)offsetof(lc_beacon_header, body_root), 0},
};

#define BEACON_SSZ 112
#define LC_HEADER_FIXED (BEACON_SSZ + SSZ_OFFSET_SIZE + LC_EXEC_BRANCH_DEPTH * 32)

const lc_fork_layout *lc_fork_info(lc_fork fork) {
  if ((unsigned)fork >= LC_FORK_COUNT) return NULL;
  return &fork_layouts[fork];
}

vc_status lc_fork_from_name(const char *name, lc_fork *out, vc_err *err) {
  for (int f = 0; f < LC_FORK_COUNT; f++)
    if (name && strcmp(name, fork_layouts[f].name) == 0) {
      *out = (lc_fork)f;
      return VC_OK;
    }
  return vc_fail(err, VC_ERR_INPUT, "unknown light-client fork version \"%.40s\"",
                 name ? name : "(null)");
}

size_t lc_committee_ssz_size(size_t n) { return n * 48 + 48; }
size_t lc_aggregate_ssz_size(size_t n) { return n / 8 + 96; }

/* ---------------------------------------------------------------- hashing */

vc_status lc_field_root(const lc_field *f, const void *base, uint8_t out[32], vc_err *err) {
  const uint8_t *p = (const uint8_t *)base + f->off;
  switch (f->kind) {
  case LC_F_U64: {
    uint64_t v;
    memcpy(&v, p, 8);
    ssz_root_u64(v, out);
    return VC_OK;
  }
  case LC_F_U256:
    memcpy(out, p, 32);
    return VC_OK;
  case LC_F_LIST:
    return ssz_root_byte_list(p, *((const uint8_t *)base + f->len_off), LC_MAX_EXTRA_DATA, out,
                              err);
  case LC_F_BYTES:
    if (f->size <= 64) {
      ssz_root_small_bytes(p, f->size, out);
      return VC_OK;
    }
    return ssz_root_byte_vector(p, f->size, out, err);
  }
  return vc_fail(err, VC_ERR_INPUT, "field %s: unknown kind", f->name);
}

void lc_beacon_header_root(const lc_beacon_header *h, uint8_t out[32]) {
  uint8_t roots[8][32] = {{0}};
  ssz_root_u64(h->slot, roots[0]);
  ssz_root_u64(h->proposer_index, roots[1]);
  memcpy(roots[2], h->parent_root, 32);
  memcpy(roots[3], h->state_root, 32);
  memcpy(roots[4], h->body_root, 32);
  ssz_hash_pair(roots[0], roots[1], roots[0]);
  ssz_hash_pair(roots[2], roots[3], roots[2]);
  ssz_hash_pair(roots[4], roots[5], roots[4]);
  ssz_hash_pair(roots[6], roots[7], roots[6]);
  ssz_hash_pair(roots[0], roots[2], roots[0]);
  ssz_hash_pair(roots[4], roots[6], roots[4]);
  ssz_hash_pair(roots[0], roots[4], out);
}

vc_status lc_exec_header_root(const lc_exec_header *e, unsigned exec_fields, uint8_t out[32],
                              vc_err *err) {
  uint8_t roots[LC_EXEC_FIELDS_DENEB][32];
  if (exec_fields != LC_EXEC_FIELDS_CAPELLA && exec_fields != LC_EXEC_FIELDS_DENEB)
    return vc_fail(err, VC_ERR_INPUT, "execution payload header: %u fields is no fork's layout",
                   exec_fields);
  for (unsigned i = 0; i < exec_fields; i++) {
    vc_status st = lc_field_root(&lc_exec_fields[i], e, roots[i], err);
    if (st != VC_OK) return st;
  }
  return ssz_root_fields((const uint8_t(*)[32])roots, exec_fields, out, err);
}

vc_status lc_sync_committee_root(const lc_sync_committee *c, size_t n, uint8_t out[32],
                                 vc_err *err) {
  if (n == 0 || n > LC_MAX_COMMITTEE)
    return vc_fail(err, VC_ERR_INPUT, "sync committee size %zu out of range", n);
  uint8_t roots[LC_MAX_COMMITTEE][32];
  for (size_t i = 0; i < n; i++) ssz_root_small_bytes(c->pubkeys[i], 48, roots[i]);
  uint8_t fields[2][32];
  vc_status st = ssz_root_fields((const uint8_t(*)[32])roots, n, fields[0], err);
  if (st != VC_OK) return st;
  ssz_root_small_bytes(c->aggregate_pubkey, 48, fields[1]);
  ssz_hash_pair(fields[0], fields[1], out);
  return VC_OK;
}

/* ---------------------------------------------------------------- decoding */

/* Decode a container whose fields are all described by tab (u64/bytes/u256/list). */
static vc_status decode_table(const lc_field *tab, size_t n, vc_bytes in, void *base,
                              const char *what, vc_err *err) {
  ssz_field fields[SSZ_MAX_FIELDS] = {{0}};
  vc_bytes parts[SSZ_MAX_FIELDS] = {{0}};
  for (size_t i = 0; i < n; i++) fields[i] = (ssz_field){tab[i].name, tab[i].size};
  vc_status st = ssz_split(in, fields, n, parts, what, err);
  if (st != VC_OK) return st;
  for (size_t i = 0; i < n; i++) {
    uint8_t *p = (uint8_t *)base + tab[i].off;
    switch (tab[i].kind) {
    case LC_F_U64: {
      uint64_t v = ssz_read_u64(parts[i].ptr);
      memcpy(p, &v, 8);
      break;
    }
    case LC_F_LIST:
      if (parts[i].len > LC_MAX_EXTRA_DATA)
        return vc_fail(err, VC_ERR_LIMIT, "%s.%s: %zu bytes over the limit of %d", what,
                       tab[i].name, parts[i].len, LC_MAX_EXTRA_DATA);
      memcpy(p, parts[i].ptr, parts[i].len);
      *((uint8_t *)base + tab[i].len_off) = (uint8_t)parts[i].len;
      break;
    case LC_F_BYTES:
    case LC_F_U256:
      memcpy(p, parts[i].ptr, tab[i].size);
      break;
    }
  }
  return VC_OK;
}

vc_status lc_decode_header(lc_header *out, lc_fork fork, vc_bytes in, vc_err *err) {
  const lc_fork_layout *L = lc_fork_info(fork);
  memset(out, 0, sizeof *out);
  if (!L) return vc_fail(err, VC_ERR_INPUT, "header: unknown fork %d", (int)fork);
  out->fork = fork;
  if (!L->exec_fields)
    return decode_table(lc_beacon_fields, LC_BEACON_FIELDS, in, &out->beacon, "header.beacon",
                        err);
  static const ssz_field hdr[3] = {
      {"beacon", BEACON_SSZ}, {"execution", 0}, {"execution_branch", LC_EXEC_BRANCH_DEPTH * 32}};
  vc_bytes parts[3];
  vc_status st = ssz_split(in, hdr, 3, parts, "header", err);
  if (st != VC_OK) return st;
  st = decode_table(lc_beacon_fields, LC_BEACON_FIELDS, parts[0], &out->beacon, "header.beacon",
                    err);
  if (st != VC_OK) return st;
  st = decode_table(lc_exec_fields, L->exec_fields, parts[1], &out->execution, "header.execution",
                    err);
  if (st != VC_OK) return st;
  memcpy(out->execution_branch, parts[2].ptr, parts[2].len);
  return VC_OK;
}

static void put_table(const lc_field *tab, size_t n, const void *base, uint8_t *out,
                      size_t *len) {
  size_t fixed = 0, pos = 0;
  for (size_t i = 0; i < n; i++) fixed += tab[i].size ? tab[i].size : SSZ_OFFSET_SIZE;
  size_t var = fixed;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *p = (const uint8_t *)base + tab[i].off;
    if (tab[i].kind == LC_F_LIST) {
      uint8_t l = *((const uint8_t *)base + tab[i].len_off);
      uint8_t off[8];
      ssz_write_u64(off, var);
      memcpy(out + pos, off, SSZ_OFFSET_SIZE);
      pos += SSZ_OFFSET_SIZE;
      memcpy(out + var, p, l);
      var += l;
    } else if (tab[i].kind == LC_F_U64) {
      uint64_t v;
      memcpy(&v, p, 8);
      ssz_write_u64(out + pos, v);
      pos += 8;
    } else {
      memcpy(out + pos, p, tab[i].size);
      pos += tab[i].size;
    }
  }
  *len = var;
}

vc_status lc_encode_header(const lc_header *h, uint8_t *out, size_t cap, size_t *len,
                           vc_err *err) {
  const lc_fork_layout *L = lc_fork_info(h->fork);
  if (!L) return vc_fail(err, VC_ERR_INPUT, "header: unknown fork %d", (int)h->fork);
  if (cap < LC_HEADER_SSZ_MAX) return vc_fail(err, VC_ERR_LIMIT, "header: output too small");
  if (h->execution.extra_data_len > LC_MAX_EXTRA_DATA)
    return vc_fail(err, VC_ERR_LIMIT, "header: extra_data over %d bytes", LC_MAX_EXTRA_DATA);
  size_t n = 0;
  put_table(lc_beacon_fields, LC_BEACON_FIELDS, &h->beacon, out, &n);
  if (!L->exec_fields) {
    *len = n;
    return VC_OK;
  }
  uint8_t off[8];
  ssz_write_u64(off, LC_HEADER_FIXED);
  memcpy(out + BEACON_SSZ, off, SSZ_OFFSET_SIZE);
  memcpy(out + BEACON_SSZ + SSZ_OFFSET_SIZE, h->execution_branch, LC_EXEC_BRANCH_DEPTH * 32);
  put_table(lc_exec_fields, L->exec_fields, &h->execution, out + LC_HEADER_FIXED, &n);
  *len = LC_HEADER_FIXED + n;
  return VC_OK;
}

static size_t header_ssz_size(const lc_fork_layout *L) { return L->exec_fields ? 0 : BEACON_SSZ; }

static void copy_committee(lc_sync_committee *c, size_t n, vc_bytes b) {
  memcpy(c->pubkeys, b.ptr, n * 48);
  memcpy(c->aggregate_pubkey, b.ptr + n * 48, 48);
}

static void copy_aggregate(lc_sync_aggregate *a, size_t n, vc_bytes b) {
  memcpy(a->bits, b.ptr, n / 8);
  memcpy(a->signature, b.ptr + n / 8, 96);
}

static vc_status check_input(lc_fork fork, size_t n, vc_bytes in, const char *what,
                             const lc_fork_layout **L, vc_err *err) {
  *L = lc_fork_info(fork);
  if (!*L) return vc_fail(err, VC_ERR_INPUT, "%s: unknown fork %d", what, (int)fork);
  if (n == 0 || n > LC_MAX_COMMITTEE || n % 8)
    return vc_fail(err, VC_ERR_INPUT, "%s: sync committee size %zu unsupported", what, n);
  if (!in.ptr && in.len) return vc_fail(err, VC_ERR_INPUT, "%s: no data", what);
  if (in.len > LC_MAX_SSZ_INPUT)
    return vc_fail(err, VC_ERR_LIMIT, "%s: %zu bytes over the cap of %u", what, in.len,
                   LC_MAX_SSZ_INPUT);
  return VC_OK;
}

vc_status lc_decode_bootstrap(lc_bootstrap *out, lc_fork fork, size_t n, vc_bytes in,
                              vc_err *err) {
  const lc_fork_layout *L;
  memset(out, 0, sizeof *out);
  vc_status st = check_input(fork, n, in, "bootstrap", &L, err);
  if (st != VC_OK) return st;
  const ssz_field f[3] = {{"header", header_ssz_size(L)},
                          {"current_sync_committee", lc_committee_ssz_size(n)},
                          {"current_sync_committee_branch", (size_t)L->committee_depth * 32}};
  vc_bytes p[3];
  st = ssz_split(in, f, 3, p, "bootstrap", err);
  if (st != VC_OK) return st;
  out->fork = fork;
  st = lc_decode_header(&out->header, fork, p[0], err);
  if (st != VC_OK) return st;
  copy_committee(&out->current_sync_committee, n, p[1]);
  memcpy(out->current_sync_committee_branch, p[2].ptr, p[2].len);
  out->branch_len = L->committee_depth;
  return VC_OK;
}

/* Field slots of the three update containers, by update kind. */
enum { U_ATT, U_NEXT, U_NEXT_BRANCH, U_FIN, U_FIN_BRANCH, U_AGG, U_SIG_SLOT, U_NFIELDS };

static const uint8_t kind_fields[3][U_NFIELDS + 1] = {
    [LC_KIND_UPDATE] = {U_ATT, U_NEXT, U_NEXT_BRANCH, U_FIN, U_FIN_BRANCH, U_AGG, U_SIG_SLOT,
                        U_NFIELDS},
    [LC_KIND_FINALITY] = {U_ATT, U_FIN, U_FIN_BRANCH, U_AGG, U_SIG_SLOT, U_NFIELDS},
    [LC_KIND_OPTIMISTIC] = {U_ATT, U_AGG, U_SIG_SLOT, U_NFIELDS},
};
static const char *const kind_names[3] = {"update", "finality_update", "optimistic_update"};

static vc_status decode_any_update(lc_update *out, lc_update_kind kind, lc_fork fork, size_t n,
                                   vc_bytes in, vc_err *err) {
  const lc_fork_layout *L;
  const char *what = kind_names[kind];
  memset(out, 0, sizeof *out);
  vc_status st = check_input(fork, n, in, what, &L, err);
  if (st != VC_OK) return st;
  const ssz_field all[U_NFIELDS] = {
      [U_ATT] = {"attested_header", header_ssz_size(L)},
      [U_NEXT] = {"next_sync_committee", lc_committee_ssz_size(n)},
      [U_NEXT_BRANCH] = {"next_sync_committee_branch", (size_t)L->committee_depth * 32},
      [U_FIN] = {"finalized_header", header_ssz_size(L)},
      [U_FIN_BRANCH] = {"finality_branch", (size_t)L->finality_depth * 32},
      [U_AGG] = {"sync_aggregate", lc_aggregate_ssz_size(n)},
      [U_SIG_SLOT] = {"signature_slot", 8},
  };
  ssz_field f[U_NFIELDS];
  vc_bytes p[U_NFIELDS], by_slot[U_NFIELDS];
  size_t nf = 0;
  for (; kind_fields[kind][nf] != U_NFIELDS; nf++) f[nf] = all[kind_fields[kind][nf]];
  st = ssz_split(in, f, nf, p, what, err);
  if (st != VC_OK) return st;
  for (size_t i = 0; i < nf; i++) by_slot[kind_fields[kind][i]] = p[i];
  out->fork = fork;
  out->kind = kind;
  st = lc_decode_header(&out->attested_header, fork, by_slot[U_ATT], err);
  if (st != VC_OK) return st;
  out->next_branch_len = L->committee_depth;
  out->finality_branch_len = L->finality_depth;
  if (kind == LC_KIND_UPDATE) {
    copy_committee(&out->next_sync_committee, n, by_slot[U_NEXT]);
    memcpy(out->next_sync_committee_branch, by_slot[U_NEXT_BRANCH].ptr,
           by_slot[U_NEXT_BRANCH].len);
  }
  if (kind != LC_KIND_OPTIMISTIC) {
    st = lc_decode_header(&out->finalized_header, fork, by_slot[U_FIN], err);
    if (st != VC_OK) return st;
    memcpy(out->finality_branch, by_slot[U_FIN_BRANCH].ptr, by_slot[U_FIN_BRANCH].len);
  } else {
    out->finalized_header.fork = fork;
  }
  copy_aggregate(&out->sync_aggregate, n, by_slot[U_AGG]);
  out->signature_slot = ssz_read_u64(by_slot[U_SIG_SLOT].ptr);
  return VC_OK;
}

vc_status lc_decode_update(lc_update *out, lc_fork fork, size_t n, vc_bytes in, vc_err *err) {
  return decode_any_update(out, LC_KIND_UPDATE, fork, n, in, err);
}

vc_status lc_decode_finality_update(lc_update *out, lc_fork fork, size_t n, vc_bytes in,
                                    vc_err *err) {
  return decode_any_update(out, LC_KIND_FINALITY, fork, n, in, err);
}

vc_status lc_decode_optimistic_update(lc_update *out, lc_fork fork, size_t n, vc_bytes in,
                                      vc_err *err) {
  return decode_any_update(out, LC_KIND_OPTIMISTIC, fork, n, in, err);
}

vc_status lc_peek_slot(vc_bytes in, bool variable_header, uint64_t *slot, vc_err *err) {
  size_t at = 0;
  if (variable_header) {
    if (in.len < SSZ_OFFSET_SIZE)
      return vc_fail(err, VC_ERR_INPUT, "light-client object: %zu bytes, too short", in.len);
    at = ssz_read_u32(in.ptr);
  }
  if (at > in.len || in.len - at < 8)
    return vc_fail(err, VC_ERR_INPUT, "light-client object: header offset %zu out of range", at);
  *slot = ssz_read_u64(in.ptr + at);
  return VC_OK;
}

vc_status lc_stream_next(vc_bytes *cursor, uint8_t digest[4], vc_bytes *payload, vc_err *err) {
  if (cursor->len == 0) return vc_fail(err, VC_ERR_MISSING, "update stream: no more items");
  if (cursor->len < 12)
    return vc_fail(err, VC_ERR_INPUT, "update stream: %zu trailing bytes, too short for a chunk",
                   cursor->len);
  uint64_t n = ssz_read_u64(cursor->ptr);
  if (n < 4 || n > cursor->len - 8)
    return vc_fail(err, VC_ERR_INPUT, "update stream: chunk length %llu out of range (%zu left)",
                   (unsigned long long)n, cursor->len - 8);
  if (n - 4 > LC_MAX_SSZ_INPUT)
    return vc_fail(err, VC_ERR_LIMIT, "update stream: chunk of %llu bytes over the cap",
                   (unsigned long long)n);
  memcpy(digest, cursor->ptr + 8, 4);
  *payload = vc_bytes_of(cursor->ptr + 12, (size_t)n - 4);
  cursor->ptr += 8 + n;
  cursor->len -= 8 + (size_t)n;
  return VC_OK;
}

bool lc_branch_is_zero(const uint8_t (*branch)[32], size_t len) {
  for (size_t i = 0; i < len; i++)
    for (size_t j = 0; j < 32; j++)
      if (branch[i][j]) return false;
  return true;
}

static bool bytes_zero(const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i]) return false;
  return true;
}

/* Field by field (never the struct's padding): the SSZ default has every field zero and
 * an empty extra_data. */
bool lc_exec_is_zero(const lc_exec_header *e) {
  for (size_t i = 0; i < LC_EXEC_FIELDS_DENEB; i++) {
    const lc_field *f = &lc_exec_fields[i];
    const uint8_t *p = (const uint8_t *)e + f->off;
    if (f->kind == LC_F_LIST ? *((const uint8_t *)e + f->len_off) != 0 : !bytes_zero(p, f->size))
      return false;
  }
  return true;
}

bool lc_header_is_zero(const lc_header *h) {
  return h->beacon.slot == 0 && h->beacon.proposer_index == 0 &&
         bytes_zero(h->beacon.parent_root, 32) && bytes_zero(h->beacon.state_root, 32) &&
         bytes_zero(h->beacon.body_root, 32) && lc_exec_is_zero(&h->execution) &&
         bytes_zero(h->execution_branch, sizeof h->execution_branch);
}

bool lc_committee_is_zero(const lc_sync_committee *c, size_t n) {
  return bytes_zero(c->pubkeys, n * 48) && bytes_zero(c->aggregate_pubkey, 48);
}
