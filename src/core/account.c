/*
 * account.c: eth_getProof verification (see account.h).
 *
 * The upstream's JSON is untrusted. The proof nodes are decoded from hex into one
 * buffer per proof, walked with vc_mpt_verify() against the trusted root, and then
 * every claimed field is compared with the proven value: a proof that verifies but is
 * paired with a different balance is a lie and fails. Field parsing is table-driven
 * (one row per claimed account field).
 */
#include "core/account.h"

#include "core/hex.h"
#include "core/keccak.h"
#include "core/mpt.h"
#include "core/rlp.h"

#include <stdlib.h>
#include <string.h>

const uint8_t vc_empty_code_hash[32] = {
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70};
const uint8_t vc_empty_trie_root[32] = {
    0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e,
    0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21};
static const uint8_t zero32[32];

/* The decoded nodes of one proof: views into one owned buffer. */
typedef struct {
  uint8_t *buf;
  vc_bytes nodes[VC_MPT_MAX_NODES];
  size_t n;
} proof_nodes;

static void proof_nodes_free(proof_nodes *p) {
  free(p->buf);
  p->buf = NULL;
}

static vc_status load_proof(const json_t *arr, const char *what, proof_nodes *p, vc_err *err) {
  memset(p, 0, sizeof *p);
  if (!json_is_array(arr)) return vc_fail(err, VC_ERR_INPUT, "%s: missing or not an array", what);
  size_t n = json_array_size(arr);
  if (n > VC_MPT_MAX_NODES)
    return vc_fail(err, VC_ERR_LIMIT, "%s: %zu nodes exceeds %d", what, n, VC_MPT_MAX_NODES);
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    const json_t *s = json_array_get(arr, i);
    if (!json_is_string(s)) return vc_fail(err, VC_ERR_INPUT, "%s[%zu]: not a string", what, i);
    size_t sl = json_string_length(s);
    if (sl > 2 + 2 * (size_t)VC_PROOF_MAX_NODE)
      return vc_fail(err, VC_ERR_LIMIT, "%s[%zu]: node over %d bytes", what, i, VC_PROOF_MAX_NODE);
    total += sl / 2;
  }
  p->buf = malloc(total ? total : 1);
  if (!p->buf) return vc_fail(err, VC_ERR_NOMEM, "%s: out of memory", what);
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    const json_t *s = json_array_get(arr, i);
    size_t got = 0;
    if (vc_hex_decode(json_string_value(s), json_string_length(s), p->buf + off, total - off, &got) != VC_OK)
      return vc_fail(err, VC_ERR_INPUT, "%s[%zu]: not 0x-prefixed even-length hex", what, i);
    p->nodes[i] = vc_bytes_of(p->buf + off, got);
    off += got;
  }
  p->n = n;
  return VC_OK;
}

/* A JSON string field as text; NULL when absent or not a string. */
static const char *str_field(const json_t *obj, const char *name, size_t *len) {
  const json_t *v = json_object_get(obj, name);
  if (!json_is_string(v)) return NULL;
  *len = json_string_length(v);
  return json_string_value(v);
}

/* QUANTITY field -> 32 big-endian bytes. */
static vc_status quantity32(const json_t *obj, const char *name, uint8_t out[32], vc_err *err) {
  size_t sl = 0, n = 0;
  const char *s = str_field(obj, name, &sl);
  uint8_t be[32];
  if (!s || vc_hex_quantity(s, sl, be, &n) != VC_OK)
    return vc_fail(err, VC_ERR_INPUT, "%s: missing or not a QUANTITY", name);
  memset(out, 0, 32);
  memcpy(out + 32 - n, be, n);
  return VC_OK;
}

static vc_status hash32(const json_t *obj, const char *name, uint8_t out[32], vc_err *err) {
  size_t sl = 0;
  const char *s = str_field(obj, name, &sl);
  if (!s || vc_hex_decode_fixed(s, sl, out, 32) != VC_OK)
    return vc_fail(err, VC_ERR_INPUT, "%s: missing or not 32 bytes of hex", name);
  return VC_OK;
}

/* The account as the JSON claims it. */
typedef struct {
  uint8_t nonce[32], balance[32], storage_root[32], code_hash[32];
} claimed_account;

typedef vc_status (*field_parser)(const json_t *, const char *, uint8_t[32], vc_err *);

static const struct {
  const char *name;
  field_parser parse;
  size_t off;
} claimed_fields[] = {
    {"nonce", quantity32, offsetof(claimed_account, nonce)},
    {"balance", quantity32, offsetof(claimed_account, balance)},
    {"storageHash", hash32, offsetof(claimed_account, storage_root)},
    {"codeHash", hash32, offsetof(claimed_account, code_hash)},
};

