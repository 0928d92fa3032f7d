/*
 * precompile.c: the table of precompiled contracts (see precompile.h).
 *
 * One row per contract, in address order; adding a precompile is adding a row here
 * and its two functions in the family's file. Lookup is a range check on the 18 high
 * address bytes, then a scan of at most a few dozen rows.
 */
#include "core/evm/precompile.h"

#include <string.h>

#define ROW(a, f, n) {a, f, #n, evm_pc_##n##_gas, evm_pc_##n}

static const evm_precompile table[] = {
    ROW(0x01, EVM_FRONTIER, ecrecover),
    ROW(0x02, EVM_FRONTIER, sha256),
    ROW(0x03, EVM_FRONTIER, ripemd160),
    ROW(0x04, EVM_FRONTIER, identity),
    ROW(0x05, EVM_BYZANTIUM, modexp),
    ROW(0x06, EVM_BYZANTIUM, bn254_add),
    ROW(0x07, EVM_BYZANTIUM, bn254_mul),
    ROW(0x08, EVM_BYZANTIUM, bn254_pairing),
    ROW(0x09, EVM_ISTANBUL, blake2f),
    ROW(0x0a, EVM_CANCUN, kzg_point_eval),
    ROW(0x0b, EVM_PRAGUE, bls_g1add),
    ROW(0x0c, EVM_PRAGUE, bls_g1msm),
    ROW(0x0d, EVM_PRAGUE, bls_g2add),
    ROW(0x0e, EVM_PRAGUE, bls_g2msm),
    ROW(0x0f, EVM_PRAGUE, bls_pairing),
    ROW(0x10, EVM_PRAGUE, bls_map_fp_to_g1),
    ROW(0x11, EVM_PRAGUE, bls_map_fp2_to_g2),
    ROW(0x100, EVM_OSAKA, p256verify),
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

const evm_precompile *evm_precompile_find(const uint8_t addr[20], evm_fork fork) {
  static const uint8_t zeros[18];
  if (memcmp(addr, zeros, sizeof(zeros)) != 0) return NULL;
  uint16_t a = (uint16_t)((addr[18] << 8) | addr[19]);
  for (size_t i = 0; i < TABLE_LEN; i++) {
    if (table[i].addr == a) return fork >= table[i].since ? &table[i] : NULL;
    if (table[i].addr > a) break;
  }
  return NULL;
}

int evm_is_precompile(const uint8_t addr[20], evm_fork fork) {
  return evm_precompile_find(addr, fork) != NULL;
}
