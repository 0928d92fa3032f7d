// evm_bench.mjs: interpreter speed, verity's EVM (evmrun) beside @ethereumjs/evm on the
// same bytecode, in one run. Called by bench/evm.sh; prints a markdown table.
//
// Programs: three hand-assembled loops (arithmetic, keccak, memory copy), the ERC-20
// transfer and balanceOf of bench/contracts/Token.sol, and a snailtracer-like heavy
// program (bench/contracts/Mandel.sol: a fixed-point Mandelbrot renderer). The two
// contracts are compiled here with the pinned solc-js (optimizer on, 200 runs, Cancun
// target). Each program first runs once on both sides and the results (status, gas
// used, output, logs, storage) must agree, or the bench stops: speed of a wrong answer
// is not reported. Then evmrun runs it --repeat R times (its own timer around
// evm_execute_tx only, or evm_call for the eth_call row) and the peer runs it K times in one process (timer around
// runCall only). Ratio = peer time per run / verity time per run.
// Env: EVMRUN_BIN (default build/release/evmrun), EVM_BENCH_SCALE (default 1) scales
// the repeat counts.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keccak_256 } from '@noble/hashes/sha3.js';
import solc from 'solc';
import { Asm } from '../tests/e2e/lib/evmasm.mjs';
import { CALLER, diffRuns, evmrunRun, peerRun, peerSetup, word } from '../tests/e2e/lib/evmpeer.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = process.env.EVMRUN_BIN || resolve(HERE, '..', 'build', 'release', 'evmrun');
const SCALE = Number(process.env.EVM_BENCH_SCALE || 1);
const FORK = 'prague';
const GAS = 30_000_000n;

const hexOf = (b) => '0x' + Buffer.from(b).toString('hex');
const keccak = (hex) => hexOf(keccak_256(Buffer.from(hex.slice(2), 'hex')));
const sel = (sig) => keccak('0x' + Buffer.from(sig).toString('hex')).slice(0, 10);
const arg = (v) => word(v).slice(2);

// acc = ((acc * K + C) ^ (acc >> 7)) / 3 + cnt, n times
function arithLoop(n) {
  const a = new Asm();
  a.push(0x12345).push(n).label('L').op(0x5b);
  a.op(0x90).push(0x9e3779b97f4a7c15n).op(0x02).push(0x632be59bd9b4e019n).op(0x01);
  a.op(0x80).push(7).op(0x1c, 0x18).push(3).op(0x90, 0x04).op(0x81, 0x01);
  a.op(0x90).push(1).op(0x90, 0x03, 0x80).ref('L').op(0x57, 0x50);
  a.push(0).op(0x52).push(32).push(0).op(0xf3);
  return a.hex();
}

// mem[0..32) = keccak(mem[0..64)), n times
function keccakLoop(n) {
  const a = new Asm();
  a.push(0xabcdef).push(32).op(0x52).push(n).label('L').op(0x5b);
  a.push(64).push(0).op(0x20).push(0).op(0x52);
  a.push(1).op(0x90, 0x03, 0x80).ref('L').op(0x57, 0x50);
  a.push(32).push(0).op(0xf3);
  return a.hex();
}

// 4 KiB MCOPY forth and back plus one MSTORE of the counter, n times
function memcopyLoop(n) {
  const a = new Asm();
  a.push(n).label('L').op(0x5b);
  a.op(0x80).push(0).op(0x52);
  a.push(4096).push(0).push(4096).op(0x5e);
  a.push(4096).push(4096 + 32).push(32).op(0x5e);
  a.push(1).op(0x90, 0x03, 0x80).ref('L').op(0x57, 0x50);
  a.push(32).push(4096).op(0xf3);
  return a.hex();
}

function compile() {
  const sources = {};
  for (const f of ['Token.sol', 'Mandel.sol']) sources[f] = { content: readFileSync(join(HERE, 'contracts', f), 'utf8') };
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['evm.deployedBytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  return {
    token: '0x' + out.contracts['Token.sol'].Token.evm.deployedBytecode.object,
    mandel: '0x' + out.contracts['Mandel.sol'].Mandel.evm.deployedBytecode.object,
  };
}

