/*
 * state_root.c: secure-trie state and storage roots and the logs hash (see state_root.h).
 *
 * Each root is one vc_trie builder filled with (keccak(key), rlp(value)) pairs and asked
 * for its root; the builder sorts and encodes bottom-up, so the record order does not
 * matter. After vc_trie_root the builder holds only the distinct live keys, which is
 * how duplicate records are caught: fewer keys than puts means two records shared one.
 * All memory is the builders' and is released before returning.
 */
#include "core/state_root.h"

#include <string.h>

#include "core/keccak.h"
#include "core/rlp.h"

const uint8_t vc_sr_empty_code_hash[32] = {
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70};

#define SR_SLOT_RLP_MAX 33 /* rlp of a 32-byte string: 0xa0 + 32 bytes */

vc_status vc_secure_trie_put(vc_trie *t, const uint8_t *key, size_t klen, const uint8_t *val,
                             size_t vlen, vc_err *err) {
  uint8_t hkey[32];
  vc_keccak256(key, klen, hkey);
  return vc_trie_put(t, hkey, sizeof hkey, val, vlen, err);
}

vc_status vc_storage_root(const vc_sr_slot *slots, size_t n, uint8_t root[32], vc_err *err) {
  vc_status st = VC_OK;
  vc_trie t;
  size_t puts = 0;
  vc_trie_init(&t);
  if (n > VC_SR_MAX_SLOTS) {
    st = vc_fail(err, VC_ERR_LIMIT, "storage root: %zu slots exceed the cap of %u", n,
                 VC_SR_MAX_SLOTS);
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    if (vc_u256_is_zero(&slots[i].value)) continue;
    uint8_t key[32], min[32], val[SR_SLOT_RLP_MAX];
    vc_u256_to_be(&slots[i].key, key);
    size_t ml = vc_u256_to_be_min(&slots[i].value, min);
    size_t vl;
    if (ml == 1 && min[0] < 0x80) {
      val[0] = min[0];
      vl = 1;
    } else {
      val[0] = (uint8_t)(0x80 + ml);
      memcpy(val + 1, min, ml);
      vl = ml + 1;
    }
    st = vc_secure_trie_put(&t, key, sizeof key, val, vl, err);
    if (st != VC_OK) goto out;
    puts++;
  }
  st = vc_trie_root(&t, root, err);
  if (st != VC_OK) goto out;
  if (t.n != puts)
    st = vc_fail(err, VC_ERR_INPUT, "storage root: %zu slot records name only %zu distinct slots",
                 puts, t.n);
out:
  vc_trie_free(&t);
  return st;
}

vc_status vc_account_rlp(uint64_t nonce, const vc_u256 *balance, const uint8_t storage_root[32],
                         const uint8_t code_hash[32], uint8_t out[VC_SR_ACCOUNT_RLP_MAX],
                         size_t *out_len, vc_err *err) {
  vc_rlp_buf b;
  uint8_t bal[32];
  vc_status st;
  vc_rlp_buf_init(&b, VC_SR_ACCOUNT_RLP_MAX);
  size_t mark = vc_rlp_list_begin(&b);
  vc_rlp_put_uint(&b, nonce);
  vc_u256_to_be(balance, bal);
  vc_rlp_put_uint_be(&b, bal, sizeof bal);
  vc_rlp_put_bytes(&b, storage_root, 32);
  vc_rlp_put_bytes(&b, code_hash, 32);
  vc_rlp_list_end(&b, mark);
  st = vc_rlp_buf_status(&b);
  if (st != VC_OK) {
    st = vc_fail(err, st, "account rlp: encoding failed (%s)", vc_status_name(st));
    goto out;
  }
  memcpy(out, b.buf, b.len);
  *out_len = b.len;
out:
  vc_rlp_buf_free(&b);
  return st;
}

vc_status vc_state_root(const vc_sr_account *accts, size_t n, uint8_t root[32], vc_err *err) {
  vc_status st = VC_OK;
  vc_trie t;
  vc_trie_init(&t);
  if (n > VC_SR_MAX_ACCOUNTS) {
    st = vc_fail(err, VC_ERR_LIMIT, "state root: %zu accounts exceed the cap of %u", n,
                 VC_SR_MAX_ACCOUNTS);
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    const vc_sr_account *a = &accts[i];
    uint8_t sroot[32], val[VC_SR_ACCOUNT_RLP_MAX];
    size_t vl;
    st = vc_storage_root(a->storage, a->n_storage, sroot, err);
    if (st != VC_OK) goto out;
    st = vc_account_rlp(a->nonce, &a->balance, sroot, a->code_hash, val, &vl, err);
    if (st != VC_OK) goto out;
    st = vc_secure_trie_put(&t, a->address, sizeof a->address, val, vl, err);
    if (st != VC_OK) goto out;
  }
  st = vc_trie_root(&t, root, err);
  if (st != VC_OK) goto out;
  if (t.n != n)
    st = vc_fail(err, VC_ERR_INPUT, "state root: %zu account records name only %zu addresses", n,
                 t.n);
out:
  vc_trie_free(&t);
  return st;
}

vc_status vc_logs_hash(const vc_sr_log *logs, size_t n, uint8_t out[32], vc_err *err) {
  vc_status st = VC_OK;
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, VC_SR_MAX_LOGS_RLP);
  if (n > VC_SR_MAX_LOGS) {
    st = vc_fail(err, VC_ERR_LIMIT, "logs hash: %zu logs exceed the cap of %u", n, VC_SR_MAX_LOGS);
    goto out;
  }
  size_t all = vc_rlp_list_begin(&b);
  for (size_t i = 0; i < n; i++) {
    const vc_sr_log *l = &logs[i];
    if (l->n_topics > VC_SR_MAX_TOPICS || l->data_len > VC_SR_MAX_LOG_DATA) {
      st = vc_fail(err, VC_ERR_LIMIT, "logs hash: log %zu has %zu topics and %zu data bytes "
                   "(caps %d and %zu)", i, l->n_topics, l->data_len, VC_SR_MAX_TOPICS,
                   VC_SR_MAX_LOG_DATA);
      goto out;
    }
    size_t one = vc_rlp_list_begin(&b);
    vc_rlp_put_bytes(&b, l->address, sizeof l->address);
    size_t tl = vc_rlp_list_begin(&b);
    for (size_t k = 0; k < l->n_topics; k++) vc_rlp_put_bytes(&b, l->topics[k], 32);
    vc_rlp_list_end(&b, tl);
    vc_rlp_put_bytes(&b, l->data, l->data_len);
    vc_rlp_list_end(&b, one);
  }
  vc_rlp_list_end(&b, all);
  st = vc_rlp_buf_status(&b);
  if (st != VC_OK) {
    st = vc_fail(err, st, "logs hash: encoding failed (%s; cap %zu bytes)", vc_status_name(st),
                 VC_SR_MAX_LOGS_RLP);
    goto out;
  }
  vc_keccak256(b.buf, b.len, out);
out:
  vc_rlp_buf_free(&b);
  return st;
}
