/*
 * filters_poll.c: one eth_getFilterChanges or eth_getFilterLogs, carried down the flow
 * (see filters.h). Called by filters.c once the filter is loaded; every step is a
 * sub-call through the gateway's hooks whose answer comes back to the next step.
 *
 * eth_getFilterChanges:
 *   1. reorg check: the ring's last block is fetched again, bypassing the answer cache;
 *      while its hash differs, the entry is popped (its logs answered with
 *      "removed": true, the cursor moved back to it) and the one before is checked;
 *   2. blocks: each header from the cursor to the head (at most
 *      VT_FILTERS_BLOCKS_PER_POLL), its parent hash checked against the block before;
 *      a break in the chain ends the poll (the next poll's check unwinds it);
 *   3. logs: one eth_getLogs from the cursor to the head (at most logs.max_blocks), then
 *      the header of the range's last block; logs are remembered per block in the ring.
 * Any sub-call that fails fails the whole poll with -32002; the filter is saved (cursor
 * moved) only by fop_ok.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "filters/filters_int.h"

#define PARAMS_MAX (VT_FILTER_CRIT_MAX + 128)

/* A sub-call's answer that is not a usable result ends the poll; false then. */
static bool usable(fop *op, const vt_answer *a, const char *what) {
  if (a->outcome == VT_CALL_OK && a->len && !(a->len == 4 && !memcmp(a->result, "null", 4))) {
    fop_trust(op, &a->trust, a->served_by);
    return true;
  }
  char why[300];
  snprintf(why, sizeof why, "%s: %s", what,
           a->outcome == VT_CALL_OK ? "no upstream has that block yet" : "no upstream could give a proven answer");
  fop_unavailable(op, why);
  return false;
}

/* The block header in a result: hash, parent hash and number. */
static bool header_of(const vt_answer *a, uint8_t hash[32], uint8_t parent[32], uint64_t *number) {
  json_t *o = json_loadb(a->result, a->len, 0, NULL);
  const char *h = json_string_value(json_object_get(o, "hash"));
  const char *p = json_string_value(json_object_get(o, "parentHash"));
  const char *n = json_string_value(json_object_get(o, "number"));
  bool ok = h && p && n && vc_hex_decode_fixed(h, strlen(h), hash, 32) == VC_OK &&
            vc_hex_decode_fixed(p, strlen(p), parent, 32) == VC_OK && vc_hex_quantity_u64(n, strlen(n), number) == VC_OK;
  json_decref(o);
  return ok;
}

/* Append the items of a JSON array text to the result array. */
static void append_items(fop *op, const char *arr, size_t n) {
  const char *open = memchr(arr, '[', n), *close = n ? arr + n - 1 : arr;
  while (close > arr && *close != ']') close--;
  if (!open || close <= open) return;
  const char *p = open + 1;
  while (p < close && (*p == ' ' || *p == '\n')) p++;
  if (p == close) return;
  if (op->nout++) vt_buf_puts(&op->out, ",");
  vt_buf_append(&op->out, p, (size_t)(close - p));
}

static void header_params(char *p, size_t n, uint64_t number) {
  snprintf(p, n, "[\"0x%llx\",false]", (unsigned long long)number);
}

/* --- blocks ---------------------------------------------------------------------- */

static void next_block(fop *op);

static void on_block(fop *op, const vt_answer *a) {
  uint8_t hash[32], parent[32];
  uint64_t number;
  if (!usable(op, a, "a new block's header could not be fetched")) return;
  if (!header_of(a, hash, parent, &number) || number != op->f->cursor) {
    fop_unavailable(op, "a new block's header did not read as the block asked for");
    return;
  }
  const vt_fblock *last = vt_filter_last(op->f);
  if (last && last->number + 1 == number && memcmp(last->hash, parent, 32) != 0) {
    fop_ok(op); /* the chain changed under this poll: the next poll unwinds it */
    return;
  }
  char h[67];
  vc_hex_encode(hash, 32, h);
  if (op->nout++) vt_buf_puts(&op->out, ",");
  vt_buf_printf(&op->out, "\"%s\"", h);
  if (!vt_filter_note_block(op->f, number, hash, NULL)) { fop_error(op, VT_RPC_INTERNAL, "internal error: out of memory"); return; }
  op->f->cursor = number + 1;
  next_block(op);
}

