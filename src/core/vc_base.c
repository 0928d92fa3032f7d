/*
 * vc_base.c: error formatting shared by the core modules (see vc_base.h).
 */
#include "core/vc_base.h"

#include <stdarg.h>
#include <stdio.h>

vc_status vc_fail(vc_err *err, vc_status st, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return st;
}

static const char *const status_names[] = {
    [VC_OK] = "ok",
    [VC_ERR_INPUT] = "malformed input",
    [VC_ERR_MISMATCH] = "mismatch",
    [VC_ERR_MISSING] = "missing data",
    [VC_ERR_LIMIT] = "limit exceeded",
    [VC_ERR_NOMEM] = "out of memory",
};

const char *vc_status_name(vc_status st) {
  if ((unsigned)st < sizeof status_names / sizeof status_names[0] && status_names[st])
    return status_names[st];
  return "unknown";
}
