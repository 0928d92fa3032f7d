/*
 * bn254_consts.c: the fixed numbers of BN254 (alt_bn128) the in-tree precompiles
 * need, in the representation the code uses (little-endian 64-bit limbs; Montgomery
 * form with R = 2^256 unless a comment says "not Montgomery").
 *
 * They were computed with Python big integers from the curve definition: p and r as
 * the polynomials 36x^4 + 36x^3 + 24x^2 + 6x + 1 and 36x^4 + 36x^3 + 18x^2 + 6x + 1 in
 * x = 4965661367192848881 (both checked), xi = 9 + u, the twist coefficient 3 / xi,
 * and the G2 generator of EIP-197 (checked to lie on the twist). The unit tests check
 * them again indirectly: generators on the curves and of order r, Frobenius of order
 * 12, bilinear pairings. Read-only data shared by all callers.
 */
#include "core/evm/bn254.h"

/* p (not Montgomery) */
const bn_fp bn_fp_p = {{0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL}};

/* R^2 mod p, R = 2^256: converts into Montgomery form */
const bn_fp bn_fp_r2 = {{0xf32cfc5b538afa89ULL, 0xb5e71911d44501fbULL, 0x47ab1eff0a417ff6ULL, 0x06d89f71cab8351fULL}};

/* 1 in Montgomery form (= R mod p) */
const bn_fp bn_fp_one = {{0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL, 0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL}};

/* p - 2: Fermat inversion exponent (not Montgomery) */
const bn_fp bn_exp_p_minus_2 = {{0x3c208c16d87cfd45ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL}};

/* r, the order of G1 and G2 (not Montgomery) */
const bn_fp bn_order_r = {{0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL}};

/* b' = 3 / (9 + u), the twist coefficient */
const bn_fp2 bn_twist_b = {{{0x3bf938e377b802a8ULL, 0x020b1b273633535dULL, 0x26b7edf049755260ULL, 0x2514c6324384a86dULL}},
                           {{0x38e7ecccd1dcff67ULL, 0x65f0b37d93ce0d3eULL, 0xd749d0dd22ac00aaULL, 0x0141b9ce4a688d4dULL}}};

/* 3 b' = 9 / (9 + u), used by the projective doubling */
const bn_fp2 bn_twist_b3 = {{{0x3baa927cb62e0d6aULL, 0xd71e7c52d1b664fdULL, 0x03873e63d95d4664ULL, 0x0e75b5b1082ab8f4ULL}},
                            {{0xaab7c6667596fe35ULL, 0x31d21a78bb6a27baULL, 0x85dd7297680401ffULL, 0x03c52d6adf39a7e9ULL}}};

/* xi^(k (p - 1) / 6) for k = 1..5: Frobenius on Fp12 (w^k) and psi on the twist */
const bn_fp2 bn_frob_gamma[6] = {
    {{{0, 0, 0, 0}}, {{0, 0, 0, 0}}}, /* unused */
    {{{0xaf9ba69633144907ULL, 0xca6b1d7387afb78aULL, 0x11bded5ef08a2087ULL, 0x02f34d751a1f3a7cULL}},
     {{0xa222ae234c492d72ULL, 0xd00f02a4565de15bULL, 0xdc2ff3a253dfc926ULL, 0x10a75716b3899551ULL}}},
    {{{0xb5773b104563ab30ULL, 0x347f91c8a9aa6454ULL, 0x7a007127242e0991ULL, 0x1956bcd8118214ecULL}},
     {{0x6e849f1ea0aa4757ULL, 0xaa1c7b6d89f89141ULL, 0xb6e713cdfae0ca3aULL, 0x26694fbb4e82ebc3ULL}}},
    {{{0xe4bbdd0c2936b629ULL, 0xbb30f162e133bacbULL, 0x31a9d1b6f9645366ULL, 0x253570bea500f8ddULL}},
     {{0xa1d77ce45ffe77c7ULL, 0x07affd117826d1dbULL, 0x6d16bd27bb7edc6bULL, 0x2c87200285defeccULL}}},
    {{{0x7361d77f843abe92ULL, 0xa5bb2bd3273411fbULL, 0x9c941f314b3e2399ULL, 0x15df9cddbb9fd3ecULL}},
     {{0x5dddfd154bd8c949ULL, 0x62cb29a5a4445b60ULL, 0x37bc870a0c7dd2b9ULL, 0x24830a9d3171f0fdULL}}},
    {{{0xc970692f41690fe7ULL, 0xe240342127694b0bULL, 0x32bee66b83c459e8ULL, 0x12aabced0ab08841ULL}},
     {{0x0d485d2340aebfa9ULL, 0x05193418ab2fcc57ULL, 0xd3b0a40b8a4910f5ULL, 0x2f21ebb535d2925aULL}}}
};

/* the EIP-197 G2 generator: x.c0, x.c1, y.c0, y.c1 (not Montgomery) */
const bn_fp bn_g2_gen_coords[4] = {
    {{0x46debd5cd992f6edULL, 0x674322d4f75edaddULL, 0x426a00665e5c4479ULL, 0x1800deef121f1e76ULL}},
    {{0x97e485b7aef312c2ULL, 0xf1aa493335a9e712ULL, 0x7260bfb731fb5d25ULL, 0x198e9393920d483aULL}},
    {{0x4ce6cc0166fa7daaULL, 0xe3d1e7690c43d37bULL, 0x4aab71808dcb408fULL, 0x12c85ea5db8c6debULL}},
    {{0x55acdadcd122975bULL, 0xbc4b313370b38ef3ULL, 0xec9e99ad690c3395ULL, 0x090689d0585ff075ULL}}
};

/* 6x + 2 = 0x19d797039be763ba8 in non-adjacent form, most significant digit first
 * (22 non-zero digits instead of the 37 one bits of its binary form) */
const int8_t bn_ate_naf[BN_ATE_NAF_LEN] = {
    1, 0, -1, 0, 1, 0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, 1, 0, -1, 0, 0, -1, 0, 0, 0, 0, 0,
    1, 0, 0, -1, 0, 1, 0, 0, -1, 0, 0, 0, 0, -1, 0, 1, 0, 0, 0, -1, 0, -1, 0, 0, 1, 0, 0, 0,
    -1, 0, 0, -1, 0, 1, 0, 1, 0, 0, 0};
