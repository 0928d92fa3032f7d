// Issue 11, part 1: proven or honest at every moment.  Three anvil nodes behind fault
// proxies, verity (verify on, anchor quorum 2) in front; every lie is placed where
// routing reaches it first and every test checks the fault was really served.
//   1. start-up: eth_blockNumber hangs everywhere (no head is ever agreed) and two of
//      three upstreams lie about balances (zeroBalance): a balance at an explicit block
//      is the chain's value labelled verified, or -32002, never the lie;
//   2. `finalized` and `safe` through ethers (provider.getBlock) with a hash-forging
//      liar first: the chain's block, labelled verified (never passed through);
//   3. every upstream refused: latest is -32002 within about one poll interval;
//   4. kill -9, every upstream down, restart on the same LMDB store: balances and
//      blocks proven before are served by number and by hash with their trust label.
// Every answer names its block in X-Verity-Block (and X-Verity-Block-Hash).

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ethers } from 'ethers';
import { startWorld, withWorld } from './lib/world.mjs';
import { startVerity, skipIfNoBinary } from './lib/verity.mjs';
import { devAddress } from './lib/accounts.mjs';
import { rpc, sleep, waitFor } from './lib/util.mjs';

/** POST one call; the parsed body and the X-Verity-* headers. */
async function call(url, method, params) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(8000),
  });
  return {
    body: JSON.parse(await res.text()),
    trust: res.headers.get('x-verity-trust') || '',
    block: res.headers.get('x-verity-block'),
    hash: res.headers.get('x-verity-block-hash'),
    upstream: res.headers.get('x-verity-upstream') || '',
  };
}

const hex = (n) => `0x${Number(n).toString(16)}`;

test('start-up, no head, two of three lying: proven at an explicit block or -32002, never the lie', async (t) => {
  if (skipIfNoBinary(t)) return;
  const w = await startWorld({ verity: false });
  try {
    await w.devnet.waitForBlock(3);
    for (const p of w.proxies) p.setMode('hang', { methods: ['eth_blockNumber'] });
    for (const p of w.proxies.slice(0, 2)) p.addMode('zeroBalance');
    // the honest one is slow, so the liars answer first whatever routing prefers
    w.proxies[2].addMode('delay(400)', { methods: ['eth_getProof', 'eth_getBalance'] });
    const upstreams = w.proxies.map((p) => ({ name: p.name, url: p.url }));
    w.verity = await startVerity({ upstreams, readyPath: '/status' });
    const status = await (await fetch(`${w.verity.url}/status`)).json();
    assert.equal(status.head, null, 'a head was agreed: the start-up window was not tested');
    const addr = devAddress(0);
    const truth = await rpc(w.devnet.truthUrl, 'eth_getBalance', [addr, '0x2']);
    assert.notEqual(truth, '0x0');
    let proven = 0;
    for (let i = 0; i < 5; i++) {
      const r = await call(w.verity.url, 'eth_getBalance', [addr, '0x2']);
      if (r.body.error) {
        assert.equal(r.body.error.code, -32002, JSON.stringify(r.body.error));
        assert.equal(r.trust, 'none');
        continue;
      }
      assert.equal(r.body.result, truth, `the lie reached the client (trust ${r.trust})`);
      assert.match(r.trust, /^verified:/);
      assert.equal(r.block, '0x2');
      proven++;
    }
    assert.ok(proven >= 1, 'nothing was proven');
    const told = w.proxies.slice(0, 2).reduce((s, p) => s + (p.stats.faults.zeroBalance || 0), 0);
    assert.ok(told >= 1, 'no liar was asked: the test proved nothing');
    const latest = await call(w.verity.url, 'eth_getBalance', [addr, 'latest']);
    assert.equal(latest.body.error?.code, -32002, `latest without a head: ${JSON.stringify(latest.body)}`);
  } finally {
    await w.stop();
  }
});

test('finalized and safe through ethers: pinned to a proven block, never passed through', async (t) => {
  await withWorld(t, {}, async (w) => {
    await w.devnet.waitForBlock(4);
    const liar = w.proxies[0];
    liar.setMode('wrongBlockHash');
    for (const p of w.proxies.slice(1)) p.setMode('delay(100)'); // the liar answers first
    const provider = new ethers.JsonRpcProvider(w.verity.url, 31337, { staticNetwork: true, batchMaxCount: 1 });
    for (const tag of ['finalized', 'safe']) {
      const blk = await provider.getBlock(tag);
      assert.ok(blk, `${tag}: no block`);
      const real = await rpc(w.devnet.truthUrl, 'eth_getBlockByNumber', [hex(blk.number), false]);
      assert.equal(blk.hash, real.hash, `${tag}: a block the chain does not have`);
      const r = await call(w.verity.url, 'eth_getBlockByNumber', [tag, false]);
      assert.match(r.trust, /^verified:/, `${tag} answered ${r.trust}`);
      assert.equal(r.block, r.body.result.number);
      assert.equal(r.hash, r.body.result.hash);
    }
    provider.destroy();
    assert.ok((liar.stats.faults.wrongBlockHash || 0) >= 1, 'the liar was never asked');
  });
});

