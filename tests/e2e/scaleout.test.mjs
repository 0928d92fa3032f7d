// Scale-out: two identical verity instances sharing one Redis cache, behind HAProxy
// (roundrobin, health checks on /healthz, retry on the other instance), driven by the
// wallet-like workload (ethers; balance reads checked against the chain, transfers
// with receipts).  Proves: (1) an instance killed with SIGKILL mid-run costs the
// client nothing and its share goes to the other; (2) Redis killed mid-run costs the
// client nothing (verity falls back to its own memory cache); (3) a proven answer
// cached by instance A is served by instance B from Redis without asking an upstream.
// Skips only when VERITY_BIN is unset/not executable or haproxy / redis-server are
// missing.  See tests/e2e/README.md and docs/scale-out.md.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startScaleWorld, scaleoutProblem, scaleWorldDiagnosis, verityStatus } from './lib/scaleout.mjs';
import { runWorkload, quantile } from './lib/load.mjs';
import { devAddress } from './lib/accounts.mjs';
import { rpcRaw, hex, waitFor, sleep } from './lib/util.mjs';

const RUN_MS = 10000;
const KILL_AT_MS = 4000;
const STATE = new Set(['eth_getBalance', 'eth_getProof', 'eth_getTransactionCount', 'eth_getCode', 'eth_getStorageAt', 'eth_call']);

/** Skip with the reason, else build the world, run fn, always tear it down. */
async function withScaleWorld(t, opts, fn) {
  const why = scaleoutProblem();
  if (why) { t.skip(why); return; }
  const s = await startScaleWorld(opts);
  try {
    await fn(s);
  } catch (e) {
    e.message += scaleWorldDiagnosis(s);
    throw e;
  } finally {
    await s.stop();
  }
}

const sum = (servers, f) => Object.values(servers).reduce((a, x) => a + x[f], 0);

test('scale-out: one of two verity instances killed (SIGKILL) behind HAProxy: no failed request, its share goes to the other', async (t) => {
  await withScaleWorld(t, {}, async (s) => {
    const [victim, survivor] = s.verities;
    let atKill = null;
    const stats = await runWorkload({
      url: s.haproxy.url, truth: s.truth, devnet: s.devnet, durationMs: RUN_MS,
      schedule: [{
        atMs: KILL_AT_MS, label: `kill -9 ${victim.name}`,
        run: async () => { atKill = await s.haproxy.servers(); victim.proc.kill('SIGKILL'); },
      }],
    });
    await sleep(300);
    const end = await s.haproxy.servers();
    const v0 = atKill[victim.name].rsp2xx;
    const s0 = atKill[survivor.name].rsp2xx;
    const vAfter = end[victim.name].rsp2xx - v0;
    const sAfter = end[survivor.name].rsp2xx - s0;
    t.diagnostic(`instance kill: ${stats.reads} reads (${stats.pinnedReads} pinned), ${stats.transfers} transfers, ` +
      `p50 ${quantile(stats.readMs, 0.5)} ms, p99 ${quantile(stats.readMs, 0.99)} ms, head lag max ${stats.maxHeadLag}; ` +
      `2xx before kill ${victim.name}=${v0} ${survivor.name}=${s0}, after ${victim.name}=${vAfter} ${survivor.name}=${sAfter}; ` +
      `${victim.name} status ${end[victim.name].status}, retries ${sum(end, 'retries')}, redispatches ${sum(end, 'redispatches')}, ` +
      `5xx ${sum(end, 'rsp5xx')}`);
    assert.deepEqual(stats.failures, [], 'client requests failed');
    assert.deepEqual(stats.wrong, [], 'wrong balances');
    assert.ok(stats.reads >= 50, `too few reads: ${stats.reads}`);
    assert.ok(stats.transfers >= 2, `too few transfers: ${stats.transfers}`);
    assert.ok(victim.exitStatus, `${victim.name} was not killed`);
    // before the kill roundrobin shared the load; after it the survivor took all of it
    const before = v0 + s0;
    assert.ok(before >= 20 && v0 >= before * 0.3 && s0 >= before * 0.3, `load not shared before the kill: ${v0} vs ${s0}`);
    assert.ok(vAfter <= 3, `${victim.name} answered ${vAfter} requests after its kill`);
    assert.ok(sAfter >= 50, `${survivor.name} answered only ${sAfter} requests after the kill`);
    // requests in flight on (or sent to) the dead instance before its health check failed were retried elsewhere
    assert.ok(sum(end, 'retries') + sum(end, 'redispatches') >= 1, 'HAProxy never retried a request: the kill was not exercised');
    assert.equal(end[victim.name].status, 'DOWN', `HAProxy still considers ${victim.name} ${end[victim.name].status}`);
    assert.equal(end[survivor.name].status, 'UP');
    assert.deepEqual(s.devnet.forks, []);
  });
});

