/*
 * redis_int.h: internals shared by redis.c (the client) and redis_conf.c (options and
 * URL). Not for use outside src/store/.
 */
#ifndef VT_STORE_REDIS_INT_H
#define VT_STORE_REDIS_INT_H

#include "store/redis.h"

#include <netinet/in.h>
#include <nettle/hmac.h>

#define VT_REDIS_MAC_LEN 16u
#define VT_REDIS_ADDRS_MAX 4u
#define VT_REDIS_AUTH_MIN 16u
#define VT_REDIS_AUTH_MAX 64u

typedef struct {
  vt_redis_opts o;  /* defaults filled in, ranges checked */
  char ip[VT_REDIS_ADDRS_MAX][INET6_ADDRSTRLEN]; /* resolved once; tried in turn */
  unsigned nip;
  int port;
  unsigned db;
  char prefix[VT_REDIS_NAMESPACE_MAX + 24]; /* "<namespace>:<chain id>:" */
  size_t prefix_len;
  bool auth;                   /* entries carry a MAC */
  struct hmac_sha256_ctx mac;  /* keyed once; copied per use */
} vt_redis_conf;

/* Fill c from url and opts (NULL = defaults); resolves the host once. -1 with err set. */
int vt_redis__conf(vt_redis_conf *c, const char *url, const vt_redis_opts *o, char *err,
                   size_t errlen);

/* Attach a hiredis async context to a libuv loop (redis_uv.c): our replacement for
 * hiredis 0.14's adapters/libuv.h, which drops poll errors (a refused connect or a
 * reset socket) and so never tells hiredis that the connection is gone. */
struct redisAsyncContext;
int vt_redis__uv_attach(struct redisAsyncContext *ac, uv_loop_t *loop);

#endif
