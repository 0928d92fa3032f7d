/*
 * dash.c: the dashboard's memory (dash.h): answers by trust tier and a ring of recent
 * -32002s. Written to by gateway.c on every answer (a counter and, for a -32002, one
 * bounded copy), read by status.c for /status. The page is served from the array the
 * Makefile generates from dashboard.html (xxd -i), so the binary needs no files.
 */
#include "gateway/dash.h"

#include <stdlib.h>
#include <string.h>

extern const unsigned char vt_dashboard_html[];
extern const unsigned int vt_dashboard_html_len;

typedef struct {
  uint64_t t_ms;
  char method[64];
  char reason[VT_DASH_REASON_MAX];
} dash_unavail;

struct vt_dash {
  uint64_t by_tier[VT_DASH_TIERS];
  uint64_t unavailable;             /* all -32002s ever; the ring holds the last ones */
  dash_unavail recent[VT_DASH_RECENT];
  size_t next;                      /* ring slot written next */
};

static const char *const tier_names[VT_DASH_TIERS] = {
    [VT_TRUST_NONE] = "none", [VT_TRUST_SINGLE] = "single", [VT_TRUST_QUORUM] = "quorum",
    [VT_TRUST_VERIFIED] = "verified", [VT_TRUST_STALE] = "stale", [VT_TRUST_LOCAL] = "local",
};

vt_dash *vt_dash_new(void) { return calloc(1, sizeof(vt_dash)); }
void vt_dash_free(vt_dash *d) { free(d); }

void vt_dash_note_trust(vt_dash *d, vt_trust_tier tier) {
  if (d && (unsigned)tier < VT_DASH_TIERS) d->by_tier[tier]++;
}

static void copy_cut(char *dst, size_t cap, const char *src, size_t len) {
  size_t n = len < cap - 1 ? len : cap - 1;
  if (src) memcpy(dst, src, n);
  else n = 0;
  dst[n] = 0;
}

void vt_dash_note_unavailable(vt_dash *d, uint64_t now_ms, const char *method, const char *reason, size_t len) {
  if (!d) return;
  dash_unavail *u = &d->recent[d->next];
  d->next = (d->next + 1) % VT_DASH_RECENT;
  d->unavailable++;
  u->t_ms = now_ms;
  copy_cut(u->method, sizeof u->method, method, method ? strlen(method) : 0);
  copy_cut(u->reason, sizeof u->reason, reason, reason ? len : 0);
}

void vt_dash_status_json(const vt_dash *d, vt_buf *b, uint64_t now_ms) {
  if (!d) return;
  vt_buf_puts(b, "\"answers_by_trust\":{");
  for (size_t i = 0; i < VT_DASH_TIERS; i++)
    vt_buf_printf(b, "%s\"%s\":%llu", i ? "," : "", tier_names[i], (unsigned long long)d->by_tier[i]);
  vt_buf_printf(b, "},\"unavailable_total\":%llu,\"recent_unavailable\":[", (unsigned long long)d->unavailable);
  size_t kept = d->unavailable < VT_DASH_RECENT ? (size_t)d->unavailable : VT_DASH_RECENT;
  for (size_t k = 0; k < kept; k++) { /* newest first */
    const dash_unavail *u = &d->recent[(d->next + VT_DASH_RECENT - 1 - k) % VT_DASH_RECENT];
    vt_buf_printf(b, "%s{\"age_s\":%.1f,\"method\":", k ? "," : "",
                  now_ms >= u->t_ms ? (double)(now_ms - u->t_ms) / 1000.0 : 0.0);
    vt_buf_json_str(b, u->method, strlen(u->method));
    vt_buf_puts(b, ",\"reason\":");
    vt_buf_json_str(b, u->reason, strlen(u->reason));
    vt_buf_puts(b, "}");
  }
  vt_buf_puts(b, "]");
}

const char *vt_dash_page(size_t *len) {
  *len = vt_dashboard_html_len;
  return (const char *)vt_dashboard_html;
}
