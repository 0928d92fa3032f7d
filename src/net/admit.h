/*
 * admit.h: who may open a connection to the front door. Sans-I/O: counts and a
 * verdict, no sockets, no clocks.
 *
 * The server asks vt_admit_decide() for every accepted connection, with the client's
 * address (4 bytes IPv4, 16 bytes IPv6; an IPv4-mapped IPv6 address is passed as its
 * 4 bytes), and releases the slot with vt_admit_release() when it closes the
 * connection. The verdict:
 *  - VT_ADMIT_REGULAR: a regular slot is free (at most max_connections - reserved in
 *    all) and the address holds fewer than max_per_client connections;
 *  - VT_ADMIT_RESERVED: no regular slot for it, but a reserved one is free and the
 *    address holds none of them yet: the connection may only ask for health and
 *    metrics, so monitoring gets in when one client has taken everything else;
 *  - VT_ADMIT_REFUSED: neither (the caller closes it at once).
 * One client (address) therefore takes at most max_per_client regular slots and one
 * reserved slot.
 *
 * Who calls it: http_server.c (one vt_admit per server; the server owns it). Per
 * address the table keeps one small entry while that address holds a connection;
 * buckets are hashed with a per-server seed, so colliding addresses cannot be chosen
 * in advance.
 */
#ifndef VT_NET_ADMIT_H
#define VT_NET_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_ADMIT_ADDR_MAX 16u       /* bytes of an address (IPv6) */
#define VT_ADMIT_MAX_BUCKETS 65536u /* hash buckets at most (a power of two) */

typedef enum { VT_ADMIT_REFUSED = 0, VT_ADMIT_REGULAR, VT_ADMIT_RESERVED } vt_admit_verdict;

typedef struct {
  unsigned max_connections; /* all slots, reserved included (>= 1) */
  unsigned max_per_client;  /* regular slots one address may hold (>= 1) */
  unsigned reserved;        /* slots kept for health and metrics (< max_connections) */
  uint64_t seed;            /* hash seed (the caller picks it at random) */
} vt_admit_limits;

typedef struct vt_admit vt_admit;

/* NULL when out of memory or a limit is out of range. The caller frees it. */
vt_admit *vt_admit_new(const vt_admit_limits *l);
void vt_admit_free(vt_admit *a);

/* The verdict for a new connection from addr; a slot it gives is taken. */
vt_admit_verdict vt_admit_decide(vt_admit *a, const uint8_t *addr, size_t len)
    __attribute__((warn_unused_result));

/* A connection that was admitted with verdict v closed: give its slot back. */
void vt_admit_release(vt_admit *a, const uint8_t *addr, size_t len, vt_admit_verdict v);

/* Are all regular slots taken (the server is full)? */
bool vt_admit_full(const vt_admit *a);

/* Connections addr holds now (regular and reserved). */
unsigned vt_admit_count(const vt_admit *a, const uint8_t *addr, size_t len);

#endif
