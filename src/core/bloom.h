/*
 * bloom.h: the 2048-bit logs bloom, and eth_getLogs filters.
 *
 * Every receipt and every header carries a logs bloom: for each log, its address and
 * each topic set 3 bits chosen by keccak. The gateway uses it two ways: to compute and
 * check blooms from verified logs, and to skip blocks in eth_getLogs whose header bloom
 * proves that no log can match the filter (a bloom has false positives, never false
 * negatives, and the header bloom is covered by the verified header hash).
 *
 * vc_log_filter is the parsed eth_getLogs criteria minus the block range: an address
 * list (empty = any) and up to four topic positions, each an OR-list (empty = wildcard).
 * vc_log_filter_from_json allocates its lists; vc_log_filter_free releases them.
 */
#ifndef VC_BLOOM_H
#define VC_BLOOM_H

#include "core/vc_base.h"

#include <jansson.h>

#define VC_BLOOM_BYTES 256
#define VC_FILTER_TOPICS 4
#define VC_FILTER_MAX_ADDRESSES 10000
#define VC_FILTER_MAX_TOPIC_OR 1000

void vc_bloom_add(uint8_t bloom[VC_BLOOM_BYTES], const uint8_t *data, size_t len);
bool vc_bloom_contains(const uint8_t bloom[VC_BLOOM_BYTES], const uint8_t *data,
                       size_t len) VC_MUST_CHECK;

/* OR into bloom the address and topics of every log in a JSON log array. */
vc_status vc_bloom_add_logs(uint8_t bloom[VC_BLOOM_BYTES], const json_t *logs,
                            vc_err *err) VC_MUST_CHECK;

typedef struct {
  uint8_t (*v)[32];
  size_t n; /* 0 = any topic (or none) at this position */
} vc_topic_set;

typedef struct {
  uint8_t (*addresses)[20];
  size_t n_addresses; /* 0 = any address */
  vc_topic_set topics[VC_FILTER_TOPICS];
} vc_log_filter;

/* Parse the "address" and "topics" members of an eth_getLogs filter object (other
 * members such as fromBlock/toBlock/blockHash are the caller's business). address: null,
 * a DATA20 string or an array of them; topics: up to 4 entries, each null, a DATA32
 * string, or an array of DATA32 strings (a null inside the array makes the position a
 * wildcard, as in geth). On failure out is left empty (nothing to free). */
vc_status vc_log_filter_from_json(const json_t *filter, vc_log_filter *out,
                                  vc_err *err) VC_MUST_CHECK;
void vc_log_filter_free(vc_log_filter *f);

/* Does one log match? topics has n_topics entries. */
bool vc_log_filter_match(const vc_log_filter *f, const uint8_t address[20],
                         const uint8_t (*topics)[32], size_t n_topics) VC_MUST_CHECK;

/* The same for a log as JSON ({"address", "topics": [...]}); false when either member
 * is missing or malformed (a log that cannot be read matches nothing). */
bool vc_log_filter_match_json(const vc_log_filter *f, const json_t *log) VC_MUST_CHECK;

/* false only when the bloom proves that no log in its block matches the filter. */
bool vc_bloom_may_match(const uint8_t bloom[VC_BLOOM_BYTES],
                        const vc_log_filter *f) VC_MUST_CHECK;

#endif
