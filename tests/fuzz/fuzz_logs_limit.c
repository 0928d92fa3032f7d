/*
 * fuzz_logs_limit.c: arbitrary bytes as an upstream's eth_getLogs error message.
 *
 * The first 8 bytes are the width of the refused range; the rest is the message.
 * Checks beyond "no crash": a limit is only ever reported for a size refusal, and
 * it is always narrower than the range that was refused (so a split always makes
 * progress); a message that is not a refusal reports no limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feature/logs.h"

#define MSG_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8) return 0;
  uint64_t width;
  memcpy(&width, data, 8);
  if (width == 0) width = 1;
  size_t n = size - 8 < MSG_MAX ? size - 8 : MSG_MAX;
  char msg[MSG_MAX + 1];
  memcpy(msg, data + 8, n);
  msg[n] = 0;
  uint64_t limit = 12345;
  vt_logs_limit k = vt_logs_classify(msg, width, &limit);
  if (k == VT_LOGS_LIMIT_NONE && limit != 0) abort();
  if (limit && limit >= width) abort();
  return 0;
}
