/*
 * lc_json.h: light-client containers from beacon-API JSON (jansson).
 *
 * The gateway's anchor fetches /eth/v1/beacon/light_client/{bootstrap,updates,
 * finality_update,optimistic_update} as JSON when an endpoint does not serve SSZ; each
 * response is {"version": "<fork>", "data": {...}} (updates: an array of those). These
 * functions take the "data" object plus the "version" string and fill the same structs
 * the SSZ decoders fill, with the same caps: quantities are decimal strings that must fit
 * (uint64 / uint256), byte fields are 0x-hex of exactly the right length, branches have
 * exactly the fork's depth, extra_data is at most 32 bytes. Unknown keys are ignored;
 * missing keys are VC_ERR_INPUT naming the path. The caller owns the JSON and the output.
 */
#ifndef LC_JSON_H
#define LC_JSON_H

#include <jansson.h>

#include "core/lightclient/lc_types.h"

/* n = preset SYNC_COMMITTEE_SIZE (512 mainnet, 32 minimal). */
vc_status lc_bootstrap_from_json(lc_bootstrap *out, const char *version, const json_t *data,
                                 size_t n, vc_err *err) VC_MUST_CHECK;
vc_status lc_update_from_json(lc_update *out, lc_update_kind kind, const char *version,
                              const json_t *data, size_t n, vc_err *err) VC_MUST_CHECK;

/* The same from a whole response object {"version": ..., "data": ...}. */
vc_status lc_bootstrap_from_response(lc_bootstrap *out, const json_t *resp, size_t n,
                                     vc_err *err) VC_MUST_CHECK;
vc_status lc_update_from_response(lc_update *out, lc_update_kind kind, const json_t *resp,
                                  size_t n, vc_err *err) VC_MUST_CHECK;

#endif
