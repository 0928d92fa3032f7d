/*
 * pc_kzg.c: EIP-4844 point evaluation precompile 0x0a (placeholder so the table links;
 * replaced by the real implementation on this branch).
 */
#include "core/evm/precompile.h"

uint64_t evm_pc_kzg_point_eval_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in; (void)len; (void)fork;
  return EVM_PC_GAS_MAX;
}

evm_pc_status evm_pc_kzg_point_eval(const uint8_t *in, size_t len, evm_fork fork,
                                    evm_pc_out *out) {
  (void)in; (void)len; (void)fork;
  out->data = NULL; out->len = 0;
  return EVM_PC_ERROR;
}
