// eth_getLogs over thousands of anvil blocks through upstreams that limit what they
// answer the way providers do: proxy a refuses ranges over 500 blocks, b over 1200,
// c refuses answers of more than 4 logs.  The chain has ~3,300 blocks with logs from
// two hand-assembled emitter contracts spread through it.
//   - verify: false (logs.c): verity learns the limits from the refusals, splits the
//     range into chunks each upstream accepts, runs them in parallel, merges them in
//     order; ethers and viem get exactly the chain's logs; a hung upstream's chunks
//     go elsewhere; when no upstream can answer a chunk the client gets -32002, never
//     a partial list.
//   - verify: true (verify_logs.c): the same range proven from headers and receipts,
//     without asking any upstream for eth_getLogs, so their limits do not matter.

import test from 'node:test';
import assert from 'node:assert/strict';
import { JsonRpcProvider } from 'ethers';
import { createPublicClient, http, defineChain } from 'viem';
import { startWorld } from './lib/world.mjs';
import { startVerity, skipIfNoBinary } from './lib/verity.mjs';
import { devWallet } from './lib/accounts.mjs';
import { rpc, rpcRaw, hex } from './lib/util.mjs';

const TOPIC = '0x' + 'cd'.repeat(32);
// runtime: CALLDATACOPY(0, 0, CALLDATASIZE); LOG2(0, CALLDATASIZE, TOPIC, CALLER); STOP (45 bytes)
const RUNTIME = '3660006000' + '37' + '33' + '7f' + 'cd'.repeat(32) + '36' + '6000' + 'a2' + '00';
// init: CODECOPY(0, 11, 45); RETURN(0, 45); then the runtime
const INIT = '0x602d80600b6000396000f3' + RUNTIME;
const SEGMENTS = 8;
const EMPTY_PER_SEGMENT = 400;

const devnetChain = defineChain({
  id: 31337, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: ['http://127.0.0.1:1'] } },
});

async function post(url, body) {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    signal: AbortSignal.timeout(60000),
  });
  return { trust: res.headers.get('x-verity-trust'), body: JSON.parse(await res.text()) };
}

const norm = (l) => [Number(BigInt(l.blockNumber)), l.blockHash, l.transactionHash, Number(BigInt(l.logIndex)),
  l.address.toLowerCase(), l.topics.join(','), l.data].join('|');

/** Send signed transactions from dev account 7 and mine them into one block. */
async function mineTxs(w, txs) {
  const hashes = [];
  for (const tx of txs) {
    const raw = await devWallet(7).signTransaction({
      type: 2, chainId: 31337, gasLimit: 200000n, maxFeePerGas: 50n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n, ...tx,
    });
    const r = await w.devnet.broadcast(raw);
    assert.ok(r.result, JSON.stringify(r.error));
    hashes.push(r.result);
  }
  await w.devnet.mine();
  return Promise.all(hashes.map((h) => rpc(w.devnet.truthUrl, 'eth_getTransactionReceipt', [h])));
}

async function buildChain(w) {
  let nonce = 0;
  const [ra, rb] = await mineTxs(w, [{ nonce: nonce++, data: INIT }, { nonce: nonce++, data: INIT }]);
  const emitters = [ra.contractAddress, rb.contractAddress];
  for (let s = 0; s < SEGMENTS; s++) {
    await w.devnet.mineMany(EMPTY_PER_SEGMENT + s * 7);
    const txs = [];
    for (let k = 0; k <= s % 3; k++) txs.push({ nonce: nonce++, to: emitters[k % 2], data: '0x' + (1000 * s + k).toString(16).padStart(64, '0') });
    const rs = await mineTxs(w, txs);
    for (const r of rs) assert.equal(r.status, '0x1');
  }
  await w.devnet.mineMany(100); // the last logs are final enough and below the head
  assert.deepEqual(w.devnet.forks, []);
  return emitters;
}

