/*
 * evm_word.c: the slow 256-bit operations of the EVM (see evm_word.h).
 *
 * Division is Knuth's algorithm D on 64-bit limbs with unsigned __int128 partial
 * quotients; ADDMOD and MULMOD divide their exact 257- and 512-bit intermediates, so no
 * precision is lost. Pure functions on values; the interpreter is the only caller.
 */
#include "core/evm/evm_word.h"

#define MAXLIMBS 8 /* dividends are at most 512 bits */

static int limbs_of(const uint64_t *a, int n) {
  while (n > 0 && a[n - 1] == 0) n--;
  return n;
}

/* (hi:lo) / d with hi < d: one hardware division on x86-64 (libgcc's 128-bit division
 * is several times slower), plain unsigned __int128 elsewhere. */
static inline uint64_t div_2by1(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem) {
#if defined(__x86_64__)
  uint64_t q, r;
  __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d) : "cc");
  *rem = r;
  return q;
#else
  evm_u128 n = ((evm_u128)hi << 64) | lo;
  *rem = (uint64_t)(n % d);
  return (uint64_t)(n / d);
#endif
}

/* Normalised long division step set: q and r of u (m limbs) by v (n limbs, v[n-1] != 0).
 * q gets m-n+1 limbs, r gets n limbs. m >= n >= 2. */
static void divmnu(uint64_t *q, uint64_t *r, const uint64_t *u, int m, const uint64_t *v,
                   int n) {
  uint64_t vn[4], un[MAXLIMBS + 1];
  int s = __builtin_clzll(v[n - 1]);
  for (int i = n - 1; i > 0; i--) vn[i] = (v[i] << s) | (s ? v[i - 1] >> (64 - s) : 0);
  vn[0] = v[0] << s;
  un[m] = s ? u[m - 1] >> (64 - s) : 0;
  for (int i = m - 1; i > 0; i--) un[i] = (u[i] << s) | (s ? u[i - 1] >> (64 - s) : 0);
  un[0] = u[0] << s;
  for (int j = m - n; j >= 0; j--) {
    evm_u128 num = ((evm_u128)un[j + n] << 64) | un[j + n - 1];
    evm_u128 qhat = num / vn[n - 1], rhat = num % vn[n - 1];
    while ((qhat >> 64) || qhat * vn[n - 2] > ((rhat << 64) | un[j + n - 2])) {
      qhat--;
      rhat += vn[n - 1];
      if (rhat >> 64) break;
    }
    uint64_t k = 0;
    for (int i = 0; i < n; i++) {
      evm_u128 p = qhat * vn[i] + k;
      uint64_t plo = (uint64_t)p, b = un[i + j] < plo;
      un[i + j] -= plo;
      k = (uint64_t)(p >> 64) + b;
    }
    bool neg = un[j + n] < k;
    un[j + n] -= k;
    q[j] = (uint64_t)qhat;
    if (neg) {
      q[j]--;
      uint64_t c = 0;
      for (int i = 0; i < n; i++) {
        evm_u128 t = (evm_u128)un[i + j] + vn[i] + c;
        un[i + j] = (uint64_t)t;
        c = (uint64_t)(t >> 64);
      }
      un[j + n] += c;
    }
  }
  for (int i = 0; i < n - 1; i++) r[i] = (un[i] >> s) | (s ? un[i + 1] << (64 - s) : 0);
  r[n - 1] = un[n - 1] >> s;
}

/* u (ul limbs, <= MAXLIMBS) divided by v (4 limbs, non-zero): quotient (low 4 limbs,
 * may be NULL) and remainder (4 limbs, may be NULL). */
static void udivrem(const uint64_t *u, int ul, const uint64_t *v, evm_word *q, evm_word *r) {
  uint64_t qq[MAXLIMBS] = {0}, rr[4] = {0};
  int m = limbs_of(u, ul), n = limbs_of(v, 4);
  if (m < n) {
    for (int i = 0; i < m; i++) rr[i] = u[i];
  } else if (n == 1) {
    uint64_t rem = 0;
    for (int i = m - 1; i >= 0; i--) qq[i] = div_2by1(rem, u[i], v[0], &rem);
    rr[0] = rem;
  } else {
    divmnu(qq, rr, u, m, v, n);
  }
  if (q) memcpy(q->w, qq, sizeof q->w);
  if (r) memcpy(r->w, rr, sizeof r->w);
}

