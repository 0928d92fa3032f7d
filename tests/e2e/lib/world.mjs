// A test world: a devnet of anvil nodes, one fault proxy in front of each node, and
// (optionally) verity in front of the proxies; plus the truth oracle that tells a
// scenario whether a balance verity returned is what the chain says.
//   const w = await startWorld({ verity: true });
//   try { ... w.proxies[0].setMode('refuse') ... } finally { await w.stop(); }
// stop() tears everything down in reverse order and never throws.  Used by
// gateway.test.mjs and demo.mjs.

import { startDevnet } from './devnet.mjs';
import { startProxies } from './proxy.mjs';
import { startVerity, skipIfNoBinary } from './verity.mjs';
import { rpc, hex } from './util.mjs';

export const MAX_TRUTH_CACHE = 200000;

export async function startWorld({ n = 3, blockMs = 500, verity = true, overrides = {}, upstreamUrl, devnet = {} } = {}) {
  const w = { devnet: null, proxies: [], verity: null };
  w.stop = async () => {
    if (w.verity) await w.verity.stop().catch(() => {});
    await Promise.all(w.proxies.map((p) => p.close().catch(() => {})));
    if (w.devnet) await w.devnet.stop().catch(() => {});
  };
  try {
    w.devnet = await startDevnet({ n, blockMs, ...devnet }); // devnet: more startDevnet options
    w.proxies = await startProxies(w.devnet);
    if (verity) {
      const upstreams = w.proxies.map((p, i) => ({ name: p.name, url: upstreamUrl ? upstreamUrl(p, i) : p.url }));
      w.verity = await startVerity({ upstreams, overrides });
    }
    w.truth = new Truth(w.devnet);
    return w;
  } catch (e) {
    await w.stop();
    throw e;
  }
}

/** Reads the chain directly from a live node (never through a proxy), cached. */
export class Truth {
  constructor(devnet) {
    this.devnet = devnet;
    this.cache = new Map();
  }

  async balanceAt(addr, number) {
    const key = `${addr.toLowerCase()}@${number}`;
    let v = this.cache.get(key);
    if (v === undefined) {
      v = BigInt(await rpc(this.devnet.truthUrl, 'eth_getBalance', [addr, hex(number)]));
      if (this.cache.size >= MAX_TRUTH_CACHE) this.cache.clear();
      this.cache.set(key, v);
    }
    return v;
  }

  /**
   * Is `value` the balance of addr at some block in [fromBlock - slack, toBlock + 1]?
   * Used for reads at 'latest': fromBlock/toBlock are the devnet heads just before
   * and just after the read; slack allows verity's pinned head to trail the chain.
   */
  /** For a diagnosis: the newest block <= from (searching depth blocks back) where addr had value. */
  async blockWithBalance(addr, value, from, depth = 120) {
    for (let k = from; k >= Math.max(0, from - depth); k--) if ((await this.balanceAt(addr, k)) === BigInt(value)) return k;
    return null;
  }

  async isBalanceInWindow(addr, value, fromBlock, toBlock, slack = 4) {
    const lo = Math.max(0, fromBlock - slack);
    const hi = Math.min(toBlock + 1, this.devnet.head);
    for (let k = hi; k >= lo; k--) if ((await this.balanceAt(addr, k)) === BigInt(value)) return true;
    return false;
  }
}

/**
 * For node:test: skip when there is no verity binary, else build a world, run
 * fn(world), always tear it down; a failure's message gets verity's stderr tail.
 */
export async function withWorld(t, opts, fn) {
  if (opts.verity !== false && skipIfNoBinary(t)) return;
  const w = await startWorld(opts);
  try {
    await fn(w);
  } catch (e) {
    if (w.verity) {
      if (w.verity.exitStatus) e.message += `\n--- verity ${w.verity.exitStatus} during the test ---`;
      e.message += `\n--- verity stderr (tail) ---\n${w.verity.tail(30)}`;
      if (process.env.VERITY_KEEP_LOGS) e.message += `\n(full log kept: ${w.verity.stderrPath})`;
    }
    throw e;
  } finally {
    await w.stop();
  }
}
