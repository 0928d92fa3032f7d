/*
 * client_thread.h: the harness the front-door socket tests share (test_http_server.c,
 * test_websocket.c and the hostile-client unit tests). Header-only, static helpers.
 *
 * ct_run() starts a vt_http_server on 127.0.0.1 port 0 in the ct_env's own uv loop on
 * the calling (main) thread, runs client(arg) in a second thread with blocking
 * sockets, and when the client returns takes the server's stats, closes the server
 * and runs the loop until every handle is closed (uv_loop_close() must then succeed,
 * so a leaked handle fails the test and ASan sees leaked memory). The client thread
 * never asserts: it records what it saw and the main thread checks after the join.
 *
 * Client side: dial() / dial_from() (a chosen loopback source address such as
 * 127.0.0.2, for "another peer"), send_all(), sends(), read_exact(), readable(),
 * sees_eof(), close_rst() (a reset: the client vanished); every socket has a 5 s receive timeout so no test hangs. CHECK(cond)
 * records the failing line in t->note and jumps to the client's out: label; it needs
 * a variable t with a char note[] member in scope.
 */
#ifndef VERITY_CLIENT_THREAD_H
#define VERITY_CLIENT_THREAD_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include "net/http_server.h"
#include "testutil.h"

typedef struct {
  uv_loop_t loop;
  uv_async_t done_async;
  vt_http_server *srv;
  int port;
  pthread_t th;
  vt_http_stats stats; /* taken when the client is done, before the server closes */
  void (*client)(void *arg);
  void *arg;
} ct_env;

static void ct_async_closed(uv_handle_t *h) { (void)h; }

static void ct_client_done(uv_async_t *a) {
  ct_env *e = a->data;
  vt_http_server_stats(e->srv, &e->stats);
  vt_http_server_close(e->srv, NULL, NULL);
  uv_close((uv_handle_t *)a, ct_async_closed);
}

static void *ct_client_main(void *p) {
  ct_env *e = p;
  e->client(e->arg);
  uv_async_send(&e->done_async);
  return NULL;
}

static void ct_run(ct_env *e, const vt_http_limits *lim, const vt_http_handlers *h, void (*client)(void *),
                   void *arg) {
  e->client = client;
  e->arg = arg;
  assert_int_equal(uv_loop_init(&e->loop), 0);
  assert_int_equal(vt_http_server_start(&e->loop, "127.0.0.1", 0, lim, h, &e->srv), 0);
  e->port = vt_http_server_port(e->srv);
  assert_true(e->port > 0);
  uv_async_init(&e->loop, &e->done_async, ct_client_done);
  e->done_async.data = e;
  assert_int_equal(pthread_create(&e->th, NULL, ct_client_main, e), 0);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  pthread_join(e->th, NULL);
  assert_int_equal(uv_loop_close(&e->loop), 0);
}

/* ---------- client side (blocking sockets, the client thread) ---------- */

/* Connect to 127.0.0.1:port from src (a loopback address, or NULL for any). */
static int dial_from(int port, const char *src) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  struct timeval tv = {.tv_sec = 5};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (src) {
    struct sockaddr_in b = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, src, &b.sin_addr) != 1 || bind(fd, (struct sockaddr *)&b, sizeof b) != 0) {
      close(fd);
      return -1;
    }
  }
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static inline int dial(int port) { return dial_from(port, NULL); }

static bool send_all(int fd, const void *b, size_t n) {
  const char *s = b;
  while (n) {
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    s += w;
    n -= (size_t)w;
  }
  return true;
}

static inline bool sends(int fd, const char *s) { return send_all(fd, s, strlen(s)); }

static bool read_exact(int fd, void *b, size_t n) {
  char *p = b;
  while (n) {
    ssize_t r = recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= (size_t)r;
  }
  return true;
}

/* Has the server sent something (so the client should stop sending and read)? */
static inline bool readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, 0) == 1;
}

/* Close with a reset (SO_LINGER 0): the client vanished, as opposed to a FIN. */
static inline void close_rst(int fd) {
  struct linger l = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

/* True when the server closes the connection (EOF) within the receive timeout. */
static inline bool sees_eof(int fd) {
  char c;
  ssize_t r = recv(fd, &c, 1, 0);
  return r == 0 || (r < 0 && errno == ECONNRESET);
}

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      snprintf(t->note, sizeof t->note, "line %d: %s", __LINE__, #cond);        \
      goto out;                                                                 \
    }                                                                           \
  } while (0)

#endif
