/*
 * h1_strict.c: the strict framing checker beside http_parser (see h1_strict.h).
 *
 * One byte-at-a-time state machine over a request: the lines before the request line
 * (skipped, as http_parser skips them), the request line (only its last bytes are
 * kept, for the version), header lines (names checked as tokens; the values of
 * Content-Length and Transfer-Encoding kept, capped, to decide the framing), then the
 * body: Content-Length bytes, or chunks whose size lines and CRLFs are checked. The
 * body bytes themselves are skipped in one step, so the cost per request is one pass
 * over its head and chunk framing.
 */
#include "net/h1_strict.h"

#include <string.h>
#include <strings.h>

enum {
  S_START, S_RLINE, S_RLINE_LF, S_LINE_START, S_NAME, S_VALUE, S_LINE_LF, S_HEAD_LF,
  S_BODY, S_SIZE, S_SIZE_WS, S_EXT, S_SIZE_LF, S_DATA, S_DATA_CR, S_DATA_LF,
  S_TRAILER_START, S_TRAILER, S_TRAILER_LF, S_END_LF, S_DONE, S_ERROR,
};

enum { F_OTHER, F_CONTENT_LENGTH, F_TRANSFER_ENCODING };

/* The header names that frame a message. */
static const struct { const char *name; unsigned field; } framing_fields[] = {
    {"content-length", F_CONTENT_LENGTH},
    {"transfer-encoding", F_TRANSFER_ENCODING},
};

/* Byte classes for the runs head_run takes in one step (RFC 9110 5.6.2 tchar for names;
 * values stop at a control character other than HTAB; the request line at CR or LF). */
enum { C_TCHAR = 1, C_VALUE = 2, C_RLINE = 4 };
static const unsigned char byte_class[256] = {
    4, 4, 4, 4, 4, 4, 4, 4, 4, 6, 0, 4, 4, 0, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    6, 7, 6, 7, 7, 7, 7, 7, 6, 6, 7, 7, 6, 7, 7, 6,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6,
    6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 7, 6, 7, 4,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
};

static bool is_tchar(unsigned char c) { return byte_class[c] & C_TCHAR; }

static bool is_ctl(unsigned char c) { return !(byte_class[c] & C_VALUE); }

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void fail(vt_h1s *s, int status, const char *why) {
  if (s->error) return;
  s->error = status;
  s->why = why;
  s->state = S_ERROR;
}

void vt_h1s_reset(vt_h1s *s) { memset(s, 0, sizeof *s); }

bool vt_h1s_done(const vt_h1s *s) { return s->state == S_DONE; }

bool vt_h1s_started(const vt_h1s *s) { return s->state != S_START && s->state != S_DONE; }

/* The request line ended: its last bytes must be " HTTP/1.0" or " HTTP/1.1". */
static void check_version(vt_h1s *s) {
  static const char v10[] = " HTTP/1.0", v11[] = " HTTP/1.1";
  size_t n = sizeof v10 - 1;
  const char *t = s->tail + (s->tail_len > n ? s->tail_len - n : 0);
  s->request_line_done = true;
  if (s->tail_len >= n && (memcmp(t, v10, n) == 0 || memcmp(t, v11, n) == 0)) {
    s->http10 = memcmp(t, v10, n) == 0;
    return;
  }
  if (s->tail_len >= n && memcmp(t, " HTTP/", 6) == 0 && t[6] >= '0' && t[6] <= '9' && t[7] == '.' &&
      t[8] >= '0' && t[8] <= '9') {
    fail(s, 505, "HTTP version not supported: only HTTP/1.0 and HTTP/1.1");
    return;
  }
  fail(s, 400, "bad request line: expected METHOD TARGET HTTP/1.1");
}

static void keep_tail(vt_h1s *s, char c) {
  if (s->tail_len == VT_H1S_TAIL) {
    memmove(s->tail, s->tail + 1, VT_H1S_TAIL - 1);
    s->tail_len--;
  }
  s->tail[s->tail_len++] = c;
}

/* keep_tail for a run of n request-line bytes at once: the tail ends up holding the last
 * VT_H1S_TAIL bytes of the line, as n calls of keep_tail would leave it. */
static void keep_tail_run(vt_h1s *s, const unsigned char *d, size_t n) {
  if (n >= VT_H1S_TAIL) {
    memcpy(s->tail, d + n - VT_H1S_TAIL, VT_H1S_TAIL);
    s->tail_len = VT_H1S_TAIL;
    return;
  }
  size_t keep = s->tail_len < VT_H1S_TAIL - n ? s->tail_len : VT_H1S_TAIL - n;
  memmove(s->tail, s->tail + s->tail_len - keep, keep);
  memcpy(s->tail + keep, d, n);
  s->tail_len = (unsigned)(keep + n);
}

/* A header name ended (at its colon): which framing header is it, if any? */
static void name_done(vt_h1s *s) {
  s->field = F_OTHER;
  s->value_len = 0;
  if (s->name_len == 0) {
    fail(s, 400, "bad header: empty field name");
    return;
  }
  for (size_t i = 0; i < sizeof framing_fields / sizeof framing_fields[0]; i++)
    if (s->name_len == strlen(framing_fields[i].name) &&
        strncasecmp(s->name, framing_fields[i].name, s->name_len) == 0)
      s->field = framing_fields[i].field;
}

