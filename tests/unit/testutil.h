/*
 * testutil.h: shared helpers for the cmocka unit tests.
 *
 * Fixtures: real data lives in ../shared/fixtures (VERITY_FIXTURES points there).
 * fixture_path() returns NULL when it is absent, and FIXTURE_OR_SKIP() then prints
 * a clear message and skips the test, so a checkout without ../shared still builds
 * and runs. read_file() returns a malloc'd NUL-terminated buffer (caller frees).
 */
#ifndef VERITY_TESTUTIL_H
#define VERITY_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

static inline const char *fixtures_dir(void) {
  const char *d = getenv("VERITY_FIXTURES");
  struct stat st;
  if (!d || !*d || stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
  return d;
}

/* Full path of a fixture in a static buffer, or NULL when the fixtures are absent. */
static inline const char *fixture_path(const char *rel) {
  static char buf[4096];
  const char *d = fixtures_dir();
  if (!d) return NULL;
  snprintf(buf, sizeof buf, "%s/%s", d, rel);
  return buf;
}

#define FIXTURE_OR_SKIP(var, rel)                                                   \
  const char *var = fixture_path(rel);                                              \
  do {                                                                              \
    if (!var) {                                                                     \
      fprintf(stderr, "skip: ../shared/fixtures absent (VERITY_FIXTURES), needs %s\n", rel); \
      skip();                                                                       \
    }                                                                               \
  } while (0)

static inline char *read_file(const char *path, size_t *len_out) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
  fclose(f);
  if (buf) { buf[n] = 0; if (len_out) *len_out = (size_t)n; }
  return buf;
}

/* Decode hex (with or without 0x) into out; returns length or -1. */
static inline long test_unhex(const char *s, uint8_t *out, size_t cap) {
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  size_t n = strlen(s);
  if (n % 2 || n / 2 > cap) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (uint8_t)v;
  }
  return (long)(n / 2);
}

#endif
