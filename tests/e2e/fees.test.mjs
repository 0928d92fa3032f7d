// Fee methods from proven data: one provider must not make a wallet pay 1000x.
//
// Three anvil nodes behind fault proxies; one proxy at a time lies with inflateFees
// (eth_gasPrice and eth_maxPriorityFeePerGas times 1000, and the head block's
// baseFeePerGas times 1000, which no longer hashes to the block). The liar takes every
// position in turn, so routing reaches it first at least once. verity answers
// eth_gasPrice as the proven head block's base fee plus the median effective tip of its
// transactions, and eth_maxPriorityFeePerGas as that tip, labelled verified:…; the
// test recomputes both from the honest node's block at verity's head and asserts the
// lie was really told (the forged block was served to verity). eth_blobBaseFee has no
// blob schedule on this devnet: it is the median of three upstreams (quorum:3/3), which
// the one liar cannot move; the liar is asserted asked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withWorld } from './lib/world.mjs';
import { devWallet } from './lib/accounts.mjs';
import { rpc, sleep } from './lib/util.mjs';
import { createPublicClient, http } from 'viem';

async function callWithTrust(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(8000),
  });
  return { body: await res.json(), trust: res.headers.get('x-verity-trust') || '' };
}

/** The median effective tip of a full block's transactions (positive tips only). */
function medianTip(block) {
  const base = BigInt(block.baseFeePerGas);
  const tips = [];
  for (const tx of block.transactions) {
    let tip;
    if (tx.maxPriorityFeePerGas !== undefined && tx.maxFeePerGas !== undefined) {
      const mf = BigInt(tx.maxFeePerGas);
      if (mf <= base) continue;
      const mp = BigInt(tx.maxPriorityFeePerGas);
      tip = mp < mf - base ? mp : mf - base;
    } else {
      const gp = BigInt(tx.gasPrice);
      if (gp <= base) continue;
      tip = gp - base;
    }
    if (tip > 0n) tips.push(tip);
  }
  tips.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const n = tips.length;
  if (n === 0) return 0n;
  return n % 2 ? tips[n >> 1] : (tips[n / 2 - 1] + tips[n / 2]) / 2n;
}

/** Send a few type-2 transfers with different tips so blocks carry tips to take a median of. */
async function sendTips(w, from, nonce0) {
  const gwei = 10n ** 9n;
  const hashes = [];
  for (let k = 0; k < 3; k++) {
    const raw = await devWallet(from).signTransaction({
      type: 2, chainId: 31337, nonce: nonce0 + k, to: devWallet(9).address, value: 1n, gasLimit: 21000n,
      maxFeePerGas: 50n * gwei, maxPriorityFeePerGas: BigInt(k + 1) * gwei,
    });
    const r = await w.devnet.broadcast(raw);
    assert.ok(r.result, JSON.stringify(r.error));
    hashes.push(r.result);
  }
  return hashes;
}

/** Ask verity for method at a stable head; returns { got, trust, head } (head unchanged around the call). */
async function atStableHead(w, method) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const before = await rpc(w.verity.url, 'eth_blockNumber');
    const r = await callWithTrust(w.verity.url, method);
    const after = await rpc(w.verity.url, 'eth_blockNumber');
    if (before === after) return { ...r, head: before };
    await sleep(50);
  }
  throw new Error(`${method}: verity's head never held still`);
}

test('fee methods: a liar inflating fees 1000x is not believed; the answer is the proven one', async (t) => {
  await withWorld(t, {}, async (w) => {
    let nonce = 0;
    let told = 0;
    let asked = 0;
    let blobLies = 0;
    for (const liar of w.proxies) {
      liar.resetStats();
      liar.setMode('inflateFees');
      const hashes = await sendTips(w, 6, nonce);
      nonce += hashes.length;
      const rcpt = await w.devnet.waitForReceipt(hashes[hashes.length - 1]);
      // verity's head at the block with the tips (so the median is over real tips once)
      await w.devnet.waitForBlock(Number(rcpt.blockNumber));
      for (const method of ['eth_gasPrice', 'eth_maxPriorityFeePerGas']) {
        const r = await atStableHead(w, method);
        assert.equal(r.body.error, undefined, `${method}: ${JSON.stringify(r.body.error)}`);
        const blk = await rpc(w.devnet.truthUrl, 'eth_getBlockByNumber', [r.head, true]);
        const tip = medianTip(blk);
        const want = method === 'eth_gasPrice' ? BigInt(blk.baseFeePerGas) + tip : tip;
        assert.equal(BigInt(r.body.result), want, `${method} at ${r.head}: got ${r.body.result} (${r.trust}), proven ${want}`);
        assert.match(r.trust, /^verified:/, `${method}: trust ${r.trust}`);
        const honest = BigInt(await rpc(w.devnet.truthUrl, method));
        assert.ok(BigInt(r.body.result) < honest * 100n + 10n ** 12n, `${method}: ${r.body.result} looks inflated`);
      }
      // eth_blobBaseFee: no blob schedule for this devnet, so the median of three
      // upstreams' answers, labelled quorum; the liar's 1000x cannot move it
      const blob = await callWithTrust(w.verity.url, 'eth_blobBaseFee');
      assert.equal(blob.body.error, undefined, JSON.stringify(blob.body.error));
      assert.equal(blob.body.result, await rpc(w.devnet.truthUrl, 'eth_blobBaseFee'));
      assert.match(blob.trust, /^quorum:3\/3/, `eth_blobBaseFee trust ${blob.trust}`);
      assert.ok((liar.stats.methods.eth_blobBaseFee || 0) >= 1, 'the liar was not asked eth_blobBaseFee');
      blobLies += liar.stats.faults.inflateFees || 0;
      liar.setMode('pass');
      told += liar.stats.faults.inflateFees || 0;
      asked += ['eth_gasPrice', 'eth_maxPriorityFeePerGas', 'eth_getBlockByNumber']
        .reduce((s, m) => s + (liar.stats.methods[m] || 0), 0);
      // verity never asks the fee methods themselves
      assert.equal((liar.stats.methods.eth_gasPrice || 0) + (liar.stats.methods.eth_maxPriorityFeePerGas || 0), 0);
    }
    t.diagnostic(`inflateFees: liars were asked ${asked} times and lied ${told} times`);
    assert.ok(told >= 1, `the lie was never told (asked ${asked} times)`);
    assert.ok(blobLies >= 1);
  });
});

