// tokens.mjs: the contracts of the verified-call tests and benchmark, our own source
// compiled with the pinned solc npm package: Token (an ERC-20-style balance map with a
// custom error Insufficient(have, want)) and Batch (Multicall3's aggregate3 ABI, so viem's
// multicall can use it), deployed on a devnet with 50 funded holders.  Callers:
// tests/e2e/call.test.mjs, bench/call_bench.mjs.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { ethers } from 'ethers';
import { defineChain } from 'viem';
import { devWallet } from './accounts.mjs';

const require = createRequire(import.meta.url);
const solc = require('solc');

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Token {
  mapping(address => uint256) public balanceOf;
  error Insufficient(uint256 have, uint256 want);
  constructor(address[] memory to, uint256[] memory amount) {
    for (uint256 i = 0; i < to.length; i++) balanceOf[to[i]] = amount[i];
  }
  function transfer(address to, uint256 v) external returns (bool) {
    uint256 b = balanceOf[msg.sender];
    if (b < v) revert Insufficient(b, v);
    balanceOf[msg.sender] = b - v;
    balanceOf[to] += v;
    return true;
  }
  function need(address who, uint256 v) external view returns (uint256) {
    uint256 b = balanceOf[who];
    if (b < v) revert Insufficient(b, v);
    return b;
  }
}
contract Batch {
  struct Call3 { address target; bool allowFailure; bytes callData; }
  struct Result { bool success; bytes returnData; }
  function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory out) {
    out = new Result[](calls.length);
    for (uint256 i = 0; i < calls.length; i++) {
      (bool ok, bytes memory ret) = calls[i].target.call(calls[i].callData);
      require(ok || calls[i].allowFailure, "Batch: call failed");
      out[i] = Result(ok, ret);
    }
  }
}`;

export function compile() {
  const input = {
    language: 'Solidity', sources: { 'T.sol': { content: SOURCE } },
    settings: { evmVersion: 'cancun', optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errs = (out.errors || []).filter((e) => e.severity === 'error');
  assert.deepEqual(errs, [], 'solc errors');
  const c = out.contracts['T.sol'];
  return { token: c.Token, batch: c.Batch };
}

export const devnetChain = defineChain({
  id: 31337, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: ['http://127.0.0.1:1'] } },
});

export const HOLDERS = Array.from({ length: 50 }, (_, i) => ethers.getAddress('0x' + (0xa000 + i).toString(16).padStart(40, '0')));
export const AMOUNT = (i) => 10n ** 18n * BigInt(i + 1) + 12345n;

async function deploy(w, wallet, nonce, artifact, args) {
  const f = new ethers.ContractFactory(artifact.abi, artifact.evm.bytecode.object);
  const tx = await f.getDeployTransaction(...args);
  const raw = await wallet.signTransaction({
    type: 2, chainId: 31337, nonce, data: tx.data, gasLimit: 5_000_000n,
    maxFeePerGas: 20n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n,
  });
  const sent = await w.devnet.broadcast(raw);
  assert.ok(sent.result, JSON.stringify(sent.error));
  const rcpt = await w.devnet.waitForReceipt(sent.result);
  assert.equal(Number(rcpt.status), 1);
  return rcpt;
}

export async function setup(w) {
  const art = compile();
  const wallet = devWallet(7);
  const r1 = await deploy(w, wallet, 0, art.token, [HOLDERS, HOLDERS.map((_, i) => AMOUNT(i))]);
  const r2 = await deploy(w, wallet, 1, art.batch, []);
  await w.devnet.waitForBlock(Number(r2.blockNumber) + 2);
  return { art, token: r1.contractAddress, batch: r2.contractAddress };
}

