/*
 * test_evm_tx.c: transaction-level rules of the EVM the Cancun state tests cannot reach:
 * EIP-7702 authorizations (Prague; signed here with libsecp256k1 over the EIP's own
 * message, keccak256(0x05 || rlp([chain_id, address, nonce]))), delegated code running
 * in the authority's context, EXTCODESIZE seeing the 23-byte designator, invalid tuples
 * skipped; and the EIP-7623 calldata floor (Prague) against Cancun's price.
 */
#include "testutil.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "core/evm/evm.h"
#include "core/keccak.h"

#define GAS 1000000ULL

static const uint8_t SENDER[20] = {0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51,
                                   0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51};
static const uint8_t TARGET[20] = {0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
                                   0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a};
static const uint8_t SECRET[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void authority_addr(uint8_t out[20]) {
  secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  secp256k1_pubkey pk;
  uint8_t pub[65], h[32];
  size_t n = sizeof pub;
  assert_true(secp256k1_ec_pubkey_create(ctx, &pk, SECRET));
  secp256k1_ec_pubkey_serialize(ctx, pub, &n, &pk, SECP256K1_EC_UNCOMPRESSED);
  vc_keccak256(pub + 1, 64, h);
  memcpy(out, h + 12, 20);
  secp256k1_context_destroy(ctx);
}

/* Sign (chain_id < 128, addr, nonce < 128) the way EIP-7702 says. */
static void sign_auth(evm_authorization *au, uint8_t chain_id, const uint8_t addr[20],
                      uint8_t nonce) {
  uint8_t msg[1 + 1 + 1 + 21 + 1], h[32], rs[64];
  size_t n = 0;
  msg[n++] = 0x05;
  msg[n++] = 0xc0 + 1 + 21 + 1; /* list of three items, 23 bytes */
  msg[n++] = chain_id ? chain_id : 0x80;
  msg[n++] = 0x94;
  memcpy(msg + n, addr, 20);
  n += 20;
  msg[n++] = nonce ? nonce : 0x80;
  vc_keccak256(msg, n, h);
  secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  secp256k1_ecdsa_recoverable_signature sig;
  int recid;
  assert_true(secp256k1_ecdsa_sign_recoverable(ctx, &sig, h, SECRET, NULL, NULL));
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, rs, &recid, &sig);
  secp256k1_context_destroy(ctx);
  memset(au, 0, sizeof *au);
  au->chain_id.w[0] = chain_id;
  memcpy(au->addr, addr, 20);
  au->nonce = nonce;
  au->y_parity = (uint8_t)recid;
  memcpy(au->r, rs, 32);
  memcpy(au->s, rs + 32, 32);
}

static evm_block prague(void) {
  evm_block b;
  memset(&b, 0, sizeof b);
  b.fork = EVM_PRAGUE;
  b.number = 1;
  b.gas_limit = 30000000;
  b.chain_id = 1;
  return b;
}

static evm_state *fresh(const uint8_t authority[20]) {
  evm_state *s = evm_state_new(EVM_STATE_COMPLETE);
  vc_u256 rich = {{0, 1, 0, 0}}, zero = {{0, 0, 0, 0}};
  vc_err err;
  /* TARGET: SSTORE(0, CALLER); SSTORE(1, ADDRESS) */
  static const uint8_t code[] = {0x33, 0x60, 0x00, 0x55, 0x30, 0x60, 0x01, 0x55, 0x00};
  assert_int_equal(evm_state_put_account(s, SENDER, &rich, 0, NULL, &err), VC_OK);
  assert_int_equal(evm_state_put_account(s, TARGET, &zero, 1, NULL, &err), VC_OK);
  assert_int_equal(evm_state_set_code(s, TARGET, code, sizeof code, &err), VC_OK);
  assert_int_equal(evm_state_put_account(s, authority, &rich, 0, NULL, &err), VC_OK);
  return s;
}

