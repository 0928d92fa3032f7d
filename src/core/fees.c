/*
 * fees.c: blob base fee from a header (see fees.h).
 *
 * The blob schedule is one table row per chain: the activation time of each fork that
 * changed blob parameters, and one column of update fractions. Activation times are
 * the ones the chains' execution clients ship (go-ethereum params/config.go:
 * MainnetChainConfig, SepoliaChainConfig, HoodiChainConfig); the fractions are the
 * EIPs' (4844 Cancun, 7691 Prague, Osaka unchanged, 7892 BPO1/BPO2 as scheduled).
 */
#include "core/fees.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_CANCUN, F_PRAGUE, F_OSAKA, F_BPO1, F_BPO2, F_FORKS };

/* Per fork: update fraction, target and max blobs per block (EIP-4844, 7691, 7892),
 * and whether EIP-7918's reserve price is on (from Osaka). */
static const struct {
  uint64_t fraction, target, max;
  bool reserve_price;
} g_fork[F_FORKS] = {
    [F_CANCUN] = {3338477, 3, 6, false}, [F_PRAGUE] = {5007716, 6, 9, false},
    [F_OSAKA] = {5007716, 6, 9, true},   [F_BPO1] = {8346193, 10, 15, true},
    [F_BPO2] = {11684671, 14, 21, true},
};

static const struct {
  uint64_t chain_id;
  uint64_t at[F_FORKS]; /* activation timestamps */
} g_schedule[] = {
    {1, {1710338135, 1746612311, 1764798551, 1765290071, 1767747671}},
    {11155111, {1706655072, 1741159776, 1760427360, 1761017184, 1761607008}},
    {560048, {0, 1742999832, 1761677592, 1762365720, 1762955544}},
    {3503995874084926ull, {420, 450, 480, 510, 540}}, /* the hive test chain (execution-apis forkenv.json) */
};

bool vc_blob_params_at(uint64_t chain_id, uint64_t timestamp, vc_blob_params *out) {
  for (size_t i = 0; i < sizeof g_schedule / sizeof g_schedule[0]; i++) {
    if (g_schedule[i].chain_id != chain_id) continue;
    bool found = false;
    for (int f = 0; f < F_FORKS; f++)
      if (timestamp >= g_schedule[i].at[f]) {
        *out = (vc_blob_params){.target = g_fork[f].target, .max = g_fork[f].max, .fraction = g_fork[f].fraction,
                                .reserve_price = g_fork[f].reserve_price};
        found = true;
      }
    return found;
  }
  return false;
}

bool vc_blob_update_fraction(uint64_t chain_id, uint64_t timestamp, uint64_t *fraction) {
  vc_blob_params bp;
  if (!vc_blob_params_at(chain_id, timestamp, &bp)) return false;
  *fraction = bp.fraction;
  return true;
}

vc_status vc_fake_exponential(uint64_t factor, uint64_t numerator, uint64_t denominator,
                              unsigned __int128 *out, vc_err *err) {
  const unsigned __int128 max = ~(unsigned __int128)0;
  if (denominator == 0) return vc_fail(err, VC_ERR_INPUT, "fake_exponential: zero denominator");
  unsigned __int128 output = 0, acc = (unsigned __int128)factor * denominator;
  for (uint64_t i = 1; acc > 0; i++) {
    if (output > max - acc) return vc_fail(err, VC_ERR_INPUT, "blob base fee does not fit in 128 bits");
    output += acc;
    if (numerator && acc > max / numerator)
      return vc_fail(err, VC_ERR_INPUT, "blob base fee does not fit in 128 bits");
    unsigned __int128 div = (unsigned __int128)denominator * i;
    acc = acc * numerator / div;
  }
  *out = output / denominator;
  return VC_OK;
}

