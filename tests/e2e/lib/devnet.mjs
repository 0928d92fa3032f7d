// The devnet: N anvil nodes that together form ONE chain, with the harness playing the
// network between them.  Anvil nodes do not peer, so this module is their gossip and
// their block producer:
//   - every node starts from the same genesis (same mnemonic, chain id, --timestamp,
//     --no-mining), so block 0 is identical;
//   - the miner, every blockMs, mines exactly one block on every live node with the
//     same explicit timestamp (evm_mine [ts]);
//   - broadcast(raw) sends a raw transaction to every live node; it runs under the
//     same lock as the miner, so every node has the same mempool when a block is mined.
// With those three pinned, anvil 1.7.1 produces identical blocks: base fee follows
// from the parent, mixHash/prevrandao is derived deterministically by anvil, coinbase
// is the zero address, and the transaction order of equal mempools is the same.  After
// every block the miner compares the block hash on every node and records any fork in
// `forks` (tests assert it stays empty).
// A node can be paused (it stops receiving blocks and transactions, a real lag) and
// resumed: it then replays every missed block, its transactions in order followed by
// evm_mine with the recorded timestamp, and ends on the same hash as the others.
// Callers: tests/e2e/*.test.mjs and demo.mjs; proxies hand eth_sendRawTransaction here.
// The devnet owns its anvil processes; stop() kills them (the util registry kills
// them too if the test process dies first).

import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  freePort, freePorts, rpc, rpcRaw, sleep, waitFor, spawnTracked, stopChild, Mutex, hex, LOOPBACK,
} from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// The native binary, not node_modules/.bin/anvil: that is a node wrapper which would
// leave the real anvil running when the wrapper is SIGKILLed.
const NODE_MODULES = path.resolve(here, '../../../node_modules');
const NATIVE_ARCH = { x64: 'amd64', arm64: 'arm64' }[process.arch] || process.arch;
const NATIVE_ANVIL = path.join(NODE_MODULES, `@foundry-rs/anvil-${process.platform}-${NATIVE_ARCH}/bin/anvil`);
export const ANVIL_BIN = process.env.ANVIL_BIN ||
  (fs.existsSync(NATIVE_ANVIL) ? NATIVE_ANVIL : path.join(NODE_MODULES, '.bin/anvil'));

export const MNEMONIC = 'test test test test test test test test test test test junk';
export const CHAIN_ID = 31337;
export const MAX_NODES = 8;
export const MAX_BLOCKS_KEPT = 100000;

