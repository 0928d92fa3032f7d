/*
 * fuzz_wsclient.c: libFuzzer harness for what the WebSocket client (net/ws_client.c)
 * parses from an upstream: the 101 upgrade response (vt_wsc_check_upgrade) and then the
 * server's frames (net/ws_frame.c in client mode).
 *
 * Input: byte 0 picks the feed chunk size (1..64) and whether max_message is small (to
 * reach 1009); the rest is what the server sent: a head up to CRLF CRLF, then frames.
 * The head is checked against a fixed key as the client checks it; whatever the verdict
 * the frames are parsed too, in chunks, as frames_in() does. It must never crash, hang
 * or leak; every event must use no more than it was given, a message never exceeds
 * max_message, control payloads fit 125 bytes, and an error is sticky.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/ws_client.h"
#include "net/ws_frame.h"

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t chunk = (size_t)(data[0] & 63u) + 1;
  size_t max_message = (data[0] & 64u) ? 64 : 1u << 20;
  data++;
  size--;
  size_t head = size;
  for (size_t i = 0; i + 4 <= size; i++)
    if (!memcmp(data + i, "\r\n\r\n", 4)) {
      head = i + 4;
      break;
    }
  if (head > VT_WSC_MAX_HANDSHAKE) head = VT_WSC_MAX_HANDSHAKE;
  char why[VT_WSC_WHY_MAX];
  why[0] = 0;
  int ok = vt_wsc_check_upgrade((const char *)data, head, KEY, why, sizeof why);
  if (ok != 0 && !why[0]) abort(); /* a refusal always says why */

  vt_wsp p;
  vt_wsp_init_client(&p, max_message);
  const uint8_t *d = data + head;
  size_t n = size - head;
  bool failed = false;
  while (n > 0) {
    size_t give = n < chunk ? n : chunk, used = 0;
    vt_wsp_event ev = vt_wsp_feed(&p, d, give, &used);
    if (used > give) abort();
    if (failed && ev != VT_WSP_ERROR) abort(); /* sticky */
    if (ev == VT_WSP_MESSAGE && p.msg.len > max_message) abort();
    if ((ev == VT_WSP_PING || ev == VT_WSP_PONG) && p.ctl_len > VT_WS_MAX_CONTROL) abort();
    if (ev == VT_WSP_ERROR) {
      failed = true;
      if (p.error_code < 1000) abort();
      break;
    }
    if (ev == VT_WSP_CLOSE) break;
    if (ev == VT_WSP_MORE && used != give) abort();
    d += used;
    n -= used;
  }
  vt_wsp_free(&p);
  return 0;
}