/* A header line ended: take in Content-Length or Transfer-Encoding. */
static void field_done(vt_h1s *s) {
  unsigned a = 0, b = s->value_len;
  if (s->field == F_OTHER) return;
  if (b > VT_H1S_VALUE_MAX) b = VT_H1S_VALUE_MAX + 1; /* too long: fails below */
  while (a < b && b <= VT_H1S_VALUE_MAX && (s->value[a] == ' ' || s->value[a] == '\t')) a++;
  while (b > a && b <= VT_H1S_VALUE_MAX && (s->value[b - 1] == ' ' || s->value[b - 1] == '\t')) b--;
  if (s->field == F_TRANSFER_ENCODING) {
    if (s->have_te || b > VT_H1S_VALUE_MAX || b - a != 7 || strncasecmp(s->value + a, "chunked", 7) != 0)
      fail(s, 501, "transfer encoding not implemented: only Transfer-Encoding: chunked, once");
    s->have_te = s->chunked = true;
    return;
  }
  if (s->have_cl) {
    fail(s, 400, "bad request: Content-Length given twice");
    return;
  }
  if (b > VT_H1S_VALUE_MAX || b == a || b - a > 18) {
    fail(s, 400, "bad request: Content-Length is not a number");
    return;
  }
  uint64_t v = 0;
  for (unsigned i = a; i < b; i++) {
    if (s->value[i] < '0' || s->value[i] > '9') {
      fail(s, 400, "bad request: Content-Length is not a number");
      return;
    }
    v = v * 10 + (uint64_t)(s->value[i] - '0');
  }
  s->have_cl = true;
  s->content_length = v;
}

/* The empty line after the headers: how is the body framed? */
static void head_done(vt_h1s *s) {
  if (s->have_te && s->have_cl) {
    fail(s, 400, "bad request: both Content-Length and Transfer-Encoding");
    return;
  }
  if (s->have_te && s->http10) { /* RFC 9112 6.1: faulty framing */
    fail(s, 400, "bad request: Transfer-Encoding in an HTTP/1.0 request");
    return;
  }
  if (s->chunked) s->state = S_SIZE;
  else if (s->have_cl && s->content_length > 0) s->state = S_BODY;
  else s->state = S_DONE;
}

/* The head, one byte. */
static void head_byte(vt_h1s *s, unsigned char c) {
  switch (s->state) {
  case S_START:
    if (c != '\r' && c != '\n') {
      s->state = S_RLINE;
      keep_tail(s, (char)c);
    }
    break;
  case S_RLINE:
    if (c == '\r') s->state = S_RLINE_LF;
    else if (c == '\n') { check_version(s); if (!s->error) s->state = S_LINE_START; }
    else keep_tail(s, (char)c);
    break;
  case S_RLINE_LF:
    if (c != '\n') { fail(s, 400, "bad request line: CR without LF"); break; }
    check_version(s);
    if (!s->error) s->state = S_LINE_START;
    break;
  case S_LINE_START:
    s->name_len = 0;
    if (c == '\r') s->state = S_HEAD_LF;
    else if (c == '\n') head_done(s);
    else if (c == ' ' || c == '\t') fail(s, 400, "bad header: obsolete line folding");
    else { s->state = S_NAME; head_byte(s, c); }
    break;
  case S_NAME:
    if (c == ':') { name_done(s); if (!s->error) s->state = S_VALUE; }
    else if (!is_tchar(c)) fail(s, 400, "bad header: a field name holds a character that is not a token "
                                        "(whitespace before the colon?)");
    else if (s->name_len < VT_H1S_NAME_MAX) s->name[s->name_len++] = (char)c;
    else s->name_len = VT_H1S_NAME_MAX; /* long names are never framing names */
    break;
  case S_VALUE:
    if (c == '\r') s->state = S_LINE_LF;
    else if (c == '\n') { field_done(s); if (!s->error) s->state = S_LINE_START; }
    else if (is_ctl(c)) fail(s, 400, "bad header: control character in a field value");
    else if (s->field != F_OTHER && s->value_len <= VT_H1S_VALUE_MAX) {
      if (s->value_len < VT_H1S_VALUE_MAX) s->value[s->value_len] = (char)c;
      s->value_len++;
    }
    break;
  case S_LINE_LF:
    if (c != '\n') { fail(s, 400, "bad header: CR without LF"); break; }
    field_done(s);
    if (!s->error) s->state = S_LINE_START;
    break;
  case S_HEAD_LF:
    if (c != '\n') fail(s, 400, "bad request: CR without LF after the headers");
    else head_done(s);
    break;
  default:
    break;
  }
}

