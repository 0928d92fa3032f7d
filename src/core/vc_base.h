/*
 * vc_base.h: the vocabulary every libverity-core module shares.
 *
 * libverity-core is the sans-I/O verification library: bytes in, verdicts out. No
 * sockets, no event loop, no clocks, no allocation behind the caller's back except
 * where a function says so. Every function that decides whether something is true
 * returns a vc_status marked VC_MUST_CHECK, so a skipped check is a compile error
 * (-Werror), and fills a vc_err with a sentence a person can act on ("proof node 3:
 * hash mismatch", "header field 12 (baseFee): not canonical").
 *
 * Views (vc_bytes) never own memory; buffers that are returned say who frees them.
 */
#ifndef VC_BASE_H
#define VC_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define VC_MUST_CHECK __attribute__((warn_unused_result))

typedef struct {
  const uint8_t *ptr;
  size_t len;
} vc_bytes;

typedef enum {
  VC_OK = 0,
  VC_ERR_INPUT,      /* malformed input: bad hex, bad RLP, wrong length, over a cap */
  VC_ERR_MISMATCH,   /* well-formed but wrong: hash, root, signature or value disagrees */
  VC_ERR_MISSING,    /* a needed piece (node, field, committee) is absent */
  VC_ERR_LIMIT,      /* a size or depth cap was passed */
  VC_ERR_NOMEM,
} vc_status;

/* Why a check failed. Fixed size so it can live on the stack or inside a request. */
typedef struct {
  char msg[192];
} vc_err;

/* printf into err (NULL-safe); returns st so callers can `return vc_fail(err, st, ...)`. */
vc_status vc_fail(vc_err *err, vc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

const char *vc_status_name(vc_status st);

static inline vc_bytes vc_bytes_of(const void *p, size_t n) {
  vc_bytes b = {(const uint8_t *)p, n};
  return b;
}

#endif
