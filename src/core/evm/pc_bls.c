/*
 * pc_bls.c: EIP-2537 BLS12-381 precompiles 0x0b..0x11 (placeholder so the table links;
 * replaced by the real implementation on this branch).
 */
#include "core/evm/precompile.h"

#define PLACEHOLDER(n)                                                                \
  uint64_t evm_pc_##n##_gas(const uint8_t *in, size_t len, evm_fork fork) {           \
    (void)in; (void)len; (void)fork;                                                  \
    return EVM_PC_GAS_MAX;                                                            \
  }                                                                                   \
  evm_pc_status evm_pc_##n(const uint8_t *in, size_t len, evm_fork fork,              \
                           evm_pc_out *out) {                                         \
    (void)in; (void)len; (void)fork;                                                  \
    out->data = NULL; out->len = 0;                                                   \
    return EVM_PC_ERROR;                                                              \
  }

PLACEHOLDER(bls_g1add)
PLACEHOLDER(bls_g1msm)
PLACEHOLDER(bls_g2add)
PLACEHOLDER(bls_g2msm)
PLACEHOLDER(bls_pairing)
PLACEHOLDER(bls_map_fp_to_g1)
PLACEHOLDER(bls_map_fp2_to_g2)
