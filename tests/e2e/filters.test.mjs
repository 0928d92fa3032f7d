// Filters served by verity (src/filters/): eth_newFilter / eth_newBlockFilter /
// eth_getFilterChanges / eth_getFilterLogs / eth_uninstallFilter, as dApps use them
// over HTTP:
//   - ethers v6 (`contract.on` over a JsonRpcProvider polls eth_getFilterChanges),
//     viem (`createEventFilter` + `getFilterChanges`, `watchContractEvent` with
//     poll: true) and raw JSON-RPC, on four lockstep anvil nodes; mid-run upstream a is
//     killed (refuse) and upstream b starts lying about blocks (wrongBlockHash).  Every
//     consumer must see exactly the chain's events: none missed, none twice, none
//     invented; the block filter gives every block hash in order, none skipped.
//   - two verity instances behind HAProxy sharing Redis: a filter created on one keeps
//     working on the other and through HAProxy, without a missed or repeated event.
//   - the clear errors: unknown filter, pending-transaction filter without a mempool,
//     the per-client cap.

import test from 'node:test';
import assert from 'node:assert/strict';
import { Contract, JsonRpcProvider, id as keccakId } from 'ethers';
import { createPublicClient, http, defineChain, parseAbiItem } from 'viem';
import { withWorld } from './lib/world.mjs';
import { startVerity } from './lib/verity.mjs';
import { startScaleWorld, scaleoutProblem, scaleWorldDiagnosis } from './lib/scaleout.mjs';
import { devWallet } from './lib/accounts.mjs';
import { rpc, rpcRaw, hex, sleep, waitFor } from './lib/util.mjs';

const EVENT = 'event Ping(address indexed from, uint256 v)';
const TOPIC = keccakId('Ping(address,uint256)');
// runtime: CALLDATACOPY(0, 0, CALLDATASIZE); LOG2(0, CALLDATASIZE, TOPIC, CALLER); STOP (45 bytes)
const RUNTIME = '3660006000' + '37' + '33' + '7f' + TOPIC.slice(2) + '36' + '6000' + 'a2' + '00';
const INIT = '0x602d80600b6000396000f3' + RUNTIME;
const SENDER = 6;

const devnetChain = defineChain({
  id: 31337, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: ['http://127.0.0.1:1'] } },
});

const key = (l) => `${l.transactionHash}:${Number(BigInt(l.logIndex ?? l.index))}`;

/** Sign and broadcast one transaction from dev account SENDER; resolves to its receipt. */
async function send(devnet, nonce, tx) {
  const raw = await devWallet(SENDER).signTransaction({
    type: 2, chainId: 31337, nonce, gasLimit: 200000n, maxFeePerGas: 50n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n, ...tx,
  });
  const r = await devnet.broadcast(raw);
  assert.ok(r.result, JSON.stringify(r.error));
  return waitFor(() => rpc(devnet.truthUrl, 'eth_getTransactionReceipt', [r.result]), { timeoutMs: 20000, what: 'receipt' });
}

/** Poll a raw filter until stop() says so; collects every item, fails on errors other than -32002. */
function rawPoller(url, filterId, out, errors) {
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const r = await rpcRaw(url, 'eth_getFilterChanges', [filterId], { timeoutMs: 20000 }).catch((e) => ({ error: { message: String(e) } }));
      if (r.result) out.push(...r.result);
      else errors.push(r.error);
      await sleep(250);
    }
  })();
  return { stop: async () => { stopped = true; await done; } };
}