/* Decode the account leaf value rlp([nonce, balance, storageRoot, codeHash]). */
static vc_status decode_account(vc_bytes value, vc_account *a, vc_err *err) {
  vc_rlp_item top, items[4];
  size_t n = 0;
  vc_err sub;
  vc_status st = vc_rlp_decode(value, &top, &sub);
  if (st == VC_OK && !top.is_list) st = vc_fail(&sub, VC_ERR_INPUT, "not a list");
  if (st == VC_OK) st = vc_rlp_list_items(top.payload, items, 4, &n, &sub);
  if (st == VC_OK && n != 4) st = vc_fail(&sub, VC_ERR_INPUT, "%zu fields (want 4)", n);
  if (st == VC_OK) st = vc_rlp_uint(&items[0], &a->nonce, &sub);
  if (st == VC_OK) st = vc_rlp_uint256(&items[1], a->balance, &sub);
  for (size_t i = 2; st == VC_OK && i < 4; i++) {
    if (items[i].is_list || items[i].payload.len != 32)
      st = vc_fail(&sub, VC_ERR_INPUT, "field %zu is not 32 bytes", i);
  }
  if (st != VC_OK) return vc_fail(err, st, "proven account: %s", sub.msg);
  memcpy(a->storage_root, items[2].payload.ptr, 32);
  memcpy(a->code_hash, items[3].payload.ptr, 32);
  a->exists = true;
  return VC_OK;
}

static bool is_empty_or_zero(const uint8_t h[32], const uint8_t empty[32]) {
  return memcmp(h, empty, 32) == 0 || memcmp(h, zero32, 32) == 0;
}

