/*
 * fuzz_config.c: arbitrary text as a YAML configuration, through vt_config_load_string.
 *
 * Contract checked on every input: no crash, no leak (ASan/LSan); a failed load
 * leaves the config untouched and fills a non-empty, NUL-terminated message; a
 * successful load passes vt_config_validate and dumps. Secrecy: two environment
 * variables hold marker strings; unless the input itself spells a marker, neither
 * the error message, the dump, nor any display_url may contain it.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define FUZZ_SECRET "ZqSecretMarker9731"
#define FUZZ_TOKEN "ZqTokenMarker4482"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char g_dump[1 << 20];

static int input_has(const uint8_t *data, size_t size, const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i + n <= size; i++)
    if (memcmp(data + i, s, n) == 0) return 1;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int init;
  if (!init) {
    setenv("VT_FUZZ_KEY", FUZZ_SECRET, 1);
    setenv("VT_FUZZ_TOKEN", FUZZ_TOKEN, 1);
    init = 1;
  }
  vt_config c;
  char err[512];
  vt_config_defaults(&c);
  size_t before_ups = c.nupstreams;
  int rc = vt_config_load_string(&c, (const char *)data, size, err, sizeof err);
  int may_show = input_has(data, size, FUZZ_SECRET) || input_has(data, size, FUZZ_TOKEN);
  if (rc != 0) {
    assert(err[0] != 0 && strlen(err) < sizeof err);
    assert(c.chain_id == 1 && c.nupstreams == before_ups);
    if (!may_show) assert(!strstr(err, FUZZ_SECRET) && !strstr(err, FUZZ_TOKEN));
  } else {
    char verr[256];
    assert(vt_config_validate(&c, verr, sizeof verr) == 0);
    int n = vt_config_dump(&c, g_dump, sizeof g_dump);
    assert(n > 0);
    if (!may_show) {
      assert(!strstr(g_dump, FUZZ_SECRET) && !strstr(g_dump, FUZZ_TOKEN));
      for (size_t i = 0; i < c.nupstreams; i++)
        assert(!strstr(c.upstreams[i].display_url, FUZZ_SECRET) && !strstr(c.upstreams[i].display_url, FUZZ_TOKEN));
    }
    (void)vt_config_method(&c, "eth_call");
    (void)vt_config_method(&c, "debug_traceTransaction");
  }
  vt_config_free(&c);
  return 0;
}