function programs() {
  const c = compile();
  const RECIPIENT = '0x2000000000000000000000000000000000000002';
  const balSlot = (addr) => keccak('0x' + arg(addr) + arg(0));
  const tokenSlots = { [balSlot(CALLER)]: 10n ** 30n, 2: 10n ** 30n };
  const tokenKeys = [balSlot(CALLER), balSlot(RECIPIENT), 2];
  return [
    { name: 'arithmetic loop (20k iterations)', code: arithLoop(20000), input: '0x', slots: {}, keys: [], r: 50, k: 3 },
    { name: 'keccak loop (20k hashes of 64 B)', code: keccakLoop(20000), input: '0x', slots: {}, keys: [], r: 50, k: 3 },
    { name: 'memory copy loop (5k x 2 x 4 KiB MCOPY)', code: memcopyLoop(5000), input: '0x', slots: {}, keys: [], r: 50, k: 3 },
    { name: 'ERC-20 transfer', code: c.token, input: sel('transfer(address,uint256)') + arg(RECIPIENT) + arg(1), slots: tokenSlots, keys: tokenKeys, r: 20000, k: 300 },
    { name: 'ERC-20 balanceOf', code: c.token, input: sel('balanceOf(address)') + arg(CALLER), slots: tokenSlots, keys: tokenKeys, r: 50000, k: 1000 },
    { name: 'ERC-20 balanceOf as eth_call (evm_call, warm in-memory state)', code: c.token, input: sel('balanceOf(address)') + arg(CALLER), slots: tokenSlots, keys: tokenKeys, r: 50000, k: 1000, call: true },
    { name: 'Mandelbrot 32x32, 64 iterations (snailtracer-like)', code: c.mandel, input: sel('render(uint256,uint256,uint256)') + arg(32) + arg(32) + arg(64), slots: {}, keys: [], r: 10, k: 2 },
  ];
}

async function peerTime(p, runs) {
  const { run } = await peerSetup({ code: p.code, slots: p.slots, fork: FORK });
  const tokens = [...Buffer.from(p.input.slice(2), 'hex')].reduce((t, b) => t + (b ? 16n : 4n), 0n);
  const gas = GAS - 21000n - tokens;
  await run(p.input, gas); // warm-up (JIT, caches), not timed
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await run(p.input, gas);
  return Number(process.hrtime.bigint() - t0) / 1e3 / runs;
}

const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(2)} µs`);

async function main() {
  const rows = [];
  for (const p of programs()) {
    const args = { code: p.code, input: p.input, gas: GAS, slots: p.slots, fork: FORK, keys: p.keys };
    const mine = evmrunRun(BIN, { ...args, call: !!p.call });
    const peer = await peerRun(args);
    const d = diffRuns(mine, peer);
    if (d.length || mine.status !== 'success') {
      console.error(`evm bench: ${p.name}: the two EVMs disagree or fail (${mine.status}): ${d.join('; ')} ${mine.error}`);
      process.exit(1);
    }
    const r = Math.max(1, Math.round(p.r * SCALE));
    const k = Math.max(1, Math.round(p.k * SCALE));
    const timed = evmrunRun(BIN, { ...args, repeat: r, call: !!p.call });
    const usMine = timed.usPerRun;
    const usPeer = await peerTime(p, k);
    const gas = Number(mine.gasUsed);
    rows.push(`| ${p.name} | ${gas.toLocaleString('en-US')} | ${fmt(usMine)} | ${(gas / usMine).toFixed(0)} | ${fmt(usPeer)} | ${(gas / usPeer).toFixed(1)} | **${(usPeer / usMine).toFixed(1)}x** |`);
    console.error(`evm bench: ${p.name}: verity ${fmt(usMine)} (${r} runs), ethereumjs ${fmt(usPeer)} (${k} runs)`);
  }
  console.log('| program | gas per run (tx) | verity per run | verity Mgas/s | @ethereumjs/evm per run | ethereumjs Mgas/s | ratio |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
}

await main();
