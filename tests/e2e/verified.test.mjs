// Proof checking end to end: verity answers provable methods only with values proven
// against an anchored header (quorum of upstreams agreeing on the block hash), says so
// in X-Verity-Trust, and with liars among the upstreams the client (ethers) still sees
// only the chain's truth; when every upstream lies, -32002 and never a value.
//
// Logs come from a contract-creation transaction whose init code emits one LOG1 with a
// fixed topic (no compiler needed: the bytecode is written out below).

import test from 'node:test';
import assert from 'node:assert/strict';
import { withWorld } from './lib/world.mjs';
import { walletProvider, waitReceipt } from './lib/load.mjs';
import { devAddress, devWallet } from './lib/accounts.mjs';
import { rpc, sleep } from './lib/util.mjs';

const TOPIC = '0x' + 'ab'.repeat(32);
// PUSH32 TOPIC, PUSH1 0, PUSH1 0, LOG1, STOP: emits one log with no data, deploys nothing
const EMIT_INIT = '0x7f' + 'ab'.repeat(32) + '60006000a100';

async function post(url, method, params) {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(15000),
  });
  return { trust: res.headers.get('x-verity-trust'), body: JSON.parse(await res.text()) };
}

/** Deploy EMIT_INIT `count` times through verity; returns the receipts (truth). */
async function emitLogs(w, count) {
  const provider = walletProvider(w.verity.url);
  const wallet = devWallet(7, provider);
  const receipts = [];
  try {
    for (let i = 0; i < count; i++) {
      const tx = await wallet.sendTransaction({ data: EMIT_INIT, gasLimit: 100000n });
      receipts.push(await waitReceipt(provider, tx.hash));
    }
  } finally {
    provider.destroy();
  }
  return receipts;
}

test('provable methods are answered verified, and agree with the chain', async (t) => {
  await withWorld(t, {}, async (w) => {
    const receipts = await emitLogs(w, 2);
    await sleep(800); // let verity's head pass the blocks
    const addr = devAddress(7);
    const head = Number(await rpc(w.devnet.truthUrl, 'eth_blockNumber', []));
    const at = '0x' + head.toString(16);
    const cases = [
      ['eth_getBalance', [addr, at]],
      ['eth_getTransactionCount', [addr, at]],
      ['eth_getCode', [addr, at]],
      ['eth_getStorageAt', [addr, '0x0', at]],
      ['eth_getProof', [addr, ['0x' + '00'.repeat(32)], at]],
      ['eth_getBlockByNumber', [at, false]],
      ['eth_getBlockByNumber', [at, true]],
      ['eth_getBlockReceipts', ['0x' + receipts[0].blockNumber.toString(16)]],
      ['eth_getTransactionReceipt', [receipts[0].hash]],
      ['eth_getTransactionByHash', [receipts[1].hash]],
      ['eth_getLogs', [{ fromBlock: '0x1', toBlock: at, topics: [TOPIC] }]],
    ];
    for (const [method, params] of cases) {
      const r = await post(w.verity.url, method, params);
      assert.ok(r.body.result !== undefined, `${method}: ${JSON.stringify(r.body).slice(0, 300)}`);
      assert.match(r.trust, /^verified:quorum:\d\/\d$/, `${method} trust ${r.trust}`);
      const truth = await rpc(w.devnet.truthUrl, method, params);
      if (method === 'eth_getBlockByNumber' || method === 'eth_getBlockReceipts' || method === 'eth_getTransactionReceipt' ||
          method === 'eth_getTransactionByHash') {
        assert.equal(JSON.stringify(r.body.result.hash ?? r.body.result.transactionHash ?? r.body.result.length),
          JSON.stringify(truth.hash ?? truth.transactionHash ?? truth.length), method);
      } else {
        assert.deepEqual(r.body.result, truth, method);
      }
    }
    const logs = (await post(w.verity.url, 'eth_getLogs', [{ fromBlock: '0x1', toBlock: at, topics: [TOPIC] }])).body.result;
    assert.equal(logs.length, 2, 'both emitted logs are found');
  });
});

