/*
 * metrics.c: the Prometheus registry behind metrics.h.
 *
 * A registry is an array of families in registration order. A family owns its label
 * names and an array of child pointers in creation order, plus an open-addressing hash
 * index (FNV-1a over the label values) for vt_metric_with. Children are allocated one
 * by one and never move or go away before vt_metrics_free, so callers may keep the
 * pointers. Histogram children store per-bucket (non-cumulative) counts; rendering
 * makes them cumulative as the exposition format requires.
 *
 * Rendering follows the text exposition format 0.0.4: "# HELP name text" (help with
 * '\\' and newline escaped), "# TYPE name counter|gauge|histogram", one sample per
 * line, label values with '\\', '"' and newline escaped, floats as Go would print
 * them for the common cases (integers without exponent, +Inf, -Inf, NaN).
 */
#include "obs/metrics.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define VT_METRICS_MAX_RENDER (64u * 1024u * 1024u)
#define INDEX_SLOTS 2048u  /* power of two, > 2 * VT_METRIC_MAX_CHILDREN */

const double vt_metric_buckets[VT_METRIC_NBUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1,     2.5,  5,     10};
/* The same bounds as Prometheus writes them. */
static const char *const g_bucket_text[VT_METRIC_NBUCKETS] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"};

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } metric_kind;
static const char *const g_kind_names[] = {"counter", "gauge", "histogram"};

struct vt_metric_child {
  vt_metric *family;
  char *values[VT_METRIC_MAX_LABELS];
  uint64_t hash;
  double value;  /* counter/gauge value; histogram sum */
  uint64_t count;
  uint64_t buckets[VT_METRIC_NBUCKETS];  /* histogram, non-cumulative; +Inf is count */
};

struct vt_metric {
  metric_kind kind;
  char *name, *help;
  char *labels[VT_METRIC_MAX_LABELS];
  size_t nlabels;
  vt_metric_child **children;
  size_t nchildren;
  vt_metric_child *other;      /* the overflow child, once created */
  uint32_t *index;             /* INDEX_SLOTS entries: child position + 1, 0 = empty */
};

struct vt_metrics {
  vt_metric *families[VT_METRIC_MAX_FAMILIES];
  size_t nfamilies;
};

/* ---- names ---- */

static bool valid_metric_name(const char *s) {
  if (!s || !*s || strlen(s) > 200) return false;
  for (size_t i = 0; s[i]; i++) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

static bool valid_label_name(const char *s, metric_kind kind) {
  if (!s || !*s || strlen(s) > 100 || (s[0] == '_' && s[1] == '_')) return false;
  if (kind == KIND_HISTOGRAM && strcmp(s, "le") == 0) return false;
  for (size_t i = 0; s[i]; i++) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

/* ---- registry ---- */

vt_metrics *vt_metrics_new(void) { return calloc(1, sizeof(vt_metrics)); }

static void child_free(vt_metric_child *c) {
  if (!c) return;
  for (size_t i = 0; i < VT_METRIC_MAX_LABELS; i++) free(c->values[i]);
  free(c);
}

static void family_free(vt_metric *f) {
  if (!f) return;
  for (size_t i = 0; i < f->nchildren; i++) child_free(f->children[i]);
  free(f->children);
  free(f->index);
  for (size_t i = 0; i < f->nlabels; i++) free(f->labels[i]);
  free(f->name);
  free(f->help);
  free(f);
}

void vt_metrics_free(vt_metrics *m) {
  if (!m) return;
  for (size_t i = 0; i < m->nfamilies; i++) family_free(m->families[i]);
  free(m);
}

static bool same_shape(const vt_metric *f, metric_kind kind, const char *const *labels, size_t nlabels) {
  if (f->kind != kind || f->nlabels != nlabels) return false;
  for (size_t i = 0; i < nlabels; i++)
    if (strcmp(f->labels[i], labels[i]) != 0) return false;
  return true;
}

static vt_metric *family_register(vt_metrics *m, metric_kind kind, const char *name, const char *help,
                                  const char *const *labels, size_t nlabels) {
  vt_metric *f = NULL, *result = NULL;
  if (!m || !valid_metric_name(name) || nlabels > VT_METRIC_MAX_LABELS || (nlabels && !labels)) goto out;
  for (size_t i = 0; i < nlabels; i++) {
    if (!valid_label_name(labels[i], kind)) goto out;
    for (size_t j = 0; j < i; j++)
      if (strcmp(labels[i], labels[j]) == 0) goto out;
  }
  for (size_t i = 0; i < m->nfamilies; i++) {
    if (strcmp(m->families[i]->name, name) == 0) {
      if (same_shape(m->families[i], kind, labels, nlabels)) result = m->families[i];
      goto out;
    }
  }
  if (m->nfamilies >= VT_METRIC_MAX_FAMILIES) goto out;
  f = calloc(1, sizeof *f);
  if (!f) goto out;
  f->kind = kind;
  f->name = strdup(name);
  f->help = strdup(help ? help : "");
  f->index = calloc(INDEX_SLOTS, sizeof *f->index);
  f->children = calloc(VT_METRIC_MAX_CHILDREN + 1, sizeof *f->children);
  if (!f->name || !f->help || !f->index || !f->children) goto out;
  for (size_t i = 0; i < nlabels; i++) {
    f->labels[i] = strdup(labels[i]);
    if (!f->labels[i]) goto out;
    f->nlabels = i + 1;
  }
  m->families[m->nfamilies++] = f;
  result = f;
  f = NULL;  /* the registry owns it now */
out:
  family_free(f);
  return result;
}

vt_metric *vt_metrics_counter(vt_metrics *m, const char *name, const char *help, const char *const *labels,
                              size_t nlabels) {
  return family_register(m, KIND_COUNTER, name, help, labels, nlabels);
}

vt_metric *vt_metrics_gauge(vt_metrics *m, const char *name, const char *help, const char *const *labels,
                            size_t nlabels) {
  return family_register(m, KIND_GAUGE, name, help, labels, nlabels);
}

vt_metric *vt_metrics_histogram(vt_metrics *m, const char *name, const char *help, const char *const *labels,
                                size_t nlabels) {
  return family_register(m, KIND_HISTOGRAM, name, help, labels, nlabels);
}

/* ---- children ---- */

static size_t value_len(const char *v) {
  size_t n = strnlen(v, VT_METRIC_MAX_VALUE);
  return n;
}

static uint64_t hash_values(const vt_metric *f, const char *const *values) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < f->nlabels; i++) {
    size_t n = value_len(values[i]);
    for (size_t j = 0; j < n; j++) {
      h ^= (unsigned char)values[i][j];
      h *= 1099511628211ull;
    }
    h ^= 0xff;  /* separator between values; collisions are settled by child_matches */
    h *= 1099511628211ull;
  }
  return h;
}

