// Accounts of the devnet: the ten anvil dev accounts derived from the shared
// mnemonic (10000 ETH each at genesis), and a few fixed never-funded addresses.
// Also a helper that signs a plain ETH transfer offline, so tests can hand raw bytes
// to the devnet or to verity without a provider.  Used by the tests and demo.mjs.

import { HDNodeWallet, Wallet, parseEther } from 'ethers';
import { MNEMONIC, CHAIN_ID } from './devnet.mjs';

export const DEV_ACCOUNTS = 10;

/** ethers Wallet for dev account i (m/44'/60'/0'/0/i), optionally connected. */
export function devWallet(i, provider = null) {
  if (!Number.isInteger(i) || i < 0 || i >= DEV_ACCOUNTS) throw new Error(`dev account index ${i} out of range`);
  const hd = HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
  return new Wallet(hd.privateKey, provider);
}

export const devAddress = (i) => devWallet(i).address;

/** Addresses that hold nothing and never receive anything in any test. */
export const UNFUNDED = [
  '0x00000000000000000000000000000000000c0ffe',
  '0x1111111111111111111111111111111111111111',
  '0x000000000000000000000000000000000000beef',
];

/** Sign an EIP-1559 transfer offline; returns the raw transaction hex. */
export async function signTransfer(i, { to, valueEth = '0.01', nonce, maxFeeGwei = 20n } = {}) {
  const w = devWallet(i);
  return w.signTransaction({
    type: 2, chainId: CHAIN_ID, nonce, to, value: parseEther(valueEth), gasLimit: 21000n,
    maxFeePerGas: maxFeeGwei * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n,
  });
}