void vc_u128_to_quantity(unsigned __int128 v, char *out) {
  static const char digits[] = "0123456789abcdef";
  char tmp[33];
  size_t n = 0;
  do {
    tmp[n++] = digits[(unsigned)(v & 0xf)];
    v >>= 4;
  } while (v);
  out[0] = '0';
  out[1] = 'x';
  for (size_t i = 0; i < n; i++) out[2 + i] = tmp[n - 1 - i];
  out[2 + n] = '\0';
}

vc_status vc_blob_base_fee(uint64_t chain_id, const vc_header *h, char *out, size_t cap, vc_err *err) {
  uint64_t fraction;
  unsigned __int128 fee;
  if (cap < 36) return vc_fail(err, VC_ERR_LIMIT, "blob base fee: output buffer too small");
  if (h->n_fields <= VC_HF_EXCESS_BLOB_GAS)
    return vc_fail(err, VC_ERR_MISSING, "block %llu has no excessBlobGas (before Cancun)",
                   (unsigned long long)h->number);
  if (!vc_blob_update_fraction(chain_id, h->timestamp, &fraction))
    return vc_fail(err, VC_ERR_MISSING, "no blob schedule for chain %llu at time %llu",
                   (unsigned long long)chain_id, (unsigned long long)h->timestamp);
  vc_status st = vc_fake_exponential(VC_BLOB_MIN_BASE_FEE, h->excess_blob_gas, fraction, &fee, err);
  if (st != VC_OK) return st;
  vc_u128_to_quantity(fee, out);
  return VC_OK;
}

/* A QUANTITY string as 128 bits, saturating; false when it is not a QUANTITY. */
static bool qty128(const json_t *v, unsigned __int128 *out) {
  const char *s = json_string_value(v);
  if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2]) return false;
  unsigned __int128 r = 0;
  for (const char *p = s + 2; *p; p++) {
    int d = (*p >= '0' && *p <= '9') ? *p - '0' : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
          : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10 : -1;
    if (d < 0) return false;
    if (r >> 124) r = ~(unsigned __int128)0; /* saturate */
    else r = (r << 4) | (unsigned)d;
  }
  *out = r;
  return true;
}

/* One transaction's effective tip at base; false when it pays none (or cannot be read). */
static bool tx_tip(const json_t *tx, unsigned __int128 base, unsigned __int128 *tip) {
  unsigned __int128 prio, max_fee, price;
  if (qty128(json_object_get(tx, "maxPriorityFeePerGas"), &prio) &&
      qty128(json_object_get(tx, "maxFeePerGas"), &max_fee)) {
    if (max_fee <= base) return false;
    *tip = prio < max_fee - base ? prio : max_fee - base;
  } else if (qty128(json_object_get(tx, "gasPrice"), &price)) {
    if (price <= base) return false;
    *tip = price - base;
  } else {
    return false;
  }
  return *tip > 0;
}

static int cmp_u128(const void *a, const void *b) {
  unsigned __int128 x = *(const unsigned __int128 *)a, y = *(const unsigned __int128 *)b;
  return x < y ? -1 : x > y;
}

vc_status vc_block_tip_median(const json_t *block, unsigned __int128 *base_fee, unsigned __int128 *tip,
                              size_t *ntips, vc_err *err) {
  const json_t *txs = json_object_get(block, "transactions");
  unsigned __int128 *tips = NULL;
  size_t n = 0, i;
  const json_t *tx;
  vc_status st = VC_OK;
  if (!qty128(json_object_get(block, "baseFeePerGas"), base_fee))
    return vc_fail(err, VC_ERR_MISSING, "block has no baseFeePerGas (before London)");
  if (!json_is_array(txs)) return vc_fail(err, VC_ERR_INPUT, "block has no transactions list");
  if (json_array_size(txs) > VC_FEES_MAX_TXS)
    return vc_fail(err, VC_ERR_LIMIT, "block has %zu transactions, more than %u", json_array_size(txs),
                   VC_FEES_MAX_TXS);
  tips = malloc((json_array_size(txs) + 1) * sizeof *tips);
  if (!tips) return vc_fail(err, VC_ERR_NOMEM, "out of memory for %zu tips", json_array_size(txs));
  json_array_foreach(txs, i, tx) {
    if (!json_is_object(tx)) {
      st = vc_fail(err, VC_ERR_INPUT, "transaction %zu is not an object (need full transactions)", i);
      goto out;
    }
    if (tx_tip(tx, *base_fee, &tips[n])) n++;
  }
  *ntips = n;
  *tip = 0;
  if (n == 0) goto out;
  qsort(tips, n, sizeof tips[0], cmp_u128);
  size_t mid = n / 2;
  *tip = n % 2 ? tips[mid] : tips[mid - 1] / 2 + tips[mid] / 2 + ((tips[mid - 1] % 2 + tips[mid] % 2) / 2);
out:
  free(tips);
  return st;
}