static bool child_matches(const vt_metric_child *c, const vt_metric *f, const char *const *values) {
  for (size_t i = 0; i < f->nlabels; i++) {
    size_t n = value_len(values[i]);
    if (strlen(c->values[i]) != n || memcmp(c->values[i], values[i], n) != 0) return false;
  }
  return true;
}

static vt_metric_child *child_new(vt_metric *f, const char *const *values, uint64_t h) {
  vt_metric_child *c = calloc(1, sizeof *c), *result = NULL;
  if (!c) goto out;
  c->family = f;
  c->hash = h;
  for (size_t i = 0; i < f->nlabels; i++) {
    c->values[i] = strndup(values[i], value_len(values[i]));
    if (!c->values[i]) goto out;
  }
  f->children[f->nchildren++] = c;
  result = c;
  c = NULL;  /* the family owns it now */
out:
  child_free(c);
  return result;
}

static vt_metric_child *other_child(vt_metric *f) {
  if (f->other) return f->other;
  const char *vals[VT_METRIC_MAX_LABELS] = {"other", "other", "other", "other"};
  f->other = child_new(f, vals, 0);
  return f->other;
}

vt_metric_child *vt_metric_with(vt_metric *f, const char *const *values) {
  if (!f) return NULL;
  if (f->nlabels && !values) return NULL;
  for (size_t i = 0; i < f->nlabels; i++)
    if (!values[i]) return NULL;
  uint64_t h = hash_values(f, values);
  size_t slot = (size_t)h & (INDEX_SLOTS - 1);
  for (;;) {
    uint32_t pos = f->index[slot];
    if (pos == 0) break;
    vt_metric_child *c = f->children[pos - 1];
    if (c->hash == h && child_matches(c, f, values)) return c;
    slot = (slot + 1) & (INDEX_SLOTS - 1);
  }
  size_t real = f->nchildren - (f->other ? 1 : 0);
  if (real >= VT_METRIC_MAX_CHILDREN) return other_child(f);
  vt_metric_child *c = child_new(f, values, h);
  if (c) f->index[slot] = (uint32_t)f->nchildren;
  return c;
}

void vt_metric_inc(vt_metric_child *c, double v) {
  if (!c) return;
  if (c->family->kind == KIND_COUNTER && v >= 0) c->value += v;  /* NaN fails v >= 0 */
  else if (c->family->kind == KIND_GAUGE) c->value += v;
}

