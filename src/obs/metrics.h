/*
 * metrics.h: a small Prometheus metrics registry (counters, gauges, histograms) and
 * its text exposition (format 0.0.4, what /metrics serves).
 *
 * The gateway owns one vt_metrics (vt_metrics_new / vt_metrics_free) and registers each
 * family once at start-up. A family has up to VT_METRIC_MAX_LABELS label names; a child
 * is one combination of label values, found with vt_metric_with() and then kept: the
 * returned pointer stays valid until vt_metrics_free(), so the hot path is one add.
 *
 *   static const char *const lbl[] = {"method", "outcome"};
 *   vt_metric *req = vt_metrics_counter(reg, "verity_requests_total", "Requests served.", lbl, 2);
 *   const char *const v[] = {"eth_call", "ok"};
 *   vt_metric_inc(vt_metric_with(req, v), 1);
 *
 * A family without labels has exactly one child: vt_metric_with(f, NULL).
 *
 * Cardinality is capped: a family holds at most VT_METRIC_MAX_CHILDREN children; label
 * value combinations beyond that all fold into one child whose every label value is
 * "other", so a client that sends many distinct method names cannot grow memory.
 * Label values longer than VT_METRIC_MAX_VALUE bytes are truncated to that length.
 *
 * Histograms have fixed buckets in seconds (VT_METRIC_BUCKETS below, plus +Inf).
 * Counters ignore negative or NaN increments; gauges take any value via set or inc.
 * Every function is NULL-safe on the family/child argument (a NULL child, e.g. from a
 * failed allocation, makes inc/set/observe a no-op), so a metrics failure never takes
 * a request down. Single-threaded (one libuv loop): no locks.
 */
#ifndef VT_METRICS_H
#define VT_METRICS_H

#include <stddef.h>

#define VT_METRIC_MAX_LABELS 4
#define VT_METRIC_MAX_CHILDREN 1024
#define VT_METRIC_MAX_VALUE 128
#define VT_METRIC_MAX_FAMILIES 256
#define VT_METRIC_NBUCKETS 14
/* Upper bounds of the histogram buckets, in seconds. */
extern const double vt_metric_buckets[VT_METRIC_NBUCKETS];

typedef struct vt_metrics vt_metrics;
typedef struct vt_metric vt_metric;
typedef struct vt_metric_child vt_metric_child;

vt_metrics *vt_metrics_new(void);
void vt_metrics_free(vt_metrics *m);

/* Register a family. name must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
 * [a-zA-Z_][a-zA-Z0-9_]* (not starting with "__"; "le" is reserved for histograms),
 * at most VT_METRIC_MAX_LABELS of them, help is any text (escaped on output).
 * Registering the same name again with the same type and labels returns the existing
 * family; with a different type or labels, or any invalid argument, returns NULL. */
vt_metric *vt_metrics_counter(vt_metrics *m, const char *name, const char *help,
                              const char *const *labels, size_t nlabels);
vt_metric *vt_metrics_gauge(vt_metrics *m, const char *name, const char *help,
                            const char *const *labels, size_t nlabels);
vt_metric *vt_metrics_histogram(vt_metrics *m, const char *name, const char *help,
                                const char *const *labels, size_t nlabels);

/* The child for these label values (one per label name, in order; NULL for a family
 * without labels). Creates it on first use. Returns NULL only when f is NULL, a value
 * is NULL, or memory runs out. */
vt_metric_child *vt_metric_with(vt_metric *f, const char *const *values);

/* Counter: add v (v >= 0). Gauge: add v (any sign). Histogram: no-op. */
void vt_metric_inc(vt_metric_child *c, double v);
/* Gauge: set to v. Counter, histogram: no-op. */
void vt_metric_set(vt_metric_child *c, double v);
/* Histogram: record one observation v (seconds). Counter, gauge: no-op. */
void vt_metric_observe(vt_metric_child *c, double v);
/* Current value of a counter or gauge child; for a histogram, its sum. 0 for NULL. */
double vt_metric_value(const vt_metric_child *c);
/* Number of children a family holds now (including the "other" child). */
size_t vt_metric_nchildren(const vt_metric *f);

/* Render every family in registration order, children in creation order. *out is a
 * malloc'd NUL-terminated buffer the caller frees; *len excludes the NUL.
 * Returns 0, or -1 when memory runs out (*out is then NULL). */
int vt_metrics_render(const vt_metrics *m, char **out, size_t *len)
    __attribute__((warn_unused_result));

#endif
