/*
 * fuzz_lcjson.c: arbitrary text as a beacon API light-client response (JSON), for both
 * presets and every update kind. The structs are plain data (no allocation), so "no
 * crash, no UB, no leak of the JSON tree" is the property.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/lightclient/lc_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t je;
  json_t *j = json_loadb((const char *)data, size, 0, &je);
  if (!j) return 0;
  static lc_bootstrap b;
  static lc_update u;
  vc_err err;
  const size_t presets[] = {32, 512};
  for (size_t i = 0; i < 2; i++) {
    (void)lc_bootstrap_from_response(&b, j, presets[i], &err);
    for (int k = LC_KIND_UPDATE; k <= LC_KIND_OPTIMISTIC; k++)
      (void)lc_update_from_response(&u, (lc_update_kind)k, j, presets[i], &err);
  }
  json_decref(j);
  return 0;
}
