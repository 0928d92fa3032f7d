/*
 * fuzz_precompile.c: libFuzzer harness for the classic precompiles (ecrecover, sha256,
 * ripemd160, identity, modexp, blake2f, P256VERIFY).
 *
 * The first byte picks the precompile and the fork, the rest is the call's input. Every
 * gas function runs on every input under every fork (never crashes, respects the
 * family's floors); the picked precompile runs when its price is under a budget (as the
 * interpreter would only run what the caller can pay; this keeps blake2f's 2^32 rounds
 * and pre-Berlin modexp's giant zero-padded exponents out of the fuzzer's time), and
 * its output must have the shape its spec gives (32 bytes or empty, exactly mod_len
 * bytes, the input itself, ...). ecrecover and modexp read their input as if padded
 * with zeros on the right, so the same input with zero bytes appended must give the
 * same price and the same output. ASan/UBSan/LeakSanitizer catch the rest. Calls the
 * functions directly, not the table, so it links without the other families.
 */
#include "core/evm/precompile.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_GAS_BUDGET 200000 /* what one fuzz run may cost: modexp and blake2f scale */
#define FUZZ_PAD 40            /* zero bytes appended for the padding check */
#define FUZZ_PAD_MAX_IN 4096   /* inputs up to this size get the padding check */

typedef enum { OUT_WORD_OR_EMPTY, OUT_WORD, OUT_COPY, OUT_MODLEN, OUT_64 } out_shape;

static const struct {
  evm_pc_gas_fn gas;
  evm_pc_run_fn run;
  out_shape shape;
  int zero_padded; /* reads its input as if padded with zeros on the right */
} family[] = {
    {evm_pc_ecrecover_gas, evm_pc_ecrecover, OUT_WORD_OR_EMPTY, 1},
    {evm_pc_sha256_gas, evm_pc_sha256, OUT_WORD, 0},
    {evm_pc_ripemd160_gas, evm_pc_ripemd160, OUT_WORD, 0},
    {evm_pc_identity_gas, evm_pc_identity, OUT_COPY, 0},
    {evm_pc_modexp_gas, evm_pc_modexp, OUT_MODLEN, 1},
    {evm_pc_blake2f_gas, evm_pc_blake2f, OUT_64, 0},
    {evm_pc_p256verify_gas, evm_pc_p256verify, OUT_WORD_OR_EMPTY, 0},
};
#define FAMILY_LEN (sizeof family / sizeof family[0])

/* modexp's mod_len as the input states it, or SIZE_MAX when it does not fit. */
static size_t modexp_mod_len(const uint8_t *in, size_t len) {
  uint8_t w[32] = {0};
  if (len > 64) memcpy(w, in + 64, len - 64 < 32 ? len - 64 : 32);
  for (int i = 0; i < 24; i++)
    if (w[i]) return SIZE_MAX;
  uint64_t v = 0;
  for (int i = 24; i < 32; i++) v = (v << 8) | w[i];
  return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

static void check_shape(out_shape shape, const uint8_t *in, size_t len, const evm_pc_out *o) {
  if ((o->len == 0) != (o->data == NULL)) abort();
  switch (shape) {
    case OUT_WORD_OR_EMPTY:
      if (o->len != 0 && o->len != 32) abort();
      break;
    case OUT_WORD:
      if (o->len != 32) abort();
      break;
    case OUT_COPY:
      if (o->len != len || (len && memcmp(o->data, in, len) != 0)) abort();
      break;
    case OUT_MODLEN:
      if (o->len != modexp_mod_len(in, len)) abort();
      break;
    case OUT_64:
      if (o->len != 64) abort();
      break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t pick = data[0] % FAMILY_LEN;
  evm_fork fork = (evm_fork)((data[0] / FAMILY_LEN) % EVM_FORK_COUNT);
  const uint8_t *in = data + 1;
  size_t len = size - 1;

  for (size_t i = 0; i < FAMILY_LEN; i++)
    for (int f = 0; f < EVM_FORK_COUNT; f++) (void)family[i].gas(in, len, (evm_fork)f);
  /* the minimum prices of modexp under EIP-2565 and EIP-7883 */
  if (evm_pc_modexp_gas(in, len, EVM_BERLIN) < 200) abort();
  if (evm_pc_modexp_gas(in, len, EVM_OSAKA) < 500) abort();

  uint64_t gas = family[pick].gas(in, len, fork);
  if (gas > FUZZ_GAS_BUDGET) return 0;
  evm_pc_out o = {NULL, 0};
  evm_pc_status st = family[pick].run(in, len, fork, &o);
  if (st == EVM_PC_OK) {
    check_shape(family[pick].shape, in, len, &o);
  } else if (o.data != NULL || o.len != 0) {
    abort(); /* a failed run hands nothing back */
  }
  if (family[pick].zero_padded && len <= FUZZ_PAD_MAX_IN) {
    static uint8_t padded[FUZZ_PAD_MAX_IN + FUZZ_PAD];
    memcpy(padded, in, len);
    memset(padded + len, 0, FUZZ_PAD);
    if (family[pick].gas(padded, len + FUZZ_PAD, fork) != gas) abort();
    evm_pc_out p = {NULL, 0};
    if (family[pick].run(padded, len + FUZZ_PAD, fork, &p) != st || p.len != o.len ||
        (p.len && memcmp(p.data, o.data, p.len) != 0))
      abort();
    free(p.data);
  }
  free(o.data);
  return 0;
}
