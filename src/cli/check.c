/*
 * check.c: `verity check` (see check.h). Runs its own short-lived loop.
 */
#include "cli/check.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "net/fetch.h"
#include "rpc/rpc.h"

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
  unsigned good = 0;
  fprintf(out, "%-16s %-44s %-10s %-12s %-6s %-9s %s\n", "UPSTREAM", "URL", "CHAIN", "HEAD", "LAG", "LATENCY", "STATUS");
  for (size_t i = 0; i < cfg->nupstreams; i++) {
    probe *p = &ps[i];
    bool right = p->chain_ok && p->chain == cfg->chain_id;
    bool ok = right && p->head_ok;
    good += ok;
    char chain[24] = "-", head[24] = "-", lag[16] = "-", lat[16] = "-";
    if (p->chain_ok) snprintf(chain, sizeof chain, "%llu", p->chain);
    if (p->head_ok) {
      snprintf(head, sizeof head, "%llu", p->head);
      snprintf(lag, sizeof lag, "%llu", best - p->head);
      snprintf(lat, sizeof lat, "%.0fms", p->latency_ms);
    }
    const char *status = ok ? "ok" : p->chain_ok && !right ? "WRONG CHAIN" : "DOWN";
    fprintf(out, "%-16.16s %-44.44s %-10s %-12s %-6s %-9s %s%s%s\n", p->uc->name,
            p->uc->display_url ? p->uc->display_url : "", chain, head, lag, lat, status,
            ok ? "" : ": ", ok ? "" : (p->chain_ok && !right ? "not the configured chain" : p->error));
  }
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