/* Chunk framing and trailers, one byte (chunk data is skipped in vt_h1s_feed). */
static void chunk_byte(vt_h1s *s, unsigned char c) {
  static const char bad_size[] = "bad chunked body: malformed chunk size line";
  int h;
  switch (s->state) {
  case S_SIZE:
    if ((h = hexval(c)) >= 0) {
      if (++s->digits > VT_H1S_MAX_SIZE_DIGITS) fail(s, 400, bad_size);
      s->chunk_left = s->chunk_left << 4 | (uint64_t)h;
    } else if (s->digits == 0) {
      fail(s, 400, bad_size);
    } else if (c == ' ' || c == '\t') {
      s->state = S_SIZE_WS;
    } else if (c == ';') {
      s->state = S_EXT;
    } else if (c == '\r') {
      s->state = S_SIZE_LF;
    } else {
      fail(s, 400, bad_size);
    }
    break;
  case S_SIZE_WS:
    if (c == ';') s->state = S_EXT;
    else if (c == '\r') s->state = S_SIZE_LF;
    else if (c != ' ' && c != '\t') fail(s, 400, bad_size);
    break;
  case S_EXT:
    if (c == '\r') s->state = S_SIZE_LF;
    else if (is_ctl(c)) fail(s, 400, bad_size);
    break;
  case S_SIZE_LF:
    if (c != '\n') fail(s, 400, bad_size);
    else s->state = s->chunk_left ? S_DATA : S_TRAILER_START;
    s->digits = 0;
    break;
  case S_DATA_CR:
    if (c != '\r') fail(s, 400, "bad chunked body: chunk data not followed by CRLF");
    else s->state = S_DATA_LF;
    break;
  case S_DATA_LF:
    if (c != '\n') fail(s, 400, "bad chunked body: chunk data not followed by CRLF");
    else s->state = S_SIZE;
    break;
  case S_TRAILER_START:
    if (c == '\r') s->state = S_END_LF;
    else if (is_ctl(c) || c == ' ') fail(s, 400, "bad chunked body: malformed trailer");
    else s->state = S_TRAILER;
    break;
  case S_TRAILER:
    if (c == '\r') s->state = S_TRAILER_LF;
    else if (is_ctl(c)) fail(s, 400, "bad chunked body: malformed trailer");
    break;
  case S_TRAILER_LF:
    if (c != '\n') fail(s, 400, "bad chunked body: malformed trailer");
    else s->state = S_TRAILER_START;
    break;
  case S_END_LF:
    if (c != '\n') fail(s, 400, "bad chunked body: CRLF expected at its end");
    else s->state = S_DONE;
    break;
  default:
    break;
  }
}

/* The ordinary bytes of a request line, a header name or a header value, taken as one run
 * (what head_byte would do with each of them, in one step): head_byte then sees only the
 * bytes that end a run (CR, LF, the colon, a byte that fails). Returns the bytes taken. */
static size_t head_run(vt_h1s *s, const unsigned char *d, size_t n) {
  size_t k = 0;
  switch (s->state) {
  case S_RLINE:
    while (k < n && (byte_class[d[k]] & C_RLINE)) k++;
    if (k) keep_tail_run(s, d, k);
    break;
  case S_NAME:
    while (k < n && (byte_class[d[k]] & C_TCHAR)) k++;
    if (s->name_len < VT_H1S_NAME_MAX) {
      size_t room = VT_H1S_NAME_MAX - s->name_len, take = k < room ? k : room;
      memcpy(s->name + s->name_len, d, take);
    }
    s->name_len = k < VT_H1S_NAME_MAX - s->name_len ? s->name_len + (unsigned)k : VT_H1S_NAME_MAX;
    break;
  case S_VALUE:
    while (k < n && (byte_class[d[k]] & C_VALUE)) k++; /* CR and LF are control characters */
    if (s->field == F_OTHER || s->value_len > VT_H1S_VALUE_MAX) break;
    if (s->value_len < VT_H1S_VALUE_MAX) {
      size_t room = VT_H1S_VALUE_MAX - s->value_len, take = k < room ? k : room;
      memcpy(s->value + s->value_len, d, take);
    }
    s->value_len = k <= VT_H1S_VALUE_MAX - s->value_len ? s->value_len + (unsigned)k : VT_H1S_VALUE_MAX + 1;
    break;
  default:
    break;
  }
  return k;
}

size_t vt_h1s_feed(vt_h1s *s, const char *d, size_t n) {
  size_t i = 0;
  while (i < n && s->state != S_DONE && s->state != S_ERROR) {
    size_t run = head_run(s, (const unsigned char *)d + i, n - i);
    if (run) {
      i += run;
      continue;
    }
    if (s->state == S_BODY || s->state == S_DATA) { /* skip payload bytes in one step */
      uint64_t *left = s->state == S_BODY ? &s->content_length : &s->chunk_left;
      size_t take = (uint64_t)(n - i) < *left ? n - i : (size_t)*left;
      *left -= take;
      i += take;
      if (*left == 0) s->state = s->state == S_BODY ? S_DONE : S_DATA_CR;
      continue;
    }
    unsigned char c = (unsigned char)d[i++];
    if (s->state < S_BODY) head_byte(s, c);
    else chunk_byte(s, c);
  }
  return i;
}