async function startAnvil({ port, genesisTimestamp, logDir, index, extraArgs = [] }) {
  const logPath = path.join(logDir, `anvil-${index}.log`);
  const log = fs.openSync(logPath, 'w');
  const args = [
    '--port', String(port), '--host', LOOPBACK, '--chain-id', String(CHAIN_ID),
    '--mnemonic', MNEMONIC, '--timestamp', String(genesisTimestamp), '--no-mining',
    '--silent', '--accounts', '10', '--balance', '10000', ...extraArgs,
  ];
  const proc = spawnTracked(ANVIL_BIN, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const url = `http://${LOOPBACK}:${port}`;
  let exited = false;
  proc.once('exit', () => { exited = true; });
  try {
    await waitFor(async () => {
      if (exited) throw Object.assign(new Error(`anvil ${index} exited early, see ${logPath}`), { fatal: true });
      return (await rpc(url, 'eth_chainId', [], { timeoutMs: 500 })) === hex(CHAIN_ID);
    }, { timeoutMs: 15000, what: `anvil ${index} on port ${port}` });
  } catch (e) {
    await stopChild(proc, 500);
    throw e;
  }
  return { proc, url, port, logPath };
}

export class Devnet {
  constructor(opts) {
    this.n = opts.n;
    this.blockMs = opts.blockMs;
    this.genesisTimestamp = opts.genesisTimestamp;
    this.extraArgs = opts.extraArgs ?? [];  // e.g. ['--optimism'] for OP-stack nodes
    this.nodes = [];           // { index, url, port, proc, paused, height }
    this.blocks = [];          // blocks[k] = { number, hash, timestamp, txs: [raw] }, k >= 1
    this.pending = new Map();  // tx hash -> raw, broadcast but not yet in a block
    this.forks = [];           // { number, hashes } whenever nodes disagree
    this.errors = [];          // miner errors (tests assert empty)
    this.lock = new Mutex();
    this.launched = [];        // every anvil process started, also on a failed launch
    this.timer = null;
    this.stopped = false;
    this.logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-devnet-'));
  }

  get head() { return this.blocks.length ? this.blocks[this.blocks.length - 1].number : 0; }
  get lastTimestamp() {
    return this.blocks.length ? this.blocks[this.blocks.length - 1].timestamp : this.genesisTimestamp;
  }
  liveNodes() { return this.nodes.filter((x) => !x.paused); }
  /** URL of a live node, for truth reads that bypass every proxy. */
  get truthUrl() { return this.liveNodes()[0].url; }

  async launch() {
    const ports = await freePorts(this.n);
    const started = await Promise.all(ports.map(async (firstPort, index) => {
      let lastErr = null;
      for (let attempt = 0; attempt < 3; attempt++) {
        const port = attempt === 0 ? firstPort : await freePort();
        try {
          const a = await startAnvil({ port, genesisTimestamp: this.genesisTimestamp, logDir: this.logDir, index,
            extraArgs: this.extraArgs });
          this.launched.push(a.proc);
          return a;
        } catch (e) { lastErr = e; }
      }
      throw lastErr;
    }));
    // a node that lost a port race exits after another process answered for it
    await sleep(100);
    const dead = started.filter((s) => s.proc.exitCode !== null || s.proc.signalCode !== null);
    if (dead.length) throw new Error(`anvil exited after start (port taken?), see ${dead.map((s) => s.logPath).join(' ')}`);
    this.nodes = started.map((s, index) => ({ index, ...s, paused: false, height: 0 }));
    const g = await Promise.all(this.nodes.map((x) => rpc(x.url, 'eth_getBlockByNumber', ['0x0', false])));
    if (new Set(g.map((b) => b.hash)).size !== 1) {
      throw new Error(`genesis differs across nodes: ${g.map((b) => b.hash).join(' ')}`);
    }
    this.genesisHash = g[0].hash;
  }

  /** Start the block timer. */
  startMining() {
    if (this.timer || this.blockMs <= 0) return;
    const tick = async () => {
      if (this.stopped) return;
      try { await this.mine(); } catch (e) { this.errors.push(e.message); }
      if (!this.stopped) this.timer = setTimeout(tick, this.blockMs);
    };
    this.timer = setTimeout(tick, this.blockMs);
  }

  stopMining() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Mine one block on every live node with one timestamp; returns its number. */
  mine() {
    return this.lock.run(async () => {
      const live = this.liveNodes();
      if (live.length === 0) throw new Error('no live node to mine on');
      const ts = Math.max(this.lastTimestamp + 1, Math.floor(Date.now() / 1000));
      await Promise.all(live.map((x) => rpc(x.url, 'evm_mine', [ts])));
      const number = this.head + 1;
      const blocks = await Promise.all(live.map((x) => rpc(x.url, 'eth_getBlockByNumber', [hex(number), false])));
      const hashes = blocks.map((b) => (b ? b.hash : null));
      if (new Set(hashes).size !== 1) this.forks.push({ number, hashes });
      for (const x of live) x.height = number;
      const txs = [];
      for (const h of blocks[0].transactions) {
        let raw = this.pending.get(h);
        if (!raw) raw = await rpc(live[0].url, 'eth_getRawTransactionByHash', [h]);
        this.pending.delete(h);
        txs.push(raw);
      }
      this.blocks.push({ number, hash: hashes[0], timestamp: ts, txs });
      if (this.blocks.length > MAX_BLOCKS_KEPT) throw new Error(`devnet: more than ${MAX_BLOCKS_KEPT} blocks`);
      return number;
    });
  }

  /**
   * Mine `count` empty blocks quickly on every live node, for tests that need
   * thousands of blocks: evm_mine with explicit timestamps one second apart, one
   * request per block and node, nodes in parallel. (Neither a batch of evm_mine calls
   * nor anvil_mine(count, interval) keeps the nodes one chain: anvil runs batch
   * elements concurrently, and anvil_mine's interval is added to the wall clock.) The
   * mempool must be empty. Records every block (hash from the first node, checked
   * equal on every node every 500 blocks); returns the new head.
   */
  mineMany(count) {
    return this.lock.run(async () => {
      if (!Number.isInteger(count) || count < 1 || count > MAX_BLOCKS_KEPT) throw new Error(`mineMany: bad count ${count}`);
      if (this.pending.size) throw new Error('mineMany: transactions are pending; mine() them first');
      const live = this.liveNodes();
      const batch = async (url, body) => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const out = await res.json();
        const bad = out.find((r) => r.error);
        if (bad) throw new Error(`mineMany: ${JSON.stringify(bad.error)}`);
        return out.sort((a, b) => a.id - b.id).map((r) => r.result);
      };
      const first = this.head + 1, last = this.head + count;
      const ts = Math.max(this.lastTimestamp + 1, Math.floor(Date.now() / 1000));
      await Promise.all(live.map(async (x) => {
        for (let i = 0; i < count; i++) await rpc(x.url, 'evm_mine', [ts + i]);
      }));
      for (let lo = first; lo <= last; lo += 500) {
        const hi = Math.min(last, lo + 499);
        const gets = [];
        for (let n = lo; n <= hi; n++) gets.push({ jsonrpc: '2.0', id: n, method: 'eth_getBlockByNumber', params: [hex(n), false] });
        const blocks = await batch(live[0].url, gets);
        for (const b of blocks) this.blocks.push({ number: Number(BigInt(b.number)), hash: b.hash, timestamp: Number(BigInt(b.timestamp)), txs: [] });
        const probe = await Promise.all(live.map((x) => rpc(x.url, 'eth_getBlockByNumber', [hex(hi), false])));
        const hashes = probe.map((b) => (b ? b.hash : null));
        if (new Set(hashes).size !== 1) this.forks.push({ number: hi, hashes });
      }
      for (const x of live) x.height = last;
      if (this.blocks.length > MAX_BLOCKS_KEPT) throw new Error(`devnet: more than ${MAX_BLOCKS_KEPT} blocks`);
      return last;
    });
  }

  /**
   * Gossip: send a raw transaction to every live node, in the same order on each.
   * Returns the JSON-RPC response object of the first live node ({result} or {error}).
   */
  broadcast(raw) {
    return this.lock.run(async () => {
      const live = this.liveNodes();
      const answers = await Promise.all(live.map((x) => rpcRaw(x.url, 'eth_sendRawTransaction', [raw])));
      const first = answers[0];
      if (first && first.result) this.pending.set(first.result, raw);
      return first;
    });
  }

  /** Stop mining node i and stop giving it transactions: it falls behind for real. */
  pause(i) {
    return this.lock.run(async () => { this.nodes[i].paused = true; });
  }

  /** Replay every block node i missed, same txs and timestamps, then rejoin. */
  resume(i) {
    return this.lock.run(async () => {
      const node = this.nodes[i];
      if (!node.paused) return;
      for (let k = node.height + 1; k <= this.head; k++) {
        const b = this.blocks[k - 1];
        for (const raw of b.txs) {
          const r = await rpcRaw(node.url, 'eth_sendRawTransaction', [raw]);
          if (r.error) throw new Error(`replay of block ${k} on node ${i}: ${r.error.message}`);
        }
        await rpc(node.url, 'evm_mine', [b.timestamp]);
        const got = await rpc(node.url, 'eth_getBlockByNumber', [hex(k), false]);
        if (got.hash !== b.hash) this.forks.push({ number: k, hashes: [b.hash, got.hash], replayNode: i });
        node.height = k;
      }
      for (const raw of this.pending.values()) await rpcRaw(node.url, 'eth_sendRawTransaction', [raw]);
      node.paused = false;
    });
  }

  /** Resolves once the chain head reaches number. */
  waitForBlock(number, timeoutMs = 20000) {
    return waitFor(() => this.head >= number, { timeoutMs, what: `block ${number}` });
  }

  /** Resolves once tx hash is in a mined block; returns the receipt from a node. */
  async waitForReceipt(hash, timeoutMs = 20000) {
    return waitFor(() => rpc(this.truthUrl, 'eth_getTransactionReceipt', [hash]),
      { timeoutMs, what: `receipt of ${hash}` });
  }

  async stop() {
    this.stopped = true;
    this.stopMining();
    await this.lock.run(async () => {});
    await Promise.all(this.launched.map((proc) => stopChild(proc, 2000)));
    try { fs.rmSync(this.logDir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
}

/**
 * Start a devnet of n anvil nodes.  Options: n (default 3, at most MAX_NODES),
 * blockMs (default 500; 0 = only manual mine()), genesisTimestamp (default now - 60 s,
 * so chain time follows wall time), mine (default true: start the block timer),
 * premine (default 1: blocks mined before returning), extraArgs (more anvil flags, e.g.
 * ['--optimism'] for OP-stack nodes with deposit transactions).  Why premine: anvil 1.7.1 writes
 * the EMPTY trie root as the genesis stateRoot although the dev accounts are funded,
 * so no eth_getProof at block 0 can verify; from block 1 on the roots are real.
 */
export async function startDevnet(opts = {}) {
  const n = opts.n ?? 3;
  if (!Number.isInteger(n) || n < 1 || n > MAX_NODES) throw new Error(`devnet: n must be 1..${MAX_NODES}, got ${n}`);
  const d = new Devnet({
    n,
    blockMs: opts.blockMs ?? 500,
    genesisTimestamp: opts.genesisTimestamp ?? Math.floor(Date.now() / 1000) - 60,
    extraArgs: opts.extraArgs,
  });
  try {
    await d.launch();
  } catch (e) {
    await d.stop();
    throw e;
  }
  try {
    for (let k = 0; k < (opts.premine ?? 1); k++) await d.mine();
  } catch (e) {
    await d.stop();
    throw e;
  }
  if (opts.mine ?? true) d.startMining();
  return d;
}

export { sleep };
