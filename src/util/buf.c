/*
 * buf.c: capped growable buffer (see buf.h).
 */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vt_buf_init(vt_buf *b, size_t max) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->max = max;
  b->failed = false;
}

void vt_buf_free(vt_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void vt_buf_reset(vt_buf *b) {
  b->len = 0;
  b->failed = false;
  if (b->data) b->data[0] = 0;
}

static bool grow(vt_buf *b, size_t extra) {
  if (b->failed) return false;
  if (extra > b->max || b->len > b->max - extra) goto fail;
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return true;
  size_t ncap = b->cap ? b->cap : 256;
  while (ncap < need) ncap *= 2;
  if (ncap > b->max + 1) ncap = b->max + 1;
  char *p = realloc(b->data, ncap);
  if (!p) goto fail;
  b->data = p;
  b->cap = ncap;
  return true;
fail:
  b->failed = true;
  return false;
}

bool vt_buf_append(vt_buf *b, const void *p, size_t n) {
  if (!grow(b, n)) return false;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
  return true;
}

bool vt_buf_puts(vt_buf *b, const char *s) { return vt_buf_append(b, s, strlen(s)); }

bool vt_buf_printf(vt_buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) { b->failed = true; return false; }
  if ((size_t)n < sizeof small) return vt_buf_append(b, small, (size_t)n);
  if (!grow(b, (size_t)n)) return false;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return true;
}

bool vt_buf_json_str(vt_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (!vt_buf_append(b, "\"", 1)) return false;
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') { run++; continue; }
    vt_buf_append(b, s + i - run, run);
    run = 0;
    char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
    switch (c) {
      case '"': vt_buf_append(b, "\\\"", 2); break;
      case '\\': vt_buf_append(b, "\\\\", 2); break;
      case '\n': vt_buf_append(b, "\\n", 2); break;
      case '\r': vt_buf_append(b, "\\r", 2); break;
      case '\t': vt_buf_append(b, "\\t", 2); break;
      default: vt_buf_append(b, esc, 6); break;
    }
  }
  vt_buf_append(b, s + n - run, run);
  return vt_buf_append(b, "\"", 1);
}

char *vt_buf_steal(vt_buf *b, size_t *len) {
  char *p = b->data;
  if (!p) {
    p = malloc(1);
    if (p) p[0] = 0;
  }
  if (len) *len = b->len;
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = false;
  return p;
}
