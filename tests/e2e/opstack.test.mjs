// OP-stack chains (Base) through verity: three anvil nodes in optimism mode
// (`--optimism`, anvil 1.7.1) kept in lockstep by the devnet harness, carrying OP-stack
// deposit transactions (type 0x7e, sent as raw transactions, which anvil accepts in
// that mode), behind fault proxies, with verity configured `chain.kind: op-stack`.
//  - a deposit's effect (the minted balance), its block, its receipt and the block's
//    receipts come back proven: equal to the chain and labelled verified:quorum:k/n;
//  - liars on L2 (wrongBalance: +1 ETH in eth_getBalance/eth_getProof; wrongBlockHash:
//    a forged block hash and stateRoot) in every position in turn: the client sees
//    the chain's values or -32002, never the lie, and the lie was really told.
// The L1 side (dispute games, verified:l1:<status>) is not built yet: docs/status.md.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRlp, toBeHex } from 'ethers';
import { withWorld } from './lib/world.mjs';
import { rpc, sleep } from './lib/util.mjs';
import { devAddress } from './lib/accounts.mjs';

const OP_WORLD = { devnet: { extraArgs: ['--optimism'] }, overrides: { chain: { kind: 'op-stack' } } };
const DEPOSITOR = '0x1111111111111111111111111111111111111111';
const MINT = 10n ** 18n;

const q = (n) => (n === 0n ? '0x' : toBeHex(n));

/** A raw OP deposit (0x7e || rlp[sourceHash, from, to, mint, value, gas, isSystemTx, data]). */
function depositRaw(k, to) {
  const source = '0x' + k.toString(16).padStart(64, '0');
  return '0x7e' + encodeRlp([source, DEPOSITOR, to, q(MINT), q(MINT / 2n), q(100000n), '0x', '0x']).slice(2);
}

/** A fresh address for deposit k. */
const recipient = (k) => '0x' + (0xd0000000n + BigInt(k)).toString(16).padStart(40, '0');

