/*
 * main.c: the verity daemon and its subcommands.
 *
 *   verity [run] [--config FILE] [--preset NAME] [--listen HOST:PORT] [--log-level L]
 *                [--data DIR]
 *   verity check  [--config FILE] [--preset NAME]   probe every upstream, print a table
 *   verity config [--config FILE] [--preset NAME]   print the effective config (redacted)
 *   verity version
 *
 * With no --config, the built-in mainnet preset (public keyless providers) is used.
 * --data DIR sets cache.path (over the file's): the LMDB store for final answers and
 * the light client's verified state; `run` creates DIR (and missing parents) as 0700.
 * SIGINT/SIGTERM stop the gateway gracefully (connections closed, memory freed).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "cli/check.h"
#include "config/config.h"
#include "gateway/gateway.h"
#include "obs/log.h"

static const char usage[] =
    "usage: verity [command] [options]\n"
    "\n"
    "A resilient, verifying Ethereum JSON-RPC gateway.\n"
    "\n"
    "commands:\n"
    "  run (default)   serve JSON-RPC (HTTP and WebSocket) on the listen address\n"
    "  check           probe every upstream once and print a health table (exit 1 if unhealthy)\n"
    "  config          print the effective configuration (secrets redacted)\n"
    "  version         print the version\n"
    "\n"
    "options:\n"
    "  --config FILE       YAML configuration (see docs/config.md); default: the mainnet preset\n"
    "  --preset NAME       start from a preset: mainnet, sepolia, hoodi, base\n"
    "  --listen HOST:PORT  override listen (default 127.0.0.1:8545)\n"
    "  --log-level LEVEL   error, warn, info or debug\n"
    "  --data DIR          keep final answers and the light client's state in DIR across\n"
    "                      restarts (LMDB; sets cache.path; created with mode 0700)\n"
    "  -h, --help          this text\n";

typedef struct {
  uv_signal_t sigint, sigterm;
  vt_gateway *gw;
  int closing;
} app;

static void on_gw_closed(void *arg) {
  app *a = arg;
  uv_close((uv_handle_t *)&a->sigint, NULL);
  uv_close((uv_handle_t *)&a->sigterm, NULL);
}

static void on_signal(uv_signal_t *s, int signum) {
  app *a = s->data;
  if (a->closing++) return;
  VT_LOG(VT_LOG_INFO, "stopping", "signal=%d", signum);
  vt_gateway_stop(a->gw, on_gw_closed, a);
}

static int parse_listen(vt_config *c, const char *v) {
  const char *colon = strrchr(v, ':');
  if (!colon || colon == v) return -1;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 0 || port > 65535) return -1;
  size_t hl = (size_t)(colon - v);
  if (v[0] == '[' && hl >= 2 && v[hl - 1] == ']') { v++; hl -= 2; }
  char *host = strndup(v, hl);
  if (!host) return -1;
  free(c->listen_host);
  c->listen_host = host;
  c->listen_port = (int)port;
  return 0;
}

#define DATA_PATH_MAX 4000u /* vt_lmdb_open's limit */

/* mkdir -p with mode 0700 for every directory created; an existing directory is fine.
 * 0, or -1 with the reason in err (naming the path). */