const hexNum = (n) => '0x' + n.toString(16);

/** eth_feeHistory results compared as numbers (ratios are floats; anvil and Go print them differently). */
function sameHistory(got, want) {
  const norm = (h) => JSON.stringify({
    oldestBlock: BigInt(h.oldestBlock).toString(),
    reward: (h.reward || []).map((row) => row.map((v) => BigInt(v).toString())),
    baseFeePerGas: (h.baseFeePerGas || []).map((v) => BigInt(v).toString()),
    gasUsedRatio: (h.gasUsedRatio || []).map(Number),
    baseFeePerBlobGas: (h.baseFeePerBlobGas || []).map((v) => BigInt(v).toString()),
    blobGasUsedRatio: (h.blobGasUsedRatio || []).map(Number),
  });
  return norm(got) === norm(want) ? null : `got ${norm(got)}\nwant ${norm(want)}`;
}

test('eth_feeHistory: proven from anchored headers and proven blocks; a liar inflating it 1000x is not believed', async (t) => {
  await withWorld(t, {}, async (w) => {
    let nonce = 0;
    let told = 0;
    const viem = createPublicClient({ transport: http(w.verity.url) });
    for (const liar of w.proxies) {
      liar.resetStats();
      liar.setMode('inflateFees');
      const hashes = await sendTips(w, 7, nonce);
      nonce += hashes.length;
      const rcpt = await w.devnet.waitForReceipt(hashes[hashes.length - 1]);
      await w.devnet.waitForBlock(Number(rcpt.blockNumber) + 1);
      const newest = rcpt.blockNumber;
      for (const [count, pcts] of [['0x4', [10, 50, 90]], ['0x1', []], ['0x6', [0, 25.5, 100]]]) {
        const params = pcts.length ? [count, newest, pcts] : [count, newest];
        const r = await callWithTrust(w.verity.url, 'eth_feeHistory', params);
        assert.equal(r.body.error, undefined, `eth_feeHistory ${JSON.stringify(params)}: ${JSON.stringify(r.body.error)}`);
        const want = await rpc(w.devnet.truthUrl, 'eth_feeHistory', params);
        // anvil's last baseFeePerGas entry is its own pending block's (head + 1), not the
        // block after newestBlock as geth (and verity) answer: take that block's real one
        const next = await rpc(w.devnet.truthUrl, 'eth_getBlockByNumber', [hexNum(BigInt(newest) + 1n), false]);
        want.baseFeePerGas[want.baseFeePerGas.length - 1] = next.baseFeePerGas;
        const diff = sameHistory(r.body.result, want);
        assert.equal(diff, null, `eth_feeHistory ${JSON.stringify(params)} differs from the honest node:\n${diff}`);
        assert.match(r.trust, /^verified:/, `eth_feeHistory trust ${r.trust}`);
      }
      // latest, through viem's getFeeHistory (what dApps call)
      const fh = await viem.getFeeHistory({ blockCount: 2, rewardPercentiles: [25, 75] });
      assert.equal(fh.baseFeePerGas.length, 3);
      assert.equal(fh.reward.length, 2);
      const honestNow = BigInt(await rpc(w.devnet.truthUrl, 'eth_gasPrice'));
      assert.ok(fh.baseFeePerGas[2] < honestNow * 100n, `viem getFeeHistory: next base fee ${fh.baseFeePerGas[2]} looks inflated`);
      // verity never asks upstreams for eth_feeHistory on Ethereum: it proves blocks
      assert.equal(liar.stats.methods.eth_feeHistory || 0, 0);
      told += liar.stats.faults.inflateFees || 0;
      liar.setMode('pass');
    }
    t.diagnostic(`eth_feeHistory: the liars lied ${told} times (forged block base fees)`);
    assert.ok(told >= 1, 'the lie was never told');
    // bad input, as geth answers it
    const bad = await callWithTrust(w.verity.url, 'eth_feeHistory', ['0x2', 'latest', [50, 10]]);
    assert.equal(bad.body.error?.code, -32602);
    assert.match(bad.body.error.message, /invalid reward percentile/);
    const beyond = await callWithTrust(w.verity.url, 'eth_feeHistory', ['0x1', '0xffffff', []]);
    assert.ok(beyond.body.error, JSON.stringify(beyond.body));
    const none = await callWithTrust(w.verity.url, 'eth_feeHistory', ['0x0', 'latest', []]);
    assert.equal(none.body.result?.oldestBlock, '0x0');
  });
});