static void next_block(fop *op) {
  if (op->f->cursor > op->end || op->nout >= VT_FILTERS_BLOCKS_PER_POLL) { fop_ok(op); return; }
  char p[64];
  header_params(p, sizeof p, op->f->cursor);
  fop_sub(op, true, "eth_getBlockByNumber", p, on_block);
}

/* --- logs ------------------------------------------------------------------------ */

/* Remember the range's logs per block in the ring and add them to the result. */
static bool note_logs(fop *op, json_t *logs) {
  size_t i = 0, n = json_array_size(logs);
  while (i < n) {
    json_t *first = json_array_get(logs, i), *group = json_array();
    const char *bn = json_string_value(json_object_get(first, "blockNumber"));
    const char *bh = json_string_value(json_object_get(first, "blockHash"));
    uint64_t num;
    uint8_t hash[32];
    bool ok = group && bn && bh && vc_hex_quantity_u64(bn, strlen(bn), &num) == VC_OK &&
              vc_hex_decode_fixed(bh, strlen(bh), hash, 32) == VC_OK && num >= op->f->cursor && num <= op->end;
    for (; ok && i < n; i++) {
      json_t *log = json_array_get(logs, i);
      const char *b2 = json_string_value(json_object_get(log, "blockHash"));
      if (!b2 || strcmp(b2, bh) != 0) break;
      json_array_append(group, log);
    }
    char *text = ok ? json_dumps(group, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    ok = text && vt_filter_note_block(op->f, num, hash, text);
    if (ok) append_items(op, text, strlen(text));
    free(text);
    json_decref(group);
    if (!ok) return false;
  }
  return true;
}

static void on_range_end(fop *op, const vt_answer *a) {
  uint8_t hash[32], parent[32];
  uint64_t number;
  if (!usable(op, a, "the header of the range's last block could not be fetched")) return;
  json_t *logs = json_loadb(op->logs, op->logs_len, 0, NULL);
  bool ok = header_of(a, hash, parent, &number) && number == op->end && json_is_array(logs);
  /* a log of the last block that names another hash: the chain moved between the calls */
  json_t *lastlog = json_array_get(logs, json_array_size(logs) ? json_array_size(logs) - 1 : 0);
  const char *bn = json_string_value(json_object_get(lastlog, "blockNumber"));
  const char *bh = json_string_value(json_object_get(lastlog, "blockHash"));
  char h[67];
  vc_hex_encode(hash, 32, h);
  uint64_t ln;
  if (ok && bn && bh && vc_hex_quantity_u64(bn, strlen(bn), &ln) == VC_OK && ln == number && strcmp(bh, h) != 0) {
    json_decref(logs);
    fop_unavailable(op, "the chain changed during the poll; poll again");
    return;
  }
  ok = ok && note_logs(op, logs) && vt_filter_note_block(op->f, number, hash, NULL);
  json_decref(logs);
  if (!ok) { fop_unavailable(op, "the logs of the range did not read as logs of the filter's blocks"); return; }
  op->f->cursor = number + 1;
  fop_ok(op);
}

static void on_range_logs(fop *op, const vt_answer *a) {
  if (a->outcome != VT_CALL_OK) { usable(op, a, "the logs since the last poll could not be fetched"); return; }
  fop_trust(op, &a->trust, a->served_by);
  op->logs = malloc(a->len + 1);
  if (!op->logs) { fop_error(op, VT_RPC_INTERNAL, "internal error: out of memory"); return; }
  memcpy(op->logs, a->result, a->len);
  op->logs[a->len] = 0;
  op->logs_len = a->len;
  char p[64];
  header_params(p, sizeof p, op->end);
  fop_sub(op, true, "eth_getBlockByNumber", p, on_range_end);
}

/* [{"fromBlock":from,"toBlock":to, …criteria}]; from/to NULL = "latest". */
static bool logs_params(const vt_filter *f, const uint64_t *from, const uint64_t *to, char *out, size_t n) {
  char fb[24] = "latest", tb[24] = "latest";
  if (from) snprintf(fb, sizeof fb, "0x%llx", (unsigned long long)*from);
  if (to) snprintf(tb, sizeof tb, "0x%llx", (unsigned long long)*to);
  const char *c = f->crit ? f->crit : "{}";
  size_t cl = strlen(c);
  int w = snprintf(out, n, "[{\"fromBlock\":\"%s\",\"toBlock\":\"%s\"%s%.*s]", fb, tb, cl > 2 ? "," : "",
                   cl > 2 ? (int)cl - 1 : 1, cl > 2 ? c + 1 : "}");
  return w > 0 && (size_t)w < n;
}

static void next_logs(fop *op) {
  vt_filter *f = op->f;
  if (f->cursor > op->end) { fop_ok(op); return; }
  uint64_t max = op->fs->cfg->logs_max_blocks ? op->fs->cfg->logs_max_blocks : 1;
  if (op->end - f->cursor >= max) op->end = f->cursor + max - 1;
  char p[PARAMS_MAX];
  if (!logs_params(f, &f->cursor, &op->end, p, sizeof p)) { fop_error(op, VT_RPC_INVALID_PARAMS, "the filter is too large"); return; }
  fop_sub(op, true, "eth_getLogs", p, on_range_logs);
}

/* --- changes: the reorg check first ------------------------------------------------ */

static void deliver(fop *op) {
  const vt_pool *pool = op->fs->pool;
  op->end = pool->head;
  if (op->f->has_to && op->f->to < op->end) op->end = op->f->to;
  if (op->f->kind == VT_FK_BLOCKS) next_block(op);
  else next_logs(op);
}

static void reorg_check(fop *op);

static void on_check(fop *op, const vt_answer *a) {
  uint8_t hash[32], parent[32];
  uint64_t number;
  if (!usable(op, a, "the last block delivered could not be fetched again to check for a reorg")) return;
  const vt_fblock *last = vt_filter_last(op->f);
  if (!header_of(a, hash, parent, &number) || number != last->number) {
    fop_unavailable(op, "the last block delivered did not read as the block asked for");
    return;
  }
  if (!memcmp(hash, last->hash, 32)) { deliver(op); return; }
  op->fs->st.reorgs++;
  char *removed = vt_filter_pop_removed(op->f);
  if (!removed) { fop_error(op, VT_RPC_INTERNAL, "internal error: out of memory"); return; }
  if (op->f->kind == VT_FK_LOGS) append_items(op, removed, strlen(removed));
  free(removed);
  reorg_check(op);
}

static void reorg_check(fop *op) {
  const vt_fblock *last = vt_filter_last(op->f);
  if (!last || last->number > op->fs->pool->head) { deliver(op); return; }
  char p[64];
  header_params(p, sizeof p, last->number);
  fop_sub(op, false, "eth_getBlockByNumber", p, on_check);
}

void fpoll_changes(fop *op) {
  vt_buf_puts(&op->out, "[");
  reorg_check(op);
}

/* --- eth_getFilterLogs: the filter's whole range, as eth_getLogs would answer ------ */

static void on_filter_logs(fop *op, const vt_answer *a) { fop_relay(op, a); }

void fpoll_logs(fop *op) {
  vt_filter *f = op->f;
  char p[PARAMS_MAX];
  if (f->kind != VT_FK_LOGS) { fop_error(op, -32000, "filter not found: eth_getFilterLogs takes a log filter (eth_newFilter)"); return; }
  if (!logs_params(f, f->has_from ? &f->from : NULL, f->has_to ? &f->to : NULL, p, sizeof p)) {
    fop_error(op, VT_RPC_INVALID_PARAMS, "the filter is too large");
    return;
  }
  fop_sub(op, true, "eth_getLogs", p, on_filter_logs);
}
