/*
 * test_ws_client.c: the WebSocket client (src/net/ws_client.c) that upstream
 * subscriptions use, against a scripted server over real loopback sockets, and its
 * upgrade check from byte vectors.
 *
 * Each socket test binds a listening socket on 127.0.0.1 port 0, runs a scripted server
 * (blocking sockets, 5 s receive timeouts) in a second thread, and runs the client in a
 * uv loop on the main thread until on_close; then the loop must close clean (a leaked
 * handle fails the test, ASan sees leaked memory). The server thread never asserts: it
 * records what it saw (the client's frames, unmasked) and the main thread checks.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include "net/websocket.h"
#include "net/ws_client.h"
#include "net/ws_frame.h"
#include "testutil.h"

#define RFC_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define MAX_SEEN 8

/* ---------- pure: the upgrade check ---------- */

static int check(const char *resp, char *why) {
  return vt_wsc_check_upgrade(resp, strlen(resp), RFC_KEY, why, 200);
}

static void test_upgrade_check_accepts_rfc_response(void **state) {
  (void)state;
  char why[200] = "";
  assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n\r\n", why), 0);
  /* header names and the tokens are case-insensitive; Connection may list more tokens */
  assert_int_equal(check("HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
                         "SEC-WEBSOCKET-ACCEPT:   " RFC_ACCEPT "  \r\n\r\n", why), 0);
}

