/*
 * pc_p256.c: P256VERIFY (0x100, EIP-7951, Osaka): ECDSA verification on secp256r1.
 *
 * Called through the precompile table (precompile.c); see precompile.h for the contract.
 * On a valid signature the run function returns the 32-byte word 1 in a malloc'd buffer
 * the caller frees; on anything else (wrong input length, r or s outside [1, n-1], a
 * coordinate not below p, a point off the curve or at infinity, a signature that does
 * not verify) it returns an empty output with success: the precompile never fails and
 * always costs 6900 gas.
 *
 * Input is exactly 160 bytes: h, r, s, qx, qy (32 bytes each, big-endian). The hash is
 * used whole (it is as wide as n) and is not required to be below n.
 *
 * The curve work is nettle's (nettle_get_secp_256r1, ecc_point_set, ecc_point_mul,
 * ecc_point_mul_g). nettle's ecc_point_set itself rejects coordinates >= p and points
 * off the curve; the EIP's range checks are done here too, before any of it, so this
 * file states the rules instead of relying on a library's. (0, 0), the EIP's encoding
 * of infinity, is not on the curve (b != 0) and is refused explicitly. nettle's
 * ecdsa_verify is not used: in 3.8 it rejects valid signatures where u1 G = u2 Q
 * (Wycheproof's "point duplication during verification" cases), so the final point
 * sum is done here in exact affine arithmetic (GMP), with a sum at infinity a failure.
 */
#include "core/evm/precompile.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>

#define P256_GAS 6900
#define P256_IN_LEN 160
#define P256_FIELD_LEN 32
#define P256_OUT_LEN 32

/* secp256r1 field modulus p and group order n, big-endian (EIP-7951, SP 800-186). */
static const uint8_t p256_p[P256_FIELD_LEN] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t p256_n[P256_FIELD_LEN] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

static int is_zero32(const uint8_t *x) {
  uint8_t acc = 0;
  for (int i = 0; i < P256_FIELD_LEN; i++) acc |= x[i];
  return acc == 0;
}

static int below(const uint8_t *x, const uint8_t *bound) {
  return memcmp(x, bound, P256_FIELD_LEN) < 0;
}

static void import32(mpz_t z, const uint8_t *p) { mpz_import(z, P256_FIELD_LEN, 1, 1, 1, 0, p); }

/* The EIP-7951 input checks that need no curve arithmetic. */
static int inputs_in_range(const uint8_t *in) {
  const uint8_t *r = in + 32, *s = in + 64, *qx = in + 96, *qy = in + 128;
  if (is_zero32(r) || !below(r, p256_n) || is_zero32(s) || !below(s, p256_n)) return 0;
  if (!below(qx, p256_p) || !below(qy, p256_p)) return 0;
  return !(is_zero32(qx) && is_zero32(qy)); /* the point at infinity */
}

/* Scratch numbers of one verification, initialised and cleared together. */
typedef struct {
  mpz_t h, r, s, x, y, n, p, u1, u2, x1, y1, x2, y2, lam, t;
} p256_nums;

#define P256_NUMS(w) \
  (w)->h, (w)->r, (w)->s, (w)->x, (w)->y, (w)->n, (w)->p, (w)->u1, (w)->u2, (w)->x1, \
      (w)->y1, (w)->x2, (w)->y2, (w)->lam, (w)->t

/* x of (x1, y1) + (x2, y2) into w->t; 0 when the sum is the point at infinity.
 * Affine, exact, and correct for P1 == P2 (doubling, with a = -3). */
