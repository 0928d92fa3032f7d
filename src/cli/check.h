/*
 * check.h: `verity check`: probe every configured upstream once and print a table.
 *
 * Each upstream is asked eth_chainId and eth_blockNumber (in parallel, each with the
 * pool timeout). The table shows reachability, chain id (and whether it is the
 * configured one), head, lag behind the best head, latency and the error, by name
 * and redacted URL only; an error an upstream sent has its configured secrets
 * replaced by ***. Exit status 0 when at least `quorum` upstreams (or all,
 * if fewer) are reachable on the right chain; 1 otherwise.
 */
#ifndef VT_CHECK_H
#define VT_CHECK_H

#include <stdio.h>

#include "config/config.h"

int vt_check_run(const vt_config *cfg, FILE *out);

/* Print rows x cols cells (row 0 the heading) as aligned columns: each column as wide
 * as its widest cell in display columns (UTF-8 code points, so a redacted url's "…"
 * counts one), cells over 72 columns cut with "…", two spaces between columns, the
 * last column as it is. */
void vt_check_table(FILE *out, const char *const *cells, size_t rows, size_t cols);

#endif
