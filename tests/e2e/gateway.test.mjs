// The outage scenarios: verity in front of three anvil nodes behind fault proxies,
// driven by ethers and viem the way wallets and dApps use them.  Each test builds its
// own world (devnet + proxies + verity) and tears it down in finally.  What each test
// proves is in its name and in tests/e2e/README.md.  Tests skip only when VERITY_BIN
// is missing (skipIfNoBinary); on failure the error carries verity's stderr tail.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withWorld } from './lib/world.mjs';
import { runWorkload, walletProvider, quantile, waitReceipt, errText } from './lib/load.mjs';
import { devAddress, devWallet } from './lib/accounts.mjs';
import { rpc, rpcRaw, rpcTrust, sleep, waitFor } from './lib/util.mjs';
import { parseEther, Wallet } from 'ethers';

const FUNDED = [0, 2, 3, 4, 5].map(devAddress);
// `make soak` sets SOAK=1: the steady stream then runs for SOAK_SECS (default 300 s)
const STEADY_MS = process.env.SOAK ? Number(process.env.SOAK_SECS || 300) * 1000 : 8000;

const randomAddress = () => Wallet.createRandom().address;

/** Read balances of funded accounts through ethers; returns { failures, wrong }. */
async function readFunded(w, provider, count) {
  const out = { failures: [], wrong: [] };
  for (let k = 0; k < count; k++) {
    const addr = FUNDED[k % FUNDED.length];
    const h0 = w.devnet.head;
    try {
      const v = await provider.getBalance(addr);
      if (v === 0n || !(await w.truth.isBalanceInWindow(addr, v, h0, w.devnet.head))) out.wrong.push({ addr, got: v.toString() });
    } catch (e) {
      out.failures.push(errText(e));
    }
  }
  return out;
}

// Two of four upstreams fail at once: the two left still make the anchor quorum (k = 2),
// so every read is proven. (With two of three down the one left is not a quorum: the
// next test shows verity refusing then, honestly.)
test('steady stream of reads and transfers survives refuse + hang of two of four upstreams', async (t) => {
  await withWorld(t, { n: 4 }, async (w) => {
    const [a, b] = w.proxies;
    const stats = await runWorkload({
      url: w.verity.url, truth: w.truth, devnet: w.devnet, durationMs: STEADY_MS,
      schedule: [
        { atMs: STEADY_MS * 0.19, label: 'a refuse', run: () => a.setMode('refuse') },
        { atMs: STEADY_MS * 0.44, label: 'b hang', run: () => b.setMode('hang') },
        { atMs: STEADY_MS * 0.69, label: 'a pass', run: () => a.setMode('pass') },
        { atMs: STEADY_MS * 0.81, label: 'b pass', run: () => b.setMode('pass') },
      ],
    });
    t.diagnostic(`steady: ${stats.reads} reads (${stats.pinnedReads} pinned), ${stats.transfers} transfers, ` +
      `p50 ${quantile(stats.readMs, 0.5)} ms, p99 ${quantile(stats.readMs, 0.99)} ms, verity head lag max ${stats.maxHeadLag}`);
    assert.deepEqual(stats.failures, [], 'client requests failed');
    assert.deepEqual(stats.wrong, [], 'wrong balances');
    assert.ok(stats.reads >= 50, `too few reads: ${stats.reads}`);
    assert.ok(stats.pinnedReads >= 20, `too few pinned reads: ${stats.pinnedReads}`);
    assert.ok(stats.transfers >= 2, `too few transfers: ${stats.transfers}`);
    assert.deepEqual(w.devnet.forks, []);
  });
});

