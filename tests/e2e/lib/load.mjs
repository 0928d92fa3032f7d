// The wallet-like workload shared by the steady-stream scenario and the demo: reader
// loops that read balances through verity with ethers (funded, receiving and never
// funded accounts; half at 'latest', half pinned to the block number verity reports)
// and one writer loop that sends ETH transfers through verity and waits for their
// receipts.  Every balance read is checked against the truth read directly from a
// node: a pinned read must equal the balance at that block; a 'latest' read must
// equal the balance at some block between the heads just before and after the read.
// A schedule of fault actions runs at fixed offsets while the load runs.
// Returns counters and the lists of failures and wrong values (tests assert both
// are empty).  Callers: gateway.test.mjs, demo.mjs.

import { JsonRpcProvider, Network, parseEther } from 'ethers';
import { devWallet, devAddress, UNFUNDED } from './accounts.mjs';
import { rpc, sleep } from './util.mjs';

export const MAX_EVENTS_KEPT = 10000;

/** A one-line description of a client error, with verity's JSON-RPC error if any. */
export function errText(e) {
  const rpcErr = e?.error && typeof e.error === 'object' ? e.error : null;
  const base = e?.shortMessage || e?.message || String(e);
  if (!rpcErr) return base;
  const why = rpcErr.data?.reason ? ` (${rpcErr.data.reason}${rpcErr.data.detail?.reason ? `: ${rpcErr.data.detail.reason}` : ''})` : '';
  return `${rpcErr.code} ${rpcErr.message}${why}`;
}

/** An ethers provider the way a wallet would build it, pointed at url. */
export function walletProvider(url) {
  const network = Network.from(31337);
  return new JsonRpcProvider(url, network, { staticNetwork: network, pollingInterval: 200, cacheTimeout: -1 });
}

/**
 * Run the workload for durationMs.  opts: url (verity), truth (world.truth), devnet,
 * readers (default 3), sender (dev account index, default 1), receivers (indexes),
 * schedule ([{ atMs, label, run }]), onEvent (callback for a live log).
 */
export async function runWorkload(opts) {
  const {
    url, truth, devnet, durationMs, readers = 3, sender = 1, receivers = [6, 7, 8],
    schedule = [], onEvent = () => {}, transfers = true,
  } = opts;
  const provider = walletProvider(url);
  const stats = { reads: 0, pinnedReads: 0, transfers: 0, failures: [], wrong: [], readMs: [], maxHeadLag: 0 };
  const watched = [devAddress(0), devAddress(sender), ...receivers.map(devAddress), ...UNFUNDED];
  const t0 = Date.now();
  const deadline = t0 + durationMs;
  const record = (list, e) => { if (list.length < MAX_EVENTS_KEPT) list.push({ atMs: Date.now() - t0, ...e }); };

  async function readOnce(k, pinned) {
    const addr = watched[k % watched.length];
    const h0 = devnet.head;
    const start = Date.now();
    try {
      if (pinned) {
        const n = await provider.getBlockNumber();
        const v = await provider.getBalance(addr, n);
        stats.readMs.push(Date.now() - start);
        stats.reads++; stats.pinnedReads++;
        const want = await truth.balanceAt(addr, n);
        if (v !== want) {
          const trueAt = await truth.blockWithBalance(addr, v, devnet.head);
          record(stats.wrong, { addr, block: n, got: v.toString(), want: want.toString(), trueAtBlock: trueAt });
        }
        onEvent({ type: 'read', addr, value: v, block: n, ms: Date.now() - start, ok: v === want });
      } else {
        // judge a 'latest' read against verity's own reported head (brief: "the node's
        // balance at verity's reported block"), and track how far that head trails the chain
        const vh = Number(await provider.send('eth_blockNumber', []));
        stats.maxHeadLag = Math.max(stats.maxHeadLag, devnet.head - vh);
        const v = await provider.getBalance(addr, 'latest');
        stats.readMs.push(Date.now() - start);
        stats.reads++;
        const ok = await truth.isBalanceInWindow(addr, v, Math.min(vh, h0), devnet.head);
        if (!ok) {
          const trueAt = await truth.blockWithBalance(addr, v, devnet.head);
          record(stats.wrong, { addr, block: `latest, verity head ${vh}, chain ${h0}..${devnet.head}`, got: v.toString(), trueAtBlock: trueAt });
        }
        onEvent({ type: 'read', addr, value: v, block: 'latest', ms: Date.now() - start, ok });
      }
    } catch (e) {
      record(stats.failures, { op: pinned ? 'getBalance(pinned)' : 'getBalance(latest)', addr, error: errText(e) });
      onEvent({ type: 'fail', op: 'read', addr, error: errText(e) });
    }
  }

  async function readerLoop(r) {
    for (let k = r, i = 0; Date.now() < deadline; k += readers, i++) {
      await readOnce(k, i % 2 === 1);
      await sleep(20);
    }
  }

  async function writerLoop() {
    const wallet = devWallet(sender, provider);
    let nonce = Number(await rpc(devnet.truthUrl, 'eth_getTransactionCount', [wallet.address, 'pending']));
    for (let k = 0; Date.now() < deadline - 1500; k++) {
      const to = devAddress(receivers[k % receivers.length]);
      const start = Date.now();
      try {
        const tx = await wallet.sendTransaction({ to, value: parseEther('0.001'), nonce, gasLimit: 21000n });
        nonce++;
        const rcpt = await waitReceipt(provider, tx.hash, {
          onError: (e) => record(stats.failures, { op: 'getTransactionReceipt', hash: tx.hash, error: errText(e) }),
        });
        if (rcpt.status !== 1) throw new Error(`transfer ${tx.hash} reverted`);
        stats.transfers++;
        onEvent({ type: 'transfer', hash: tx.hash, to, block: rcpt.blockNumber, ms: Date.now() - start });
      } catch (e) {
        record(stats.failures, { op: 'transfer', to, error: errText(e) });
        onEvent({ type: 'fail', op: 'transfer', to, error: errText(e) });
        nonce = Number(await rpc(devnet.truthUrl, 'eth_getTransactionCount', [wallet.address, 'pending']));
        await sleep(200);
      }
    }
  }

  const timers = schedule.map((s) => setTimeout(async () => {
    try { await s.run(); onEvent({ type: 'fault', label: s.label, atMs: Date.now() - t0 }); } catch (e) {
      record(stats.failures, { op: `schedule ${s.label}`, error: e.message });
    }
  }, s.atMs));
  try {
    const loops = Array.from({ length: readers }, (_, r) => readerLoop(r));
    if (transfers) loops.push(writerLoop());
    await Promise.all(loops);
  } finally {
    timers.forEach(clearTimeout);
    provider.destroy();
  }
  stats.readMs.sort((a, b) => a - b);
  return stats;
}

/**
 * Poll eth_getTransactionReceipt like a wallet does (every intervalMs) until the
 * receipt appears.  ethers' tx.wait() is not used: an error inside its block listener
 * becomes an unhandled rejection.  onError is told about every failed poll.
 */
export async function waitReceipt(provider, hash, { timeoutMs = 15000, intervalMs = 200, onError = () => {} } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await provider.getTransactionReceipt(hash);
      if (r) return r;
    } catch (e) {
      onError(e);
    }
    await sleep(intervalMs);
  }
  throw new Error(`no receipt for ${hash} after ${timeoutMs} ms`);
}

/** The q-quantile (0..1) of a sorted array of numbers. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
