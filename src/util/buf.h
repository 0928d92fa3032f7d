/*
 * buf.h: a growable byte buffer with a hard cap (curl's dynbuf habit).
 *
 * Every vt_buf has a maximum size set at init; an append that would pass it fails,
 * marks the buffer failed, and every later append is a no-op, so a caller can do a
 * run of appends and check vt_buf_ok() once. The buffer owns its bytes; take them
 * with vt_buf_steal() (the caller then frees) or release them with vt_buf_free().
 * The contents are always NUL-terminated for convenience (the NUL is not counted).
 */
#ifndef VT_BUF_H
#define VT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  char *data;
  size_t len, cap, max;
  bool failed;
} vt_buf;

void vt_buf_init(vt_buf *b, size_t max);
void vt_buf_free(vt_buf *b);
void vt_buf_reset(vt_buf *b);                 /* len = 0, keeps memory, clears failed */
bool vt_buf_append(vt_buf *b, const void *p, size_t n);
bool vt_buf_puts(vt_buf *b, const char *s);
bool vt_buf_printf(vt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal (with quotes), escaping per RFC 8259. */
bool vt_buf_json_str(vt_buf *b, const char *s, size_t n);
static inline bool vt_buf_ok(const vt_buf *b) { return !b->failed; }
char *vt_buf_steal(vt_buf *b, size_t *len);  /* hands the bytes to the caller; b is reset empty */

#endif
