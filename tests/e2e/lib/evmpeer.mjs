// evmpeer.mjs: one piece of bytecode on verity's EVM (build/<V>/evmrun) and on the
// @ethereumjs/evm peer, with the same fresh state and the same result shape, so the
// differential test (evm_diff.test.mjs) and the benchmark (bench/evm_bench.mjs) can
// compare them.
//
// The state: the code at CONTRACT (nonce 1) with the given storage slots, and a rich
// CALLER. One call from CALLER to CONTRACT with `input` as calldata and `gas` as the
// transaction's gas limit. evmrun runs it as a whole transaction, so its gasUsed is the
// transaction's (intrinsic gas, execution, refund capped at 1/5, the EIP-7623 floor
// from Prague on). The peer's runCall reports execution gas only; peerRun adds the
// same transaction-level terms by the formulas of EIP-2028, EIP-3529 and EIP-7623, so
// the two numbers are comparable. Result shape (both sides):
//   { status: 'success'|'revert'|'halt'|'invalid', gasUsed: bigint, output: hex,
//     logs: [{address, topics: [hex], data: hex}], storage: {key32hex: value32hex} }
// with storage holding the contract's non-zero slots among `keys` (the slots the caller
// cares about: every slot its program can touch, and every pre slot).

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Common, Hardfork, Mainnet } from '@ethereumjs/common';
import { createEVM } from '@ethereumjs/evm';
import { MerkleStateManager } from '@ethereumjs/statemanager';
import { Account, Address, bytesToHex, hexToBytes } from '@ethereumjs/util';

export const CONTRACT = '0xc0dec0dec0dec0dec0dec0dec0dec0dec0dec0de';
export const CALLER = '0x1000000000000000000000000000000000000001';
const TX_GAS = 21000n;

export const hex = (b) => bytesToHex(b);
export const word = (n) => '0x' + BigInt(n).toString(16).padStart(64, '0');

function calldataTokens(input) {
  let tokens = 0n;
  for (const b of hexToBytes(input)) tokens += b === 0 ? 1n : 4n;
  return tokens;
}

// Transaction-level gas from the execution gas of the top call.
export function txGas({ input, exec, refund, fork }) {
  const tokens = calldataTokens(input);
  const used = TX_GAS + tokens * 4n + exec;
  const capped = refund < used / 5n ? refund : used / 5n;
  let total = used - capped;
  if (fork !== 'cancun') {
    const floor = TX_GAS + tokens * 10n;
    if (total < floor) total = floor;
  }
  return total;
}

