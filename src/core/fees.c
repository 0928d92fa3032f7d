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

#include <stdlib.h>
#include <string.h>

enum { F_CANCUN, F_PRAGUE, F_OSAKA, F_BPO1, F_BPO2, F_FORKS };

static const uint64_t g_fraction[F_FORKS] = {
    [F_CANCUN] = 3338477, [F_PRAGUE] = 5007716, [F_OSAKA] = 5007716,
    [F_BPO1] = 8346193, [F_BPO2] = 11684671,
};

static const struct {
  uint64_t chain_id;
  uint64_t at[F_FORKS]; /* activation timestamps */
} g_schedule[] = {
    {1, {1710338135, 1746612311, 1764798551, 1765290071, 1767747671}},
    {11155111, {1706655072, 1741159776, 1760427360, 1761017184, 1761607008}},
    {560048, {0, 1742999832, 1761677592, 1762365720, 1762955544}},
};

bool vc_blob_update_fraction(uint64_t chain_id, uint64_t timestamp, uint64_t *fraction) {
  for (size_t i = 0; i < sizeof g_schedule / sizeof g_schedule[0]; i++) {
    if (g_schedule[i].chain_id != chain_id) continue;
    bool found = false;
    for (int f = 0; f < F_FORKS; f++)
      if (timestamp >= g_schedule[i].at[f]) {
        *fraction = g_fraction[f];
        found = true;
      }
    return found;
  }
  return false;
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