test('eth_getLogs over thousands of blocks through upstreams that limit ranges and results', async (t) => {
  if (skipIfNoBinary(t)) return;
  const w = await startWorld({ n: 3, blockMs: 0, verity: false });
  const started = [];
  try {
    const emitters = await buildChain(w);
    const head = w.devnet.head;
    assert.ok(head > 3000, `chain has ${head} blocks`);
    const all = { fromBlock: '0x1', toBlock: hex(head) };
    const truth = await rpc(w.devnet.truthUrl, 'eth_getLogs', [all], { timeoutMs: 30000 });
    assert.ok(truth.length >= SEGMENTS + 4, `only ${truth.length} logs on the chain`);
    const truthA = truth.filter((l) => l.address.toLowerCase() === emitters[0].toLowerCase());

    w.proxies[0].setMode('logsRange(500)');
    w.proxies[1].setMode('logsRange(1200)');
    w.proxies[2].setMode('logsResults(4)');
    const upstreams = w.proxies.map((p) => ({ name: p.name, url: p.url }));

    // ---- verify: false: chunks learned from the refusals ----
    const plain = await startVerity({ upstreams, overrides: { verify: false, logs: { chunk_blocks: 2000, parallel: 4 } } });
    started.push(plain);
    await t.test('ethers and viem get every log of the range, in order', async () => {
      const provider = new JsonRpcProvider(plain.url, 31337, { staticNetwork: true, batchMaxCount: 1 });
      const viaEthers = await provider.getLogs({ fromBlock: 1, toBlock: head });
      assert.deepEqual(viaEthers.map((l) => [l.blockNumber, l.index, l.transactionHash]),
        truth.map((l) => [Number(BigInt(l.blockNumber)), Number(BigInt(l.logIndex)), l.transactionHash]));
      const client = createPublicClient({ chain: devnetChain, transport: http(plain.url, { timeout: 60000 }) });
      const viaViem = await client.getLogs({ address: emitters[0], fromBlock: 1n, toBlock: BigInt(head) });
      assert.deepEqual(viaViem.map((l) => `${l.blockHash}:${l.logIndex}`), truthA.map((l) => `${l.blockHash}:${Number(BigInt(l.logIndex))}`));
      provider.destroy();
      const raw = await post(plain.url, { jsonrpc: '2.0', id: 1, method: 'eth_getLogs', params: [all] });
      assert.deepEqual(raw.body.result.map(norm), truth.map(norm));
    });

    await t.test('the limits were learned and every accepted chunk respected them', async () => {
      const status = await (await fetch(`${plain.url}/status`)).json();
      const byName = Object.fromEntries(status.upstreams.map((u) => [u.name, u]));
      assert.equal(byName.a.logs_max_range, 500);
      assert.equal(byName.b.logs_max_range, 1200);
      assert.ok(byName.c.logs_max_range === undefined, 'a result cap is not a range limit');
      assert.ok(w.proxies[0].stats.faults.logsRange > 0 && w.proxies[1].stats.faults.logsRange > 0);
      assert.ok(w.proxies[2].stats.faults.logsResults > 0, 'c never refused a result size');
      const width = (e) => Number(BigInt(e.params[0].toBlock)) - Number(BigInt(e.params[0].fromBlock)) + 1;
      for (const [i, cap] of [[0, 500], [1, 1200]]) {
        const served = w.proxies[i].stats.log.filter((e) => e.method === 'eth_getLogs' && e.ok);
        for (const e of served) assert.ok(width(e) <= cap, `proxy ${i} served ${width(e)} blocks`);
      }
      for (const u of status.upstreams) assert.equal(u.wrong_answers, 0, `${u.name} charged with a wrong answer`);
    });

    await t.test('a hung upstream: its chunks go elsewhere, the list is complete', async () => {
      w.proxies[1].setMode('hang', { methods: ['eth_getLogs'] });
      const r = await post(plain.url, { jsonrpc: '2.0', id: 2, method: 'eth_getLogs', params: [all] });
      assert.equal(r.body.error, undefined, JSON.stringify(r.body.error));
      assert.deepEqual(r.body.result.map(norm), truth.map(norm));
    });

    await t.test('no upstream can answer a chunk: -32002, never a partial list', async () => {
      for (const p of w.proxies) p.setMode('status(500)', { methods: ['eth_getLogs'] });
      const r = await post(plain.url, { jsonrpc: '2.0', id: 3, method: 'eth_getLogs', params: [all] });
      assert.equal(r.body.result, undefined, 'a partial list was served');
      assert.equal(r.body.error.code, -32002);
      assert.ok(r.body.error.data.chunk, JSON.stringify(r.body.error.data).slice(0, 300));
      const tooWide = await rpcRaw(plain.url, 'eth_getLogs', [{ fromBlock: '0x1', toBlock: hex(20000) }]);
      assert.ok(tooWide.error, 'a range past the head or over logs.max_blocks is an error');
    });

    // ---- verify: true: proven from receipts, no upstream eth_getLogs at all ----
    w.proxies[0].setMode('logsRange(500)');
    w.proxies[1].setMode('logsRange(1200)');
    w.proxies[2].setMode('logsResults(4)');
    for (const p of w.proxies) p.resetStats();
    const proven = await startVerity({ upstreams });
    started.push(proven);
    await t.test('verified: the same range proven without upstream eth_getLogs', async () => {
      const r = await post(proven.url, { jsonrpc: '2.0', id: 4, method: 'eth_getLogs', params: [all] });
      assert.equal(r.body.error, undefined, JSON.stringify(r.body.error));
      assert.deepEqual(r.body.result.map(norm), truth.map(norm));
      assert.match(r.trust, /^verified/);
      for (const p of w.proxies) assert.equal(p.stats.methods.eth_getLogs, undefined, `${p.name} was asked for eth_getLogs`);
      const receipts = () => w.proxies.reduce((n, p) => n + (p.stats.methods.eth_getBlockReceipts || 0), 0);
      const proved = receipts();
      assert.ok(proved >= 1, 'no block receipts were proven');
      // another filter over the same range: each block's proven receipts come from the cache
      const provider = new JsonRpcProvider(proven.url, 31337, { staticNetwork: true, batchMaxCount: 1 });
      const onlyA = await provider.getLogs({ address: emitters[0], topics: [TOPIC], fromBlock: 1, toBlock: head });
      assert.deepEqual(onlyA.map((l) => l.transactionHash), truthA.map((l) => l.transactionHash));
      assert.equal(receipts(), proved, 'receipts of blocks already proven were fetched again');
      provider.destroy();
    });
  } finally {
    for (const v of started) await v.stop().catch(() => {});
    await w.stop();
  }
});
