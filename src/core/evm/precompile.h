/*
 * precompile.h: the precompiled contracts, one table row each.
 *
 * A row says where the contract lives (its address), from which fork on it exists, how
 * much gas one call costs for a given input, and how to run it. The interpreter looks a
 * call's target up with evm_precompile_find, charges row->gas(in), and, if the caller
 * can pay, calls row->run(in). Inputs are views the caller keeps alive for the call.
 *
 * Gas functions are pure and never fail: an input whose price cannot be represented
 * returns EVM_PC_GAS_MAX (more than any call can pay). Run functions return
 * EVM_PC_OK with the output in *out (malloc'd by the run function, NULL when the
 * output is empty; the caller frees out->data), EVM_PC_ERROR when the input is invalid
 * (the call fails and consumes all gas given to it, as the precompile specs say), or
 * EVM_PC_NOMEM. Nothing here keeps state between calls; all of it is thread-safe.
 *
 * Families live in their own files: precompile.c (the table), pc_basic.c (ecrecover,
 * sha256, ripemd160, identity), pc_modexp.c (GMP), pc_blake2f.c, pc_p256.c (nettle
 * secp256r1), pc_bn254.c (+ bn254*.c, in-tree curve), pc_bls.c (EIP-2537 on
 * src/core/bls/), pc_kzg.c (EIP-4844 point evaluation on src/core/bls/).
 */
#ifndef EVM_PRECOMPILE_H
#define EVM_PRECOMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/evm/evm_fork.h"
#include "core/vc_base.h"

#define EVM_PC_GAS_MAX UINT64_MAX
#define EVM_PC_MAX_OUT ((size_t)64 << 20) /* no precompile output is ever larger */

typedef enum {
  EVM_PC_OK = 0,
  EVM_PC_ERROR, /* invalid input: the call fails, consuming all its gas */
  EVM_PC_NOMEM,
} evm_pc_status;

typedef struct {
  uint8_t *data; /* malloc'd by the run function; NULL when len == 0 */
  size_t len;
} evm_pc_out;

typedef uint64_t (*evm_pc_gas_fn)(const uint8_t *in, size_t len, evm_fork fork);
typedef evm_pc_status (*evm_pc_run_fn)(const uint8_t *in, size_t len, evm_fork fork,
                                       evm_pc_out *out);

typedef struct {
  uint16_t addr;      /* the address is 0x00..00<addr> (18 zero bytes, then addr) */
  evm_fork since;     /* first fork with this precompile */
  const char *name;
  evm_pc_gas_fn gas;
  evm_pc_run_fn run;
} evm_precompile;

/* The row for addr under fork, or NULL when addr is not a precompile then. */
const evm_precompile *evm_precompile_find(const uint8_t addr[20], evm_fork fork);

/* Is addr a precompile under fork (warm from the start of every transaction, EIP-2929)? */
int evm_is_precompile(const uint8_t addr[20], evm_fork fork);

/* --- one gas and one run function per precompile (the table's rows) --- */
#define EVM_PC_DECLARE(name)                                                          \
  uint64_t evm_pc_##name##_gas(const uint8_t *in, size_t len, evm_fork fork);         \
  evm_pc_status evm_pc_##name(const uint8_t *in, size_t len, evm_fork fork,           \
                              evm_pc_out *out) VC_MUST_CHECK

EVM_PC_DECLARE(ecrecover);       /* 0x01 */
EVM_PC_DECLARE(sha256);          /* 0x02 */
EVM_PC_DECLARE(ripemd160);       /* 0x03 */
EVM_PC_DECLARE(identity);        /* 0x04 */
EVM_PC_DECLARE(modexp);          /* 0x05 Byzantium; EIP-2565 Berlin; EIP-7823/7883 Osaka */
EVM_PC_DECLARE(bn254_add);       /* 0x06 Byzantium; EIP-1108 Istanbul */
EVM_PC_DECLARE(bn254_mul);       /* 0x07 */
EVM_PC_DECLARE(bn254_pairing);   /* 0x08 */
EVM_PC_DECLARE(blake2f);         /* 0x09 Istanbul */
EVM_PC_DECLARE(kzg_point_eval);  /* 0x0a Cancun */
EVM_PC_DECLARE(bls_g1add);       /* 0x0b Prague (EIP-2537) */
EVM_PC_DECLARE(bls_g1msm);       /* 0x0c */
EVM_PC_DECLARE(bls_g2add);       /* 0x0d */
EVM_PC_DECLARE(bls_g2msm);       /* 0x0e */
EVM_PC_DECLARE(bls_pairing);     /* 0x0f */
EVM_PC_DECLARE(bls_map_fp_to_g1);   /* 0x10 */
EVM_PC_DECLARE(bls_map_fp2_to_g2);  /* 0x11 */
EVM_PC_DECLARE(p256verify);      /* 0x100 Osaka (EIP-7951) */

#endif
