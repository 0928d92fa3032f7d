/*
 * check.c: `verity check` (see check.h). Runs its own short-lived loop.
 */
#include "cli/check.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "net/fetch.h"
#include "rpc/rpc.h"
#include "util/buf.h"
#include "util/redact.h"

#define CHECK_COLS 7
#define CHECK_CELL_MAX 72u  /* display columns of one cell; longer cells are cut with "…" */

/* The texts of one table row that are not borrowed from the config. */
typedef struct {
  char chain[24], head[24], lag[24], lat[24], status[200];
} row_text;

/* Display columns of UTF-8 text: one per code point (no wide characters here). */
static size_t columns(const char *s, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++) w += ((unsigned char)s[i] & 0xC0) != 0x80;
  return w;
}

/* Bytes of s that fit in `cols` columns, never splitting a code point. */
static size_t fit(const char *s, size_t cols) {
  size_t i = 0, w = 0;
  while (s[i]) {
    size_t k = 1;
    while (((unsigned char)s[i + k] & 0xC0) == 0x80) k++;
    if (w + 1 > cols) break;
    w++;
    i += k;
  }
  return i;
}

void vt_check_table(FILE *out, const char *const *cells, size_t rows, size_t cols) {
  size_t width[16] = {0};
  if (cols > sizeof width / sizeof width[0]) cols = sizeof width / sizeof width[0];
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c + 1 < cols; c++) {
      const char *s = cells[r * cols + c] ? cells[r * cols + c] : "";
      size_t w = columns(s, strlen(s));
      if (w > CHECK_CELL_MAX) w = CHECK_CELL_MAX;
      if (w > width[c]) width[c] = w;
    }
  for (size_t r = 0; r < rows; r++) {
    for (size_t c = 0; c < cols; c++) {
      const char *s = cells[r * cols + c] ? cells[r * cols + c] : "";
      if (c + 1 == cols) {  /* the last column is never cut or padded */
        fprintf(out, "%s\n", s);
        break;
      }
      size_t n = strlen(s), w = columns(s, n);
      if (w > CHECK_CELL_MAX) {
        n = fit(s, CHECK_CELL_MAX - 1);
        fprintf(out, "%.*s\xe2\x80\xa6", (int)n, s);
        w = CHECK_CELL_MAX;
      } else {
        fputs(s, out);
      }
      fprintf(out, "%*s", (int)(width[c] - w + 2), "");
    }
  }
}

typedef struct {
  const vt_upstream_cfg *uc;
  char **hdrs;
  int done;              /* answers received (of 2) */
  bool chain_ok, head_ok;
  unsigned long long chain, head;
  double latency_ms;
  char error[160];
} probe;

typedef struct {
  vt_fetcher *f;
  unsigned pending;       /* requests not answered yet; at 0 the fetcher is closed */
  bool closing;
} check_run;

typedef struct {
  probe *p;
  bool is_chain;
  check_run *run;
} probe_req;

static void closed(void *arg) { (void)arg; }

/* Close the fetcher once every probe has answered, so the loop ends even when
 * keep-alive connections would otherwise keep it running. */
static void maybe_close(check_run *r) {
  if (r->pending || r->closing) return;
  r->closing = true;
  vt_fetcher_close(r->f, closed, NULL);
}

static int qty(const vt_fetch_result *r, unsigned long long *v, char *err, size_t n) {
  if (r->error != VT_FETCH_OK) { snprintf(err, n, "%s", r->error_msg); return -1; }
  if (r->http_status != 200) { snprintf(err, n, "HTTP %ld", r->http_status); return -1; }
  vt_rpc_resp resp;
  const char *why;
  if (vt_rpc_parse_response(r->body, r->body_len, 32, &resp, &why) != 0) { snprintf(err, n, "bad reply: %s", why); return -1; }
  if (resp.is_error) { snprintf(err, n, "%ld %s", resp.code, resp.message); return -1; }
  uint64_t u;
  if (!vt_rpc_result_u64(resp.result, &u)) { snprintf(err, n, "bad quantity"); return -1; }
  *v = u;
  return 0;
}

static void on_reply(const vt_fetch_result *r, void *ud) {
  probe_req *q = ud;
  probe *p = q->p;
  check_run *run = q->run;
  unsigned long long v;
  char err[160];
  p->done++;
  if (qty(r, &v, err, sizeof err) != 0) {
    if (!p->error[0]) snprintf(p->error, sizeof p->error, "%s", err);
  } else if (q->is_chain) {
    p->chain_ok = true;
    p->chain = v;
  } else {
    p->head_ok = true;
    p->head = v;
    p->latency_ms = r->elapsed_ms;
  }
  free(q);
  run->pending--;
  maybe_close(run);
}

/* Print the table of probes; returns how many upstreams are healthy on the right chain,
 * or -1 when out of memory. */