static int make_data_dir(const char *dir, char *err, size_t errlen) {
  char p[DATA_PATH_MAX + 1];
  struct stat st;
  size_t n = strlen(dir);
  if (n == 0 || n > DATA_PATH_MAX) {
    snprintf(err, errlen, "--data: expected a directory path of 1..%u bytes", DATA_PATH_MAX);
    return -1;
  }
  memcpy(p, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (p[i] != '/' && p[i] != 0) continue;
    char c = p[i];
    p[i] = 0;
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
      snprintf(err, errlen, "--data: cannot create directory '%s': %s", p, strerror(errno));
      return -1;
    }
    p[i] = c;
  }
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "--data: '%s' is not a directory", dir);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *cmd = "run", *path = NULL, *preset = NULL, *listen = NULL, *level = NULL;
  const char *data = NULL;
  int rc = 1;
  char err[512];
  vt_config cfg;
  vt_config_defaults(&cfg);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(usage, stdout); rc = 0; goto out; }
    if (!strcmp(a, "--version") || !strcmp(a, "version")) { printf("verity %s\n", VT_VERSION); rc = 0; goto out; }
    if (!strcmp(a, "--config")) slot = &path;
    else if (!strcmp(a, "--preset")) slot = &preset;
    else if (!strcmp(a, "--listen")) slot = &listen;
    else if (!strcmp(a, "--log-level")) slot = &level;
    else if (!strcmp(a, "--data")) slot = &data;
    else if (i == 1 && (!strcmp(a, "run") || !strcmp(a, "check") || !strcmp(a, "config"))) { cmd = a; continue; }
    else { fprintf(stderr, "verity: unknown argument '%s'\n\n%s", a, usage); rc = 2; goto out; }
    if (i + 1 >= argc) { fprintf(stderr, "verity: %s needs a value\n", a); rc = 2; goto out; }
    *slot = argv[++i];
  }
  if (preset && vt_config_apply_preset(&cfg, preset, err, sizeof err) != 0) {
    fprintf(stderr, "verity: %s\n", err);
    rc = 2;
    goto out;
  }
  if (path && vt_config_load_file(&cfg, path, err, sizeof err) != 0) {
    fprintf(stderr, "verity: %s\n", err);
    rc = 2;
    goto out;
  }
  if (listen && parse_listen(&cfg, listen) != 0) {
    fprintf(stderr, "verity: --listen: expected HOST:PORT (e.g. 127.0.0.1:8545), got '%s'\n", listen);
    rc = 2;
    goto out;
  }
  if (level) {
    int l = vt_log_level_parse(level);
    if (l < 0) { fprintf(stderr, "verity: --log-level: expected error, warn, info or debug, got '%s'\n", level); rc = 2; goto out; }
    cfg.log_level = l;
  }
  if (data) {
    char *dup = NULL;
    if (!*data || strlen(data) > DATA_PATH_MAX || !(dup = strdup(data))) {
      fprintf(stderr, "verity: --data: expected a directory path of 1..%u bytes\n", DATA_PATH_MAX);
      rc = 2;
      goto out;
    }
    free(cfg.cache_path);
    cfg.cache_path = dup;
  }
  if (vt_config_validate(&cfg, err, sizeof err) != 0) {
    fprintf(stderr, "verity: %s\n", err);
    rc = 2;
    goto out;
  }
  vt_log_init(cfg.log_level, cfg.log_json, stderr);
  if (!strcmp(cmd, "config")) {
    char *buf = malloc(1 << 20);
    if (buf && vt_config_dump(&cfg, buf, 1 << 20) >= 0) { fputs(buf, stdout); rc = 0; }
    free(buf);
    goto out;
  }
  if (!strcmp(cmd, "check")) {
    rc = vt_check_run(&cfg, stdout);
    goto out;
  }
  if (data && make_data_dir(data, err, sizeof err) != 0) {
    fprintf(stderr, "verity: %s\n", err);
    rc = 2;
    goto out;
  }
  signal(SIGPIPE, SIG_IGN);
  uv_loop_t *loop = uv_default_loop();
  static vt_gateway gw;
  app a = {.gw = &gw};
  if (vt_gateway_start(&gw, loop, &cfg, err, sizeof err) != 0) {
    fprintf(stderr, "verity: %s\n", err);
    goto out;
  }
  uv_signal_init(loop, &a.sigint);
  uv_signal_init(loop, &a.sigterm);
  a.sigint.data = a.sigterm.data = &a;
  uv_signal_start(&a.sigint, on_signal, SIGINT);
  uv_signal_start(&a.sigterm, on_signal, SIGTERM);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_loop_close(loop);
  rc = 0;
out:
  vt_config_free(&cfg);
  return rc;
}