// verity's EVM through evmrun.
export function evmrunRun(bin, { code, input = '0x', gas = 1_000_000n, slots = {}, fork = 'prague',
  repeat = 1, keys = null, call = false }) {
  const args = ['--gas', String(gas), '--fork', fork, '--input', input];
  if (call) args.push('--call', '1'); // evm_call: eth_call semantics, state left as it was
  for (const [k, v] of Object.entries(slots)) args.push('--slot', `${word(k)}=${word(v)}`);
  if (repeat > 1) args.push('--repeat', String(repeat));
  let codeArgs = [code];
  if (code.length > 100_000) {
    // long code goes through a file (argument length limits)
    const file = `/tmp/evmrun-code-${process.pid}.hex`;
    writeFileSync(file, code);
    codeArgs = ['--code-file', file];
  }
  const r = spawnSync(bin, [...args, ...codeArgs], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`evmrun exited ${r.status} (${r.error ?? r.signal}): ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  j.gasUsed = BigInt(j.gasUsed);
  if (keys) {
    const keep = new Set(keys.map((k) => word(k)));
    j.storage = Object.fromEntries(Object.entries(j.storage).filter(([k]) => keep.has(k)));
  }
  return j;
}

const HARDFORK = { cancun: Hardfork.Cancun, prague: Hardfork.Prague, osaka: Hardfork.Osaka };

// A fresh @ethereumjs/evm with the same state; returns {evm, sm, run} where run() makes
// one call (callable repeatedly for benchmarks).
export async function peerSetup({ code, slots = {}, fork = 'prague' }) {
  const common = new Common({ chain: Mainnet, hardfork: HARDFORK[fork] });
  const sm = new MerkleStateManager({ common });
  const evm = await createEVM({ common, stateManager: sm });
  const contract = new Address(hexToBytes(CONTRACT));
  const caller = new Address(hexToBytes(CALLER));
  await sm.putAccount(caller, new Account(0n, 1n << 128n));
  await sm.putAccount(contract, new Account(1n, 0n));
  await sm.putCode(contract, hexToBytes(code));
  for (const [k, v] of Object.entries(slots)) {
    const val = hexToBytes(word(v));
    let i = 0;
    while (i < val.length && val[i] === 0) i++;
    await sm.putStorage(contract, hexToBytes(word(k)), val.slice(i));
  }
  // A transaction starts with its sender, its target and every precompile warm
  // (EIP-2929); runCall alone warms none of them, so they are warmed here.
  const warm = [...evm.precompiles.keys(), CALLER.slice(2), CONTRACT.slice(2)];
  const run = (input, gas) => {
    for (const a of warm) evm.journal.addAlwaysWarmAddress(a);
    return evm.runCall({ caller, origin: caller, to: contract, data: hexToBytes(input), gasLimit: gas });
  };
  return { evm, sm, contract, run };
}

export async function peerRun({ code, input = '0x', gas = 1_000_000n, slots = {}, fork = 'prague',
  keys = [] }) {
  const intrinsic = TX_GAS + calldataTokens(input) * 4n;
  const floor = fork !== 'cancun' ? TX_GAS + calldataTokens(input) * 10n : 0n;
  const { sm, contract, run } = await peerSetup({ code, slots, fork });
  const readStorage = async () => {
    const storage = {};
    for (const k of keys) {
      const v = await sm.getStorage(contract, hexToBytes(word(k)));
      if (v.length && v.some((b) => b !== 0)) storage[word(k)] = word(BigInt(hex(v)));
    }
    return storage;
  };
  if (gas < intrinsic || gas < floor) {
    // rejected before execution: the state (and so the storage) stays as it was
    return { status: 'invalid', gasUsed: 0n, output: '0x', logs: [], storage: await readStorage(), error: 'intrinsic gas' };
  }
  const r = (await run(input, gas - intrinsic)).execResult;
  const err = r.exceptionError?.error;
  const status = !err ? 'success' : err === 'revert' ? 'revert' : 'halt';
  const storage = await readStorage();
  return {
    status,
    gasUsed: txGas({ input, exec: r.executionGasUsed, refund: status === 'success' ? r.gasRefund ?? 0n : 0n, fork }),
    output: status === 'halt' ? '0x' : hex(r.returnValue),
    logs: (r.logs ?? []).map(([a, topics, data]) => ({ address: hex(a), topics: topics.map(hex), data: hex(data) })),
    storage,
    error: err ?? '',
  };
}

// The differences between two results, as sentences (empty when they agree).
export function diffRuns(a, b) {
  const out = [];
  if (a.status !== b.status) out.push(`status ${a.status} vs ${b.status}`);
  if (a.gasUsed !== b.gasUsed) out.push(`gasUsed ${a.gasUsed} vs ${b.gasUsed}`);
  if (a.output !== b.output) out.push(`output ${a.output.slice(0, 80)} vs ${b.output.slice(0, 80)}`);
  const la = JSON.stringify(a.logs), lb = JSON.stringify(b.logs);
  if (la !== lb) out.push(`logs ${la.slice(0, 200)} vs ${lb.slice(0, 200)}`);
  const sa = JSON.stringify(Object.entries(a.storage).sort());
  const sb = JSON.stringify(Object.entries(b.storage).sort());
  if (sa !== sb) out.push(`storage ${sa.slice(0, 200)} vs ${sb.slice(0, 200)}`);
  return out;
}
