/*
 * log.c: the structured logger behind VT_LOG (see log.h for the line formats).
 *
 * vt_log_write walks the printf format itself: literal text (keys, fixed words) is
 * copied as it is, and each conversion is formatted on its own with snprintf and then
 * escaped, so a value can never break out of its field. The argument types follow the
 * C rules for each conversion and length modifier (a table below), which keeps va_arg
 * exact. A line is built in a capped buffer (VT_LOG_MAX_LINE) and written with one
 * fwrite; a line that would pass the cap is replaced by a short "log_line_too_long"
 * line naming the event, so the output stays parseable.
 *
 * vt_redact_url lives here because every module that prints an upstream uses it.
 */
#include "obs/log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "util/buf.h"

#define VT_LOG_MAX_LINE  (64u * 1024u)  /* one line, all fields */
#define VT_LOG_MAX_VALUE 4096u          /* one formatted value; longer ones are cut */
#define VT_LOG_MAX_SPEC  32u            /* one conversion spec, "%-+ #0*.*llx" */

int vt_log_level_current = VT_LOG_INFO;
static bool g_json;
static FILE *g_out;
/* Scratch buffers reused by every line (one loop thread, no re-entry): after the first
 * lines a log call allocates nothing. They keep at most VT_LOG_MAX_LINE bytes each. */
static vt_buf g_line = {.max = VT_LOG_MAX_LINE}, g_msg = {.max = VT_LOG_MAX_LINE}, g_val = {.max = VT_LOG_MAX_LINE};

static const char *const g_level_names[] = {"error", "warn", "info", "debug"};
static const char *const g_level_upper[] = {"ERROR", "WARN", "INFO", "DEBUG"};
#define NLEVELS (sizeof g_level_names / sizeof g_level_names[0])

void vt_log_init(int level, bool json, FILE *out) {
  if (level < VT_LOG_ERROR) level = VT_LOG_ERROR;
  if (level > VT_LOG_DEBUG) level = VT_LOG_DEBUG;
  vt_log_level_current = level;
  g_json = json;
  g_out = out;
}

int vt_log_level_parse(const char *name) {
  if (!name) return -1;
  for (size_t i = 0; i < NLEVELS; i++)
    if (strcmp(name, g_level_names[i]) == 0) return (int)i;
  return -1;
}

const char *vt_log_level_name(int level) {
  return (level >= 0 && (size_t)level < NLEVELS) ? g_level_names[level] : "?";
}

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t len;
  unsigned min;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) { len = 2; min = 0x80; }
  else if (c >= 0xe0 && c <= 0xef) { len = 3; min = 0x800; }
  else if (c >= 0xf0 && c <= 0xf4) { len = 4; min = 0x10000; }
  else return 0;
  if (n < len) return 0;
  unsigned cp = c & (0x3fu >> (len - 1));
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

/* Copy s, escaping quotes, backslashes, control bytes and invalid UTF-8; ctl_fmt formats
 * a byte that has no short escape ("\\x%02x" for text lines, "\\u%04x" for JSON). */
static void put_escaped(vt_buf *b, const char *s, size_t n, const char *ctl_fmt) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t l = utf8_len(u + i, n - i);
    unsigned char c = u[i];
    if (l > 1 || (l == 1 && c >= 0x20 && c != 0x7f && c != '"' && c != '\\')) {
      vt_buf_append(b, s + i, l);
      i += l;
      continue;
    }
    switch (c) {
      case '"': vt_buf_puts(b, "\\\""); break;
      case '\\': vt_buf_puts(b, "\\\\"); break;
      case '\n': vt_buf_puts(b, "\\n"); break;
      case '\r': vt_buf_puts(b, "\\r"); break;
      case '\t': vt_buf_puts(b, "\\t"); break;
      default: vt_buf_printf(b, ctl_fmt, c); break;
    }
    i++;
  }
}