static void test_eip7702_delegation(void **state) {
  (void)state;
  uint8_t who[20];
  authority_addr(who);
  evm_state *s = fresh(who);
  evm_block b = prague();
  evm_authorization au[2];
  sign_auth(&au[0], 1, TARGET, 0);
  sign_auth(&au[1], 7, TARGET, 1); /* wrong chain: skipped */
  evm_tx t;
  memset(&t, 0, sizeof t);
  t.type = 4;
  memcpy(t.from, SENDER, 20);
  memcpy(t.to, who, 20); /* call the authority: runs TARGET's code in its context */
  t.gas_limit = GAS;
  t.auths = au;
  t.n_auths = 2;
  evm_result r;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.status, EVM_SUCCESS);
  evm_account_view a;
  assert_true(evm_state_get_account(s, who, &a));
  assert_int_equal(a.nonce, 1); /* one valid tuple */
  assert_int_equal(a.code_len, 23);
  assert_int_equal(a.code[0], 0xef);
  assert_int_equal(a.code[1], 0x01);
  assert_int_equal(a.code[2], 0x00);
  assert_memory_equal(a.code + 3, TARGET, 20);
  uint8_t key[32] = {0}, val[32];
  evm_state_get_slot(s, who, key, val);
  assert_memory_equal(val + 12, SENDER, 20); /* CALLER */
  key[31] = 1;
  evm_state_get_slot(s, who, key, val);
  assert_memory_equal(val + 12, who, 20); /* ADDRESS is the authority */
  /* intrinsic 21000 + 2 x 25000; TARGET's code 2 + 3 + 22100 (cold SSTORE, new value) +
   * 2 + 3 + 22100; the existing authority refunds 12500 (under the 1/5 cap) */
  assert_int_equal(r.gas_refund, 12500);
  assert_int_equal(r.gas_used, 71000 + 44210 - 12500);
  evm_result_free(&r);
  /* the sender cannot have code, but a delegated authority may send */
  memset(&t, 0, sizeof t);
  memcpy(t.from, who, 20);
  memcpy(t.to, TARGET, 20);
  t.nonce = 1;
  t.gas_limit = GAS;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.status, EVM_SUCCESS);
  evm_result_free(&r);
  /* a tuple whose nonce is stale changes nothing; clearing with address zero works */
  static const uint8_t zero20[20];
  sign_auth(&au[0], 0, zero20, 2);
  sign_auth(&au[1], 0, TARGET, 0);
  memset(&t, 0, sizeof t);
  t.type = 4;
  memcpy(t.from, SENDER, 20);
  memcpy(t.to, TARGET, 20);
  t.nonce = 1;
  t.gas_limit = GAS;
  t.auths = au;
  t.n_auths = 2;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.status, EVM_SUCCESS);
  assert_true(evm_state_get_account(s, who, &a));
  assert_int_equal(a.nonce, 3);
  assert_int_equal(a.code_len, 0);
  evm_result_free(&r);
  evm_state_free(s);
}

static void test_eip7702_invalid_tx(void **state) {
  (void)state;
  uint8_t who[20];
  authority_addr(who);
  evm_state *s = fresh(who);
  evm_block b = prague();
  evm_tx t;
  memset(&t, 0, sizeof t);
  t.type = 4;
  memcpy(t.from, SENDER, 20);
  memcpy(t.to, TARGET, 20);
  t.gas_limit = GAS;
  evm_result r;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.tx_error, EVM_TXERR_AUTH_EMPTY);
  evm_result_free(&r);
  b.fork = EVM_CANCUN;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.tx_error, EVM_TXERR_TYPE_NOT_SUPPORTED);
  evm_result_free(&r);
  evm_state_free(s);
}

/* 100 non-zero calldata bytes to a contract that stops: Cancun charges 21000 + 1600,
 * Prague the floor 21000 + 10 * 400 (EIP-7623). */
static void test_eip7623_floor(void **state) {
  (void)state;
  uint8_t who[20];
  authority_addr(who);
  evm_state *s = fresh(who);
  uint8_t data[100];
  memset(data, 0xab, sizeof data);
  evm_tx t;
  memset(&t, 0, sizeof t);
  memcpy(t.from, SENDER, 20);
  memcpy(t.to, who, 20); /* no code: plain transfer */
  t.gas_limit = GAS;
  t.data = data;
  t.data_len = sizeof data;
  evm_block b = prague();
  b.fork = EVM_CANCUN;
  evm_result r;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.gas_used, 22600);
  evm_result_free(&r);
  b.fork = EVM_PRAGUE;
  t.nonce = 1;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.gas_used, 25000);
  evm_result_free(&r);
  t.nonce = 2;
  t.gas_limit = 24999;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.status, EVM_INVALID_TX);
  assert_int_equal(r.tx_error, EVM_TXERR_FLOOR_GAS);
  evm_result_free(&r);
  evm_state_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_eip7702_delegation),
      cmocka_unit_test(test_eip7702_invalid_tx),
      cmocka_unit_test(test_eip7623_floor),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
