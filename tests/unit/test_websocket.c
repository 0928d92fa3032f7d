/*
 * test_websocket.c: WebSocket (RFC 6455) in the front door: the handshake key, the
 * sans-I/O frame parser (src/net/ws_frame.c) from byte vectors, and the protocol
 * over real loopback sockets (src/net/websocket.c via http_server.c).
 *
 * Socket tests use client_thread.h, shared with test_http_server.c: server in a uv loop
 * on the main thread, a blocking client in a second thread that records what it saw,
 * the main thread asserts after the loop has closed every handle (so ASan sees leaks).
 * The server's handler echoes every message; "close-me" makes it close with 1000,
 * "flood" makes it send far more than max_ws_queue to a client that is not reading.
 */
#include <time.h>

#include "client_thread.h"
#include "net/http_server.h"
#include "net/ws_frame.h"

#define RFC_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

/* ---------- pure: handshake key and frame parser ---------- */

static void test_accept_key_rfc_vector(void **state) {
  (void)state;
  char out[29];
  assert_int_equal(vt_ws_accept_key(RFC_KEY, out), 0);
  assert_string_equal(out, RFC_ACCEPT);
  assert_int_equal(vt_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ", out), -1);   /* short */
  assert_int_equal(vt_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=!", out), -1); /* not base64 */
  assert_int_equal(vt_ws_accept_key("dGhlIHNhbXBsZSBub25jZXh4", out), -1); /* 18 bytes */
  assert_int_equal(vt_ws_accept_key(NULL, out), -1);
}

/* Build a client frame (masked unless told otherwise) into out; returns its size. */
static size_t make_frame(uint8_t *out, bool fin, unsigned op, const void *payload, size_t len, bool masked,
                         uint8_t rsv) {
  static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  size_t n = 0;
  out[n++] = (uint8_t)((fin ? 0x80 : 0) | rsv | op);
  uint8_t mbit = masked ? 0x80 : 0;
  if (len < 126) {
    out[n++] = (uint8_t)(mbit | len);
  } else if (len <= 0xffff) {
    out[n++] = mbit | 126;
    out[n++] = (uint8_t)(len >> 8);
    out[n++] = (uint8_t)len;
  } else {
    out[n++] = mbit | 127;
    for (int i = 7; i >= 0; i--) out[n++] = (uint8_t)((uint64_t)len >> (8 * i));
  }
  if (masked) {
    memcpy(out + n, key, 4);
    n += 4;
  }
  for (size_t i = 0; i < len; i++) out[n + i] = ((const uint8_t *)payload)[i] ^ (masked ? key[i & 3] : 0);
  return n + len;
}

static void test_parser_rfc_masked_hello(void **state) {
  (void)state;
  /* RFC 6455 5.7: a single-frame masked text message "Hello" */
  static const uint8_t v[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
  vt_wsp p;
  size_t used;
  vt_wsp_init(&p, 1024);
  for (size_t i = 0; i < sizeof v - 1; i++) { /* byte by byte */
    assert_int_equal(vt_wsp_feed(&p, v + i, 1, &used), VT_WSP_MORE);
    assert_int_equal(used, 1);
  }
  assert_int_equal(vt_wsp_feed(&p, v + sizeof v - 1, 1, &used), VT_WSP_MESSAGE);
  assert_int_equal(p.msg_opcode, VT_WS_OP_TEXT);
  assert_int_equal(p.msg.len, 5);
  assert_memory_equal(p.msg.data, "Hello", 5);
  vt_wsp_free(&p);
}

static void test_parser_lengths_and_fragments(void **state) {
  (void)state;
  static uint8_t buf[200000], payload[70000];
  size_t n = 0, used, off = 0;
  vt_wsp p;
  for (size_t i = 0; i < sizeof payload; i++) payload[i] = (uint8_t)(i * 7);
  n += make_frame(buf + n, true, VT_WS_OP_BINARY, payload, 300, true, 0);   /* 16-bit length */
  n += make_frame(buf + n, true, VT_WS_OP_BINARY, payload, 70000, true, 0); /* 64-bit length */
  n += make_frame(buf + n, false, VT_WS_OP_TEXT, "ab", 2, true, 0);
  n += make_frame(buf + n, true, VT_WS_OP_PING, "pp", 2, true, 0);
  n += make_frame(buf + n, false, VT_WS_OP_CONT, "", 0, true, 0);
  n += make_frame(buf + n, true, VT_WS_OP_CONT, "cd", 2, true, 0);
  vt_wsp_init(&p, 100000);
  assert_int_equal(vt_wsp_feed(&p, buf, n, &used), VT_WSP_MESSAGE);
  assert_int_equal(p.msg.len, 300);
  assert_memory_equal(p.msg.data, payload, 300);
  off += used;
  assert_int_equal(vt_wsp_feed(&p, buf + off, n - off, &used), VT_WSP_MESSAGE);
  assert_int_equal(p.msg.len, 70000);
  assert_memory_equal(p.msg.data, payload, 70000);
  off += used;
  assert_int_equal(vt_wsp_feed(&p, buf + off, n - off, &used), VT_WSP_PING);
  assert_int_equal(p.ctl_len, 2);
  assert_memory_equal(p.ctl, "pp", 2);
  off += used;
  assert_int_equal(vt_wsp_feed(&p, buf + off, n - off, &used), VT_WSP_MESSAGE);
  assert_int_equal(p.msg_opcode, VT_WS_OP_TEXT);
  assert_int_equal(p.msg.len, 4);
  assert_memory_equal(p.msg.data, "abcd", 4);
  off += used;
  assert_int_equal(off, n);
  vt_wsp_free(&p);
}

typedef struct { const char *name; uint8_t bytes[24]; size_t len; uint16_t code; } bad_frame;

static void test_parser_rejects(void **state) {
  (void)state;
  static const bad_frame rows[] = {
      {"unmasked text", {0x81, 0x02, 'h', 'i'}, 4, 1002},
      {"rsv1 set", {0xc1, 0x80, 0, 0, 0, 0}, 6, 1002},
      {"opcode 3", {0x83, 0x80, 0, 0, 0, 0}, 6, 1002},
      {"opcode 0xb", {0x8b, 0x80, 0, 0, 0, 0}, 6, 1002},
      {"fragmented ping", {0x09, 0x80, 0, 0, 0, 0}, 6, 1002},
      {"ping of 126", {0x89, 0xfe, 0x00, 0x7e, 0, 0, 0, 0}, 8, 1002},
      {"continuation first", {0x80, 0x80, 0, 0, 0, 0}, 6, 1002},
      {"text inside fragments", {0x01, 0x80, 0, 0, 0, 0, 0x81, 0x80, 0, 0, 0, 0}, 12, 1002},
      {"64-bit top bit", {0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}, 14, 1002},
      {"close of 1 byte", {0x88, 0x81, 0, 0, 0, 0, 0x03}, 7, 1002},
      {"close code 1005", {0x88, 0x82, 0, 0, 0, 0, 0x03, 0xed}, 8, 1002},
      {"close code 999", {0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe7}, 8, 1002},
      {"over max_message", {0x82, 0xfe, 0x04, 0x01, 0, 0, 0, 0}, 8, 1009},
      {"fragments over max", {0x02, 0xfe, 0x02, 0x00, 0, 0, 0, 0}, 8, 0},
      {"close reason not utf-8", {0x88, 0x84, 0, 0, 0, 0, 0x03, 0xe8, 0xff, 0xfe}, 10, 1007},
      {"close reason overlong", {0x88, 0x84, 0, 0, 0, 0, 0x03, 0xe8, 0xc0, 0xaf}, 10, 1007},
      {"close reason cut utf-8", {0x88, 0x83, 0, 0, 0, 0, 0x03, 0xe8, 0xe2}, 9, 1007},
      {"text not utf-8", {0x81, 0x82, 0, 0, 0, 0, 0xc0, 0xaf}, 8, 1007},
      {"text surrogate", {0x81, 0x83, 0, 0, 0, 0, 0xed, 0xa0, 0x80}, 9, 1007},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    vt_wsp p;
    size_t used = 0;
    vt_wsp_init(&p, 1024);
    vt_wsp_event ev = vt_wsp_feed(&p, rows[i].bytes, rows[i].len, &used);
    if (rows[i].code == 0) { /* header accepted; payload follows */
      assert_int_equal(ev, VT_WSP_MORE);
    } else {
      if (ev != VT_WSP_ERROR || p.error_code != rows[i].code) fail_msg("%s: ev %d code %u", rows[i].name, ev, p.error_code);
      assert_int_equal(vt_wsp_feed(&p, rows[i].bytes, 1, &used), VT_WSP_ERROR); /* sticky */
    }
    vt_wsp_free(&p);
  }
  /* a second fragment that passes the cap */
  {
    static uint8_t buf[3000], payload[600];
    vt_wsp p;
    size_t used, n = make_frame(buf, false, VT_WS_OP_TEXT, payload, 600, true, 0);
    n += make_frame(buf + n, true, VT_WS_OP_CONT, payload, 600, true, 0);
    vt_wsp_init(&p, 1000);
    assert_int_equal(vt_wsp_feed(&p, buf, n, &used), VT_WSP_ERROR);
    assert_int_equal(p.error_code, 1009);
    vt_wsp_free(&p);
  }
  /* a valid close with code and reason */
  {
    uint8_t buf[32];
    vt_wsp p;
    size_t used, n = make_frame(buf, true, VT_WS_OP_CLOSE, "\x03\xe8o\xc3\xa9", 5, true, 0);
    vt_wsp_init(&p, 1000);
    assert_int_equal(vt_wsp_feed(&p, buf, n, &used), VT_WSP_CLOSE);
    assert_int_equal(p.close_code, 1000);
    assert_string_equal((const char *)p.ctl + 2, "o\xc3\xa9"); /* UTF-8 reasons pass */
    vt_wsp_free(&p);
  }
}

static void test_server_frame_header(void **state) {
  (void)state;
  uint8_t h[10];
  assert_int_equal(vt_ws_frame_header(h, VT_WS_OP_TEXT, 5), 2);
  assert_int_equal(h[0], 0x81);
  assert_int_equal(h[1], 5);
  assert_int_equal(vt_ws_frame_header(h, VT_WS_OP_TEXT, 256), 4);
  assert_int_equal(h[1], 126);
  assert_int_equal(h[2], 1);
  assert_int_equal(h[3], 0);
  assert_int_equal(vt_ws_frame_header(h, VT_WS_OP_BINARY, 65536), 10);
  assert_int_equal(h[0], 0x82);
  assert_int_equal(h[1], 127);
  assert_int_equal(h[7], 1);
  assert_int_equal(h[8], 0);
}

/* ---------- socket harness ---------- */

typedef struct test test;
typedef void (*client_fn)(test *t);

typedef struct {
  unsigned op;
  size_t len;
  uint8_t data[256]; /* the first bytes */
} frame;

struct test {
  ct_env env; /* loop, server, port, stats: client_thread.h */
  client_fn client;
  int opens, closes, enobufs, data_ok; /* loop thread */
  int ok;                              /* client thread */
  char note[256];
  char head[4096];
  int status;
  frame f[8];
  int closed_after;
  int keep_fd; /* left open by the client; closed by the test after the loop */
  int upgrades, auth_seen; /* on_ws_upgrade calls; opens that carried its auth */
};

static void on_request(vt_http_req *req, void *ud) {
  (void)ud;
  vt_http_respond(req, 200, "text/plain", NULL, 0, "http", 4);
}

static void on_ws_open(vt_ws_conn *c, void *ud) {
  test *t = ud;
  t->opens++;
  if (vt_ws_get_auth(c) == (void *)&t->auth_seen) t->auth_seen++;
  vt_ws_set_data(c, t);
  if (strncmp(vt_ws_peer(c), "127.0.0.1:", 10) != 0) t->opens += 100;
}

static void on_ws_message(vt_ws_conn *c, const char *data, size_t len, void *ud) {
  test *t = ud;
  if (vt_ws_get_data(c) != t) t->data_ok = -1;
  if (len == 8 && memcmp(data, "close-me", 8) == 0) {
    vt_ws_close(c, 1000, "bye");
    return;
  }
  if (len == 5 && memcmp(data, "flood", 5) == 0) {
    static char chunk[65536];
    memset(chunk, 'f', sizeof chunk);
    for (int i = 0; i < 400; i++) {
      int rc = vt_ws_send(c, chunk, sizeof chunk);
      if (rc == UV_ENOBUFS) t->enobufs++;
      if (rc != 0) break;
    }
    return;
  }
  if (vt_ws_send(c, data, len) != 0) t->data_ok = -2;
}

static void on_ws_close(vt_ws_conn *c, void *ud) {
  test *t = ud;
  t->closes++;
  if (vt_ws_send(c, "late", 4) != UV_EPIPE) t->data_ok = -3;
}

static void client_of(void *arg) {
  test *t = arg;
  t->client(t);
}

static void run(test *t, const vt_http_limits *lim, client_fn fn) {
  vt_http_handlers h = {on_request, on_ws_open, on_ws_message, on_ws_close, t, NULL};
  t->client = fn;
  ct_run(&t->env, lim, &h, client_of, t);
  if (!t->ok) fprintf(stderr, "client: %s\n", t->note);
  assert_int_equal(t->data_ok, 0);
}

static bool read_head(test *t, int fd) {
  size_t n = 0;
  memset(t->head, 0, sizeof t->head);
  while (n < sizeof t->head - 1) {
    if (!read_exact(fd, t->head + n, 1)) return false;
    n++;
    if (n >= 4 && memcmp(t->head + n - 4, "\r\n\r\n", 4) == 0) break;
  }
  return sscanf(t->head, "HTTP/1.1 %d", &t->status) == 1;
}

/* Open a websocket: send the upgrade (plus extra bytes right behind it), read the 101. */
static bool ws_open(test *t, int fd, const void *extra, size_t extra_len) {
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
                   "Sec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n");
  char both[1024];
  memcpy(both, req, (size_t)n);
  if (extra_len) memcpy(both + n, extra, extra_len);
  return send_all(fd, both, (size_t)n + extra_len) && read_head(t, fd) && t->status == 101;
}

static bool send_frame(int fd, bool fin, unsigned op, const void *payload, size_t len, bool masked) {
  uint8_t *b = malloc(len + 14);
  size_t n = make_frame(b, fin, op, payload, len, masked, 0);
  bool ok = send_all(fd, b, n);
  free(b);
  return ok;
}

/* Read one server frame (must be unmasked and final); keeps the first 256 bytes. */
static bool read_frame(int fd, frame *f) {
  uint8_t h[10], sink[4096];
  if (!read_exact(fd, h, 2) || (h[1] & 0x80) || !(h[0] & 0x80)) return false;
  uint64_t len = h[1] & 0x7f;
  if (len == 126) {
    if (!read_exact(fd, h + 2, 2)) return false;
    len = (uint64_t)h[2] << 8 | h[3];
  } else if (len == 127) {
    if (!read_exact(fd, h + 2, 8)) return false;
    len = 0;
    for (int i = 0; i < 8; i++) len = len << 8 | h[2 + i];
  }
  f->op = h[0] & 0x0f;
  f->len = (size_t)len;
  memset(f->data, 0, sizeof f->data);
  size_t keep = len < sizeof f->data ? (size_t)len : sizeof f->data;
  if (!read_exact(fd, f->data, keep)) return false;
  for (uint64_t left = len - keep; left;) {
    size_t n = left < sizeof sink ? (size_t)left : sizeof sink;
    if (!read_exact(fd, sink, n)) return false;
    left -= n;
  }
  return true;
}

static unsigned close_code(const frame *f) { return f->len >= 2 ? (unsigned)(f->data[0] << 8 | f->data[1]) : 0; }

/* ---------- socket tests ---------- */

static void c_echo(test *t) {
  static char big[70000];
  uint8_t first[64];
  size_t fl = make_frame(first, true, VT_WS_OP_TEXT, "early", 5, true, 0);
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(ws_open(t, fd, first, fl)); /* a frame right behind the upgrade request */
  CHECK(strstr(t->head, "\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\n") != NULL);
  CHECK(read_frame(fd, &t->f[0]));
  CHECK(send_frame(fd, true, VT_WS_OP_TEXT, "hello", 5, true));
  CHECK(read_frame(fd, &t->f[1]));
  memset(big, 'b', sizeof big);
  CHECK(send_frame(fd, true, VT_WS_OP_TEXT, big, sizeof big, true));
  CHECK(read_frame(fd, &t->f[2]));
  CHECK(send_frame(fd, true, VT_WS_OP_CLOSE, "\x03\xe8", 2, true));
  CHECK(read_frame(fd, &t->f[3]));
  t->closed_after = sees_eof(fd);
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_handshake_echo_close(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_echo);
  assert_true(t.ok);
  assert_int_equal(t.f[0].op, VT_WS_OP_TEXT);
  assert_string_equal((char *)t.f[0].data, "early");
  assert_string_equal((char *)t.f[1].data, "hello");
  assert_int_equal(t.f[2].len, 70000);
  assert_int_equal(t.f[3].op, VT_WS_OP_CLOSE);
  assert_int_equal(close_code(&t.f[3]), 1000);
  assert_true(t.closed_after);
  assert_int_equal(t.opens, 1);
  assert_int_equal(t.closes, 1);
  assert_int_equal(t.env.stats.ws_open, 1);
  assert_int_equal(t.env.stats.ws_messages, 3);
}

static void c_fragments(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(ws_open(t, fd, NULL, 0));
  CHECK(send_frame(fd, false, VT_WS_OP_TEXT, "Hel", 3, true));
  CHECK(send_frame(fd, true, VT_WS_OP_PING, "p1", 2, true));
  CHECK(send_frame(fd, false, VT_WS_OP_CONT, "lo ", 3, true));
  CHECK(send_frame(fd, true, VT_WS_OP_CONT, "world", 5, true));
  CHECK(read_frame(fd, &t->f[0]));
  CHECK(read_frame(fd, &t->f[1]));
  CHECK(send_frame(fd, true, VT_WS_OP_PONG, "unsolicited", 11, true)); /* ignored */
  CHECK(send_frame(fd, true, VT_WS_OP_PING, "", 0, true));
  CHECK(read_frame(fd, &t->f[2]));
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_fragmented_message_and_ping(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_fragments);
  assert_true(t.ok);
  assert_int_equal(t.f[0].op, VT_WS_OP_PONG);
  assert_string_equal((char *)t.f[0].data, "p1");
  assert_int_equal(t.f[1].op, VT_WS_OP_TEXT);
  assert_string_equal((char *)t.f[1].data, "Hello world");
  assert_int_equal(t.f[2].op, VT_WS_OP_PONG);
  assert_int_equal(t.f[2].len, 0);
  assert_int_equal(t.closes, 1); /* the client vanished without a close frame */
}

static void c_oversize(test *t) {
  static char big[2000];
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(ws_open(t, fd, NULL, 0));
  CHECK(send_frame(fd, true, VT_WS_OP_TEXT, big, sizeof big, true));
  CHECK(read_frame(fd, &t->f[0]));
  t->closed_after = sees_eof(fd);
  close(fd);
  fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(ws_open(t, fd, NULL, 0));
  CHECK(send_frame(fd, true, VT_WS_OP_TEXT, "plain", 5, false)); /* unmasked */
  CHECK(read_frame(fd, &t->f[1]));
  CHECK(sees_eof(fd));
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_oversize_1009_unmasked_1002(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits l;
  vt_http_limits_default(&l);
  l.max_ws_message = 1000;
  run(&t, &l, c_oversize);
  assert_true(t.ok);
  assert_int_equal(t.f[0].op, VT_WS_OP_CLOSE);
  assert_int_equal(close_code(&t.f[0]), 1009);
  assert_true(t.closed_after);
  assert_int_equal(t.f[1].op, VT_WS_OP_CLOSE);
  assert_int_equal(close_code(&t.f[1]), 1002);
  assert_int_equal(t.closes, 2);
  assert_int_equal(t.env.stats.ws_messages, 0);
}

static void c_server_close(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(ws_open(t, fd, NULL, 0));
  CHECK(send_frame(fd, true, VT_WS_OP_TEXT, "close-me", 8, true));
  CHECK(read_frame(fd, &t->f[0]));
  CHECK(send_frame(fd, true, VT_WS_OP_TEXT, "ignored", 7, true)); /* after close: dropped */
  CHECK(send_frame(fd, true, VT_WS_OP_CLOSE, "\x03\xe8", 2, true));
  t->closed_after = sees_eof(fd);
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_server_initiated_close(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_server_close);
  assert_true(t.ok);
  assert_int_equal(t.f[0].op, VT_WS_OP_CLOSE);
  assert_int_equal(close_code(&t.f[0]), 1000);
  assert_int_equal(t.f[0].len, 5);
  assert_memory_equal(t.f[0].data + 2, "bye", 3);
  assert_true(t.closed_after);
  assert_int_equal(t.closes, 1);
}

static void c_bad_handshakes(test *t) {
  static const char *reqs[] = {
      "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " RFC_KEY
      "\r\nSec-WebSocket-Version: 8\r\n\r\n",
      "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n",
      "POST / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " RFC_KEY
      "\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
      "GET / HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", /* ignored: plain HTTP */
  };
  static const int want[] = {426, 400, 400, 200};
  for (size_t i = 0; i < 4; i++) {
    int fd = dial(t->env.port);
    CHECK(fd >= 0);
    bool ok = send_all(fd, reqs[i], strlen(reqs[i])) && read_head(t, fd) && t->status == want[i];
    if (ok && i == 0) ok = strstr(t->head, "\r\nSec-WebSocket-Version: 13\r\n") != NULL;
    close(fd);
    if (!ok) {
      snprintf(t->note, sizeof t->note, "handshake %zu: status %d", i, t->status);
      return;
    }
  }
  t->ok = 1;
out:
  return;
}

static void test_bad_handshakes(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_bad_handshakes);
  assert_true(t.ok);
  assert_int_equal(t.opens, 0);
  assert_int_equal(t.env.stats.bad_requests, 3);
}

static void c_idle(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(ws_open(t, fd, NULL, 0));
  CHECK(read_frame(fd, &t->f[0])); /* ping after idle/2 */
  CHECK(send_frame(fd, true, VT_WS_OP_PONG, t->f[0].data, t->f[0].len, true));
  CHECK(read_frame(fd, &t->f[1])); /* pinged again */
  CHECK(read_frame(fd, &t->f[2])); /* no answer: closed going away */
  t->closed_after = sees_eof(fd);
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_idle_ping_then_close(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits l;
  vt_http_limits_default(&l);
  l.idle_timeout_ms = 200;
  run(&t, &l, c_idle);
  assert_true(t.ok);
  assert_int_equal(t.f[0].op, VT_WS_OP_PING);
  assert_int_equal(t.f[1].op, VT_WS_OP_PING);
  assert_int_equal(t.f[2].op, VT_WS_OP_CLOSE);
  assert_int_equal(close_code(&t.f[2]), 1001);
  assert_true(t.closed_after);
}

static void c_slow_reader(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(ws_open(t, fd, NULL, 0));
  CHECK(send_frame(fd, true, VT_WS_OP_TEXT, "flood", 5, true));
  usleep(200000); /* not reading while the server floods */
  for (int i = 0; i < 1000; i++) {
    CHECK(read_frame(fd, &t->f[0]));
    t->f[1].len++; /* frames before the close */
    if (t->f[0].op == VT_WS_OP_CLOSE) break;
  }
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_slow_reader_1008(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits l;
  vt_http_limits_default(&l);
  l.max_ws_queue = 1u << 20;
  run(&t, &l, c_slow_reader);
  assert_true(t.ok);
  assert_int_equal(t.enobufs, 1);
  assert_int_equal(t.f[0].op, VT_WS_OP_CLOSE);
  assert_int_equal(close_code(&t.f[0]), 1008);
  assert_true(t.f[1].len > 16); /* more than max_ws_queue went out before the cap hit */
  assert_int_equal(t.closes, 1);
}

static void c_left_open(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(ws_open(t, fd, NULL, 0));
  CHECK(send_frame(fd, true, VT_WS_OP_TEXT, "still here", 10, true));
  CHECK(read_frame(fd, &t->f[0]));
  t->keep_fd = fd; /* the server closes while this websocket is open */
  fd = -1;
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_server_close_with_open_websocket(void **state) {
  (void)state;
  test t = {0};
  t.keep_fd = -1;
  run(&t, NULL, c_left_open);
  assert_true(t.ok);
  assert_string_equal((char *)t.f[0].data, "still here");
  assert_int_equal(t.closes, 1); /* on_ws_close ran during vt_http_server_close */
  assert_true(sees_eof(t.keep_fd));
  close(t.keep_fd);
}

/* ---------- on_ws_upgrade: the application admits or refuses an upgrade ---------- */

/* "/ok" is admitted with an auth pointer, "/no" is 401, "/slow" is 429 (Retry-After 3). */
static int on_ws_upgrade(vt_http_req *req, void **auth, unsigned *retry_after_s, void *ud) {
  test *t = ud;
  const char *path = vt_http_req_path(req);
  t->upgrades++;
  if (strcmp(path, "/ok") == 0) {
    *auth = &t->auth_seen;
    return 0;
  }
  if (strcmp(path, "/slow") == 0) {
    *retry_after_s = 3;
    return 429;
  }
  return 401;
}

static void c_upgrade_hook(test *t) {
  static const char *paths[] = {"/no", "/slow", "/ok"};
  static const int want[] = {401, 429, 101};
  int fd = -1;
  for (size_t i = 0; i < 3; i++) {
    char req[256];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n", paths[i]);
    fd = dial(t->env.port);
    CHECK(fd >= 0);
    bool ok = send_all(fd, req, strlen(req)) && read_head(t, fd) && t->status == want[i];
    if (ok && i == 1) ok = strstr(t->head, "\r\nRetry-After: 3\r\n") != NULL;
    if (!ok) {
      snprintf(t->note, sizeof t->note, "upgrade %s: status %d", paths[i], t->status);
      goto out;
    }
    if (i < 2) {
      close(fd);
      fd = -1;
    }
  }
  CHECK(send_frame(fd, true, VT_WS_OP_TEXT, "hello", 5, true));
  CHECK(read_frame(fd, &t->f[0]));
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_upgrade_hook(void **state) {
  (void)state;
  test t = {0};
  vt_http_handlers h = {on_request, on_ws_open, on_ws_message, on_ws_close, &t, on_ws_upgrade};
  t.client = c_upgrade_hook;
  ct_run(&t.env, NULL, &h, client_of, &t);
  if (!t.ok) fprintf(stderr, "client: %s\n", t.note);
  assert_true(t.ok);
  assert_int_equal(t.data_ok, 0);
  assert_int_equal(t.upgrades, 3);
  assert_int_equal(t.opens, 1);
  assert_int_equal(t.auth_seen, 1); /* the admitted connection carried its auth */
  assert_string_equal((char *)t.f[0].data, "hello");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accept_key_rfc_vector),
      cmocka_unit_test(test_parser_rfc_masked_hello),
      cmocka_unit_test(test_parser_lengths_and_fragments),
      cmocka_unit_test(test_parser_rejects),
      cmocka_unit_test(test_server_frame_header),
      cmocka_unit_test(test_handshake_echo_close),
      cmocka_unit_test(test_fragmented_message_and_ping),
      cmocka_unit_test(test_oversize_1009_unmasked_1002),
      cmocka_unit_test(test_server_initiated_close),
      cmocka_unit_test(test_bad_handshakes),
      cmocka_unit_test(test_upgrade_hook),
      cmocka_unit_test(test_idle_ping_then_close),
      cmocka_unit_test(test_slow_reader_1008),
      cmocka_unit_test(test_server_close_with_open_websocket),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