/* Text format: bare when safe, else a quoted string with C-like escapes. */
static void put_text_value(vt_buf *b, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  bool bare = n > 0;
  for (size_t i = 0; i < n && bare;) {
    size_t l = utf8_len(u + i, n - i);
    if (l == 0 || u[i] <= 0x20 || u[i] == 0x7f || u[i] == '"' || u[i] == '=' || u[i] == '\\') bare = false;
    i += l ? l : 1;
  }
  if (bare) {
    vt_buf_append(b, s, n);
    return;
  }
  vt_buf_append(b, "\"", 1);
  put_escaped(b, s, n, "\\x%02x");
  vt_buf_append(b, "\"", 1);
}

/* JSON string body (no quotes); invalid UTF-8 bytes become \u00NN. */
static void put_json_chars(vt_buf *b, const char *s, size_t n) { put_escaped(b, s, n, "\\u%04x"); }

/* RFC 8259 number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && s[i] == '-') i++;
  if (i >= n) return false;
  if (s[i] == '0') i++;
  else if (s[i] >= '1' && s[i] <= '9') while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  else return false;
  if (i < n && s[i] == '.') {
    size_t d = ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == d) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == d) return false;
  }
  return i == n;
}

/* ---- formatting one conversion ---- */

typedef enum {
  ARG_NONE, ARG_INT, ARG_UINT, ARG_LONG, ARG_ULONG, ARG_LLONG, ARG_ULLONG, ARG_SSIZE, ARG_SIZE,
  ARG_INTMAX, ARG_UINTMAX, ARG_PTRDIFF, ARG_DOUBLE, ARG_STR, ARG_PTR
} arg_kind;

/* Length modifier x conversion class -> the argument type va_arg must read. */
typedef struct {
  const char *mod;
  arg_kind sgn, uns;
} len_row;

static const len_row g_len_table[] = {
    {"hh", ARG_INT, ARG_UINT},     {"h", ARG_INT, ARG_UINT},        {"ll", ARG_LLONG, ARG_ULLONG},
    {"l", ARG_LONG, ARG_ULONG},    {"z", ARG_SSIZE, ARG_SIZE},      {"j", ARG_INTMAX, ARG_UINTMAX},
    {"t", ARG_PTRDIFF, ARG_NONE},  {"", ARG_INT, ARG_UINT},
};

typedef struct {
  char spec[VT_LOG_MAX_SPEC];
  arg_kind kind;
  bool numeric;  /* a decimal or floating conversion: may be a JSON number */
  int star_width, star_prec;  /* 1 when '*' was used */
  size_t used;   /* bytes of fmt consumed */
} conv;

/* Parse the conversion at fmt (fmt[0] == '%'). Returns false for an unsupported one. */
static bool parse_conv(const char *fmt, conv *cv) {
  memset(cv, 0, sizeof *cv);
  size_t i = 1;
  while (fmt[i] && strchr("-+ #0", fmt[i])) i++;
  if (fmt[i] == '*') { cv->star_width = 1; i++; }
  else while (fmt[i] >= '0' && fmt[i] <= '9') i++;
  if (fmt[i] == '.') {
    i++;
    if (fmt[i] == '*') { cv->star_prec = 1; i++; }
    else while (fmt[i] >= '0' && fmt[i] <= '9') i++;
  }
  const len_row *row = NULL;
  for (size_t r = 0; r < sizeof g_len_table / sizeof g_len_table[0]; r++) {
    size_t ml = strlen(g_len_table[r].mod);
    if (strncmp(fmt + i, g_len_table[r].mod, ml) == 0) { row = &g_len_table[r]; i += ml; break; }
  }
  char c = fmt[i];
  bool plain = row->mod[0] == 0;
  if (c == 'd' || c == 'i') { cv->kind = row->sgn; cv->numeric = true; }
  else if (c == 'u') { cv->kind = row->uns; cv->numeric = true; }
  else if (c == 'x' || c == 'X' || c == 'o') cv->kind = row->uns;
  else if (plain && strchr("fFeEgGaA", c) && c) { cv->kind = ARG_DOUBLE; cv->numeric = true; }
  else if (plain && c == 'c') cv->kind = ARG_INT;
  else if (plain && c == 's') cv->kind = ARG_STR;
  else if (plain && c == 'p') cv->kind = ARG_PTR;
  else return false;
  if (cv->kind == ARG_NONE || i + 2 > sizeof cv->spec) return false;
  memcpy(cv->spec, fmt, i + 1);
  cv->spec[i + 1] = 0;
  cv->used = i + 1;
  return true;
}

