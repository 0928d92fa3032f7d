/*
 * pcutil.h: helpers shared by the precompile unit tests (test_precompile.c,
 * test_precompile_modexp.c): hex into a malloc'd buffer, and "run this precompile,
 * expect this output / expect an error" checks that free what the run returned.
 */
#ifndef VERITY_PCUTIL_H
#define VERITY_PCUTIL_H

#include "testutil.h"

#include "core/evm/precompile.h"

/* hex (whitespace-free, no 0x) into a malloc'd buffer; returns its length. */
static inline size_t unhex_alloc(const char *h, uint8_t **out) {
  size_t n = strlen(h) / 2;
  *out = malloc(n ? n : 1);
  assert_non_null(*out);
  assert_int_equal(test_unhex(h, *out, n), (long)n);
  return n;
}

/* Runs fn and checks status OK with output equal to want_hex ("" = empty output). */
static inline void expect_out(evm_pc_run_fn fn, const uint8_t *in, size_t len, evm_fork fork,
                       const char *want_hex) {
  evm_pc_out o = {(uint8_t *)1, 1};
  assert_int_equal(fn(in, len, fork, &o), EVM_PC_OK);
  uint8_t *want;
  size_t wn = unhex_alloc(want_hex, &want);
  assert_int_equal(o.len, wn);
  if (wn) assert_memory_equal(o.data, want, wn);
  else assert_null(o.data);
  free(want);
  free(o.data);
}

static inline void expect_out_hex(evm_pc_run_fn fn, const char *in_hex, evm_fork fork,
                           const char *want_hex) {
  uint8_t *in;
  size_t n = unhex_alloc(in_hex, &in);
  expect_out(fn, in, n, fork, want_hex);
  free(in);
}

static inline void expect_error(evm_pc_run_fn fn, const uint8_t *in, size_t len, evm_fork fork) {
  evm_pc_out o = {(uint8_t *)1, 1};
  assert_int_equal(fn(in, len, fork, &o), EVM_PC_ERROR);
  assert_null(o.data);
  assert_int_equal(o.len, 0);
}

#endif
