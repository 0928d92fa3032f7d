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
