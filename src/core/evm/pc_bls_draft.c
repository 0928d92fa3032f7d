/*
 * pc_bls_draft.c: the draft EIP-2537 rows for the stEIP2537 state tests (see
 * pc_bls_draft.h for why they exist and where they differ from mainnet). Gas constants
 * and the discount table are those of go-ethereum at a208e725 (params/protocol_params.go,
 * Bls12381*Gas and Bls12381MultiExpDiscountTable), the client that filled the tests; the
 * arithmetic is pc_bls.c's. Conformance runs only.
 */
#include "core/evm/pc_bls_draft.h"

#include <string.h>

#define DRAFT_G1ADD_GAS 500
#define DRAFT_G1MUL_GAS 12000
#define DRAFT_G2ADD_GAS 800
#define DRAFT_G2MUL_GAS 45000
#define DRAFT_PAIRING_BASE_GAS 65000
#define DRAFT_PAIRING_PER_PAIR_GAS 43000
#define DRAFT_MAP_G1_GAS 5500
#define DRAFT_MAP_G2_GAS 75000
#define DRAFT_DISCOUNT_LEN 128
#define G1_PAIR 160
#define G2_PAIR 288
#define PAIRING_PAIR 384

static const uint16_t draft_discount[DRAFT_DISCOUNT_LEN] = {
    1200, 888, 764, 641, 594, 547, 500, 453, 438, 423, 408, 394, 379, 364, 349, 334, 330, 326, 322,
    318,  314, 310, 306, 302, 298, 294, 289, 285, 281, 277, 273, 269, 268, 266, 265, 263, 262, 260,
    259,  257, 256, 254, 253, 251, 250, 248, 247, 245, 244, 242, 241, 239, 238, 236, 235, 233, 232,
    231,  229, 228, 226, 225, 223, 222, 221, 220, 219, 219, 218, 217, 216, 216, 215, 214, 213, 213,
    212,  211, 211, 210, 209, 208, 208, 207, 206, 205, 205, 204, 203, 202, 202, 201, 200, 199, 199,
    198,  197, 196, 196, 195, 194, 193, 193, 192, 191, 191, 190, 189, 188, 188, 187, 186, 185, 185,
    184,  183, 182, 182, 181, 180, 179, 179, 178, 177, 176, 176, 175, 174};

_Static_assert(sizeof draft_discount / sizeof draft_discount[0] == DRAFT_DISCOUNT_LEN, "table length");

static uint64_t draft_msm_gas(size_t len, size_t per_pair, uint64_t mul_cost) {
  uint64_t k = len / per_pair;
  if (k == 0) return 0;
  uint64_t d = draft_discount[(k < DRAFT_DISCOUNT_LEN ? k : DRAFT_DISCOUNT_LEN) - 1];
  if (k > EVM_PC_GAS_MAX / (mul_cost * d)) return EVM_PC_GAS_MAX;
  return k * mul_cost * d / 1000;
}

static uint64_t g1add_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return DRAFT_G1ADD_GAS;
}

static uint64_t g1mul_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return DRAFT_G1MUL_GAS;
}

static uint64_t g2add_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return DRAFT_G2ADD_GAS;
}

static uint64_t g2mul_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return DRAFT_G2MUL_GAS;
}

static uint64_t map_g1_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return DRAFT_MAP_G1_GAS;
}

static uint64_t map_g2_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return DRAFT_MAP_G2_GAS;
}

static uint64_t g1msm_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)fork;
  return draft_msm_gas(len, G1_PAIR, DRAFT_G1MUL_GAS);
}

static uint64_t g2msm_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)fork;
  return draft_msm_gas(len, G2_PAIR, DRAFT_G2MUL_GAS);
}

static uint64_t pairing_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)fork;
  uint64_t k = len / PAIRING_PAIR;
  if (k > (EVM_PC_GAS_MAX - DRAFT_PAIRING_BASE_GAS) / DRAFT_PAIRING_PER_PAIR_GAS) return EVM_PC_GAS_MAX;
  return DRAFT_PAIRING_PER_PAIR_GAS * k + DRAFT_PAIRING_BASE_GAS;
}

/* The draft's single multiplications: exactly one MSM pair. */
static evm_pc_status g1mul(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  out->data = NULL;
  out->len = 0;
  if (len != G1_PAIR) return EVM_PC_ERROR;
  return evm_pc_bls_g1msm(in, len, fork, out);
}

static evm_pc_status g2mul(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  out->data = NULL;
  out->len = 0;
  if (len != G2_PAIR) return EVM_PC_ERROR;
  return evm_pc_bls_g2msm(in, len, fork, out);
}

static const evm_precompile draft_rows[] = {
    {0x0b, EVM_PRAGUE, "bls_g1add (draft)", g1add_gas, evm_pc_bls_g1add},
    {0x0c, EVM_PRAGUE, "bls_g1mul (draft)", g1mul_gas, g1mul},
    {0x0d, EVM_PRAGUE, "bls_g1msm (draft)", g1msm_gas, evm_pc_bls_g1msm},
    {0x0e, EVM_PRAGUE, "bls_g2add (draft)", g2add_gas, evm_pc_bls_g2add},
    {0x0f, EVM_PRAGUE, "bls_g2mul (draft)", g2mul_gas, g2mul},
    {0x10, EVM_PRAGUE, "bls_g2msm (draft)", g2msm_gas, evm_pc_bls_g2msm},
    {0x11, EVM_PRAGUE, "bls_pairing (draft)", pairing_gas, evm_pc_bls_pairing},
    {0x12, EVM_PRAGUE, "bls_map_fp_to_g1 (draft)", map_g1_gas, evm_pc_bls_map_fp_to_g1},
    {0x13, EVM_PRAGUE, "bls_map_fp2_to_g2 (draft)", map_g2_gas, evm_pc_bls_map_fp2_to_g2},
};

#define DRAFT_ROWS (sizeof draft_rows / sizeof draft_rows[0])

const evm_precompile *evm_pc_bls_draft_table(size_t *n) {
  *n = DRAFT_ROWS;
  return draft_rows;
}

const evm_precompile *evm_pc_bls_draft_find(const uint8_t addr[20]) {
  static const uint8_t zeros[19];
  if (memcmp(addr, zeros, sizeof zeros) != 0) return NULL;
  for (size_t i = 0; i < DRAFT_ROWS; i++)
    if (draft_rows[i].addr == addr[19]) return &draft_rows[i];
  return NULL;
}
