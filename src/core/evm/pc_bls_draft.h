/*
 * pc_bls_draft.h: the draft EIP-2537 precompile set that ethereum/tests'
 * EIPTests/StateTests/stEIP2537 was filled with, for conformance runs only.
 *
 * Those 1,403 state tests (post key "Prague") were filled in April 2024 by geth
 * 1.14.0-unstable-a208e725, which implemented the draft of EIP-2537 then current: nine
 * precompiles at 0x0b..0x13 (G1ADD, G1MUL, G1MSM, G2ADD, G2MUL, G2MSM, PAIRING,
 * MAP_FP_TO_G1, MAP_FP2_TO_G2), gas 500 / 12000 / table / 800 / 45000 / table /
 * 43000 k + 65000 / 5500 / 75000, one MSM discount table (1200 down to 174). Mainnet
 * Prague uses the final EIP (seven precompiles at 0x0b..0x11, other prices:
 * precompile.c's table, pc_bls.c), so these fixtures cannot pass with the real rows.
 *
 * A conformance runner executing that folder looks call targets up here first
 * (evm_pc_bls_draft_find; NULL for anything outside 0x0b..0x13), in
 * evm_precompile_find otherwise, and warms these nine addresses at the start of each
 * transaction (EIP-2929) like the other precompiles. With both, the evm-stt runner
 * passes all 1,403 cases (docs/evm-bls.md). The run functions are the final ones (the arithmetic
 * is the same); the draft's G1MUL and G2MUL take exactly one pair. Known difference: the
 * draft checked no subgroup membership in MUL and MSM, these rows do (the final rule);
 * no input in stEIP2537 has such a point. Never use these rows for real blocks.
 */
#ifndef EVM_PC_BLS_DRAFT_H
#define EVM_PC_BLS_DRAFT_H

#include "core/evm/precompile.h"

/* The draft row for addr (0x0b..0x13), or NULL. */
const evm_precompile *evm_pc_bls_draft_find(const uint8_t addr[20]);

/* All nine draft rows in address order; *n receives the count. */
const evm_precompile *evm_pc_bls_draft_table(size_t *n);

#endif