static vc_status compare_claims(const claimed_account *c, const vc_account *a, vc_err *err) {
  uint8_t nonce_be[32] = {0};
  for (int i = 0; i < 8; i++) nonce_be[31 - i] = (uint8_t)(a->nonce >> (8 * i));
  if (memcmp(c->nonce, nonce_be, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "claimed nonce differs from the proven one");
  if (memcmp(c->balance, a->balance, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "claimed balance differs from the proven one");
  if (a->exists) {
    if (memcmp(c->storage_root, a->storage_root, 32) != 0)
      return vc_fail(err, VC_ERR_MISMATCH, "claimed storageHash differs from the proven one");
    if (memcmp(c->code_hash, a->code_hash, 32) != 0)
      return vc_fail(err, VC_ERR_MISMATCH, "claimed codeHash differs from the proven one");
    return VC_OK;
  }
  /* Absent account: reth and Infura report the empty code hash and empty trie root;
   * geth (since 1.13.4, go-ethereum#28357/#28441), erigon and Alchemy report all-zero
   * hashes. Both mean "nothing here"; anything else is a false claim. */
  if (!is_empty_or_zero(c->storage_root, vc_empty_trie_root))
    return vc_fail(err, VC_ERR_MISMATCH, "absent account claims a non-empty storageHash");
  if (!is_empty_or_zero(c->code_hash, vc_empty_code_hash))
    return vc_fail(err, VC_ERR_MISMATCH, "absent account claims a non-empty codeHash");
  return VC_OK;
}

vc_status vc_verify_account_proof(const json_t *proof_result, const uint8_t state_root[32],
                                  const uint8_t address[20], vc_account *out, vc_err *err) {
  proof_nodes p = {0};
  vc_status st = VC_OK;
  memset(out, 0, sizeof *out);
  if (!json_is_object(proof_result)) {
    st = vc_fail(err, VC_ERR_INPUT, "eth_getProof result is not an object");
    goto out;
  }
  size_t sl = 0;
  const char *s = str_field(proof_result, "address", &sl);
  uint8_t claimed_addr[20];
  if (!s || vc_hex_decode_fixed(s, sl, claimed_addr, 20) != VC_OK) {
    st = vc_fail(err, VC_ERR_INPUT, "address: missing or not 20 bytes of hex");
    goto out;
  }
  if (memcmp(claimed_addr, address, 20) != 0) {
    st = vc_fail(err, VC_ERR_MISMATCH, "proof is for another address");
    goto out;
  }
  claimed_account claim;
  for (size_t i = 0; i < sizeof claimed_fields / sizeof claimed_fields[0]; i++) {
    st = claimed_fields[i].parse(proof_result, claimed_fields[i].name,
                                 (uint8_t *)&claim + claimed_fields[i].off, err);
    if (st != VC_OK) goto out;
  }
  st = load_proof(json_object_get(proof_result, "accountProof"), "accountProof", &p, err);
  if (st != VC_OK) goto out;
  uint8_t path[32];
  vc_keccak256(address, 20, path);
  vc_bytes value;
  vc_err sub;
  st = vc_mpt_verify(state_root, path, 32, p.nodes, p.n, &value, &sub);
  if (st != VC_OK) {
    vc_fail(err, st, "accountProof: %s", sub.msg);
    goto out;
  }
  if (value.len) {
    st = decode_account(value, out, err);
    if (st != VC_OK) goto out;
  } else {
    memcpy(out->storage_root, vc_empty_trie_root, 32);
    memcpy(out->code_hash, vc_empty_code_hash, 32);
  }
  st = compare_claims(&claim, out, err);
out:
  proof_nodes_free(&p);
  if (st != VC_OK) memset(out, 0, sizeof *out);
  return st;
}

/* A number as upstreams write storage keys and values: QUANTITY ("0x0", "0x38") or DATA
 * of 1..32 bytes ("0x00", 32 zero-padded bytes); left-padded to 32 bytes. Both spellings
 * name the same number, so accepting both cannot change what is proven. */
static vc_status word32(const json_t *obj, const char *name, uint8_t out[32]) {
  size_t sl = 0, n = 0;
  const char *s = str_field(obj, name, &sl);
  uint8_t be[32];
  if (!s) return VC_ERR_INPUT;
  bool data = vc_hex_decode(s, sl, be, 32, &n) == VC_OK && n > 0;
  if (!data && vc_hex_quantity(s, sl, be, &n) != VC_OK) return VC_ERR_INPUT;
  memset(out, 0, 32);
  memcpy(out + 32 - n, be, n);
  return VC_OK;
}

/* Verify one storageProof entry; on success *value is the proven value (32 bytes). */
static vc_status verify_slot(const json_t *entry, size_t idx, const uint8_t root[32],
                             uint8_t slot_out[32], uint8_t value_out[32], vc_err *err) {
  proof_nodes p = {0};
  vc_status st = VC_OK;
  vc_err sub;
  if (!json_is_object(entry) || word32(entry, "key", slot_out) != VC_OK) {
    st = vc_fail(err, VC_ERR_INPUT, "storageProof[%zu]: missing or bad key", idx);
    goto out;
  }
  uint8_t claimed[32];
  if (word32(entry, "value", claimed) != VC_OK) {
    st = vc_fail(err, VC_ERR_INPUT, "storageProof[%zu]: missing or bad value", idx);
    goto out;
  }
  st = load_proof(json_object_get(entry, "proof"), "proof", &p, &sub);
  if (st != VC_OK) {
    vc_fail(err, st, "storageProof[%zu]: %s", idx, sub.msg);
    goto out;
  }
  uint8_t path[32];
  vc_keccak256(slot_out, 32, path);
  vc_bytes value;
  st = vc_mpt_verify(root, path, 32, p.nodes, p.n, &value, &sub);
  if (st != VC_OK) {
    vc_fail(err, st, "storageProof[%zu]: %s", idx, sub.msg);
    goto out;
  }
  memset(value_out, 0, 32);
  if (value.len) {
    vc_rlp_item it;
    st = vc_rlp_decode(value, &it, &sub);
    if (st == VC_OK) st = vc_rlp_uint256(&it, value_out, &sub);
    if (st == VC_OK && it.payload.len == 0) st = vc_fail(&sub, VC_ERR_INPUT, "stored zero");
    if (st != VC_OK) {
      vc_fail(err, st, "storageProof[%zu]: proven value: %s", idx, sub.msg);
      goto out;
    }
  }
  if (memcmp(claimed, value_out, 32) != 0)
    st = vc_fail(err, VC_ERR_MISMATCH, "storageProof[%zu]: claimed value differs from the proven one", idx);
out:
  proof_nodes_free(&p);
  return st;
}

vc_status vc_verify_storage_proofs(const json_t *proof_result, const vc_account *acct,
                                   const uint8_t (*slots)[32], size_t nslots,
                                   uint8_t (*values_out)[32], vc_err *err) {
  const json_t *arr = json_object_get(proof_result, "storageProof");
  if (!json_is_array(arr)) return vc_fail(err, VC_ERR_INPUT, "storageProof: missing or not an array");
  size_t n = json_array_size(arr);
  if (n > VC_PROOF_MAX_STORAGE || nslots > VC_PROOF_MAX_STORAGE)
    return vc_fail(err, VC_ERR_LIMIT, "storageProof: more than %d entries", VC_PROOF_MAX_STORAGE);
  uint8_t seen[VC_PROOF_MAX_STORAGE] = {0};
  for (size_t i = 0; i < n; i++) {
    uint8_t slot[32], value[32];
    vc_status st = verify_slot(json_array_get(arr, i), i, acct->storage_root, slot, value, err);
    if (st != VC_OK) return st;
    for (size_t j = 0; j < nslots; j++) {
      if (memcmp(slots[j], slot, 32) != 0) continue;
      memcpy(values_out[j], value, 32);
      seen[j] = 1;
    }
  }
  for (size_t j = 0; j < nslots; j++) {
    if (!seen[j]) return vc_fail(err, VC_ERR_MISSING, "storageProof: requested slot %zu is not proven", j);
  }
  return VC_OK;
}

vc_status vc_verify_code(const uint8_t code_hash[32], const uint8_t *code, size_t len, vc_err *err) {
  uint8_t h[32];
  vc_keccak256(code, len, h);
  if (memcmp(h, code_hash, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "code does not hash to the account's codeHash");
  return VC_OK;
}