/* --- eth_feeHistory ---------------------------------------------------------------- */

#define EIP1559_ELASTICITY 2u
#define EIP1559_DENOMINATOR 8u
#define INITIAL_BASE_FEE 1000000000u
#define BLOB_BASE_COST 8192u /* EIP-7918 */

/* The first London block of chains whose pre-London history is served here. */
static const struct {
  uint64_t chain_id, london;
} g_london[] = {{1, 12965000}, {3503995874084926ull, 27} /* the hive test chain (execution-apis) */};

static unsigned __int128 qty_u128(const vc_qty *q) {
  unsigned __int128 r = 0;
  for (unsigned i = 0; i < q->len && i < sizeof q->be; i++) r = (r << 8) | q->be[i];
  return r;
}

unsigned __int128 vc_next_base_fee(uint64_t chain_id, const vc_header *parent) {
  if (!vc_header_has(parent, VC_HF_BASE_FEE)) {
    for (size_t i = 0; i < sizeof g_london / sizeof g_london[0]; i++)
      if (g_london[i].chain_id == chain_id && parent->number + 1 == g_london[i].london) return INITIAL_BASE_FEE;
    return 0;
  }
  unsigned __int128 base = qty_u128(&parent->base_fee);
  uint64_t target = parent->gas_limit / EIP1559_ELASTICITY;
  if (target == 0 || parent->gas_used == target) return base;
  if (parent->gas_used > target) {
    unsigned __int128 delta = base * (parent->gas_used - target) / target / EIP1559_DENOMINATOR;
    return base + (delta > 1 ? delta : 1);
  }
  unsigned __int128 delta = base * (target - parent->gas_used) / target / EIP1559_DENOMINATOR;
  return base > delta ? base - delta : 0;
}

vc_status vc_blob_fees_of(uint64_t chain_id, const vc_header *h, vc_blob_fees *out, vc_err *err) {
  vc_blob_params bp;
  *out = (vc_blob_fees){0};
  if (!vc_header_has(h, VC_HF_EXCESS_BLOB_GAS)) return VC_OK; /* before Cancun: zeros, as geth */
  uint64_t used = h->blob_gas_used, excess = h->excess_blob_gas;
  if (!vc_blob_params_at(chain_id, h->timestamp, &bp)) {
    if (excess != 0 || used != 0)
      return vc_fail(err, VC_ERR_MISSING,
                     "no blob schedule for chain %llu: the blob fees of block %llu (excessBlobGas %llu, "
                     "blobGasUsed %llu) cannot be derived here",
                     (unsigned long long)chain_id, (unsigned long long)h->number, (unsigned long long)excess,
                     (unsigned long long)used);
    out->fee = out->next_fee = VC_BLOB_MIN_BASE_FEE; /* fake_exponential(1, 0, any) */
    return VC_OK;
  }
  vc_status st = vc_fake_exponential(VC_BLOB_MIN_BASE_FEE, excess, bp.fraction, &out->fee, err);
  if (st != VC_OK) return st;
  uint64_t target = bp.target * VC_BLOB_GAS_PER_BLOB, max = bp.max * VC_BLOB_GAS_PER_BLOB;
  uint64_t next_excess;
  if (excess + used < target) {
    next_excess = 0;
  } else if (bp.reserve_price && (unsigned __int128)BLOB_BASE_COST * qty_u128(&h->base_fee) >
                                     (unsigned __int128)VC_BLOB_GAS_PER_BLOB * out->fee) {
    next_excess = excess + used * (bp.max - bp.target) / bp.max; /* EIP-7918 */
  } else {
    next_excess = excess + used - target;
  }
  st = vc_fake_exponential(VC_BLOB_MIN_BASE_FEE, next_excess, bp.fraction, &out->next_fee, err);
  if (st != VC_OK) return st;
  out->used_ratio = (double)used / (double)max;
  return VC_OK;
}

