/*
 * pc_bls.c: the seven BLS12-381 precompiles of EIP-2537 (Prague), 0x0b..0x11: G1ADD,
 * G1MSM, G2ADD, G2MSM, PAIRING_CHECK, MAP_FP_TO_G1, MAP_FP2_TO_G2 (the table rows are in
 * precompile.c; semantics of gas and run functions in precompile.h).
 *
 * Gas follows the final EIP text (ethereum/EIPs EIPS/eip-2537.md, "Gas schedule"): fixed
 * 375 / 600 for the additions, 5500 / 23800 for the maps, 32600 k + 37700 for a pairing
 * check of k = floor(len / 384) pairs, and for an MSM of k = floor(len / LEN_PER_PAIR)
 * pairs k * mul_cost * discount(k) / 1000 (0 when k = 0), with mul_cost 12000 (G1) or
 * 22500 (G2) and the EIP's discount tables, whose last entry (519 for G1, 524 for G2)
 * applies to every k >= 128. Input length errors, invalid encodings, points off their
 * curve, and MSM or pairing points outside the subgroup make the call fail
 * (EVM_PC_ERROR); the curve work is done by src/core/bls/bls_evm.h. Outputs are
 * malloc'd here and owned by the caller.
 */
#include <stdlib.h>

#include "core/bls/bls_evm.h"
#include "core/evm/precompile.h"

#define G1ADD_GAS 375
#define G2ADD_GAS 600
#define G1MUL_GAS 12000
#define G2MUL_GAS 22500
#define PAIRING_PER_PAIR_GAS 32600
#define PAIRING_BASE_GAS 37700
#define MAP_G1_GAS 5500
#define MAP_G2_GAS 23800
#define MSM_MULTIPLIER 1000
#define MSM_DISCOUNT_LEN 128
#define PAIRING_OUT 32

/* discount(k) for k = 1..128 (index k - 1), EIP-2537 "G1 discounts" */
static const uint16_t g1_discount[MSM_DISCOUNT_LEN] = {
    1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677, 673, 669, 665,
    661,  658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627, 625, 623, 621, 619, 617, 615,
    613,  611, 609, 608, 606, 604, 603, 601, 599, 598, 596, 595, 593, 592, 591, 589, 588, 586, 585,
    584,  582, 581, 580, 579, 577, 576, 575, 574, 573, 572, 570, 569, 568, 567, 566, 565, 564, 563,
    562,  561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 551, 550, 549, 548, 547, 547, 546, 545,
    544,  543, 542, 541, 540, 540, 539, 538, 537, 536, 536, 535, 534, 533, 532, 532, 531, 530, 529,
    528,  528, 527, 526, 525, 525, 524, 523, 522, 522, 521, 520, 520, 519};

/* discount(k) for k = 1..128 (index k - 1), EIP-2537 "G2 discounts" */
static const uint16_t g2_discount[MSM_DISCOUNT_LEN] = {
    1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717, 711, 704, 699,
    693,  688,  683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646, 643, 640, 637, 634, 632, 629,
    627,  624,  622, 620, 618, 615, 613, 611, 609, 607, 606, 604, 602, 600, 598, 597, 595, 593, 592,
    590,  589,  587, 586, 584, 583, 582, 580, 579, 578, 576, 575, 574, 573, 571, 570, 569, 568, 567,
    566,  565,  563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 552, 551, 550, 549, 548,
    547,  546,  545, 545, 544, 543, 542, 541, 541, 540, 539, 538, 537, 537, 536, 535, 535, 534, 533,
    532,  532,  531, 530, 530, 529, 528, 528, 527, 526, 526, 525, 524, 524};

_Static_assert(sizeof g1_discount / sizeof g1_discount[0] == MSM_DISCOUNT_LEN, "G1 table length");
_Static_assert(sizeof g2_discount / sizeof g2_discount[0] == MSM_DISCOUNT_LEN, "G2 table length");

static uint64_t msm_gas(size_t len, size_t per_pair, uint64_t mul_cost, const uint16_t *discount) {
  uint64_t k = len / per_pair;
  if (k == 0) return 0;
  uint64_t d = discount[(k < MSM_DISCOUNT_LEN ? k : MSM_DISCOUNT_LEN) - 1];
  if (k > EVM_PC_GAS_MAX / (mul_cost * d)) return EVM_PC_GAS_MAX;
  return k * mul_cost * d / MSM_MULTIPLIER;
}

/* Hands buf to out on success, frees it otherwise; maps the core's status. */
static evm_pc_status finish(vc_status st, uint8_t *buf, size_t len, evm_pc_out *out) {
  if (st == VC_OK) {
    out->data = buf;
    out->len = len;
    return EVM_PC_OK;
  }
  free(buf);
  return st == VC_ERR_NOMEM ? EVM_PC_NOMEM : EVM_PC_ERROR;
}