test('scale-out: Redis killed (SIGKILL) while two instances serve: no failed request, no wrong balance', async (t) => {
  await withScaleWorld(t, {}, async (s) => {
    const stats = await runWorkload({
      url: s.haproxy.url, truth: s.truth, devnet: s.devnet, durationMs: 8000,
      schedule: [{ atMs: 3000, label: 'kill -9 redis-server', run: () => s.redis.kill9() }],
    });
    const st = await Promise.all(s.verities.map(verityStatus));
    const servers = await s.haproxy.servers();
    t.diagnostic(`redis kill: ${stats.reads} reads, ${stats.transfers} transfers, p99 ${quantile(stats.readMs, 0.99)} ms; ` +
      st.map((x, i) => `${s.verities[i].name} store ${JSON.stringify(x.store)} cache hits ${x.cache?.hits}`).join('; ') +
      `; haproxy 2xx ${Object.entries(servers).map(([k, v]) => `${k}=${v.rsp2xx}`).join(' ')}`);
    assert.deepEqual(stats.failures, [], 'client requests failed');
    assert.deepEqual(stats.wrong, [], 'wrong balances');
    assert.ok(stats.reads >= 40, `too few reads: ${stats.reads}`);
    assert.ok(stats.transfers >= 2, `too few transfers: ${stats.transfers}`);
    assert.ok(s.redis.proc.signalCode === 'SIGKILL', 'redis-server was not killed');
    for (const [i, v] of s.verities.entries()) {
      assert.equal(v.exitStatus, null, `${v.name} ${v.exitStatus} after Redis died`);
      assert.equal(servers[v.name].status, 'UP', `${v.name} not UP in HAProxy after Redis died`);
      assert.ok(servers[v.name].rsp2xx >= 20, `${v.name} served only ${servers[v.name].rsp2xx} requests`);
      const h = await fetch(`${v.url}/healthz`);
      await h.text();
      assert.equal(h.status, 200, `${v.name} /healthz ${h.status} after Redis died`);
      assert.ok(st[i].store?.redis_stored + st[i].store?.redis_hits > 0, `${v.name} never used Redis before it died`);
      assert.equal(st[i].store?.redis_connected, false, `${v.name} still reports redis_connected`);
    }
  });
});

test('scale-out: a proven answer fetched through instance A is served by instance B from Redis, no upstream asked', async (t) => {
  await withScaleWorld(t, {}, async (s) => {
    const [a, b] = s.verities;
    const addr = devAddress(4); // funded, untouched by this test
    await s.devnet.waitForBlock(4);
    const n = s.devnet.head - 1;
    await waitFor(async () => (await Promise.all([a, b].map(verityStatus))).every((x) => x.head >= n),
      { timeoutMs: 5000, what: `both instances at block ${n}` });
    const calls = [
      ['eth_getBalance', [addr, hex(n)]],
      ['eth_getTransactionCount', [addr, hex(n)]],
      ['eth_getCode', [addr, hex(n)]],
    ];
    const post = async (v, method, params) => {
      const r = await fetch(v.url, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(5000),
      });
      return { body: await r.json(), upstream: r.headers.get('x-verity-upstream'), trust: r.headers.get('x-verity-trust') };
    };
    const viaA = [];
    for (const [m, p] of calls) viaA.push(await post(a, m, p));
    for (const [k, r] of viaA.entries()) assert.ok(r.body.result !== undefined, `${calls[k][0]} via ${a.name}: ${JSON.stringify(r.body)}`);
    const truthBal = await s.truth.balanceAt(addr, n);
    assert.equal(BigInt(viaA[0].body.result), truthBal, 'balance via A is not the chain\'s');
    const stA = await waitFor(async () => { const x = await verityStatus(a); return (x.store?.redis_stored ?? 0) >= calls.length && x; },
      { timeoutMs: 3000, what: `${a.name} store.redis_stored >= ${calls.length}` }).catch(async (e) => {
      t.diagnostic(`${a.name} /status store: ${JSON.stringify((await verityStatus(a)).store)}`);
      throw e;
    });
    const stB0 = await verityStatus(b);
    s.proxies.forEach((p) => p.resetStats());
    const viaB = [];
    for (const [m, p] of calls) viaB.push(await post(b, m, p));
    const stB1 = await verityStatus(b);
    const asked = s.proxies.map((p) => p.stats.log.filter((e) => STATE.has(e.method)).length);
    t.diagnostic(`shared cache: A trust ${viaA.map((r) => r.trust).join(',')}; A store ${JSON.stringify(stA.store)}; ` +
      `B served by ${viaB.map((r) => r.upstream).join(',')} trust ${viaB.map((r) => r.trust).join(',')}; ` +
      `B store before ${JSON.stringify(stB0.store)} after ${JSON.stringify(stB1.store)}; ` +
      `B cache before ${JSON.stringify(stB0.cache)} after ${JSON.stringify(stB1.cache)}; upstream state reads during B's calls ${asked.join('/')}`);
    for (const [k, r] of viaB.entries()) {
      assert.deepEqual(r.body.result, viaA[k].body.result, `${calls[k][0]}: B's answer differs from A's`);
      assert.equal(r.upstream, 'redis', `${calls[k][0]} via ${b.name} was served by ${r.upstream}, not from Redis`);
      assert.equal(r.trust, viaA[k].trust, `${calls[k][0]}: trust via B differs from A's`);
    }
    assert.ok((stB1.store?.redis_hits ?? 0) - (stB0.store?.redis_hits ?? 0) >= calls.length,
      `${b.name} /status store.redis_hits did not grow by ${calls.length}: ${JSON.stringify(stB0.store)} -> ${JSON.stringify(stB1.store)}`);
    assert.deepEqual(asked, [0, 0, 0], `${b.name} asked upstreams for state it should have found in Redis`);
  });
});