test('every upstream refused: latest is -32002 within about one poll interval', async (t) => {
  await withWorld(t, {}, async (w) => {
    const addr = devAddress(1);
    await waitFor(async () => !(await call(w.verity.url, 'eth_getBalance', [addr, 'latest'])).body.error,
      { what: 'a proven latest balance' });
    const first = await call(w.verity.url, 'eth_getBalance', [addr, 'latest']);
    assert.match(first.trust, /^verified:/);
    for (const p of w.proxies) p.setMode('refuse');
    const t0 = Date.now();
    let r;
    for (;;) {
      r = await call(w.verity.url, 'eth_getBalance', [addr, 'latest']);
      if (r.body.error || Date.now() - t0 > 3000) break;
      assert.match(r.trust, /^verified:/);
      await sleep(25);
    }
    const ms = Date.now() - t0;
    assert.equal(r.body.error?.code, -32002, `still answered after ${ms} ms: ${JSON.stringify(r.body)} ${r.trust}`);
    assert.equal(r.trust, 'none');
    // one poll (250 ms) plus the refused poll's round trip and the test's own steps
    assert.ok(ms < 600, `noticed after ${ms} ms`);
    assert.ok(w.proxies.every((p) => (p.stats.faults.refuse || 0) >= 1), 'not every upstream was refused');
  });
});

test('kill -9, every upstream down, restart: final blocks and balances from the store, with their trust', async (t) => {
  if (skipIfNoBinary(t)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-trust-store-'));
  const w = await startWorld({ blockMs: 100, verity: false });
  const overrides = { cache: { path: dir } };
  try {
    const upstreams = w.proxies.map((p) => ({ name: p.name, url: p.url }));
    w.verity = await startVerity({ upstreams, overrides });
    await w.devnet.waitForBlock(75); // block 3 is 64+ deep: final
    const addr = devAddress(0);
    const blk = await rpc(w.devnet.truthUrl, 'eth_getBlockByNumber', ['0x3', false]);
    const bal = await rpc(w.devnet.truthUrl, 'eth_getBalance', [addr, '0x3']);
    const before = {
      byNumber: await call(w.verity.url, 'eth_getBalance', [addr, '0x3']),
      byHash: await call(w.verity.url, 'eth_getBalance', [addr, { blockHash: blk.hash }]),
      block: await call(w.verity.url, 'eth_getBlockByHash', [blk.hash, false]),
    };
    assert.equal(before.byNumber.body.result, bal);
    for (const [k, r] of Object.entries(before)) assert.match(r.trust, /^verified:/, `${k}: ${JSON.stringify(r.body)}`);
    await sleep(1300); // committed, and the finalized number recorded
    w.verity.proc.kill('SIGKILL');
    await new Promise((r) => (w.verity.exitStatus ? r() : w.verity.proc.once('exit', r)));
    for (const p of w.proxies) p.setMode('refuse');
    w.verity = await startVerity({ upstreams, overrides, readyPath: '/status' });
    await sleep(400);
    const after = {
      byNumber: await call(w.verity.url, 'eth_getBalance', [addr, '0x3']),
      byHash: await call(w.verity.url, 'eth_getBalance', [addr, { blockHash: blk.hash }]),
      block: await call(w.verity.url, 'eth_getBlockByHash', [blk.hash, false]),
    };
    for (const [k, r] of Object.entries(after)) {
      assert.equal(r.body.error, undefined, `${k} after the restart: ${JSON.stringify(r.body.error)}`);
      assert.equal(r.trust, before[k].trust, `${k}: trust changed`);
      assert.equal(r.upstream, 'lmdb', `${k} served by ${r.upstream}`);
      assert.equal(r.block, '0x3');
    }
    assert.equal(after.byNumber.body.result, bal);
    assert.equal(after.byHash.body.result, bal);
    assert.equal(after.block.body.result.hash, blk.hash);
    assert.ok(w.proxies.every((p) => (p.stats.faults.refuse || 0) >= 1), 'the outage was not served');
    const missing = await call(w.verity.url, 'eth_getBalance', [addr, '0x4']);
    assert.equal(missing.body.error?.code, -32002, 'a block the store does not hold must be -32002');
  } finally {
    await w.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
