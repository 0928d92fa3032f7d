/*
 * evm_ops.h: the opcodes implemented outside the interpreter loop, and the memory and
 * gas helpers they share with it. Private to src/core/evm/.
 *
 * Every op function works on the frame (f->sp, f->gas, f->pc already past the opcode),
 * returns 0 to go on or an evm_halt value to halt the frame. evm_interp.c defines the
 * helpers; evm_host.c the state ops; evm_call.c CALL*, CREATE*.
 */
#ifndef EVM_OPS_H
#define EVM_OPS_H

#include "core/evm/evm_int.h"

/* memory: grow to `end` bytes, charging expansion gas */
int evm_mem_grow(frame *f, uint64_t end) VC_MUST_CHECK;
/* an (offset, length) pair from the stack: checks, grows, and gives both as u64 */
int evm_mem_range(frame *f, const evm_word *off, const evm_word *len, uint64_t *o,
                  uint64_t *n) VC_MUST_CHECK;
int evm_charge(frame *f, uint64_t gas) VC_MUST_CHECK;
void evm_copy_padded(uint8_t *dst, const uint8_t *src, size_t src_len, const evm_word *off,
                     uint64_t n);
const char *evm_op_name(uint8_t op);

/* evm_host.c */
int evm_op_balance(frame *f) VC_MUST_CHECK;
int evm_op_selfbalance(frame *f) VC_MUST_CHECK;
int evm_op_extcode(frame *f, uint8_t op) VC_MUST_CHECK;
int evm_op_blockhash(frame *f) VC_MUST_CHECK;
int evm_op_sload(frame *f) VC_MUST_CHECK;
int evm_op_sstore(frame *f) VC_MUST_CHECK;
int evm_op_tload(frame *f) VC_MUST_CHECK;
int evm_op_tstore(frame *f) VC_MUST_CHECK;
int evm_op_log(frame *f, uint8_t op) VC_MUST_CHECK;
int evm_op_selfdestruct(frame *f) VC_MUST_CHECK;

/* evm_call.c */
int evm_op_call(frame *f, uint8_t op) VC_MUST_CHECK;
int evm_op_create(frame *f, uint8_t op) VC_MUST_CHECK;

#endif
