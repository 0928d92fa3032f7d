/*
 * evm_fork.h: the Ethereum execution-layer forks the EVM knows, in activation order.
 *
 * Every rule that changed between forks (an opcode, a gas price, a precompile) is
 * selected by comparing against one of these values (`fork >= EVM_CANCUN`), so the
 * order of the enum is part of its meaning. The host picks the fork of a block from its
 * chain's activation numbers and timestamps (evm_fork_at). Plain values, no state.
 */
#ifndef EVM_FORK_H
#define EVM_FORK_H

#include <stdint.h>

typedef enum {
  EVM_FRONTIER = 0,
  EVM_HOMESTEAD,
  EVM_TANGERINE,      /* EIP-150 */
  EVM_SPURIOUS,       /* EIP-158/161 */
  EVM_BYZANTIUM,
  EVM_CONSTANTINOPLE,
  EVM_PETERSBURG,
  EVM_ISTANBUL,
  EVM_BERLIN,         /* EIP-2929 access lists */
  EVM_LONDON,         /* EIP-1559, EIP-3529 */
  EVM_PARIS,          /* the merge: PREVRANDAO */
  EVM_SHANGHAI,       /* PUSH0, EIP-3860 */
  EVM_CANCUN,         /* TLOAD/TSTORE, MCOPY, blobs, EIP-6780 */
  EVM_PRAGUE,         /* EIP-7702, EIP-2537, EIP-2935, EIP-7623 */
  EVM_OSAKA,          /* CLZ, EIP-7823/7883 modexp, EIP-7951 P256VERIFY, EIP-7825 */
  EVM_FORK_COUNT
} evm_fork;

#endif