static int affine_add_x(p256_nums *w) {
  if (mpz_cmp(w->x1, w->x2) == 0) {
    if (mpz_cmp(w->y1, w->y2) != 0) return 0; /* P2 = -P1 */
    mpz_mul(w->lam, w->x1, w->x1);             /* (3 x^2 - 3) / (2 y) */
    mpz_sub_ui(w->lam, w->lam, 1);
    mpz_mul_ui(w->lam, w->lam, 3);
    mpz_mul_2exp(w->t, w->y1, 1);
  } else {
    mpz_sub(w->lam, w->y2, w->y1); /* (y2 - y1) / (x2 - x1) */
    mpz_sub(w->t, w->x2, w->x1);
  }
  mpz_mod(w->t, w->t, w->p);
  if (!mpz_invert(w->t, w->t, w->p)) return 0; /* 2y = 0 cannot happen: n is odd */
  mpz_mul(w->lam, w->lam, w->t);
  mpz_mod(w->lam, w->lam, w->p);
  mpz_mul(w->t, w->lam, w->lam); /* x3 = lambda^2 - x1 - x2 */
  mpz_sub(w->t, w->t, w->x1);
  mpz_sub(w->t, w->t, w->x2);
  mpz_mod(w->t, w->t, w->p);
  return 1;
}

/* u1 = h / s, u2 = r / s (mod n); R = u1 G + u2 Q; valid when R.x = r (mod n).
 * nettle does the scalar multiplications (and the on-curve check of Q); the sum is
 * done here because nettle's ecdsa_verify (3.8) rejects valid signatures whose
 * u1 G equals u2 Q (Wycheproof "point duplication during verification"). */
static int p256_verify(const uint8_t *in) {
  const struct ecc_curve *curve = nettle_get_secp_256r1();
  struct ecc_point q, p1, p2;
  struct ecc_scalar k;
  p256_nums w;
  int ok = 0;
  ecc_point_init(&q, curve);
  ecc_point_init(&p1, curve);
  ecc_point_init(&p2, curve);
  ecc_scalar_init(&k, curve);
  mpz_inits(P256_NUMS(&w), NULL);
  import32(w.h, in);
  import32(w.r, in + 32);
  import32(w.s, in + 64);
  import32(w.x, in + 96);
  import32(w.y, in + 128);
  import32(w.n, p256_n);
  import32(w.p, p256_p);
  if (!ecc_point_set(&q, w.x, w.y)) goto out; /* off the curve */
  if (!mpz_invert(w.t, w.s, w.n)) goto out;   /* s in [1, n-1] and n prime: never */
  mpz_mul(w.u1, w.h, w.t);
  mpz_mod(w.u1, w.u1, w.n);
  mpz_mul(w.u2, w.r, w.t);
  mpz_mod(w.u2, w.u2, w.n);
  if (!ecc_scalar_set(&k, w.u2)) goto out; /* u2 != 0 since r != 0 */
  ecc_point_mul(&p2, &k, &q);
  ecc_point_get(&p2, w.x2, w.y2);
  if (mpz_sgn(w.u1) == 0) {
    mpz_set(w.t, w.x2); /* R = u2 Q */
  } else {
    if (!ecc_scalar_set(&k, w.u1)) goto out;
    ecc_point_mul_g(&p1, &k);
    ecc_point_get(&p1, w.x1, w.y1);
    if (!affine_add_x(&w)) goto out; /* R at infinity */
  }
  mpz_mod(w.t, w.t, w.n);
  ok = mpz_cmp(w.t, w.r) == 0;
out:
  mpz_clears(P256_NUMS(&w), NULL);
  ecc_scalar_clear(&k);
  ecc_point_clear(&p2);
  ecc_point_clear(&p1);
  ecc_point_clear(&q);
  return ok;
}

uint64_t evm_pc_p256verify_gas(const uint8_t *in, size_t len, evm_fork fork) {
  (void)in;
  (void)len;
  (void)fork;
  return P256_GAS;
}

evm_pc_status evm_pc_p256verify(const uint8_t *in, size_t len, evm_fork fork, evm_pc_out *out) {
  (void)fork;
  out->data = NULL;
  out->len = 0;
  if (len != P256_IN_LEN || !inputs_in_range(in) || !p256_verify(in)) return EVM_PC_OK;
  uint8_t *res = calloc(1, P256_OUT_LEN);
  if (!res) return EVM_PC_NOMEM;
  res[P256_OUT_LEN - 1] = 1;
  out->data = res;
  out->len = P256_OUT_LEN;
  return EVM_PC_OK;
}