test('filters: ethers, viem and raw JSON-RPC see every event exactly once with one upstream killed and one lying', async (t) => {
  await withWorld(t, { n: 4, blockMs: 400 }, async (w) => {
    const url = w.verity.url;
    let nonce = 0;
    const deployed = await send(w.devnet, nonce++, { data: INIT });
    const emitter = deployed.contractAddress;

    // raw filters
    const logFilter = await rpc(url, 'eth_newFilter', [{ address: emitter, topics: [TOPIC] }]);
    const blockFilter = await rpc(url, 'eth_newBlockFilter', []);
    assert.match(logFilter, /^0x[1-9a-f][0-9a-f]{31}$/);
    const startHead = Number(BigInt(await rpc(url, 'eth_blockNumber', [])));
    const rawLogs = [], rawBlocks = [], rawErrors = [];
    const p1 = rawPoller(url, logFilter, rawLogs, rawErrors);
    const p2 = rawPoller(url, blockFilter, rawBlocks, rawErrors);

    // ethers v6: contract.on over HTTP installs eth_newFilter and polls its changes
    const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, batchMaxCount: 1, pollingInterval: 300 });
    const contract = new Contract(emitter, [EVENT], provider);
    const ethersSeen = [];
    await contract.on('Ping', (from, v, ev) => ethersSeen.push({ ...ev.log, v }));

    // viem: an event filter polled by hand, and watchContractEvent with poll: true
    const client = createPublicClient({ chain: devnetChain, transport: http(url, { timeout: 20000 }), pollingInterval: 300 });
    const viemFilter = await client.createEventFilter({ address: emitter, event: parseAbiItem(EVENT) });
    const viemWatched = [];
    const unwatch = client.watchContractEvent({
      address: emitter, abi: [parseAbiItem(EVENT)], eventName: 'Ping', poll: true, pollingInterval: 300,
      onLogs: (logs) => viemWatched.push(...logs),
    });
    await sleep(1500); // let every consumer install its filter before the first event

    const K = 12;
    const values = [];
    let lastTxBlock = 0;
    for (let i = 0; i < K; i++) {
      if (i === 4) w.proxies[0].setMode('refuse');
      if (i === 8) w.proxies[1].setMode('wrongBlockHash');
      const v = 1000 + i;
      values.push(v);
      const r = await send(w.devnet, nonce++, { to: emitter, data: '0x' + v.toString(16).padStart(64, '0') });
      assert.equal(r.status, '0x1');
      lastTxBlock = Number(BigInt(r.blockNumber));
    }
    const lastBlock = Math.max(w.devnet.head, lastTxBlock);
    const truth = await rpc(w.devnet.truthUrl, 'eth_getLogs', [{ address: emitter, fromBlock: hex(startHead + 1), toBlock: hex(lastBlock) }]);
    assert.equal(truth.length, K, 'the chain has one event per transaction');

    const viemPolled = [];
    await waitFor(async () => {
      viemPolled.push(...await client.getFilterChanges({ filter: viemFilter }));
      return rawLogs.length >= K && ethersSeen.length >= K && viemWatched.length >= K && viemPolled.length >= K &&
        rawBlocks.length >= lastBlock - startHead;
    }, { timeoutMs: 40000, intervalMs: 400, what: `every consumer to see ${K} events` });
    await sleep(1500); // anything extra (a duplicate) would arrive now
    viemPolled.push(...await client.getFilterChanges({ filter: viemFilter }));
    await p1.stop();
    await p2.stop();
    unwatch();
    await contract.removeAllListeners();
    provider.destroy();

    const want = truth.map(key);
    for (const [name, got] of [['raw', rawLogs], ['ethers', ethersSeen], ['viem getFilterChanges', viemPolled], ['viem watchContractEvent', viemWatched]]) {
      assert.deepEqual(got.map(key), want, `${name}: exactly the chain's events, in order, once each`);
      assert.ok(got.every((l) => !l.removed), `${name}: no removed flags without a reorg`);
    }
    assert.deepEqual(viemWatched.map((l) => Number(l.args.v)), values);

    // block filter: every block after the filter was installed, in order, none skipped
    const numbers = [];
    for (const h of rawBlocks) numbers.push(Number(BigInt((await rpc(w.devnet.truthUrl, 'eth_getBlockByHash', [h, false])).number)));
    assert.ok(numbers[0] <= startHead + 1, `the first block after the filter was installed is ${numbers[0]}, head was ${startHead}`);
    for (let i = 1; i < numbers.length; i++) assert.equal(numbers[i], numbers[i - 1] + 1, `block ${numbers[i - 1]} then ${numbers[i]}`);
    assert.ok(numbers.at(-1) >= lastBlock);
    t.diagnostic(`blocks ${numbers[0]}..${numbers.at(-1)}, ${rawErrors.length} polls answered -32002 during the faults`);
    for (const e of rawErrors) assert.equal(e.code, -32002, JSON.stringify(e));

    // eth_getFilterLogs: the filter's whole range as eth_getLogs answers it
    const fl = await rpc(url, 'eth_getFilterLogs', [logFilter]);
    assert.ok(Array.isArray(fl));
    const ranged = await rpc(url, 'eth_newFilter', [{ address: emitter, fromBlock: hex(startHead + 1), toBlock: hex(lastBlock) }]);
    assert.deepEqual((await rpc(url, 'eth_getFilterLogs', [ranged])).map(key), want, 'eth_getFilterLogs: the range of the filter');
    // a poll's answer is proven (logs from receipts under anchored headers)
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getFilterChanges', params: [logFilter] }) });
    assert.match(res.headers.get('x-verity-trust'), /^verified/);
    // ethers and viem really used filters: verity counted their eth_newFilter calls
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const newFilters = [...metrics.matchAll(/verity_requests_total\{method="eth_newFilter",outcome="ok"\} (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    assert.ok(newFilters >= 4, `eth_newFilter ok count ${newFilters}`);
    // the faults were served
    assert.ok(w.proxies[0].stats.faults.refuse > 0, 'upstream a was never refused');
    assert.ok(w.proxies[1].stats.faults.wrongBlockHash > 0, 'upstream b never lied');
    assert.equal(await rpc(url, 'eth_uninstallFilter', [logFilter]), true);
    assert.equal(await rpc(url, 'eth_uninstallFilter', [logFilter]), false);
  });
});

test('filters: clear errors (unknown id, pending filter without a mempool, per-client cap)', async (t) => {
  await withWorld(t, { n: 2, blockMs: 500, overrides: { anchor: { quorum: 1 }, filters: { max_per_client: 3 } } }, async (w) => {
    const url = w.verity.url;
    const nf = await rpcRaw(url, 'eth_getFilterChanges', ['0x1234567890abcdef1234567890abcdef']);
    assert.equal(nf.error.code, -32000);
    assert.match(nf.error.message, /filter not found/);
    const pend = await rpcRaw(url, 'eth_newPendingTransactionFilter', []);
    assert.equal(pend.error.code, -32004);
    assert.match(pend.error.message, /mempool: true/);
    const bad = await rpcRaw(url, 'eth_newFilter', [{ fromBlock: 'safe' }]);
    assert.equal(bad.error.code, -32602);
    for (let i = 0; i < 3; i++) assert.ok((await rpcRaw(url, 'eth_newBlockFilter', [])).result);
    const over = await rpcRaw(url, 'eth_newBlockFilter', []);
    assert.equal(over.error.code, -32005);
    assert.match(over.error.message, /filters\.max_per_client/);
  });
});

test('filters: eth_newPendingTransactionFilter forwarded to the upstream marked mempool: true', async (t) => {
  await withWorld(t, { n: 2, blockMs: 0, verity: false }, async (w) => {
    const v = await startVerity({
      upstreams: w.proxies.map((p) => ({ name: p.name, url: p.url })),
      overrides: { anchor: { quorum: 1 }, upstreams: [{ name: 'a', url: w.proxies[0].url }, { name: 'b', url: w.proxies[1].url, mempool: true }] },
    });
    try {
      const id = await rpc(v.url, 'eth_newPendingTransactionFilter', []);
      assert.match(id, /^0x[1-9a-f][0-9a-f]{31}$/, 'verity gives its own id');
      const raw = await devWallet(SENDER).signTransaction({
        type: 2, chainId: 31337, nonce: 0, gasLimit: 21000n, maxFeePerGas: 50n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n,
        to: '0x' + '11'.repeat(20), value: 1n,
      });
      const sent = await w.devnet.broadcast(raw);
      const res = await fetch(v.url, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getFilterChanges', params: [id] }) });
      const body = await res.json();
      assert.deepEqual(body.result, [sent.result], 'the pending transaction, from the mempool upstream');
      assert.equal(res.headers.get('x-verity-upstream'), 'b');
      assert.equal(res.headers.get('x-verity-trust'), 'single');
      assert.ok((w.proxies[1].stats.methods.eth_getFilterChanges || 0) >= 1, 'the poll reached b');
      assert.equal(w.proxies[0].stats.methods.eth_getFilterChanges || 0, 0, 'and never a');
    } finally {
      await v.stop();
    }
  });
});

test('filters: a filter created on one instance keeps working on the other and through HAProxy (shared Redis)', async (t) => {
  const why = scaleoutProblem();
  if (why) { t.skip(why); return; }
  const s = await startScaleWorld({ instances: 2, blockMs: 400 });
  try {
    const [a, b] = s.verities;
    let nonce = 0;
    const deployed = await send(s.devnet, nonce++, { data: INIT });
    const emitter = deployed.contractAddress;
    const start = Number(BigInt(await rpc(a.url, 'eth_blockNumber', [])));
    const f = await rpc(a.url, 'eth_newFilter', [{ address: emitter }]);
    const bf = await rpc(s.haproxy.url, 'eth_newBlockFilter', []);
    const urls = [b.url, s.haproxy.url, a.url, s.haproxy.url];
    const got = [], blocks = [];
    const K = 8;
    for (let i = 0; i < K; i++) {
      await send(s.devnet, nonce++, { to: emitter, data: '0x' + (2000 + i).toString(16).padStart(64, '0') });
      const r = await rpcRaw(urls[i % urls.length], 'eth_getFilterChanges', [f]);
      assert.ok(r.result, `poll ${i} on ${urls[i % urls.length]}: ${JSON.stringify(r.error)}`);
      got.push(...r.result);
      const rb = await rpcRaw(urls[(i + 1) % urls.length], 'eth_getFilterChanges', [bf]);
      assert.ok(rb.result, JSON.stringify(rb.error));
      blocks.push(...rb.result);
    }
    const end = s.devnet.head;
    await waitFor(async () => {
      const r = await rpc(b.url, 'eth_getFilterChanges', [f]);
      got.push(...r);
      return Number(BigInt(await rpc(b.url, 'eth_blockNumber', []))) >= end && got.length >= K;
    }, { timeoutMs: 20000, intervalMs: 300, what: 'the last events' });
    const truth = await rpc(s.devnet.truthUrl, 'eth_getLogs', [{ address: emitter, fromBlock: hex(start + 1), toBlock: hex(end) }]);
    assert.equal(truth.length, K);
    assert.deepEqual(got.map(key), truth.map(key), 'every event once, whichever instance was polled');
    const nums = [];
    for (const h of blocks) nums.push(Number(BigInt((await rpc(s.devnet.truthUrl, 'eth_getBlockByHash', [h, false])).number)));
    for (let i = 1; i < nums.length; i++) assert.equal(nums[i], nums[i - 1] + 1, 'block hashes in order, none skipped or repeated');
    // uninstalled on one instance: gone on the other
    assert.equal(await rpc(b.url, 'eth_uninstallFilter', [f]), true);
    const gone = await rpcRaw(a.url, 'eth_getFilterChanges', [f]);
    assert.equal(gone.error?.code, -32000);
    const [sa, sb] = await Promise.all([a, b].map(async (v) => (await fetch(`${v.url}/status`)).json()));
    t.diagnostic(`filters: a ${JSON.stringify(sa.filters)}, b ${JSON.stringify(sb.filters)}`);
    assert.ok(sb.filters.redis_loads > 0 && sa.filters.redis_saves > 0, 'the filter travelled through Redis');
  } catch (e) {
    e.message += scaleWorldDiagnosis(s);
    throw e;
  } finally {
    await s.stop();
  }
});
