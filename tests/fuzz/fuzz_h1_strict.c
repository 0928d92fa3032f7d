/*
 * fuzz_h1_strict.c: libFuzzer harness and differential test for the strict framing
 * checker (src/net/h1_strict.c) against http_parser, the parser it stands beside.
 *
 * Input: byte 0 picks a split size (1..32) for the second pass; the rest is a client
 * byte stream. Properties checked (abort() on a violation):
 *  1. Splitting does not matter: fed at once and fed in pieces, the checker takes the
 *     same bytes and ends in the same verdict (done, error status).
 *  2. Differential: when the checker accepts a message (done, no error) and
 *     http_parser finds no error in the same bytes, http_parser completes exactly one
 *     message at exactly the same byte (upgrades aside: http_parser stops at their
 *     head). http_conn.c refuses any disagreement with 400, so a violation here is a
 *     request verity would wrongly refuse, never one it would frame two ways.
 */
#include <http_parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/h1_strict.h"

typedef struct {
  int completed;
  size_t at; /* bytes consumed when the message completed */
} diff_state;

static int on_complete(http_parser *p) {
  diff_state *d = p->data;
  d->completed++;
  http_parser_pause(p, 1); /* stop right at the message's end, as http_conn.c does */
  return 0;
}

static const http_parser_settings settings = {.on_message_complete = on_complete};

static size_t check_once(const char *d, size_t n, size_t step, vt_h1s *s) {
  size_t used = 0;
  vt_h1s_reset(s);
  while (used < n && !vt_h1s_done(s) && !s->error) {
    size_t k = n - used < step ? n - used : step;
    size_t took = vt_h1s_feed(s, d + used, k);
    used += took;
    if (took < k) break;
  }
  return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t step = (size_t)(data[0] % 32) + 1;
  const char *d = (const char *)data + 1;
  size_t n = size - 1;
  vt_h1s a, b;
  size_t ua = check_once(d, n, n, &a);
  size_t ub = check_once(d, n, step, &b);
  if (ua != ub || vt_h1s_done(&a) != vt_h1s_done(&b) || a.error != b.error) abort();
  if (!vt_h1s_done(&a) || a.error) return 0;
  /* the checker accepted d[0..ua) as one message: so must http_parser */
  http_parser p;
  diff_state st = {0, 0};
  http_parser_init(&p, HTTP_REQUEST);
  p.data = &st;
  size_t got = http_parser_execute(&p, &settings, d, ua);
  enum http_errno e = HTTP_PARSER_ERRNO(&p);
  if (e != HPE_OK && e != HPE_PAUSED) {
    /* http_parser refusing more than the checker is safe (verity answers 400): only
     * disagreement on a message both accept is a framing ambiguity. */
    return 0;
  }
  if (p.upgrade) return 0; /* CONNECT / Upgrade: http_parser stops at the head; verity checks its own way */
  if (st.completed != 1 || got != ua) abort();
  return 0;
}