vc_status vc_fee_percentiles(const json_t *arr, double *out, size_t *n, vc_err *err) {
  size_t i;
  const json_t *v;
  *n = 0;
  if (!arr || json_is_null(arr)) return VC_OK;
  if (!json_is_array(arr)) return vc_fail(err, VC_ERR_INPUT, "invalid reward percentile: not an array");
  if (json_array_size(arr) > VC_FEE_MAX_PERCENTILES)
    return vc_fail(err, VC_ERR_INPUT, "invalid reward percentile: over the query limit %u", VC_FEE_MAX_PERCENTILES);
  json_array_foreach(arr, i, v) {
    if (!json_is_number(v)) return vc_fail(err, VC_ERR_INPUT, "invalid reward percentile: #%zu is not a number", i);
    double p = json_number_value(v);
    if (!(p >= 0 && p <= 100)) return vc_fail(err, VC_ERR_INPUT, "invalid reward percentile: %f", p);
    if (i > 0 && p <= out[i - 1])
      return vc_fail(err, VC_ERR_INPUT, "invalid reward percentile: #%zu:%f >= #%zu:%f", i - 1, out[i - 1], i, p);
    out[i] = p;
  }
  *n = json_array_size(arr);
  return VC_OK;
}

/* One transaction's effective tip at base for eth_feeHistory (geth's EffectiveGasTip;
 * a deposit or a fee cap below the base fee counts as 0). */
static bool fh_tip(const json_t *tx, bool has_base, unsigned __int128 base, unsigned __int128 *tip) {
  unsigned __int128 prio, max_fee, price;
  *tip = 0;
  if (qty128(json_object_get(tx, "maxPriorityFeePerGas"), &prio) &&
      qty128(json_object_get(tx, "maxFeePerGas"), &max_fee)) {
    if (!has_base) *tip = prio;
    else if (max_fee > base) *tip = prio < max_fee - base ? prio : max_fee - base;
    return true;
  }
  if (qty128(json_object_get(tx, "gasPrice"), &price)) {
    if (!has_base) *tip = price;
    else if (price > base) *tip = price - base;
    return true;
  }
  const char *type = json_string_value(json_object_get(tx, "type"));
  return type && !strcmp(type, "0x7e"); /* an OP-stack deposit pays no tip */
}

typedef struct {
  unsigned __int128 tip;
  uint64_t gas;
  size_t index; /* ties keep block order (a stable sort) */
} fh_tx;