test('one honest upstream among liars (wrongNonce, omitLog, nullReceipt): every answer is right', async (t) => {
  await withWorld(t, {}, async (w) => {
    const receipts = await emitLogs(w, 2);
    await sleep(800);
    let [honest, liarA, liarB] = w.proxies;
    // the honest upstream is the slowest, so verity's routing asks the liars first
    honest.setMode('delay(60)');
    liarA.setMode('wrongNonce');
    liarB.setMode('nullReceipt');
    const provider = walletProvider(w.verity.url);
    try {
      for (let round = 0; round < 3; round++) {
        // a wallet learns block numbers from its own endpoint
        const head = '0x' + (await provider.getBlockNumber()).toString(16);
        const nonce = await provider.getTransactionCount(devAddress(7), Number(head));
        assert.equal(BigInt(nonce), BigInt(await rpc(w.devnet.truthUrl, 'eth_getTransactionCount', [devAddress(7), head])));
        const logs = await provider.getLogs({ fromBlock: 1, toBlock: Number(head), topics: [TOPIC] });
        assert.equal(logs.length, 2, `round ${round}: logs ${logs.length}`);
        const rc = await provider.getTransactionReceipt(receipts[round % 2].hash);
        assert.ok(rc && rc.status === 1, 'receipt found');
        [liarA, liarB] = [liarB, liarA];
        liarA.setMode('nullReceipt');
        liarB.setMode(round % 2 ? 'omitLog' : 'wrongNonce');
      }
      assert.ok(honest.stats.http > 0);
      const told = (k) => w.proxies.reduce((n, p) => n + (p.stats.faults[k] || 0), 0);
      t.diagnostic(`lies told: wrongNonce ${told('wrongNonce')}, omitLog ${told('omitLog')}, nullReceipt ${told('nullReceipt')}`);
      assert.ok(told('wrongNonce') + told('omitLog') + told('nullReceipt') >= 1, 'no lie was ever told: the test proves nothing');
    } finally {
      provider.destroy();
    }
  });
});

test('every upstream forges its proofs: -32002 naming the wrong answers, never a value', async (t) => {
  await withWorld(t, {}, async (w) => {
    for (const p of w.proxies) p.setMode('forgeProofNode');
    await sleep(300);
    const r = await post(w.verity.url, 'eth_getBalance', [devAddress(0), 'latest']);
    assert.equal(r.body.result, undefined, `verity passed an unproven value: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error?.code, -32002);
    assert.match(JSON.stringify(r.body.error.data), /wrong answer|proof/);
  });
});

test('degraded.stale: every upstream down, the last proven balance answers, marked stale; never for writes', async (t) => {
  await withWorld(t, { overrides: { degraded: { stale: true } } }, async (w) => {
    await sleep(600);
    const addr = devAddress(3);
    const fresh = await post(w.verity.url, 'eth_getBalance', [addr, 'latest']);
    assert.match(fresh.trust, /^verified:/);
    for (const p of w.proxies) p.setMode('refuse');
    await sleep(1500);
    const stale = await post(w.verity.url, 'eth_getBalance', [addr, 'latest']);
    assert.equal(stale.body.result, fresh.body.result, JSON.stringify(stale.body));
    assert.match(stale.trust, /^stale:\d+ block=0x[0-9a-f]+$/);
    // a value never proven is not invented
    const never = await post(w.verity.url, 'eth_getBalance', [devAddress(4), 'latest']);
    assert.equal(never.body.error?.code, -32002, JSON.stringify(never.body));
    // writes are never answered from the past
    const raw = await devWallet(3).signTransaction({ to: addr, value: 1n, nonce: 0, gasLimit: 21000n,
      maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: 31337n, type: 2 });
    const sent = await post(w.verity.url, 'eth_sendRawTransaction', [raw]);
    assert.equal(sent.body.result, undefined);
  });
});