void w_div(evm_word *q, const evm_word *a, const evm_word *b) {
  if (w_is_zero(b)) return w_zero(q);
  if (w_fits64(a) && w_fits64(b)) return w_u64(q, a->w[0] / b->w[0]);
  udivrem(a->w, 4, b->w, q, NULL);
}

void w_mod(evm_word *r, const evm_word *a, const evm_word *b) {
  if (w_is_zero(b)) return w_zero(r);
  if (w_fits64(a) && w_fits64(b)) return w_u64(r, a->w[0] % b->w[0]);
  udivrem(a->w, 4, b->w, NULL, r);
}

void w_sdiv(evm_word *q, const evm_word *a, const evm_word *b) {
  bool an = w_is_neg(a), bn = w_is_neg(b);
  evm_word x = *a, y = *b;
  if (an) w_neg(&x, a);
  if (bn) w_neg(&y, b);
  w_div(q, &x, &y); /* -2^255 / -1 wraps to -2^255, as the yellow paper says */
  if (an != bn) w_neg(q, q);
}

void w_smod(evm_word *r, const evm_word *a, const evm_word *b) {
  bool an = w_is_neg(a);
  evm_word x = *a, y = *b;
  if (an) w_neg(&x, a);
  if (w_is_neg(b)) w_neg(&y, b);
  w_mod(r, &x, &y);
  if (an) w_neg(r, r); /* the sign of the dividend */
}

void w_addmod(evm_word *r, const evm_word *a, const evm_word *b, const evm_word *m) {
  if (w_is_zero(m)) return w_zero(r);
  uint64_t s[5];
  uint64_t c = 0;
  for (int i = 0; i < 4; i++) {
    evm_u128 t = (evm_u128)a->w[i] + b->w[i] + c;
    s[i] = (uint64_t)t;
    c = (uint64_t)(t >> 64);
  }
  s[4] = c;
  udivrem(s, 5, m->w, NULL, r);
}

void w_mulmod(evm_word *r, const evm_word *a, const evm_word *b, const evm_word *m) {
  if (w_is_zero(m)) return w_zero(r);
  uint64_t p[8] = {0};
  for (int i = 0; i < 4; i++) {
    uint64_t carry = 0;
    for (int j = 0; j < 4; j++) {
      evm_u128 t = (evm_u128)a->w[i] * b->w[j] + p[i + j] + carry;
      p[i + j] = (uint64_t)t;
      carry = (uint64_t)(t >> 64);
    }
    p[i + 4] = carry;
  }
  udivrem(p, 8, m->w, NULL, r);
}

void w_exp(evm_word *r, const evm_word *base, const evm_word *e) {
  evm_word acc, b = *base;
  w_u64(&acc, 1);
  int bits = 256 - (int)w_clz(e);
  for (int i = 0; i < bits; i++) {
    if ((e->w[i / 64] >> (i % 64)) & 1) w_mul(&acc, &acc, &b);
    if (i + 1 < bits) w_mul(&b, &b, &b);
  }
  *r = acc;
}

void w_signextend(evm_word *r, const evm_word *k, const evm_word *x) {
  if (!w_fits64(k) || k->w[0] >= 31) {
    *r = *x;
    return;
  }
  unsigned bit = (unsigned)k->w[0] * 8 + 7; /* the sign bit */
  bool neg = (x->w[bit / 64] >> (bit % 64)) & 1;
  evm_word mask, one;
  w_u64(&one, 1);
  w_shl(&mask, &one, bit + 1);
  w_sub(&mask, &mask, &one); /* low bit+1 bits set */
  for (int i = 0; i < 4; i++)
    r->w[i] = neg ? (x->w[i] | ~mask.w[i]) : (x->w[i] & mask.w[i]);
}

void w_byte(evm_word *r, const evm_word *i, const evm_word *x) {
  if (!w_fits64(i) || i->w[0] >= 32) return w_zero(r);
  unsigned bit = (31 - (unsigned)i->w[0]) * 8;
  w_u64(r, (x->w[bit / 64] >> (bit % 64)) & 0xff);
}

unsigned w_byte_len(const evm_word *a) { return (256 - w_clz(a) + 7) / 8; }