static int cmp_fh(const void *a, const void *b) {
  const fh_tx *x = a, *y = b;
  if (x->tip != y->tip) return x->tip < y->tip ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

vc_status vc_fee_rewards(const json_t *block, const json_t *receipts, const double *pct, size_t n,
                         unsigned __int128 *out, vc_err *err) {
  const json_t *txs = json_object_get(block, "transactions");
  unsigned __int128 base = 0, gas_used = 0;
  bool has_base = qty128(json_object_get(block, "baseFeePerGas"), &base);
  fh_tx *sorted = NULL;
  vc_status st = VC_OK;
  size_t i, ntx;
  const json_t *tx;
  for (i = 0; i < n; i++) out[i] = 0;
  if (!json_is_array(txs)) return vc_fail(err, VC_ERR_INPUT, "block has no transactions list");
  ntx = json_array_size(txs);
  if (ntx == 0) return VC_OK;
  if (ntx > VC_FEES_MAX_TXS)
    return vc_fail(err, VC_ERR_LIMIT, "block has %zu transactions, more than %u", ntx, VC_FEES_MAX_TXS);
  if (!json_is_array(receipts) || json_array_size(receipts) != ntx)
    return vc_fail(err, VC_ERR_INPUT, "%zu receipts for %zu transactions", json_array_size(receipts), ntx);
  if (!qty128(json_object_get(block, "gasUsed"), &gas_used) || gas_used >> 64)
    return vc_fail(err, VC_ERR_INPUT, "block has no gasUsed");
  sorted = malloc(ntx * sizeof *sorted);
  if (!sorted) return vc_fail(err, VC_ERR_NOMEM, "out of memory for %zu transactions", ntx);
  json_array_foreach(txs, i, tx) {
    unsigned __int128 g;
    if (!json_is_object(tx) || !fh_tip(tx, has_base, base, &sorted[i].tip)) {
      st = vc_fail(err, VC_ERR_INPUT, "transaction %zu: no fee fields (need full transactions)", i);
      goto out;
    }
    if (!qty128(json_object_get(json_array_get(receipts, i), "gasUsed"), &g) || g >> 64) {
      st = vc_fail(err, VC_ERR_INPUT, "receipt %zu has no gasUsed", i);
      goto out;
    }
    sorted[i].gas = (uint64_t)g;
    sorted[i].index = i;
  }
  qsort(sorted, ntx, sizeof *sorted, cmp_fh);
  size_t at = 0;
  unsigned __int128 sum = sorted[0].gas;
  for (i = 0; i < n; i++) {
    uint64_t threshold = (uint64_t)((double)(uint64_t)gas_used * pct[i] / 100);
    while (sum < threshold && at < ntx - 1) sum += sorted[++at].gas;
    out[i] = sorted[at].tip;
  }
out:
  free(sorted);
  return st;
}

size_t vc_fmt_ratio(double x, char *out, size_t cap) {
  char e[40], digits[24];
  int p, exp10, nd = 0;
  if (cap < 32) return 0;
  if (!isfinite(x)) return (size_t)snprintf(out, cap, "0");
  if (x == 0) return (size_t)snprintf(out, cap, "0");
  bool neg = x < 0;
  if (neg) x = -x;
  for (p = 1; p <= 17; p++) { /* the shortest digits that read back as x */
    snprintf(e, sizeof e, "%.*e", p - 1, x);
    if (strtod(e, NULL) == x) break;
  }
  char *m = e, *ep = strchr(e, 'e');
  exp10 = atoi(ep + 1);
  for (; m < ep; m++)
    if (*m >= '0' && *m <= '9') digits[nd++] = *m;
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  digits[nd] = 0;
  size_t o = 0;
  if (neg) out[o++] = '-';
  if (exp10 < -6 || exp10 >= 21) { /* d[.ddd]e-7, as Go's encoder leaves it */
    out[o++] = digits[0];
    if (nd > 1) {
      out[o++] = '.';
      for (int i = 1; i < nd; i++) out[o++] = digits[i];
    }
    o += (size_t)snprintf(out + o, cap - o, "e%c%d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    return o;
  }
  if (exp10 < 0) {
    out[o++] = '0';
    out[o++] = '.';
    for (int i = 0; i < -exp10 - 1; i++) out[o++] = '0';
    for (int i = 0; i < nd; i++) out[o++] = digits[i];
  } else {
    for (int i = 0; i <= exp10; i++) out[o++] = i < nd ? digits[i] : '0';
    if (nd > exp10 + 1) {
      out[o++] = '.';
      for (int i = exp10 + 1; i < nd; i++) out[o++] = digits[i];
    }
  }
  out[o] = 0;
  return o;
}