static int print_table(const vt_config *cfg, probe *ps, unsigned long long best, FILE *out) {
  static const char *const head_row[CHECK_COLS] = {"UPSTREAM", "URL", "CHAIN", "HEAD", "LAG", "LATENCY", "STATUS"};
  int good = 0;
  const char **cells = calloc((cfg->nupstreams + 1) * CHECK_COLS, sizeof *cells);
  row_text *texts = calloc(cfg->nupstreams ? cfg->nupstreams : 1, sizeof *texts);
  if (!cells || !texts) {
    good = -1;
    goto out;
  }
  memcpy(cells, head_row, sizeof head_row);
  for (size_t i = 0; i < cfg->nupstreams; i++) {
    probe *p = &ps[i];
    row_text *t = &texts[i];
    bool right = p->chain_ok && p->chain == cfg->chain_id;
    bool ok = right && p->head_ok;
    good += ok;
    snprintf(t->chain, sizeof t->chain, "-");
    snprintf(t->head, sizeof t->head, "-");
    snprintf(t->lag, sizeof t->lag, "-");
    snprintf(t->lat, sizeof t->lat, "-");
    if (p->chain_ok) snprintf(t->chain, sizeof t->chain, "%llu", p->chain);
    if (p->head_ok) {
      snprintf(t->head, sizeof t->head, "%llu", p->head);
      snprintf(t->lag, sizeof t->lag, "%llu", best - p->head);
      snprintf(t->lat, sizeof t->lat, "%.0fms", p->latency_ms);
    }
    /* the error may be an upstream's own text: its configured secrets become *** */
    vt_buf eb;
    vt_buf_init(&eb, sizeof t->status);
    vt_redact_secrets((const char *const *)p->uc->secrets, p->uc->nsecrets, p->error, strlen(p->error), &eb);
    snprintf(t->status, sizeof t->status, "%s%s%s", ok ? "ok" : p->chain_ok && !right ? "WRONG CHAIN" : "DOWN",
             ok ? "" : ": ", ok ? "" : (p->chain_ok && !right ? "not the configured chain" : eb.data ? eb.data : ""));
    vt_buf_free(&eb);
    const char **row = cells + (i + 1) * CHECK_COLS;
    row[0] = p->uc->name;
    row[1] = p->uc->display_url ? p->uc->display_url : "";
    row[2] = t->chain;
    row[3] = t->head;
    row[4] = t->lag;
    row[5] = t->lat;
    row[6] = t->status;
  }
  vt_check_table(out, cells, cfg->nupstreams + 1, CHECK_COLS);
out:
  free(cells);
  free(texts);
  return good;
}

int vt_check_run(const vt_config *cfg, FILE *out) {
  static const char chain_body[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}";
  static const char head_body[] = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_blockNumber\",\"params\":[]}";
  int rc = 1;
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) return 1;
  vt_fetcher *f = vt_fetcher_new(&loop, NULL);
  probe *ps = calloc(cfg->nupstreams ? cfg->nupstreams : 1, sizeof *ps);
  check_run run = {.f = f};
  if (!f || !ps) goto out;
  for (size_t i = 0; i < cfg->nupstreams; i++) {
    probe *p = &ps[i];
    const vt_upstream_cfg *uc = &cfg->upstreams[i];
    p->uc = uc;
    p->hdrs = calloc(uc->nheaders + 1, sizeof *p->hdrs);
    for (size_t j = 0; p->hdrs && j < uc->nheaders; j++) {
      size_t n = strlen(uc->headers[j].name) + strlen(uc->headers[j].value) + 3;
      p->hdrs[j] = malloc(n);
      if (p->hdrs[j]) snprintf(p->hdrs[j], n, "%s: %s", uc->headers[j].name, uc->headers[j].value);
    }
    for (int k = 0; k < 2; k++) {
      probe_req *q = malloc(sizeof *q);
      if (!q) { p->done++; continue; }
      q->p = p;
      q->is_chain = k == 0;
      q->run = &run;
      vt_fetch_opts o = {.url = uc->url, .headers = (const char *const *)p->hdrs, .nheaders = p->hdrs ? uc->nheaders : 0,
                         .body = k == 0 ? chain_body : head_body, .body_len = k == 0 ? sizeof chain_body - 1 : sizeof head_body - 1,
                         .timeout_ms = uc->timeout_ms ? uc->timeout_ms : cfg->timeout_ms,
                         .connect_timeout_ms = cfg->connect_timeout_ms};
      if (!vt_fetch_start(f, &o, on_reply, q)) {
        free(q);
        p->done++;
        snprintf(p->error, sizeof p->error, "could not start a request (bad URL?)");
      } else {
        run.pending++;
      }
    }
  }
  maybe_close(&run);
  uv_run(&loop, UV_RUN_DEFAULT);
  unsigned long long best = 0;
  for (size_t i = 0; i < cfg->nupstreams; i++)
    if (ps[i].head_ok && ps[i].head > best) best = ps[i].head;
  int printed = print_table(cfg, ps, best, out);
  if (printed < 0) {
    fprintf(out, "out of memory\n");
    goto out;
  }
  unsigned good = (unsigned)printed;
  unsigned need = cfg->quorum ? cfg->quorum : 1;
  if (need > cfg->nupstreams) need = (unsigned)cfg->nupstreams;
  fprintf(out, "\n%u of %zu upstreams healthy on chain %llu; %u needed (quorum): %s\n", good, cfg->nupstreams,
          (unsigned long long)cfg->chain_id, need, good >= need && good ? "HEALTHY" : "UNHEALTHY");
  rc = good >= need && good ? 0 : 1;
out:
  if (f && !run.closing) {
    vt_fetcher_close(f, closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  if (ps) {
    for (size_t i = 0; i < cfg->nupstreams; i++) {
      if (!ps[i].hdrs) continue;
      for (size_t j = 0; j < cfg->upstreams[i].nheaders; j++) free(ps[i].hdrs[j]);
      free(ps[i].hdrs);
    }
  }
  free(ps);
  uv_loop_close(&loop);
  return rc;
}
