/*
 * config_int.h: helpers shared by config.c (key table, YAML loading) and
 * config_values.c (value setters) and config_check.c (presets, validation, lookup,
 * dump). Not for other modules.
 */
#ifndef VT_CONFIG_INT_H
#define VT_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* strdup that aborts on memory exhaustion (used only to build defaults). */
char *vt_config__xstrdup(const char *s);

/* true when url is http:// or https:// with a non-empty host and no whitespace or
 * control bytes, and at most VT_CONFIG_MAX_URL bytes. */
bool vt_config__url_ok(const char *url, const char *const *schemes);

/* The printable form of an upstream url (see config.h): malloc'd, NULL on OOM.
 * env_raw: the url as written in the file when it used ${VAR} (then only its
 * scheme://host[:port] is shown, with variable names, never values), else NULL. */
char *vt_config__display_url(const char *url, const char *env_raw);

void vt_config__upstream_free(vt_upstream_cfg *u);
void vt_config__key_free(vt_key_cfg *k);
/* Every numeric key of the table within its range, and a listen address (config.c). */
int vt_config__check_ranges(const vt_config *c, char *err, size_t errlen);
void vt_config__free_strv(char **v, size_t n);

extern const char *const vt_config__http_schemes[];   /* "http", "https", NULL */
extern const char *const vt_config__ws_schemes[];     /* "ws", "wss", NULL */
extern const char *const vt_config__redis_schemes[];  /* "redis", "rediss", "unix", NULL */

/* ---- the loader (config.c) and the value setters (config_values.c) ----
 * A key_row is one row of the key table; a setter parses the text of a scalar into
 * the field at base + off, or fails with a message through vt_config__fail, which
 * prefixes "source:line:column: key: " from the loader's current position. */
#include <yaml.h>

typedef struct vt_config_loader loader;
typedef struct vt_config_key key_row;
typedef int (*set_fn)(loader *L, const key_row *row, const char *text, void *field);
typedef int (*node_fn)(loader *L, const key_row *row, yaml_node_t *node, void *field);

struct vt_config_key {
  const char *path;
  set_fn set;          /* scalar keys */
  node_fn node;        /* list/map keys */
  size_t off;
  unsigned long long min, max;
  const char *def;     /* default in file syntax; NULL = none (presets fill it) */
};

struct vt_config_loader {
  yaml_document_t *doc;
  const char *src;     /* file name or "config" */
  char *err;
  size_t errlen;
  vt_config *c;
  unsigned char *seen; /* per node: visited (aliases are refused) */
  size_t nnodes;
  yaml_mark_t mark;    /* position of the value being set */
  char key[160];       /* display path of the value being set */
  bool quorum_given, chain_id_given;
  struct vt_config_pos *pos;  /* where each key appeared, for cross-field messages */
  size_t npos, cappos;
};

/* A key as shown in messages and the position of its value in the file. */
struct vt_config_pos {
  char key[160];
  yaml_mark_t mark;
};


int vt_config__fail(loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "<value> is not valid: expected <what>" with the value made printable. */
int vt_config__bad_value(loader *L, const char *text, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* text made printable and cut to 64 bytes, into out. */
const char *vt_config__shown(const char *text, char *out, size_t n);
/* ${VAR} interpolation (url and header values only); *out is malloc'd and at most cap
 * bytes long. Every value substituted is added to sec's secrets (sec may be NULL). */
int vt_config__interpolate(loader *L, const char *raw, size_t cap, char **out, bool *used_env,
                           vt_upstream_cfg *sec);
/* Keep s[0..n) as one of u's secrets (once; shorter than VT_CONFIG_MIN_SECRET: not
 * kept). 0, or -1 when out of memory. */
int vt_config__add_secret(vt_upstream_cfg *u, const char *s, size_t n);
/* Keep the secret parts of url: userinfo (whole and password), query values,
 * key-like path segments. 0 or -1 (out of memory). */
int vt_config__url_secrets(vt_upstream_cfg *u, const char *url);

int vt_config__set_uint(loader *L, const key_row *r, const char *t, void *field);    /* unsigned, min..max */
int vt_config__set_u64(loader *L, const key_row *r, const char *t, void *field);     /* uint64_t, min..max */
int vt_config__set_count(loader *L, const key_row *r, const char *t, void *field);   /* size_t, min..max */
int vt_config__set_ms(loader *L, const key_row *r, const char *t, void *field);      /* duration -> ms */
int vt_config__set_secs(loader *L, const key_row *r, const char *t, void *field);    /* duration -> s */
int vt_config__set_size(loader *L, const key_row *r, const char *t, void *field);    /* bytes with units */
int vt_config__set_chain_id(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_quorum(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_bool(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_level(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_format(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_anchor(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_chain_kind(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_policy(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_string(loader *L, const key_row *r, const char *t, void *field);  /* "" clears */
int vt_config__set_origin(loader *L, const key_row *r, const char *t, void *field);  /* "*" or an origin */
int vt_config__set_redis(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_listen(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_chain_name(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_upstream_name(loader *L, const key_row *r, const char *t, void *field);
int vt_config__set_url(loader *L, const key_row *r, const char *t, void *field);     /* field: &upstream->url */
int vt_config__set_ws(loader *L, const key_row *r, const char *t, void *field);      /* field: &upstream->ws */
int vt_config__set_rps(loader *L, const key_row *r, const char *t, void *field);

#endif
