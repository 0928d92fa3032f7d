/*
 * fuzz_evm_partial.c: libFuzzer harness for the EVM over a *partial* state (the
 * gateway's mode): random bytecode as eth_call, then rounds of filling what it needed.
 *
 * Input: byte 0 picks the fork (Cancun, Prague, Osaka), byte 1 scales the gas cap, the
 * rest is the code, put at a known contract whose storage is unknown; the caller is
 * known, every other account, slot and block hash is not. Each round runs evm_call and
 * checks: VC_OK; a MISSING result names at least one need, carries no output and no
 * logs, and names nothing the host has already put; the state is left as it was (the
 * contract's fields and the slots put so far read back the same). The host then puts
 * every need (accounts as empty, slots and block hashes as derived bytes) and runs
 * again, at most FUZZ_PARTIAL_ROUNDS rounds. Crashes, UB and leaks are the findings.
 */
#include <stdlib.h>
#include <string.h>

#include "core/evm/evm.h"

#define FUZZ_PARTIAL_MAX_GAS 1000000ull
#define FUZZ_PARTIAL_MAX_CODE 24576u
#define FUZZ_PARTIAL_ROUNDS 6
#define FUZZ_PARTIAL_HASHES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t CONTRACT[20] = {0xc0, 0xde, [19] = 0x01};
static const uint8_t CALLER[20] = {0x10, [19] = 0x01};
static const evm_fork forks[] = {EVM_CANCUN, EVM_PRAGUE, EVM_OSAKA};

/* Put one need into the state; block hashes go to the host's table. */
static void fill(evm_state *s, const evm_need *n, evm_block_hash *hashes, size_t *n_hashes) {
  vc_err err;
  vc_u256 zero = {{0, 0, 0, 0}};
  uint8_t val[32] = {0};
  switch (n->kind) {
    case EVM_NEED_ACCOUNT:
      if (n->addr[19] & 1) {
        if (evm_state_put_absent(s, n->addr, &err) != VC_OK) abort();
      } else if (evm_state_put_account(s, n->addr, &zero, 1, NULL, &err) != VC_OK ||
                 evm_state_put_storage_complete(s, n->addr, &err) != VC_OK) {
        abort();
      }
      break;
    case EVM_NEED_SLOT:
      val[31] = n->key[31] ^ 0x5a;
      if (evm_state_put_slot(s, n->addr, n->key, val, &err) != VC_OK) abort();
      break;
    case EVM_NEED_CODE: abort(); /* every code put here is known */
    case EVM_NEED_BLOCK_HASH:
      if (*n_hashes < FUZZ_PARTIAL_HASHES) {
        hashes[*n_hashes].number = n->number;
        memset(hashes[*n_hashes].hash, (int)(n->number & 0xff), 32);
        (*n_hashes)++;
      }
      break;
  }
}

static void same_contract(const evm_state *s, const evm_account_view *before) {
  evm_account_view now;
  if (!evm_state_get_account(s, CONTRACT, &now)) abort();
  if (now.nonce != before->nonce || memcmp(&now.balance, &before->balance, 32) != 0 ||
      memcmp(now.code_hash, before->code_hash, 32) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  evm_fork fork = forks[data[0] % 3];
  uint64_t gas = 21000 + FUZZ_PARTIAL_MAX_GAS * data[1] / 255;
  size_t code_len = size - 2 > FUZZ_PARTIAL_MAX_CODE ? FUZZ_PARTIAL_MAX_CODE : size - 2;
  evm_state *s = evm_state_new(EVM_STATE_PARTIAL);
  if (!s) return 0;
  vc_err err;
  vc_u256 rich = {{0, 0, 1, 0}}, some = {{1000000, 0, 0, 0}};
  if (evm_state_put_account(s, CALLER, &rich, 0, NULL, &err) != VC_OK ||
      evm_state_put_account(s, CONTRACT, &some, 1, NULL, &err) != VC_OK ||
      (code_len && evm_state_set_code(s, CONTRACT, data + 2, code_len, &err) != VC_OK))
    abort();
  evm_account_view before;
  if (!evm_state_get_account(s, CONTRACT, &before)) abort();
  evm_block_hash hashes[FUZZ_PARTIAL_HASHES];
  size_t n_hashes = 0;
  evm_block b = {.fork = fork, .number = 100, .timestamp = 1700000000, .gas_limit = 60000000,
                 .chain_id = 1, .hashes = hashes};
  b.coinbase[0] = 0xcb;
  evm_tx tx = {.type = 2, .gas_limit = gas};
  memcpy(tx.from, CALLER, 20);
  memcpy(tx.to, CONTRACT, 20);
  for (int round = 0; round < FUZZ_PARTIAL_ROUNDS; round++) {
    b.n_hashes = n_hashes;
    evm_result r;
    if (evm_call(s, &b, &tx, gas, &r) != VC_OK) abort();
    same_contract(s, &before);
    if (r.status != EVM_MISSING) {
      evm_result_free(&r);
      break;
    }
    if (r.n_needs == 0 || r.output || r.n_logs) abort();
    for (size_t i = 0; i < r.n_needs; i++) {
      const evm_need *n = &r.needs[i];
      if (n->kind == EVM_NEED_BLOCK_HASH) {
        for (size_t k = 0; k < n_hashes; k++)
          if (hashes[k].number == n->number) abort(); /* asked again for a put hash */
      } else if (n->kind == EVM_NEED_ACCOUNT) {
        evm_account_view v;
        if (evm_state_get_account(s, n->addr, &v)) abort(); /* asked for a put account */
      }
      fill(s, n, hashes, &n_hashes);
    }
    evm_result_free(&r);
  }
  evm_state_free(s);
  return 0;
}