void vt_metric_set(vt_metric_child *c, double v) {
  if (c && c->family->kind == KIND_GAUGE) c->value = v;
}

void vt_metric_observe(vt_metric_child *c, double v) {
  if (!c || c->family->kind != KIND_HISTOGRAM || isnan(v)) return;
  size_t i = 0;
  while (i < VT_METRIC_NBUCKETS && v > vt_metric_buckets[i]) i++;
  if (i < VT_METRIC_NBUCKETS) c->buckets[i]++;
  c->count++;
  c->value += v;
}

double vt_metric_value(const vt_metric_child *c) { return c ? c->value : 0; }

size_t vt_metric_nchildren(const vt_metric *f) { return f ? f->nchildren : 0; }

/* ---- rendering ---- */

static void put_double(vt_buf *b, double v) {
  if (isnan(v)) { vt_buf_puts(b, "NaN"); return; }
  if (isinf(v)) { vt_buf_puts(b, v > 0 ? "+Inf" : "-Inf"); return; }
  if (v == floor(v) && fabs(v) < 1e15) { vt_buf_printf(b, "%.0f", v); return; }
  char tmp[40];
  for (int prec = 15; prec <= 17; prec++) {  /* shortest form that reads back exactly */
    snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (strtod(tmp, NULL) == v) break;
  }
  vt_buf_puts(b, tmp);
}

static void put_escaped(vt_buf *b, const char *s, bool quote) {
  for (; *s; s++) {
    if (*s == '\\') vt_buf_puts(b, "\\\\");
    else if (*s == '\n') vt_buf_puts(b, "\\n");
    else if (*s == '"' && quote) vt_buf_puts(b, "\\\"");
    else vt_buf_append(b, s, 1);
  }
}

/* name{l1="v1",...[,le="x"]} */
static void put_series(vt_buf *b, const vt_metric *f, const char *suffix, const vt_metric_child *c,
                       const char *le) {
  vt_buf_puts(b, f->name);
  vt_buf_puts(b, suffix);
  if (f->nlabels == 0 && !le) return;
  vt_buf_append(b, "{", 1);
  for (size_t i = 0; i < f->nlabels; i++) {
    if (i) vt_buf_append(b, ",", 1);
    vt_buf_printf(b, "%s=\"", f->labels[i]);
    put_escaped(b, c->values[i], true);
    vt_buf_append(b, "\"", 1);
  }
  if (le) vt_buf_printf(b, "%sle=\"%s\"", f->nlabels ? "," : "", le);
  vt_buf_append(b, "}", 1);
}

static void render_family(vt_buf *b, const vt_metric *f) {
  vt_buf_printf(b, "# HELP %s ", f->name);
  put_escaped(b, f->help, false);
  vt_buf_printf(b, "\n# TYPE %s %s\n", f->name, g_kind_names[f->kind]);
  for (size_t i = 0; i < f->nchildren; i++) {
    const vt_metric_child *c = f->children[i];
    if (f->kind != KIND_HISTOGRAM) {
      put_series(b, f, "", c, NULL);
      vt_buf_append(b, " ", 1);
      put_double(b, c->value);
      vt_buf_append(b, "\n", 1);
      continue;
    }
    uint64_t cum = 0;
    for (size_t k = 0; k < VT_METRIC_NBUCKETS; k++) {
      cum += c->buckets[k];
      put_series(b, f, "_bucket", c, g_bucket_text[k]);
      vt_buf_printf(b, " %llu\n", (unsigned long long)cum);
    }
    put_series(b, f, "_bucket", c, "+Inf");
    vt_buf_printf(b, " %llu\n", (unsigned long long)c->count);
    put_series(b, f, "_sum", c, NULL);
    vt_buf_append(b, " ", 1);
    put_double(b, c->value);
    vt_buf_append(b, "\n", 1);
    put_series(b, f, "_count", c, NULL);
    vt_buf_printf(b, " %llu\n", (unsigned long long)c->count);
  }
}

int vt_metrics_render(const vt_metrics *m, char **out, size_t *len) {
  int rc = -1;
  vt_buf b;
  vt_buf_init(&b, VT_METRICS_MAX_RENDER);
  *out = NULL;
  if (len) *len = 0;
  if (m)
    for (size_t i = 0; i < m->nfamilies; i++) render_family(&b, m->families[i]);
  if (!vt_buf_ok(&b)) goto out;
  *out = vt_buf_steal(&b, len);
  if (*out) rc = 0;
out:
  vt_buf_free(&b);
  return rc;
}
