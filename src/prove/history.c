/*
 * history.c: a block hash from the EIP-2935 history contract (see history.h).
 *
 * One hreq per lookup: eth_getStorageAt(contract, number % 8191, head) through the
 * storage verifier (verify.c: the head is anchored, the proof checked against its state
 * root), then the proven 32-byte value is the hash. A zero value (the contract not
 * deployed yet, before Prague, or the slot never written) is an error naming it.
 */
#include "prove/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "prove/verify.h"

#define HISTORY_PARAMS_MAX 160 /* bytes of the eth_getStorageAt params JSON */

typedef struct {
  uint64_t number;
  vt_history_done done;
  void *ud;
} hreq;

static void on_slot(const vt_answer *a, void *ud) {
  hreq *q = ud;
  uint8_t hash[32];
  static const uint8_t zero[32];
  char why[200];
  const char *r = a->result;
  if (a->outcome != VT_CALL_OK) {
    snprintf(why, sizeof why, "the history contract's slot for block %llu could not be proven",
             (unsigned long long)q->number);
    q->done(NULL, why, q->ud);
  } else if (a->len != 68 || r[0] != '"' || vc_hex_decode_fixed(r + 1, 66, hash, 32) != VC_OK) {
    q->done(NULL, "the history contract's slot is not a 32-byte value", q->ud);
  } else if (memcmp(hash, zero, 32) == 0) {
    snprintf(why, sizeof why, "the history contract holds no hash for block %llu (before Prague?)",
             (unsigned long long)q->number);
    q->done(NULL, why, q->ud);
  } else {
    q->done(hash, NULL, q->ud);
  }
  free(q);
}

void vt_history_hash(void *ud, uint64_t head, uint64_t number, vt_history_done done, void *done_ud) {
  vt_prover *pv = ud;
  char params[HISTORY_PARAMS_MAX];
  hreq *q = calloc(1, sizeof *q);
  if (!q) { done(NULL, "out of memory", done_ud); return; }
  *q = (hreq){.number = number, .done = done, .ud = done_ud};
  int n = snprintf(params, sizeof params, "[\"%s\",\"0x%llx\",\"0x%llx\"]", VT_HISTORY_ADDRESS,
                   (unsigned long long)(number % VT_HISTORY_WINDOW), (unsigned long long)head);
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = head};
  if (vt_verify_start(pv, "eth_getStorageAt", (vt_span){params, (size_t)n}, &plan, on_slot, q) != 0) {
    free(q);
    done(NULL, "the history proof could not be started", done_ud);
  }
}