/* Sets *out empty and allocates the output buffer; NULL when memory is short. */
static uint8_t *begin(evm_pc_out *out, size_t len) {
  out->data = NULL;
  out->len = 0;
  return malloc(len);
}

uint64_t evm_pc_bls_g1add_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return G1ADD_GAS;
}

evm_pc_status evm_pc_bls_g1add(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  vc_err err;
  uint8_t *buf = begin(out, BLS_EVM_G1);
  if (!buf) return EVM_PC_NOMEM;
  if (len != 2 * BLS_EVM_G1) return finish(VC_ERR_INPUT, buf, 0, out);
  return finish(bls_evm_g1_add(buf, in, in + BLS_EVM_G1, &err), buf, BLS_EVM_G1, out);
}

uint64_t evm_pc_bls_g2add_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return G2ADD_GAS;
}

evm_pc_status evm_pc_bls_g2add(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  vc_err err;
  uint8_t *buf = begin(out, BLS_EVM_G2);
  if (!buf) return EVM_PC_NOMEM;
  if (len != 2 * BLS_EVM_G2) return finish(VC_ERR_INPUT, buf, 0, out);
  return finish(bls_evm_g2_add(buf, in, in + BLS_EVM_G2, &err), buf, BLS_EVM_G2, out);
}

uint64_t evm_pc_bls_g1msm_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)fork;
  return msm_gas(len, BLS_EVM_G1_PAIR, G1MUL_GAS, g1_discount);
}

evm_pc_status evm_pc_bls_g1msm(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  vc_err err;
  uint8_t *buf = begin(out, BLS_EVM_G1);
  if (!buf) return EVM_PC_NOMEM;
  if (len == 0 || len % BLS_EVM_G1_PAIR) return finish(VC_ERR_INPUT, buf, 0, out);
  return finish(bls_evm_g1_msm(buf, in, len / BLS_EVM_G1_PAIR, &err), buf, BLS_EVM_G1, out);
}

uint64_t evm_pc_bls_g2msm_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)fork;
  return msm_gas(len, BLS_EVM_G2_PAIR, G2MUL_GAS, g2_discount);
}

evm_pc_status evm_pc_bls_g2msm(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  vc_err err;
  uint8_t *buf = begin(out, BLS_EVM_G2);
  if (!buf) return EVM_PC_NOMEM;
  if (len == 0 || len % BLS_EVM_G2_PAIR) return finish(VC_ERR_INPUT, buf, 0, out);
  return finish(bls_evm_g2_msm(buf, in, len / BLS_EVM_G2_PAIR, &err), buf, BLS_EVM_G2, out);
}

uint64_t evm_pc_bls_pairing_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)fork;
  uint64_t k = len / BLS_EVM_PAIRING_PAIR;
  if (k > (EVM_PC_GAS_MAX - PAIRING_BASE_GAS) / PAIRING_PER_PAIR_GAS) return EVM_PC_GAS_MAX;
  return PAIRING_PER_PAIR_GAS * k + PAIRING_BASE_GAS;
}

evm_pc_status evm_pc_bls_pairing(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  vc_err err;
  bool one = false;
  uint8_t *buf = begin(out, PAIRING_OUT);
  if (!buf) return EVM_PC_NOMEM;
  if (len == 0 || len % BLS_EVM_PAIRING_PAIR) return finish(VC_ERR_INPUT, buf, 0, out);
  vc_status st = bls_evm_pairing_check(&one, in, len / BLS_EVM_PAIRING_PAIR, &err);
  for (size_t i = 0; i < PAIRING_OUT; i++) buf[i] = 0;
  buf[PAIRING_OUT - 1] = one ? 1 : 0;
  return finish(st, buf, PAIRING_OUT, out);
}

uint64_t evm_pc_bls_map_fp_to_g1_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return MAP_G1_GAS;
}

evm_pc_status evm_pc_bls_map_fp_to_g1(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  vc_err err;
  uint8_t *buf = begin(out, BLS_EVM_G1);
  if (!buf) return EVM_PC_NOMEM;
  if (len != BLS_EVM_FP) return finish(VC_ERR_INPUT, buf, 0, out);
  return finish(bls_evm_map_fp_to_g1(buf, in, &err), buf, BLS_EVM_G1, out);
}

uint64_t evm_pc_bls_map_fp2_to_g2_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in, (void)len, (void)fork;
  return MAP_G2_GAS;
}

evm_pc_status evm_pc_bls_map_fp2_to_g2(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  vc_err err;
  uint8_t *buf = begin(out, BLS_EVM_G2);
  if (!buf) return EVM_PC_NOMEM;
  if (len != BLS_EVM_FP2) return finish(VC_ERR_INPUT, buf, 0, out);
  return finish(bls_evm_map_fp2_to_g2(buf, in, &err), buf, BLS_EVM_G2, out);
}
