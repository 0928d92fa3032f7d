/*
 * h1wire.h: the sans-I/O half of the HTTP/1.1 upstream client (h1client.c): URL
 * parsing, request bytes, response header scanning (Retry-After, Date) and the tables
 * that map libuv errors and HTTP statuses to vt_fetch_error.
 *
 * Who calls it: h1client.c only (and its unit test). Nothing here allocates except
 * through the caller's vt_buf; a vt_h1_url points into the caller's URL string.
 */
#ifndef VT_NET_H1WIRE_H
#define VT_NET_H1WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "net/fetch.h"
#include "util/buf.h"

#define VT_H1_MAX_HOST       255u   /* bytes of host name in a URL */
#define VT_H1_AUTH_MAX       1024u  /* bytes of percent-decoded user:password */
#define VT_H1_HDR_NAME_MAX   32u    /* response header names we look at are short */
#define VT_H1_HDR_VALUE_MAX  128u   /* Retry-After / Date values */
/* Largest request vt_h1_build_request() can produce from valid opts. */
#define VT_H1_REQ_MAX                                                                  \
  (VT_FETCH_MAX_URL + 4096u + 4u * VT_H1_AUTH_MAX +                                    \
   VT_FETCH_MAX_HEADERS * (VT_FETCH_MAX_HEADER_LEN + 2u) + VT_FETCH_MAX_REQUEST_BODY)

/* http://[userinfo@]host[:port][/path][?query][#fragment], views into the URL. */
typedef struct {
  const char *host, *path, *user;
  size_t host_len, path_len, user_len; /* path excludes the fragment; may be empty */
  bool v6, has_user, has_port;
  uint16_t port;                       /* 80 when absent */
} vt_h1_url;

/* False on anything but a well-formed http URL (bad host, port, control characters). */
bool vt_h1_url_parse(const char *url, vt_h1_url *u);

/* The same input rules as vt_fetch_start(): URL length, header count/length/CRLF, body. */
bool vt_h1_opts_valid(const vt_fetch_opts *o);

/* Request line, Host, Basic Authorization from userinfo, User-Agent, Content-Type
 * (POST, unless given), Content-Length (POST), the caller's headers, blank line, body.
 * A caller header replaces ours of the same name; "Name:" with no value removes ours;
 * callers' Content-Length, Transfer-Encoding and Expect are dropped. False on a cap. */
bool vt_h1_build_request(vt_buf *out, const vt_fetch_opts *o, const vt_h1_url *u);

/* IMF-fixdate, RFC 850 or asctime; (time_t)-1 if none fits. */
time_t vt_h1_parse_http_date(const char *v);

/* Response header scanner fed with http_parser's header fragments. */
typedef struct {
  size_t name_len, value_len;     /* > the cap once a fragment overflowed */
  bool in_value;
  double retry_after_s;           /* delta-seconds form, -1 if absent */
  time_t retry_date, date;        /* HTTP-date forms, -1 if absent */
  char content_type[VT_FETCH_MAX_CONTENT_TYPE + 1]; /* "" if absent or longer than the cap */
  char name[VT_H1_HDR_NAME_MAX + 1], value[VT_H1_HDR_VALUE_MAX + 1];
} vt_h1_hdrs;

void vt_h1_hdrs_reset(vt_h1_hdrs *h);
void vt_h1_hdrs_field(vt_h1_hdrs *h, const char *at, size_t n);
void vt_h1_hdrs_value(vt_h1_hdrs *h, const char *at, size_t n);
void vt_h1_hdrs_end(vt_h1_hdrs *h); /* after the last header */
/* Retry-After in seconds (an HTTP-date counts from the reply's Date:, else now),
 * clamped to 0..VT_FETCH_MAX_RETRY_AFTER_S; -1 if absent. */
double vt_h1_hdrs_retry_after(const vt_h1_hdrs *h);

/* A libuv error and whether the connection was up -> outcome and static text. */
typedef struct {
  int code;
  vt_fetch_error connecting, connected;
  const char *text;
} vt_h1_err_row;

const vt_h1_err_row *vt_h1_uv_error(int code);

/* HTTP status -> outcome; *fmt (a "%ld" format for the message) when not OK. */
vt_fetch_error vt_h1_status_outcome(long status, const char **fmt);

#endif
