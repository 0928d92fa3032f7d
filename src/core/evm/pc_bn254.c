/*
 * pc_bn254.c: the bn254 (alt_bn128) precompiles 0x06 ECADD, 0x07 ECMUL, 0x08 ECPAIRING.
 *
 * Placeholder so the interpreter links: every run function refuses its input for now.
 * The in-tree curve arithmetic replaces this file before the branch is finished.
 */
#include "core/evm/precompile.h"

uint64_t evm_pc_bn254_add_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  (void)len;
  return fork >= EVM_ISTANBUL ? 150 : 500;
}

evm_pc_status evm_pc_bn254_add(const uint8_t *in, size_t len, evm_fork fork,
                               evm_pc_out *out) {
  (void)in;
  (void)len;
  (void)fork;
  out->data = NULL;
  out->len = 0;
  return EVM_PC_ERROR;
}

uint64_t evm_pc_bn254_mul_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  (void)len;
  return fork >= EVM_ISTANBUL ? 6000 : 40000;
}

evm_pc_status evm_pc_bn254_mul(const uint8_t *in, size_t len, evm_fork fork,
                               evm_pc_out *out) {
  (void)in;
  (void)len;
  (void)fork;
  out->data = NULL;
  out->len = 0;
  return EVM_PC_ERROR;
}

uint64_t evm_pc_bn254_pairing_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  uint64_t k = len / 192;
  return fork >= EVM_ISTANBUL ? 45000 + 34000 * k : 100000 + 80000 * k;
}

evm_pc_status evm_pc_bn254_pairing(const uint8_t *in, size_t len, evm_fork fork,
                                   evm_pc_out *out) {
  (void)in;
  (void)len;
  (void)fork;
  out->data = NULL;
  out->len = 0;
  return EVM_PC_ERROR;
}
