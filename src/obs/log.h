/*
 * log.h: structured, leveled logging for the daemon (text or JSON lines).
 *
 * One process-wide logger, set up once by main with vt_log_init() before the loop
 * starts; everything runs on one libuv loop, so there are no locks. Levels are
 * ordered VT_LOG_ERROR < VT_LOG_WARN < VT_LOG_INFO < VT_LOG_DEBUG; a message is written
 * when its level is <= the configured level.
 *
 * VT_LOG(level, event, fmt, ...) checks the level BEFORE any argument is evaluated or
 * formatted, so debug logging costs one compare when it is off. The format is a
 * printf format of space-separated key=value pairs, checked by the compiler:
 *
 *   VT_LOG(VT_LOG_WARN, "upstream_down", "upstream=%s status=%d ms=%.1f", name, st, ms);
 *
 * Keys and literal text come from the source code and are written as they are. Every
 * value produced by a conversion is escaped: in text format a value holding spaces,
 * quotes, '=', backslashes or control bytes is written as a quoted string with \" \\ \n
 * \r \t and \xNN escapes; in JSON it is a JSON string (or a JSON number when the value
 * is exactly one numeric conversion). So request data can never forge a log line or a
 * field. Lines look like:
 *
 *   2026-11-24T08:00:00.123Z WARN upstream_down upstream=infura status=503 ms=12.5
 *   {"ts":"2026-11-24T08:00:00.123Z","level":"warn","event":"upstream_down","upstream":"infura","status":503,"ms":12.5}
 *
 * Supported conversions: %s %d %i %u %x %X %o %c %f %g %e %p with flags, width,
 * precision (including '*'), and the length modifiers hh h l ll z j t. %.*s works.
 * A token without '=' is a bare word: written as is in text, gathered into "msg" in
 * JSON. Keys must be literal (not conversions). An event with no fields still needs a
 * non-empty format (e.g. "state=started"): gcc warns on an empty one. Each value is cut
 * to 4 KiB and a line to 64 KiB. A written line costs about 1 us of CPU; a line below
 * the level costs one compare.
 * Never log a vt_upstream_cfg url or header value: use its display_url.
 *
 * Repeated warnings: a WARN line identical (event and fields) to one written less than
 * 10 s ago is held back and counted; the next identical line written after the window
 * carries repeated=N (JSON "repeated":N), the number held back. So a client that makes
 * every request fail the same way cannot flood the log.
 */
#ifndef VT_LOG_H
#define VT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { VT_LOG_ERROR = 0, VT_LOG_WARN = 1, VT_LOG_INFO = 2, VT_LOG_DEBUG = 3 };

/* The level in force; read by VT_LOG before formatting. Set it with vt_log_init. */
extern int vt_log_level_current;

/* Set level (clamped to ERROR..DEBUG), format (json or text) and sink (NULL = stderr).
 * The logger does not own `out` and never closes it. */
void vt_log_init(int level, bool json, FILE *out);

static inline bool vt_log_enabled(int level) { return level <= vt_log_level_current; }

/* Write one line (use VT_LOG, which checks the level first). */
void vt_log_write(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define VT_LOG(level, event, ...)                                \
  do {                                                           \
    if (vt_log_enabled(level)) vt_log_write(level, event, __VA_ARGS__); \
  } while (0)

/* Set the repeated-warning window in ms (0 = write every line; tests); forgets counts. */
void vt_log_set_repeat_window(unsigned ms);

/* "error" "warn" "info" "debug" -> VT_LOG_*, or -1 when unknown. */
int vt_log_level_parse(const char *name);
/* VT_LOG_* -> "error" ... ; "?" when out of range. */
const char *vt_log_level_name(int level);

/* Keep scheme://host[:port] of url, drop any userinfo ("user:pass@"), and replace
 * whatever follows the authority (path, query, fragment) with "/…". Writes a
 * NUL-terminated string into out (n > 0; truncated to n-1 bytes) and returns the
 * length it needed. A url that is not scheme://authority gives "<invalid url>". */
size_t vt_redact_url(const char *url, char *out, size_t n);

#endif
