// The lies beyond balances: one upstream drops a log (omitLog), denies a mined
// receipt (nullReceipt) or shifts a nonce (wrongNonce).  DESIGN.md promises verity
// never invents a value ("no empty log list, no null receipt that the chain did not
// say"), so through verity the client must always get what the chain says.  Each lie
// gets a fresh verity; the liar takes every position in turn (a caught liar is
// benched, and no routing order may avoid the liar by luck); each test also checks
// the lie was really told at least once, so it cannot pass vacuously.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withWorld } from './lib/world.mjs';
import { devWallet, devAddress } from './lib/accounts.mjs';
import { rpc, rpcRaw, sleep } from './lib/util.mjs';

// init code: LOG0(0,0) twice, then STOP; the creation tx's receipt carries two logs
const TWO_LOGS_INIT = '0x60006000a060006000a000';

/** Mine a contract creation that emits two logs; returns its tx hash and block. */
async function mineLogs(w) {
  const raw = await devWallet(5).signTransaction({
    type: 2, chainId: 31337, nonce: 0, data: TWO_LOGS_INIT, gasLimit: 100000n,
    maxFeePerGas: 20n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n,
  });
  const r = await w.devnet.broadcast(raw);
  assert.ok(r.result, JSON.stringify(r.error));
  const rcpt = await w.devnet.waitForReceipt(r.result);
  await w.devnet.waitForBlock(Number(rcpt.blockNumber) + 2); // verity's head is past it
  return { hash: r.result, block: rcpt.blockNumber };
}

/** The upstream methods each lie touches (mirrors LIES in lib/proxy.mjs). */
const LIE_METHODS = {
  omitLog: ['eth_getLogs'],
  nullReceipt: ['eth_getTransactionReceipt'],
  wrongNonce: ['eth_getTransactionCount', 'eth_getProof'],
};

const CHECKS = {
  omitLog: async (w, ctx) => {
    const filter = { fromBlock: ctx.block, toBlock: ctx.block };
    const truth = await rpc(w.devnet.truthUrl, 'eth_getLogs', [filter]);
    assert.equal(truth.length, 2);
    const got = await rpcRaw(w.verity.url, 'eth_getLogs', [filter]);
    assert.equal(got.error, undefined, `eth_getLogs failed: ${JSON.stringify(got.error)}`);
    assert.deepEqual(got.result.map((l) => l.logIndex), truth.map((l) => l.logIndex), 'verity returned a log list the chain did not say');
  },
  nullReceipt: async (w, ctx) => {
    const got = await rpcRaw(w.verity.url, 'eth_getTransactionReceipt', [ctx.hash]);
    assert.equal(got.error, undefined, `receipt failed: ${JSON.stringify(got.error)}`);
    assert.ok(got.result, 'verity returned a null receipt for a mined transaction');
    assert.equal(got.result.blockNumber, ctx.block);
    assert.equal(got.result.logs.length, 2);
  },
  wrongNonce: async (w) => {
    const n = await rpc(w.verity.url, 'eth_blockNumber');
    for (const i of [0, 5]) {
      const truth = await rpc(w.devnet.truthUrl, 'eth_getTransactionCount', [devAddress(i), n]);
      const got = await rpcRaw(w.verity.url, 'eth_getTransactionCount', [devAddress(i), n]);
      assert.equal(got.error, undefined, `nonce failed: ${JSON.stringify(got.error)}`);
      assert.equal(got.result, truth, `wrong nonce for dev ${i} at ${n}`);
    }
  },
};

for (const [lie, check] of Object.entries(CHECKS)) {
  test(`liar ${lie}: verity never passes it on`, async (t) => {
    await withWorld(t, {}, async (w) => {
      const ctx = await mineLogs(w);
      let told = 0;
      let asked = 0;
      for (const liar of w.proxies) {
        liar.resetStats();
        liar.setMode(lie);
        for (let k = 0; k < 4; k++) {
          await check(w, ctx);
          await sleep(150);
        }
        liar.setMode('pass');
        told += liar.stats.faults[lie] || 0;
        asked += LIE_METHODS[lie].reduce((s, m) => s + (liar.stats.methods[m] || 0), 0);
      }
      t.diagnostic(`${lie}: liars were asked ${LIE_METHODS[lie].join('/')} ${asked} times and lied ${told} times`);
      // not vacuous: either the lie reached verity, or verity never asks that method
      // (e.g. it derives logs from receipts proven against receiptsRoot)
      assert.ok(told >= 1 || asked === 0, `${lie}: asked ${asked} times but never lied`);
    });
  });
}