/* Format one argument into out (cap VT_LOG_MAX_VALUE); returns the text length. */
static size_t format_arg(const conv *cv, va_list *ap, char *out, size_t cap) {
  int w = cv->star_width ? va_arg(*ap, int) : 0;
  int p = cv->star_prec ? va_arg(*ap, int) : 0;
  int n = 0;
#define FMT_ONE(T)                                                                   \
  do {                                                                               \
    T v_ = va_arg(*ap, T);                                                           \
    if (cv->star_width && cv->star_prec) n = snprintf(out, cap, cv->spec, w, p, v_); \
    else if (cv->star_width) n = snprintf(out, cap, cv->spec, w, v_);                \
    else if (cv->star_prec) n = snprintf(out, cap, cv->spec, p, v_);                 \
    else n = snprintf(out, cap, cv->spec, v_);                                       \
  } while (0)
  switch (cv->kind) {
    case ARG_INT: FMT_ONE(int); break;
    case ARG_UINT: FMT_ONE(unsigned); break;
    case ARG_LONG: FMT_ONE(long); break;
    case ARG_ULONG: FMT_ONE(unsigned long); break;
    case ARG_LLONG: FMT_ONE(long long); break;
    case ARG_ULLONG: FMT_ONE(unsigned long long); break;
    case ARG_SSIZE: FMT_ONE(ssize_t); break;
    case ARG_SIZE: FMT_ONE(size_t); break;
    case ARG_INTMAX: FMT_ONE(intmax_t); break;
    case ARG_UINTMAX: FMT_ONE(uintmax_t); break;
    case ARG_PTRDIFF: FMT_ONE(ptrdiff_t); break;
    case ARG_DOUBLE: FMT_ONE(double); break;
    case ARG_PTR: FMT_ONE(void *); break;
    case ARG_STR: {
      const char *s = va_arg(*ap, const char *);
      if (!s) s = "(null)";
      if (cv->star_width && cv->star_prec) n = snprintf(out, cap, cv->spec, w, p, s);
      else if (cv->star_width) n = snprintf(out, cap, cv->spec, w, s);
      else if (cv->star_prec) n = snprintf(out, cap, cv->spec, p, s);
      else n = snprintf(out, cap, cv->spec, s);
      break;
    }
    case ARG_NONE: break;
  }
#undef FMT_ONE
  if (n < 0) return 0;
  return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* ---- one line ---- */

typedef struct {
  vt_buf *b;
  bool json;
  bool in_value;     /* JSON: a string value is open */
  bool bare;         /* current token had no '=' (goes to msg in JSON) */
  vt_buf *msg;       /* JSON: bare words */
} line_ctx;

static void timestamp(char *out, size_t n) {
  static time_t last_sec = -1;
  static char last[24];  /* "2026-11-24T08:00:00" of last_sec */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (ts.tv_sec != last_sec) {
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(last, sizeof last, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    last_sec = ts.tv_sec;
  }
  snprintf(out, n, "%s.%03ldZ", last, ts.tv_nsec / 1000000L);
}

/* Split fmt into space-separated tokens; a token "key=..." is a field, any other token
 * is a bare word. Values are the text after '=' up to the next literal space. */
static void render_fields(line_ctx *lc, const char *fmt, va_list *ap) {
  static char val[VT_LOG_MAX_VALUE];
  vt_buf *b = lc->b;
  const char *p = fmt;
  while (*p) {
    while (*p == ' ') p++;
    if (!*p) break;
    /* key: literal run up to '=' (no '%' or ' ' before it) */
    size_t k = 0;
    while (p[k] && p[k] != '=' && p[k] != ' ' && p[k] != '%') k++;
    bool keyed = p[k] == '=' && k > 0;
    vt_buf *dst = b;
    if (keyed) {
      if (lc->json) {
        vt_buf_puts(b, ",\"");
        put_json_chars(b, p, k);
        vt_buf_puts(b, "\":");
      } else {
        vt_buf_append(b, " ", 1);
        vt_buf_append(b, p, k + 1);
      }
      p += k + 1;
    } else if (lc->json) {
      dst = lc->msg;
      if (lc->msg->len) vt_buf_append(dst, " ", 1);
    } else {
      vt_buf_append(b, " ", 1);
    }
    /* value: segments until a literal space */
    const char *vstart = p;
    size_t nconv = 0;
    bool single_numeric = false;
    vt_buf *tmp = &g_val;
    vt_buf_reset(tmp);
    while (*p && *p != ' ') {
      if (p[0] == '%' && p[1] == '%') { vt_buf_append(tmp, "%", 1); p += 2; continue; }
      if (p[0] == '%') {
        conv cv;
        if (!parse_conv(p, &cv)) { vt_buf_append(tmp, p, 1); p++; continue; }
        size_t n = format_arg(&cv, ap, val, sizeof val);
        vt_buf_append(tmp, val, n);
        nconv++;
        single_numeric = cv.numeric && p == vstart && (p[cv.used] == 0 || p[cv.used] == ' ');
        p += cv.used;
        continue;
      }
      vt_buf_append(tmp, p, 1);
      p++;
    }
    if (lc->json && keyed) {
      if (nconv == 1 && single_numeric && is_json_number(tmp->data ? tmp->data : "", tmp->len)) {
        vt_buf_append(b, tmp->data, tmp->len);
      } else {
        vt_buf_append(b, "\"", 1);
        put_json_chars(b, tmp->data ? tmp->data : "", tmp->len);
        vt_buf_append(b, "\"", 1);
      }
    } else if (lc->json) {
      vt_buf_append(dst, tmp->data ? tmp->data : "", tmp->len);
    } else if (nconv == 0) {
      vt_buf_append(b, tmp->data ? tmp->data : "", tmp->len);  /* literal from the source */
    } else {
      put_text_value(b, tmp->data ? tmp->data : "", tmp->len);
    }
    if (!vt_buf_ok(tmp)) b->failed = true;
  }
}

/* ---- repeated warnings ---- */

/* A warning identical to one written less than the window ago (same level, event and
 * fields) is counted, not written; the next one written after the window carries
 * repeated=N, the number held back. A table of REPEAT_SLOTS keys by hash: a key that
 * collides with another only loses its count. */
#define REPEAT_SLOTS 256u
#define REPEAT_WINDOW_MS_DEFAULT 10000u
typedef struct {
  uint64_t hash, since_ms;
  uint64_t held;
  bool used;
} repeat_slot;
static repeat_slot g_repeat[REPEAT_SLOTS];
static unsigned g_repeat_ms = REPEAT_WINDOW_MS_DEFAULT;

void vt_log_set_repeat_window(unsigned ms) {
  g_repeat_ms = ms;
  memset(g_repeat, 0, sizeof g_repeat);
}

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Whether the line keyed by key[0..n) is held back; *held_before is set to how many
 * identical lines were held back since the last one written (0 if none). */
static bool repeat_hold(const char *key, size_t n, uint64_t *held_before) {
  uint64_t h = 1469598103934665603ull;  /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
  repeat_slot *s = &g_repeat[h % REPEAT_SLOTS];
  uint64_t now = mono_ms();
  *held_before = 0;
  if (s->used && s->hash == h) {
    if (now - s->since_ms < g_repeat_ms) {
      s->held++;
      return true;
    }
    *held_before = s->held;
  }
  *s = (repeat_slot){.hash = h, .since_ms = now, .used = true};
  return false;
}

void vt_log_write(int level, const char *event, const char *fmt, ...) {
  if (!vt_log_enabled(level)) return;
  if (level < VT_LOG_ERROR) level = VT_LOG_ERROR;
  FILE *out = g_out ? g_out : stderr;
  char ts[40];
  timestamp(ts, sizeof ts);
  if (!event) event = "log";
  vt_buf *b = &g_line;
  vt_buf_reset(b);
  vt_buf_reset(&g_msg);
  line_ctx lc = {.b = b, .json = g_json, .msg = &g_msg};
  if (g_json) {
    vt_buf_printf(b, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"", ts, g_level_names[level]);
    put_json_chars(b, event, strlen(event));
    vt_buf_append(b, "\"", 1);
  } else {
    vt_buf_printf(b, "%s %s ", ts, g_level_upper[level]);
    put_text_value(b, event, strlen(event));
  }
  va_list ap;
  va_start(ap, fmt);
  render_fields(&lc, fmt ? fmt : "", &ap);
  va_end(ap);
  if (g_json && lc.msg->len) {
    vt_buf_puts(b, ",\"msg\":\"");
    put_json_chars(b, lc.msg->data, lc.msg->len);
    vt_buf_append(b, "\"", 1);
  }
  if (!vt_buf_ok(lc.msg)) b->failed = true;
  if (level == VT_LOG_WARN && g_repeat_ms && vt_buf_ok(b)) {
    uint64_t held = 0;
    size_t from = strlen(ts) + (g_json ? 8 : 1);  /* the key is the line after its timestamp */
    if (repeat_hold(b->data + from, b->len - from, &held)) return;
    if (held && g_json) vt_buf_printf(b, ",\"repeated\":%llu", (unsigned long long)held);
    else if (held) vt_buf_printf(b, " repeated=%llu", (unsigned long long)held);
  }
  vt_buf_puts(b, g_json ? "}\n" : "\n");
  if (!vt_buf_ok(b)) {
    vt_buf_reset(b);
    if (g_json) {
      vt_buf_printf(b, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"log_line_too_long\",\"for\":\"", ts,
                    g_level_names[level]);
      put_json_chars(b, event, strlen(event) > 64 ? 64 : strlen(event));
      vt_buf_puts(b, "\"}\n");
    } else {
      vt_buf_printf(b, "%s %s log_line_too_long for=", ts, g_level_upper[level]);
      put_text_value(b, event, strlen(event) > 64 ? 64 : strlen(event));
      vt_buf_puts(b, "\n");
    }
  }
  if (b->data) {
    fwrite(b->data, 1, b->len, out);
    fflush(out);
  }
}

/* ---- url redaction ---- */

/* Find the parts of scheme://[userinfo@]host[:port][rest]; false when it is not a url. */
static bool split_url(const char *url, size_t *scheme_len, const char **host, size_t *host_len, bool *rest) {
  const char *sep = url ? strstr(url, "://") : NULL;
  if (!sep || sep == url) return false;
  for (const char *s = url; s < sep; s++) {
    char c = *s;
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && !(s > url && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) return false;
  }
  const char *auth = sep + 3;
  size_t alen = strcspn(auth, "/?#");
  const char *h = auth;
  for (size_t i = 0; i < alen; i++)  /* userinfo ends at the last '@' of the authority */
    if (auth[i] == '@') h = auth + i + 1;
  size_t hlen = alen - (size_t)(h - auth);
  if (hlen == 0) return false;
  for (size_t i = 0; i < hlen; i++) {
    unsigned char c = (unsigned char)h[i];
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  *scheme_len = (size_t)(auth - url);
  *host = h;
  *host_len = hlen;
  *rest = h != auth || auth[alen] != 0;
  return true;
}

size_t vt_redact_url(const char *url, char *out, size_t n) {
  static const char invalid[] = "<invalid url>", tail[] = "/…";
  size_t slen = 0, hlen = 0;
  const char *host = NULL;
  bool rest = false;
  if (!split_url(url, &slen, &host, &hlen, &rest)) {
    if (n > 0) snprintf(out, n, "%s", invalid);
    return sizeof invalid - 1;
  }
  size_t need = slen + hlen + (rest ? sizeof tail - 1 : 0);
  if (n == 0) return need;
  /* copy the three parts, each cut to what still fits */
  const char *parts[3] = {url, host, rest ? tail : ""};
  size_t lens[3] = {slen, hlen, rest ? sizeof tail - 1 : 0}, w = 0;
  for (size_t i = 0; i < 3; i++) {
    size_t k = lens[i] < n - 1 - w ? lens[i] : n - 1 - w;
    memcpy(out + w, parts[i], k);
    w += k;
  }
  out[w] = 0;
  return need;
}
