/*
 * h1_strict.h: strict RFC 9112 framing checks for the front door, run beside
 * http_parser. Internal to src/net; sans-I/O, no allocation.
 *
 * http_parser (as packaged, built without HTTP_PARSER_STRICT) is lenient where a
 * proxy in front of verity may not be, which is how requests are smuggled: it takes
 * "Transfer-Encoding : chunked" (a space inside the header name) for framing, accepts
 * anything after chunk data where CRLF belongs, and serves any HTTP/x.y. So
 * http_conn.c feeds this checker exactly the bytes http_parser consumed, and refuses
 * the request when the checker objects, or when the two disagree on where a message
 * ends (the checker frames every message itself: head, then Content-Length bytes or
 * chunks, and stops at the message's last byte).
 *
 * What it refuses (the status to answer with is in ->error, a sentence in ->why):
 *  - 505: a version other than HTTP/1.0 and HTTP/1.1;
 *  - 400: a header name that is not a token (whitespace before the colon included),
 *    an empty name, obs-fold (a line starting with SP or HTAB), a control character
 *    in a header value, CR not followed by LF, Content-Length that is not digits or
 *    comes twice, Content-Length together with Transfer-Encoding, Transfer-Encoding
 *    in an HTTP/1.0 request, chunk data not followed by CRLF, a malformed chunk size
 *    line;
 *  - 501: a Transfer-Encoding other than exactly "chunked".
 * Head lines may end in LF alone (RFC 9112 2.2 allows it); chunk framing may not.
 *
 * Who calls it: http_conn.c only (and the fuzz harness through it). The caller owns
 * the vt_h1s (embedded in its connection) and resets it when a message is done.
 */
#ifndef VT_NET_H1_STRICT_H
#define VT_NET_H1_STRICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_H1S_NAME_MAX 20u  /* bytes of a header name kept (the framing names are shorter) */
#define VT_H1S_VALUE_MAX 40u /* bytes of a framing header's value kept */
#define VT_H1S_TAIL 12u      /* last bytes of the request line kept for the version */
#define VT_H1S_MAX_SIZE_DIGITS 15u /* hex digits of a chunk size */

typedef struct {
  unsigned state;          /* where in the message (h1_strict.c) */
  bool request_line_done;
  bool http10;             /* the request line said HTTP/1.0 */
  bool have_cl, have_te, chunked;
  uint64_t content_length; /* then the body bytes still to come */
  uint64_t chunk_left;
  unsigned digits;         /* of the chunk size being read */
  unsigned name_len, value_len, tail_len;
  unsigned field;          /* which framing header the current line is, if any */
  char name[VT_H1S_NAME_MAX];
  char value[VT_H1S_VALUE_MAX];
  char tail[VT_H1S_TAIL];
  int error;               /* 0, or the HTTP status to answer with (400, 501, 505) */
  const char *why;         /* static text for error */
} vt_h1s;

/* Ready for a new message. */
void vt_h1s_reset(vt_h1s *s);

/* Check d[0..n). Returns the bytes taken: n, or fewer when the message ended inside
 * d (vt_h1s_done() is then true) or an error was found (s->error set; sticky). */
size_t vt_h1s_feed(vt_h1s *s, const char *d, size_t n) __attribute__((warn_unused_result));

/* Has the checker seen the message's last byte? */
bool vt_h1s_done(const vt_h1s *s);

/* Is the checker inside a message (past its first byte, before its last)? */
bool vt_h1s_started(const vt_h1s *s);

#endif