/** POST one call to verity; the parsed body and the trust header. */
async function call(w, method, params) {
  const r = await fetch(w.verity.url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return { body: await r.json(), trust: r.headers.get('x-verity-trust') || '' };
}

/** Mine deposit k through every node; returns its hash, block number and recipient. */
async function mineDeposit(w, k) {
  const to = recipient(k);
  const r = await w.devnet.broadcast(depositRaw(k, to));
  assert.ok(r.result, `deposit not accepted: ${JSON.stringify(r.error)}`);
  const rcpt = await w.devnet.waitForReceipt(r.result);
  await w.devnet.waitForBlock(Number(rcpt.blockNumber) + 2); // verity's head is past it
  return { hash: r.result, block: rcpt.blockNumber, to };
}

test('OP stack: deposits, their blocks and receipts are proven', async (t) => {
  await withWorld(t, OP_WORLD, async (w) => {
    const d = await mineDeposit(w, 1);
    const truthBlock = await rpc(w.devnet.truthUrl, 'eth_getBlockByNumber', [d.block, true]);
    assert.equal(truthBlock.transactions[0].type, '0x7e', 'anvil did not mine the deposit');

    const bal = await call(w, 'eth_getBalance', [d.to, d.block]);
    assert.equal(bal.body.result, '0x' + (MINT / 2n).toString(16), JSON.stringify(bal.body));
    assert.match(bal.trust, /^verified:quorum:\d+\/\d+$/);

    const blk = await call(w, 'eth_getBlockByNumber', [d.block, false]);
    assert.equal(blk.body.result?.hash, truthBlock.hash, JSON.stringify(blk.body).slice(0, 300));
    assert.deepEqual(blk.body.result.transactions, truthBlock.transactions.map((x) => x.hash));
    assert.match(blk.trust, /^verified:quorum:/);

    const rc = await call(w, 'eth_getTransactionReceipt', [d.hash]);
    assert.equal(rc.body.result?.transactionHash, d.hash, JSON.stringify(rc.body).slice(0, 300));
    assert.equal(rc.body.result.status, '0x1');
    assert.match(rc.trust, /^verified:quorum:/);
    for (const k of ['l1Fee', 'l1GasPrice', 'l1GasUsed']) assert.equal(rc.body.result[k], undefined);

    const rcs = await call(w, 'eth_getBlockReceipts', [d.block]);
    assert.equal(rcs.body.result?.length, truthBlock.transactions.length, JSON.stringify(rcs.body).slice(0, 300));
    assert.match(rcs.trust, /^verified:quorum:/);

    // logs of the deposit's block, from its proven receipts
    const filter = { fromBlock: d.block, toBlock: d.block };
    const logs = await call(w, 'eth_getLogs', [filter]);
    assert.deepEqual(logs.body.result, await rpc(w.devnet.truthUrl, 'eth_getLogs', [filter]), JSON.stringify(logs.body).slice(0, 300));

    // the deposit by hash: proven (nonce checked against its receipt) or refused
    const tx = await call(w, 'eth_getTransactionByHash', [d.hash]);
    if (tx.body.result) {
      assert.equal(tx.body.result.sourceHash, truthBlock.transactions[0].sourceHash);
      assert.match(tx.trust, /^verified:quorum:/);
    } else {
      assert.equal(tx.body.error?.code, -32002, JSON.stringify(tx.body));
    }

    // the full block: proven (with the deposit's nonce checked against its receipt) or
    // refused; never a value that was not proven
    const full = await call(w, 'eth_getBlockByNumber', [d.block, true]);
    if (full.body.result) {
      assert.match(full.trust, /^verified:quorum:/);
      const dep = full.body.result.transactions[0];
      for (const k of ['hash', 'sourceHash', 'from', 'to', 'mint', 'value', 'gas']) assert.equal(dep[k], truthBlock.transactions[0][k], k);
    } else {
      assert.equal(full.body.error?.code, -32002, JSON.stringify(full.body));
    }
    t.diagnostic(`full block with a deposit: ${full.body.result ? 'verified' : full.body.error.data?.reason}`);
  });
});

const LIES = {
  wrongBalance: { methods: ['eth_getBalance', 'eth_getProof'] },
  wrongBlockHash: { methods: ['eth_getBlockByNumber', 'eth_getBlockByHash'] },
};

for (const lie of Object.keys(LIES)) {
  test(`OP stack: liar ${lie} on L2 is never passed on`, async (t) => {
    await withWorld(t, OP_WORLD, async (w) => {
      const d = await mineDeposit(w, 2);
      // one block per step, none asked before: a cached header or answer cannot hide the liar
      const first = Number(d.block) + 3;
      await w.devnet.mineMany(4 * w.proxies.length + 4);
      await w.devnet.waitForBlock(first + 4 * w.proxies.length + 2);
      let told = 0, proven = 0, refused = 0, step = 0;
      for (const liar of w.proxies) {
        liar.resetStats();
        liar.setMode(lie);
        for (let k = 0; k < 4; k++, step++) {
          // a block and an account not asked before, so no cached answer hides the liar
          const n = '0x' + (first + step).toString(16);
          const who = step % 2 ? d.to : devAddress(step % 10);
          const truthBal = await rpc(w.devnet.truthUrl, 'eth_getBalance', [who, n]);
          const truthHash = (await rpc(w.devnet.truthUrl, 'eth_getBlockByNumber', [n, false])).hash;
          const b = await call(w, 'eth_getBalance', [who, n]);
          const h = await call(w, 'eth_getBlockByNumber', [n, false]);
          for (const [got, want] of [[b.body.result, truthBal], [h.body.result?.hash, truthHash]]) {
            if (got === undefined) refused++;
            else { assert.equal(got, want, `the lie ${lie} reached the client`); proven++; }
          }
          for (const x of [b, h]) if (x.body.error) assert.equal(x.body.error.code, -32002, JSON.stringify(x.body));
          await sleep(100);
        }
        liar.setMode('pass');
        told += liar.stats.faults[lie] || 0;
      }
      t.diagnostic(`${lie}: told ${told} times; answers proven ${proven}, refused ${refused}`);
      assert.ok(told >= 1, `${lie}: never told`);
      assert.ok(proven >= 1, 'no answer was proven at all');
    });
  });
}
