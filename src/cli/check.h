/*
 * check.h: `verity check`: probe every configured upstream once and print a table.
 *
 * Each upstream is asked eth_chainId and eth_blockNumber (in parallel, each with the
 * pool timeout). The table shows reachability, chain id (and whether it is the
 * configured one), head, lag behind the best head, latency and the error, by name
 * and redacted URL only. Exit status 0 when at least `quorum` upstreams (or all,
 * if fewer) are reachable on the right chain; 1 otherwise.
 */
#ifndef VT_CHECK_H
#define VT_CHECK_H

#include <stdio.h>

#include "config/config.h"

int vt_check_run(const vt_config *cfg, FILE *out);

#endif
