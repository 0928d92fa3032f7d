/*
 * fuzz_evm.c: libFuzzer harness for the EVM interpreter: random bytecode under a gas cap.
 *
 * Input layout: byte 0 picks the fork (Cancun, Prague, Osaka) and whether the code runs
 * as a call or as initcode (a creation); byte 1 scales the gas limit (up to
 * FUZZ_EVM_MAX_GAS, so one input stays fast); bytes 2-3 give the calldata length taken
 * from the tail; the rest is the code. The code is put at a contract that also has a
 * few storage slots, and a second contract at FUZZ_EVM_PEER runs the same code, so
 * CALL/DELEGATECALL/STATICCALL/CREATE into it exercise frames. One transaction runs
 * through evm_execute_tx; the harness checks the result's own invariants (gas used
 * within the limit, a status in range, no output on a halt, no logs unless success)
 * and frees everything (LeakSanitizer catches what is not). Crashes, UB and leaks are
 * the findings; any outcome of the program itself is fine.
 */
#include <stdlib.h>
#include <string.h>

#include "core/evm/evm.h"

#define FUZZ_EVM_MAX_GAS 2000000ull
#define FUZZ_EVM_MAX_CODE 24576u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t FUZZ_EVM_CONTRACT[20] = {0xc0, 0xde, [19] = 0x01};
static const uint8_t FUZZ_EVM_PEER[20] = {0xc0, 0xde, [19] = 0x02};
static const uint8_t FUZZ_EVM_CALLER[20] = {0x10, [19] = 0x01};
static const evm_fork fuzz_forks[] = {EVM_CANCUN, EVM_PRAGUE, EVM_OSAKA};

static int setup(evm_state *s, const uint8_t *code, size_t len) {
  vc_err err;
  vc_u256 rich = {{0, 0, 1, 0}}, some = {{1000000, 0, 0, 0}};
  uint8_t key[32] = {0}, val[32] = {0};
  if (evm_state_put_account(s, FUZZ_EVM_CALLER, &rich, 0, NULL, &err) != VC_OK ||
      evm_state_put_account(s, FUZZ_EVM_CONTRACT, &some, 1, NULL, &err) != VC_OK ||
      evm_state_put_account(s, FUZZ_EVM_PEER, &some, 1, NULL, &err) != VC_OK)
    return -1;
  if (len && (evm_state_set_code(s, FUZZ_EVM_CONTRACT, code, len, &err) != VC_OK ||
              evm_state_set_code(s, FUZZ_EVM_PEER, code, len, &err) != VC_OK))
    return -1;
  for (uint8_t k = 0; k < 4; k++) {
    key[31] = k;
    val[31] = (uint8_t)(k + 1);
    if (evm_state_put_slot(s, FUZZ_EVM_CONTRACT, key, val, &err) != VC_OK) return -1;
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  evm_fork fork = fuzz_forks[(data[0] & 0x7f) % 3];
  bool create = data[0] & 0x80;
  uint64_t gas = 21000 + FUZZ_EVM_MAX_GAS * data[1] / 255;
  size_t cd_len = (size_t)(data[2] << 8 | data[3]);
  const uint8_t *code = data + 4;
  size_t code_len = size - 4;
  if (cd_len > code_len) cd_len = code_len;
  code_len -= cd_len;
  const uint8_t *calldata = code + code_len;
  if (code_len > FUZZ_EVM_MAX_CODE) code_len = FUZZ_EVM_MAX_CODE;

  evm_state *s = evm_state_new(EVM_STATE_COMPLETE);
  if (!s) return 0;
  if (setup(s, code, code_len) != 0) abort(); /* a small valid state must be accepted */
  evm_block b = {.fork = fork, .number = 100, .timestamp = 1700000000, .gas_limit = 60000000,
                 .chain_id = 1};
  b.coinbase[0] = 0xcb;
  evm_blob_base_fee(0, fork, &b.blob_base_fee);
  evm_tx tx = {.type = 2, .gas_limit = gas, .nonce = 0, .create = create};
  memcpy(tx.from, FUZZ_EVM_CALLER, 20);
  memcpy(tx.to, FUZZ_EVM_CONTRACT, 20);
  if (create) {
    tx.data = code; /* the code runs as initcode */
    tx.data_len = code_len;
  } else {
    tx.data = calldata;
    tx.data_len = cd_len;
  }
  evm_result r;
  memset(&r, 0, sizeof r);
  if (evm_execute_tx(s, &b, &tx, &r) == VC_OK) {
    if (r.status > EVM_MISSING) abort();
    if (r.status != EVM_INVALID_TX && r.gas_used > gas) abort();
    if (r.status == EVM_HALT && r.output_len) abort();
    if (r.status != EVM_SUCCESS && r.n_logs) abort();
    if (r.status == EVM_MISSING) abort(); /* a complete state never misses anything */
  }
  evm_result_free(&r);
  evm_state_free(s);
  return 0;
}