test('two of three upstreams down with anchor.quorum 2: proven reads are -32002 naming the quorum, never verified:quorum:1/3', async (t) => {
  await withWorld(t, {}, async (w) => {
    const [a, b, c] = w.proxies;
    const addr = FUNDED[0];
    await w.devnet.waitForBlock(3);
    // all three up: proven against a header two agreed on
    const ok = await rpcTrust(w.verity.url, 'eth_getBalance', [addr, '0x2']);
    assert.equal(ok.body.error, undefined, JSON.stringify(ok.body));
    assert.match(ok.trust, /^verified:quorum:[23]\/3/);
    a.setMode('refuse');
    b.setMode('refuse');
    c.resetStats();
    await sleep(1500); // head polls notice; breakers may open
    for (const blk of ['0x1', 'latest']) {
      const r = await rpcTrust(w.verity.url, 'eth_getBalance', [addr, blk]);
      assert.equal(r.body.result, undefined, `answered ${JSON.stringify(r.body)} with trust ${r.trust}`);
      assert.equal(r.body.error?.code, -32002, JSON.stringify(r.body));
      assert.doesNotMatch(r.trust, /^verified/);
    }
    const pinned = await rpcTrust(w.verity.url, 'eth_getBalance', [addr, '0x1']);
    assert.match(JSON.stringify(pinned.body.error), /anchor quorum was not reached|quorum/);
    a.setMode('pass');
    let back = null;
    for (let i = 0; i < 40 && !back; i++) {
      const r = await rpcTrust(w.verity.url, 'eth_getBalance', [addr, '0x1']);
      if (r.body.result !== undefined) back = r;
      else await sleep(250);
    }
    assert.ok(back, 'no proven answer after a second upstream came back');
    assert.match(back.trust, /^verified:quorum:2\//);
  });
});

test('long outage on the demo timeline (a refused 8-20 s, b hung 14-24 s, of four): no failure, nothing stale', async (t) => {
  // long enough for breakers to open and half-open again while the other upstream is down
  await withWorld(t, { n: 4 }, async (w) => {
    const [a, b] = w.proxies;
    const stats = await runWorkload({
      url: w.verity.url, truth: w.truth, devnet: w.devnet, durationMs: 26000, readers: 2,
      schedule: [
        { atMs: 8000, label: 'a refuse', run: () => a.setMode('refuse') },
        { atMs: 14000, label: 'b hang', run: () => b.setMode('hang') },
        { atMs: 20000, label: 'a pass', run: () => a.setMode('pass') },
        { atMs: 24000, label: 'b pass', run: () => b.setMode('pass') },
      ],
    });
    t.diagnostic(`long outage: ${stats.reads} reads, ${stats.transfers} transfers, p99 ${quantile(stats.readMs, 0.99)} ms, ` +
      `verity head lag max ${stats.maxHeadLag}`);
    assert.deepEqual(stats.failures, [], 'client requests failed');
    assert.deepEqual(stats.wrong, [], 'wrong or stale balances (trueAtBlock says how stale)');
  });
});

test('a lagging upstream (lag 5) never serves latest; blockNumber never goes backwards', async (t) => {
  await withWorld(t, {}, async (w) => {
    const c = w.proxies[0]; // the first upstream: a gateway that prefers it must notice
    await w.devnet.waitForBlock(6);
    c.setMode('lag(5)');
    await sleep(2000); // several head polls: verity has noticed
    c.resetStats();
    let last = 0;
    const wrong = [];
    for (let k = 0; k < 200; k++) {
      const n = Number(await rpc(w.verity.url, 'eth_blockNumber'));
      assert.ok(n >= last, `eth_blockNumber went backwards: ${last} -> ${n} at poll ${k}`);
      last = n;
      if (k % 4 === 0) {
        const addr = devAddress(k % 10);
        const h0 = w.devnet.head;
        const v = BigInt(await rpc(w.verity.url, 'eth_getBalance', [addr, 'latest']));
        if (!(await w.truth.isBalanceInWindow(addr, v, h0, w.devnet.head))) wrong.push({ addr, v });
      }
      await sleep(10);
    }
    assert.ok(last >= w.devnet.head - 4, `verity head ${last} far behind chain ${w.devnet.head}`);
    assert.deepEqual(wrong, []);
    // verity may read balances as eth_getBalance or as eth_getProof: count every state read
    const STATE = new Set(['eth_getBalance', 'eth_getProof', 'eth_getTransactionCount', 'eth_getCode', 'eth_getStorageAt', 'eth_call']);
    const asked = c.stats.log.filter((e) => STATE.has(e.method)).length;
    const served = c.stats.log.filter((e) => e.ok && STATE.has(e.method));
    t.diagnostic(`lagging upstream: asked ${asked} state reads, served ${served.length}`);
    assert.equal(served.length, 0, `lagging upstream served ${served.length} state reads: ${JSON.stringify(served.slice(0, 3))}`);
    const blockNumbers = c.stats.log.filter((e) => e.ok && e.method === 'eth_getBlockByNumber' &&
      e.result && Number(e.result.number) > last);
    assert.equal(blockNumbers.length, 0);
  });
});

test('a node that really falls behind (devnet pause) and catches up: reads stay right', async (t) => {
  await withWorld(t, {}, async (w) => {
    await w.devnet.pause(0); // node 0 (upstream a) stops getting blocks and transactions
    const stats = await runWorkload({
      url: w.verity.url, truth: w.truth, devnet: w.devnet, durationMs: 5000, readers: 2,
      schedule: [{ atMs: 3500, label: 'node 0 catches up', run: () => w.devnet.resume(0) }],
    });
    assert.deepEqual(stats.failures, [], 'client requests failed');
    assert.deepEqual(stats.wrong, [], 'wrong balances');
    assert.ok(stats.transfers >= 2, `too few transfers: ${stats.transfers}`);
    assert.deepEqual(w.devnet.forks, [], 'replay did not reproduce the chain');
    const heads = await Promise.all(w.devnet.nodes.map((x) => rpc(x.url, 'eth_blockNumber')));
    assert.ok(Math.max(...heads.map(Number)) - Math.min(...heads.map(Number)) <= 1, `heads after catch-up: ${heads}`);
  });
});

test('a hung upstream costs about the hedge delay, not the timeout', async (t) => {
  await withWorld(t, {}, async (w) => {
    const hedge = w.verity.config.pool.hedge_after_ms;
    const probe = walletProvider(w.verity.url);
    const target = await preferredUpstream(w, probe).finally(() => probe.destroy());
    target.setMode('hang');
    target.resetStats();
    const ms = [];
    for (let k = 0; k < 50; k++) {
      const addr = randomAddress(); // a cache miss every time
      const t0 = performance.now();
      const r = await rpcRaw(w.verity.url, 'eth_getBalance', [addr, 'latest']);
      ms.push(performance.now() - t0);
      assert.equal(r.result, '0x0', `read ${k}: ${JSON.stringify(r.error)}`);
    }
    ms.sort((x, y) => x - y);
    const p95 = quantile(ms, 0.95);
    t.diagnostic(`hang on ${target.name} (${target.stats.faults.hang || 0} requests hung): p50 ${quantile(ms, 0.5).toFixed(1)} ms, ` +
      `p95 ${p95.toFixed(1)} ms, max ${ms[ms.length - 1].toFixed(1)} ms`);
    assert.ok((target.stats.faults.hang || 0) >= 1, 'the hung upstream was never asked');
    assert.ok(p95 < hedge + 250, `p95 ${p95.toFixed(1)} ms >= hedge ${hedge} + 250 ms`);
  });
});

/** The upstream verity is using right now: the proxy that gets most of a few cache-missing reads. */
async function preferredUpstream(w, provider) {
  w.proxies.forEach((p) => p.resetStats());
  for (let k = 0; k < 6; k++) await provider.getBalance(randomAddress());
  return w.proxies.reduce((best, p) => (p.stats.http > best.stats.http ? p : best));
}

/** Funded reads (must equal the truth, never 0) and cache-missing reads (must be 0). */
async function readMixed(w, provider, count) {
  const r = await readFunded(w, provider, count);
  for (let k = 0; k < count; k++) {
    try {
      const v = await provider.getBalance(randomAddress());
      if (v !== 0n) r.wrong.push({ addr: 'fresh', got: v.toString() });
    } catch (e) {
      r.failures.push(errText(e));
    }
    await sleep(25);
  }
  return r;
}

test('5xx, 429, truncated and garbage answers from the preferred upstream cost the client nothing', async (t) => {
  // one faulty upstream at a time: each phase starts when the previous one's breaker has
  // closed again (with anchor.quorum 2 of 3, a breaker still open from the last phase plus
  // this phase's fault would be two down: proven reads are then -32002, by design)
  await withWorld(t, { overrides: { pool: { breaker: { open_ms: 1000 } } } }, async (w) => {
    const provider = walletProvider(w.verity.url);
    try {
      for (const mode of ['status(502)', 'status(503)', 'ratelimit(2)', 'truncate', 'garbage']) {
        const target = await preferredUpstream(w, provider);
        target.setMode(mode);
        target.resetStats();
        const r = await readMixed(w, provider, 10);
        const n = await provider.getBlockNumber();
        const hits = Object.values(target.stats.faults).reduce((a, b) => a + b, 0);
        target.setMode('pass');
        t.diagnostic(`${mode} on ${target.name}: ${target.stats.http} HTTP requests, ${hits} faults served, during 21 client calls`);
        assert.ok(n > 0);
        assert.deepEqual(r.failures, [], `client errors under ${mode} on ${target.name}`);
        assert.deepEqual(r.wrong, [], `wrong balances under ${mode} on ${target.name}`);
        assert.ok(hits >= 1, `${mode} was never exercised: verity sent ${target.name} nothing`);
        if (mode.startsWith('ratelimit')) {
          // Retry-After: 2 covers the phase: after the first 429 the upstream should be left
          // alone (requests already in flight and the head poller are tolerated)
          assert.ok(target.stats.http <= 6, `${target.name} got ${target.stats.http} requests despite Retry-After`);
        }
        await waitFor(async () => {
          const st = await (await fetch(`${w.verity.url}/status`)).json();
          return st.upstreams.every((u) => u.breaker === 'closed' && u.state === 'healthy');
        }, { timeoutMs: 15000, intervalMs: 100, what: `every upstream healthy again after ${mode}` });
      }
    } finally {
      provider.destroy();
    }
  });
});

test('a liar among honest upstreams is never believed (zeroBalance, wrongBalance, forgeProofNode, wrongBlockHash)', async (t) => {
  // one fresh verity per lie (a caught liar is benched, so later lies would not reach
  // it); the liar takes every position in turn, so no routing order avoids it by luck
  for (const lie of ['zeroBalance', 'wrongBalance', 'forgeProofNode', 'wrongBlockHash']) {
    await t.test(lie, async (st) => {
      await withWorld(st, {}, async (w) => {
        const provider = walletProvider(w.verity.url);
        let told = 0;
        try {
          for (const liar of w.proxies) {
            liar.resetStats();
            liar.setMode(lie);
            const r = await readMixed(w, provider, 8);
            liar.setMode('pass');
            told += liar.stats.faults[lie] || 0;
            assert.deepEqual(r.failures, [], `client errors with liar ${liar.name}:${lie}`);
            assert.deepEqual(r.wrong, [], `client saw a lie (${liar.name}:${lie})`);
          }
        } finally {
          provider.destroy();
        }
        st.diagnostic(`${lie}: told to verity ${told} times`);
        assert.ok(told >= 1, `${lie} was never exercised`);
      });
    });
  }
});

test('all upstreams down: -32002 with a reason, never 0x0', async (t) => {
  await withWorld(t, {}, async (w) => {
    for (const p of w.proxies) p.setMode('refuse');
    for (let k = 0; k < 3; k++) {
      const res = await fetch(w.verity.url, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'eth_getBalance', params: [FUNDED[k], 'latest'] }),
        signal: AbortSignal.timeout(10000),
      });
      const body = JSON.parse(await res.text());
      assert.equal(body.id, 7);
      assert.equal(body.result, undefined, `verity invented a result: ${JSON.stringify(body)}`);
      assert.equal(body.error?.code, -32002, `expected -32002, got ${JSON.stringify(body)}`);
      assert.ok(body.error.data !== undefined, 'error.data should say why');
      await sleep(300);
    }
    const viaEthers = walletProvider(w.verity.url);
    try {
      await assert.rejects(viaEthers.getBalance(FUNDED[0]));
    } finally {
      viaEthers.destroy();
    }
  });
});

test('eth_sendRawTransaction while one upstream is down: mined, receipt found', async (t) => {
  await withWorld(t, {}, async (w) => {
    w.proxies[0].setMode('refuse');
    const provider = walletProvider(w.verity.url);
    try {
      const wallet = devWallet(4, provider);
      const to = randomAddress();
      const tx = await wallet.sendTransaction({ to, value: parseEther('1.5') });
      const rcpt = await waitReceipt(provider, tx.hash, { onError: (e) => { throw e; } });
      assert.equal(rcpt.status, 1);
      for (const x of w.devnet.nodes) assert.ok(await rpc(x.url, 'eth_getTransactionReceipt', [tx.hash]), 'not on every node');
      assert.equal(BigInt(await rpc(w.devnet.truthUrl, 'eth_getBalance', [to, 'latest'])), parseEther('1.5'));
      assert.equal(await provider.getBalance(to, rcpt.blockNumber), parseEther('1.5'));
      assert.equal(w.proxies[0].stats.served.eth_sendRawTransaction ?? 0, 0);
    } finally {
      provider.destroy();
    }
  });
});
