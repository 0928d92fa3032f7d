/*
 * fuzz_optx.c: libFuzzer harness for OP-stack deposits, OP receipts and game clone args.
 *
 * Input starting with '{' or '[' is JSON: a receipt list's root must not change when
 * the unproven L1 fee members are stripped, and a deposit/receipt object goes through
 * the tx encoder, the receipt encoder and the deposit-field rules. Any other input is
 * raw bytes: (1) as a raw transaction; a deposit that decodes must turn into JSON
 * that re-encodes to exactly the same bytes (the raw validator and the JSON encoder
 * walk one table and must agree), with "from" as its sender; (2) as a dispute-game
 * clone's code (its own keccak as the code hash): a parsed claim must come from inside
 * the code. Crashes, leaks and abort() on a broken property are findings.
 */
#include "core/hex.h"
#include "core/keccak.h"
#include "core/op.h"
#include "core/op_game.h"
#include "core/receipt.h"
#include "core/tx.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELD_HEX (2 * 65536 + 3) /* hex of one fuzzed deposit field */

static const struct {
  const char *key;
  char kind; /* h: DATA, q: QUANTITY, a: address or absent, b: bool */
} deposit_keys[] = {{"sourceHash", 'h'}, {"from", 'h'}, {"to", 'a'},         {"mint", 'q'},
                    {"value", 'q'},      {"gas", 'q'},  {"isSystemTx", 'b'}, {"input", 'h'}};

static json_t *deposit_json(const vc_tx_raw *tx) {
  json_t *o = json_object();
  char *s = malloc(MAX_FIELD_HEX);
  if (!o || !s) abort();
  json_object_set_new(o, "type", json_string("0x7e"));
  for (size_t i = 0; i < sizeof deposit_keys / sizeof deposit_keys[0]; i++) {
    vc_bytes p = tx->fields[i].payload;
    if (2 * p.len + 3 > MAX_FIELD_HEX) {
      json_decref(o);
      free(s);
      return NULL;
    }
    switch (deposit_keys[i].kind) {
    case 'b':
      json_object_set_new(o, deposit_keys[i].key, json_boolean(p.len == 1));
      continue;
    case 'a':
      if (!p.len) continue;
      vc_hex_encode(p.ptr, p.len, s);
      break;
    case 'h':
      vc_hex_encode(p.ptr, p.len, s);
      break;
    default:
      vc_hex_encode_quantity(p.ptr, p.len, s);
    }
    json_object_set_new(o, deposit_keys[i].key, json_string(s));
  }
  free(s);
  return o;
}

static void fuzz_raw_tx(const uint8_t *data, size_t size) {
  vc_tx_raw tx;
  vc_err err;
  uint8_t from[20];
  if (vc_tx_decode_raw(vc_bytes_of(data, size), &tx, &err) != VC_OK) return;
  if (tx.type != VC_TX_TYPE_DEPOSIT) return;
  if (vc_tx_sender_raw(&tx, from, &err) != VC_OK) abort(); /* unsigned: always known */
  if (memcmp(from, tx.fields[1].payload.ptr, 20) != 0) abort();
  json_t *j = deposit_json(&tx);
  if (!j) return;
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, VC_TX_MAX_BYTES);
  if (vc_tx_encode(j, &b, &err) != VC_OK) abort();
  if (b.len != size || memcmp(b.buf, data, size) != 0) abort();
  vc_rlp_buf_free(&b);
  json_decref(j);
}

static void fuzz_clone(const uint8_t *data, size_t size) {
  uint8_t h[32], l1[32];
  vc_op_claim c;
  vc_err err;
  memset(&c, 0, sizeof c);
  vc_keccak256(data, size, h);
  if (vc_op_claim_from_code(data, size, h, &c, l1, &err) != VC_OK) return;
  if (!memmem(data, size, c.root_claim, 32) || !memmem(data, size, l1, 32)) abort();
}

static void fuzz_json(json_t *j) {
  vc_err err;
  uint8_t a[32], b[32];
  if (json_is_array(j)) {
    if (vc_receipts_root(j, a, &err) != VC_OK) return;
    (void)vc_op_strip_unproven(j);
    if (vc_receipts_root(j, b, &err) != VC_OK || memcmp(a, b, 32) != 0) abort();
    return;
  }
  vc_rlp_buf rb;
  vc_rlp_buf_init(&rb, 1u << 20);
  (void)!vc_receipt_encode(j, &rb, &err);
  vc_rlp_buf_free(&rb);
  (void)!vc_tx_hash(j, a, &err);
  (void)!vc_op_check_deposit_fields(j, j, &err);
  (void)vc_op_strip_unproven(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size && (data[0] == '{' || data[0] == '[')) {
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    if (j) fuzz_json(j);
    json_decref(j);
    return 0;
  }
  fuzz_raw_tx(data, size);
  fuzz_clone(data, size);
  return 0;
}