static void test_upgrade_check_refuses(void **state) {
  (void)state;
  static const struct {
    const char *resp, *why;
  } cases[] = {
      {"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", "upgrade refused: HTTP/1.1 403 Forbidden"},
      {"HTTP/1.0 101 Switching\r\n\r\n", "upgrade refused"},
      {"HTTP/1.1 101 Switching\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\n\r\n", "Upgrade:"},
      {"HTTP/1.1 101 Switching\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT
       "\r\n\r\n", "Upgrade:"},
      {"HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nConnection: close\r\nSec-WebSocket-Accept: " RFC_ACCEPT
       "\r\n\r\n", "Connection:"},
      {"HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nConnection: upgraded\r\nSec-WebSocket-Accept: " RFC_ACCEPT
       "\r\n\r\n", "Connection:"},
      {"HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "Accept"},
      {"HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
       "s3pPLMBiTxaQ9kYGzzhZRbK+xOX=\r\n\r\n", "Accept"},
      {"HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT
       "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n", "extension"},
      {"HTTP/1.1 10", "upgrade refused"},
      {"", "upgrade refused"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char why[200] = "";
    assert_int_equal(check(cases[i].resp, why), -1);
    if (!strstr(why, cases[i].why)) fail_msg("case %zu: why \"%s\" does not say \"%s\"", i, why, cases[i].why);
  }
  /* a key that is not 16 bytes of base64 never matches */
  char why[200];
  const char *ok = "HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT
                   "\r\n\r\n";
  assert_int_equal(vt_wsc_check_upgrade(ok, strlen(ok), "short", why, sizeof why), -1);
}

static void test_open_refuses_bad_urls(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  static const char *const bad[] = {"http://127.0.0.1/", "ws://", "ws:///path", "wss://:443/", "ws://u:p@host/",
                                    "ws://host:/", "ws://host:12a/", "ws://host/a b", "ws://[::1/", "ftp://x",
                                    "ws://host:1234567890/"};
  vt_wsc_handlers h = {0};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char err[128] = "";
    if (vt_wsc_open(&loop, bad[i], NULL, &h, NULL, err, sizeof err) != NULL) fail_msg("%s was accepted", bad[i]);
    assert_string_equal(err, "not a ws:// or wss:// url with a host");
  }
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---------- the scripted server ---------- */

typedef struct {
  unsigned op;
  bool masked;
  size_t len;
  char data[256];
} seen_frame;

typedef struct srv srv;
typedef void (*script_fn)(srv *s, int fd, const char *accept);

struct srv {
  int lfd, port;
  pthread_t th;
  script_fn script;
  char request[4096];   /* the client's upgrade request */
  seen_frame seen[MAX_SEEN];
  int nseen;
  bool eof;             /* the client closed its side */
};

static void send_all(int fd, const void *d, size_t n) {
  const char *p = d;
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

static bool read_exact(int fd, void *d, size_t n) {
  char *p = d;
  while (n) {
    ssize_t r = recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= (size_t)r;
  }
  return true;
}

/* A server frame (unmasked unless masked). */
static void send_frame(int fd, bool fin, unsigned op, const void *payload, size_t len, bool masked) {
  uint8_t hdr[14];
  size_t hl = vt_ws_frame_header(hdr, op, len);
  if (!fin) hdr[0] &= 0x7f;
  uint8_t buf[70000];
  memcpy(buf, hdr, hl);
  if (masked) {
    hdr[1] |= 0x80;
    buf[1] |= 0x80;
    memset(buf + hl, 0x5a, 4);
    hl += 4;
  }
  for (size_t i = 0; i < len; i++) buf[hl + i] = ((const uint8_t *)payload)[i] ^ (masked ? 0x5a : 0);
  send_all(fd, buf, hl + len);
}

/* Read one client frame into s->seen (false at EOF or on a frame that is too large). */
static bool read_frame(srv *s, int fd) {
  uint8_t h[2], ext[8], mask[4] = {0};
  if (!read_exact(fd, h, 2)) {
    s->eof = true;
    return false;
  }
  uint64_t len = h[1] & 0x7f;
  if (len == 126) {
    if (!read_exact(fd, ext, 2)) return false;
    len = (uint64_t)ext[0] << 8 | ext[1];
  } else if (len == 127) {
    return false;
  }
  bool masked = h[1] & 0x80;
  if (masked && !read_exact(fd, mask, 4)) return false;
  if (len > 255 || s->nseen >= MAX_SEEN) return false;
  seen_frame *f = &s->seen[s->nseen++];
  f->op = h[0] & 0x0f;
  f->masked = masked;
  f->len = (size_t)len;
  if (!read_exact(fd, f->data, f->len)) return false;
  for (size_t i = 0; i < f->len; i++) f->data[i] ^= (char)mask[i & 3];
  f->data[f->len] = 0;
  return true;
}

/* Read the upgrade request; its accept key into accept. */
static bool read_request(srv *s, int fd, char accept[29]) {
  size_t n = 0;
  while (n + 1 < sizeof s->request) {
    ssize_t r = recv(fd, s->request + n, 1, 0);
    if (r <= 0) return false;
    n++;
    s->request[n] = 0;
    if (n >= 4 && !memcmp(s->request + n - 4, "\r\n\r\n", 4)) break;
  }
  const char *k = strstr(s->request, "Sec-WebSocket-Key: ");
  char key[25] = "";
  if (k) memcpy(key, k + 19, 24);
  return vt_ws_accept_key(key, accept) == 0;
}

static void send_101(int fd, const char *accept) {
  char r[256];
  int n = snprintf(r, sizeof r,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\n\r\n",
                   accept);
  send_all(fd, r, (size_t)n);
}

/* Keep reading frames until the client closes the socket (EOF) or 5 s pass. */
static void drain(srv *s, int fd) {
  while (read_frame(s, fd)) {
  }
}

static void *srv_main(void *p) {
  srv *s = p;
  int fd = accept(s->lfd, NULL, NULL);
  if (fd < 0) return NULL;
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char acc[29] = "";
  if (read_request(s, fd, acc)) s->script(s, fd, acc);
  close(fd);
  return NULL;
}

static void srv_start(srv *s, script_fn script) {
  memset(s, 0, sizeof *s);
  s->script = script;
  s->lfd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(s->lfd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(s->lfd, 4), 0);
  socklen_t al = sizeof a;
  assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
  s->port = ntohs(a.sin_port);
  assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
}

static void srv_stop(srv *s) {
  shutdown(s->lfd, SHUT_RDWR); /* wakes an accept() nobody connected to */
  pthread_join(s->th, NULL);
  close(s->lfd);
}

/* ---------- the client side ---------- */

typedef struct {
  bool opened, closed;
  int nmsg;
  char msg[4][2048];
  size_t msg_len[4];
  char why[VT_WSC_WHY_MAX];
  const char *send_on_open;     /* a text message to send once open */
  const char *close_on_message; /* close ourselves when this message arrives */
} cli;

static void c_open(vt_wsc *c, void *ud) {
  cli *x = ud;
  x->opened = true;
  if (x->send_on_open) assert_int_equal(vt_wsc_send_text(c, x->send_on_open, strlen(x->send_on_open)), 0);
}

static void c_message(vt_wsc *c, const char *m, size_t len, void *ud) {
  cli *x = ud;
  if (x->nmsg < 4) {
    size_t n = len < sizeof x->msg[0] - 1 ? len : sizeof x->msg[0] - 1;
    memcpy(x->msg[x->nmsg], m, n);
    x->msg[x->nmsg][n] = 0;
    x->msg_len[x->nmsg++] = len;
  }
  if (x->close_on_message && len == strlen(x->close_on_message) && !memcmp(m, x->close_on_message, len))
    vt_wsc_close(c, "done here");
}

static void c_close(vt_wsc *c, const char *why, void *ud) {
  (void)c;
  cli *x = ud;
  assert_false(x->closed); /* exactly once */
  x->closed = true;
  snprintf(x->why, sizeof x->why, "%s", why);
}

/* Run the client against url until it closes; the loop must end clean. */
static void run_client(const char *url, cli *x, const vt_wsc_opts *o) {
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  vt_wsc_handlers h = {c_open, c_message, c_close};
  char err[128];
  vt_wsc *c = vt_wsc_open(&loop, url, o, &h, x, err, sizeof err);
  assert_non_null(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_true(x->closed);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void run_script(script_fn script, cli *x, const vt_wsc_opts *o, srv *s) {
  srv_start(s, script);
  char url[64];
  snprintf(url, sizeof url, "ws://127.0.0.1:%d/sub?key=abc", s->port);
  run_client(url, x, o);
  srv_stop(s);
}

/* ---------- scripts ---------- */

/* The happy path: a request frame in, a fragmented reply with a ping between its
 * fragments, an unfragmented message, then the server closes with 1000. */
static void sc_conversation(srv *s, int fd, const char *acc) {
  send_101(fd, acc);
  if (!read_frame(s, fd)) return; /* the client's text */
  send_frame(fd, false, VT_WS_OP_TEXT, "{\"part\":", 8, false);
  send_frame(fd, true, VT_WS_OP_PING, "hb", 2, false);
  if (!read_frame(s, fd)) return; /* the pong, between the fragments */
  send_frame(fd, true, VT_WS_OP_CONT, "1}", 2, false);
  char big[300];
  memset(big, 'x', sizeof big);
  send_frame(fd, true, VT_WS_OP_TEXT, big, sizeof big, false); /* a 16-bit length */
  send_frame(fd, true, VT_WS_OP_CLOSE, "\x03\xe8", 2, false);
  drain(s, fd); /* its close frame, then EOF */
}

static void test_conversation(void **state) {
  (void)state;
  srv s;
  cli x = {.send_on_open = "{\"method\":\"eth_subscribe\"}"};
  run_script(sc_conversation, &x, NULL, &s);
  /* the request it sent */
  assert_non_null(strstr(s.request, "GET /sub?key=abc HTTP/1.1\r\n"));
  assert_non_null(strstr(s.request, "Host: 127.0.0.1:"));
  assert_non_null(strstr(s.request, "Sec-WebSocket-Version: 13\r\n"));
  assert_true(x.opened);
  /* frames it sent: masked text, masked pong echoing the ping, masked close 1000 */
  assert_int_equal(s.nseen, 3);
  assert_int_equal(s.seen[0].op, VT_WS_OP_TEXT);
  assert_true(s.seen[0].masked);
  assert_string_equal(s.seen[0].data, "{\"method\":\"eth_subscribe\"}");
  assert_int_equal(s.seen[1].op, VT_WS_OP_PONG);
  assert_true(s.seen[1].masked);
  assert_string_equal(s.seen[1].data, "hb");
  assert_int_equal(s.seen[2].op, VT_WS_OP_CLOSE);
  assert_true(s.seen[2].masked);
  assert_memory_equal(s.seen[2].data, "\x03\xe8", 2);
  assert_true(s.eof);
  /* messages it delivered: the reassembled one, the long one */
  assert_int_equal(x.nmsg, 2);
  assert_string_equal(x.msg[0], "{\"part\":1}");
  assert_int_equal(x.msg_len[1], 300);
  assert_string_equal(x.why, "the server closed the connection (1000)");
}

/* Bytes the server sends in the same packet as the 101 are frames too. */
static void sc_frame_with_101(srv *s, int fd, const char *acc) {
  char r[512];
  int n = snprintf(r, sizeof r,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\n\r\n\x81\x05hello",
                   acc);
  send_all(fd, r, (size_t)n);
  drain(s, fd);
}

static void test_frame_in_the_upgrade_packet_and_own_close(void **state) {
  (void)state;
  srv s;
  cli x = {.close_on_message = "hello"};
  run_script(sc_frame_with_101, &x, NULL, &s);
  assert_int_equal(x.nmsg, 1);
  assert_string_equal(x.msg[0], "hello");
  assert_string_equal(x.why, "done here");
  assert_true(s.eof); /* the socket was closed */
}

static void sc_wrong_accept(srv *s, int fd, const char *acc) {
  (void)acc;
  send_101(fd, RFC_ACCEPT); /* the accept of some other key */
  drain(s, fd);
}

static void sc_forbidden(srv *s, int fd, const char *acc) {
  (void)acc;
  const char *r = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
  send_all(fd, r, strlen(r));
  drain(s, fd);
}

static void sc_endless_head(srv *s, int fd, const char *acc) {
  (void)acc;
  const char *first = "HTTP/1.1 101 Switching Protocols\r\n";
  send_all(fd, first, strlen(first));
  char line[1024];
  memset(line, 'a', sizeof line);
  memcpy(line, "X-Pad: ", 7);
  line[sizeof line - 2] = '\r';
  line[sizeof line - 1] = '\n';
  for (int i = 0; i < 40; i++) send_all(fd, line, sizeof line); /* 40 KiB > VT_WSC_MAX_HANDSHAKE */
  drain(s, fd);
}

static void sc_silent(srv *s, int fd, const char *acc) {
  (void)acc;
  drain(s, fd); /* never answers the upgrade */
}

static void sc_masked_frame(srv *s, int fd, const char *acc) {
  send_101(fd, acc);
  send_frame(fd, true, VT_WS_OP_TEXT, "hi", 2, true); /* servers must not mask */
  drain(s, fd);
}

static void sc_oversize(srv *s, int fd, const char *acc) {
  send_101(fd, acc);
  char big[2000];
  memset(big, 'y', sizeof big);
  send_frame(fd, true, VT_WS_OP_TEXT, big, sizeof big, false);
  drain(s, fd);
}

static void sc_garbage(srv *s, int fd, const char *acc) {
  send_101(fd, acc);
  send_all(fd, "\x8f\x00\x00\x00", 4); /* opcode 15 */
  drain(s, fd);
}

static void sc_bad_utf8(srv *s, int fd, const char *acc) {
  send_101(fd, acc);
  send_frame(fd, true, VT_WS_OP_TEXT, "\xc3\x28", 2, false);
  drain(s, fd);
}

static void sc_hangup(srv *s, int fd, const char *acc) {
  (void)s;
  send_101(fd, acc);
  send_frame(fd, true, VT_WS_OP_TEXT, "bye", 3, false);
  /* close without a close frame */
}

static void test_bad_servers(void **state) {
  (void)state;
  static const struct {
    script_fn script;
    bool opens;
    const char *why;
    unsigned close_code; /* the client's close frame, 0 = none expected */
  } cases[] = {
      {sc_wrong_accept, false, "upgrade response with a wrong Sec-WebSocket-Accept", 0},
      {sc_forbidden, false, "upgrade refused: HTTP/1.1 401 Unauthorized", 0},
      {sc_endless_head, false, "the upgrade response is too large", 0},
      {sc_silent, false, "timed out (upgrade)", 0},
      {sc_masked_frame, true, "protocol error from the server (close 1002)", 1002},
      {sc_oversize, true, "protocol error from the server (close 1009)", 1009},
      {sc_garbage, true, "protocol error from the server (close 1002)", 1002},
      {sc_bad_utf8, true, "protocol error from the server (close 1007)", 1007},
      {sc_hangup, true, "the server closed the connection", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    srv s;
    cli x = {0};
    vt_wsc_opts o = {.connect_timeout_ms = 300, .max_message = 1024};
    run_script(cases[i].script, &x, &o, &s);
    if (x.opened != cases[i].opens) fail_msg("case %zu: opened %d", i, x.opened);
    if (strcmp(x.why, cases[i].why) != 0) fail_msg("case %zu: why \"%s\", want \"%s\"", i, x.why, cases[i].why);
    assert_int_equal(x.nmsg, cases[i].script == sc_hangup ? 1 : 0);
    if (cases[i].close_code) {
      if (s.nseen != 1 || s.seen[0].op != VT_WS_OP_CLOSE || !s.seen[0].masked || s.seen[0].len != 2)
        fail_msg("case %zu: no masked close frame (%d frames)", i, s.nseen);
      assert_int_equal((unsigned)(uint8_t)s.seen[0].data[0] << 8 | (uint8_t)s.seen[0].data[1], cases[i].close_code);
    }
    if (cases[i].script != sc_hangup && !s.eof) fail_msg("case %zu: the client did not close the socket", i);
  }
}

static void test_refused_and_unresolvable(void **state) {
  (void)state;
  /* a port nobody listens on: bind one and close it */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t al = sizeof a;
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
  close(fd);
  char url[64];
  snprintf(url, sizeof url, "ws://127.0.0.1:%d/", ntohs(a.sin_port));
  cli x = {0};
  run_client(url, &x, NULL);
  assert_false(x.opened);
  assert_non_null(strstr(x.why, "connect to 127.0.0.1:"));
  assert_non_null(strstr(x.why, "failed"));

  cli y = {0};
  vt_wsc_opts o = {.connect_timeout_ms = 3000};
  run_client("ws://no-such-host.invalid/", &y, &o);
  assert_false(y.opened);
  if (!strstr(y.why, "cannot resolve no-such-host.invalid") && !strstr(y.why, "timed out (resolving)"))
    fail_msg("why: %s", y.why);
}

/* Closing before the connection is up still reports on_close once and frees all. */
static void test_close_before_open(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  cli x = {0};
  vt_wsc_handlers h = {c_open, c_message, c_close};
  char err[128];
  vt_wsc *c = vt_wsc_open(&loop, "ws://127.0.0.1:9/", NULL, &h, &x, err, sizeof err);
  assert_non_null(c);
  assert_int_equal(vt_wsc_send_text(c, "x", 1), -1); /* not open */
  assert_int_equal(vt_wsc_ping(c), -1);
  vt_wsc_close(c, "changed my mind");
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_true(x.closed);
  assert_false(x.opened);
  assert_string_equal(x.why, "changed my mind");
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_upgrade_check_accepts_rfc_response),
      cmocka_unit_test(test_upgrade_check_refuses),
      cmocka_unit_test(test_open_refuses_bad_urls),
      cmocka_unit_test(test_conversation),
      cmocka_unit_test(test_frame_in_the_upgrade_packet_and_own_close),
      cmocka_unit_test(test_bad_servers),
      cmocka_unit_test(test_refused_and_unresolvable),
      cmocka_unit_test(test_close_before_open),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
