/*
 * http_echo.c: throughput benchmark target for the front door (src/net/http_server.c).
 *
 * A standalone server whose handler answers every request at once with 200 and a
 * fixed 60-byte JSON-RPC body, so wrk measures the HTTP layer alone (parsing,
 * keep-alive, response rendering, writes), with no JSON-RPC or upstream work.
 * Built by hand (not part of `make`):
 *
 *   make build && cc -O2 -std=c11 -D_GNU_SOURCE -Isrc bench/http_echo.c \
 *     build/release/libnet.a build/release/libutil.a -luv -lhttp_parser -lnettle \
 *     -o build/release/http_echo
 *   build/release/http_echo 18545 &
 *   wrk -t2 -c64 -d5s -s bench/http_echo.lua http://127.0.0.1:18545/
 *
 * Stops on SIGINT/SIGTERM: closes the server, runs the loop until every handle is
 * closed, prints the server's counters.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "net/http_server.h"

static const char body[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1b4\",\"pad\":\"xxxxxxxxxx\"}";
_Static_assert(sizeof body - 1 == 60, "the benchmark body is 60 bytes");

static vt_http_server *server;
static uv_signal_t sig_int, sig_term;

static void on_request(vt_http_req *req, void *ud) {
  (void)ud;
  vt_http_respond(req, 200, "application/json", NULL, 0, body, sizeof body - 1);
}

static void on_signal(uv_signal_t *s, int signum) {
  vt_http_stats st;
  (void)s;
  (void)signum;
  vt_http_server_stats(server, &st);
  fprintf(stderr, "connections %llu refused %llu requests %llu bad %llu\n", (unsigned long long)st.connections,
          (unsigned long long)st.refused, (unsigned long long)st.requests, (unsigned long long)st.bad_requests);
  vt_http_server_close(server, NULL, NULL);
  uv_close((uv_handle_t *)&sig_int, NULL);
  uv_close((uv_handle_t *)&sig_term, NULL);
}

int main(int argc, char **argv) {
  uv_loop_t *loop = uv_default_loop();
  vt_http_handlers h = {.on_request = on_request};
  char *end = NULL;
  long port = argc > 1 ? strtol(argv[1], &end, 10) : 18545;
  if (argc > 1 && (!end || *end || port < 0 || port > 65535)) {
    fprintf(stderr, "usage: %s [port 0..65535], got \"%s\"\n", argv[0], argv[1]);
    return 2;
  }
  int rc = vt_http_server_start(loop, "127.0.0.1", (int)port, NULL, &h, &server);
  if (rc != 0) {
    fprintf(stderr, "listen 127.0.0.1:%ld: %s\n", port, uv_strerror(rc));
    return 1;
  }
  uv_signal_init(loop, &sig_int);
  uv_signal_init(loop, &sig_term);
  uv_signal_start(&sig_int, on_signal, SIGINT);
  uv_signal_start(&sig_term, on_signal, SIGTERM);
  fprintf(stderr, "http_echo on 127.0.0.1:%d\n", vt_http_server_port(server));
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop) == 0 ? 0 : 1;
}
