/*
 * redact.c: secrets replaced by "***" in a text (see redact.h). A plain scan: at each
 * position the longest secret that matches is replaced, else one byte is copied.
 * Secrets are few (a handful per upstream) and error texts short, so no index.
 */
#include "util/redact.h"

#include <string.h>

bool vt_redact_secrets(const char *const *secrets, size_t n, const char *in, size_t len, vt_buf *out) {
  size_t i = 0, run = 0;  /* in[run..i) is copied in one append */
  while (i < len) {
    size_t best = 0;
    for (size_t k = 0; k < n; k++) {
      size_t sl = secrets[k] ? strlen(secrets[k]) : 0;
      if (sl > best && sl <= len - i && memcmp(in + i, secrets[k], sl) == 0) best = sl;
    }
    if (!best) {
      i++;
      continue;
    }
    vt_buf_append(out, in + run, i - run);
    vt_buf_puts(out, VT_REDACTED);
    i += best;
    run = i;
  }
  vt_buf_append(out, in + run, len - run);
  return vt_buf_ok(out);
}
