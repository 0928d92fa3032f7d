/*
 * dash.h: what the front remembers for the dashboard (/dashboard, the page; /status,
 * its data): answers counted by trust tier, and the last VT_DASH_RECENT calls answered
 * -32002 with their method, time and reason, in a ring buffer.
 *
 * gateway.c notes every answer (vt_dash_note_trust) and every -32002
 * (vt_dash_note_unavailable); status.c appends vt_dash_status_json() to /status;
 * the page itself (dashboard.html, built into the binary as vt_dashboard_html by the
 * Makefile) is served by vt_dash_page(). The gateway owns the vt_dash (wiring.c).
 * No I/O, no clock: times are passed in.
 */
#ifndef VT_GATEWAY_DASH_H
#define VT_GATEWAY_DASH_H

#include <stddef.h>
#include <stdint.h>

#include "flow/trust.h"
#include "util/buf.h"

#define VT_DASH_RECENT 32          /* -32002s kept */
#define VT_DASH_REASON_MAX 200     /* bytes of a reason kept */
#define VT_DASH_TIERS (VT_TRUST_LOCAL + 1)

typedef struct vt_dash vt_dash;

vt_dash *vt_dash_new(void);
void vt_dash_free(vt_dash *d);
void vt_dash_note_trust(vt_dash *d, vt_trust_tier tier);
/* reason: the error's data as sent to the client (JSON), may be NULL; cut to fit. */
void vt_dash_note_unavailable(vt_dash *d, uint64_t now_ms, const char *method, const char *reason, size_t len);
/* Appends "answers_by_trust":{...},"recent_unavailable":[...] (no braces around). */
void vt_dash_status_json(const vt_dash *d, vt_buf *b, uint64_t now_ms);

/* The embedded page (generated from dashboard.html at build time). */
const char *vt_dash_page(size_t *len);

#endif
