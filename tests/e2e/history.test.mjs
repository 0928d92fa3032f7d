// End to end: the light-client anchor for old blocks through the EIP-2935 history
// contract (anvil runs Prague, so the contract at 0x0000F90827F1C53a10cb7A02335B175320002935
// holds the last 8191 block hashes).
//
//   verity (anchor mode lightclient) ──anchor──▶ synthetic beacon API over the anvil chain
//                                    ──reads───▶ one anvil node
//
// After the light client syncs, 8,400 blocks are mined; a balance, a block and eth_getLogs
// 1,000 below the light client's head (far past the 256-block parent walk) are answered
// proven and labelled verified:lightclient, equal to what the chain says; a block 300
// below is reached through the same contract. A block 40 below the window's oldest
// (head - 8191) is reached by walking parents from it (anchor.history_walk 64); one 100
// below it is an honest -32002 naming anchor.history_walk.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startDevnet } from './lib/devnet.mjs';
import { startVerity, skipIfNoBinary } from './lib/verity.mjs';
import { devAddress, signTransfer } from './lib/accounts.mjs';
import { rpc, hex, waitFor } from './lib/util.mjs';
import { BeaconChain, startBeaconServer, toHex } from './lib/beacon_server.mjs';

const FORK = 'electra';
const SYNC_TIMEOUT_MS = 40000;
const HISTORY = '0x0000F90827F1C53a10cb7A02335B175320002935';
const RECIPIENT = '0x' + crypto.randomBytes(20).toString('hex');

async function lcStatus(v) {
  const r = await fetch(`${v.url}/status`, { signal: AbortSignal.timeout(2000) });
  return (await r.json()).anchor?.lightclient;
}

async function callWithTrust(v, method, params) {
  const res = await fetch(v.url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(15000),
  });
  return { body: await res.json(), trust: res.headers.get('x-verity-trust') || '' };
}

test('light-client anchor: blocks 300 and 1,000 below the head through the EIP-2935 history contract', async (t) => {
  if (skipIfNoBinary(t)) return;
  const devnet = await startDevnet({ n: 1, blockMs: 500 });
  let beacon = null;
  let v = null;
  try {
    // a transfer early, so the old block has a balance to prove
    const raw = await signTransfer(1, { to: RECIPIENT, valueEth: '0.5', nonce: 0 });
    const sent = await devnet.broadcast(raw);
    assert.ok(sent.result, JSON.stringify(sent));
    const rcpt = await devnet.waitForReceipt(sent.result);
    const txBlock = Number(rcpt.blockNumber);

    let checkpointSlot = null;
    const blockOf = async (slot) => {
      const tag = checkpointSlot === null || slot <= checkpointSlot ? '0x1' : 'latest';
      return rpc(devnet.truthUrl, 'eth_getBlockByNumber', [tag, false]);
    };
    const gvr = crypto.randomBytes(32);
    const genesisTime = Math.floor(Date.now() / 1000) - 100;
    const chain = new BeaconChain({ fork: FORK, gvr, genesisTime, secondsPerSlot: 1, blockOf });
    const startSlot = chain.slotNow();
    checkpointSlot = chain.finalizedOf(startSlot);
    const checkpoint = await chain.checkpoint(startSlot);
    beacon = await startBeaconServer(chain, { checkpointSlot });

    const overrides = {
      chain: { id: 31337, name: 'devnet' },
      anchor: {
        mode: 'lightclient', checkpoint, beacon: [beacon.url], history_walk: 64,
        lightclient: {
          preset: 'minimal', fork: FORK, genesis_validators_root: toHex(gvr),
          genesis_time: genesisTime, seconds_per_slot: 1, poll_ms: 500,
        },
      },
    };
    v = await startVerity({ upstreams: [{ name: 'anvil', url: devnet.truthUrl }], overrides, readyTimeoutMs: SYNC_TIMEOUT_MS });
    const failMsg = (what) => `${what}\nverity stderr:\n${v.tail()}`;
    await waitFor(async () => (await lcStatus(v))?.synced, { timeoutMs: SYNC_TIMEOUT_MS, what: 'light client synced' })
      .catch((e) => assert.fail(failMsg(e.message)));

    const mined = await devnet.mineMany(8400);
    const head = await waitFor(async () => {
      const s = await lcStatus(v);
      return s?.optimistic?.block >= mined ? s.optimistic.block : null;
    }, { timeoutMs: SYNC_TIMEOUT_MS, what: `light-client head at ${mined}` }).catch((e) => assert.fail(failMsg(e.message)));

    // anvil runs Prague: the history contract holds the hashes (the premise of this test)
    const slotOf = (n) => hex(n % 8191);
    const stored = await rpc(devnet.truthUrl, 'eth_getStorageAt', [HISTORY, slotOf(head - 1000), hex(head)]);
    const truthBlock = await rpc(devnet.truthUrl, 'eth_getBlockByNumber', [hex(head - 1000), false]);
    assert.equal(stored, truthBlock.hash, 'anvil does not implement EIP-2935 at this hardfork');

    for (const back of [300, 1000]) {
      const n = head - back;
      const blk = await callWithTrust(v, 'eth_getBlockByNumber', [hex(n), false]);
      const truth = await rpc(devnet.truthUrl, 'eth_getBlockByNumber', [hex(n), false]);
      assert.equal(blk.body.result?.hash, truth.hash, failMsg(`block ${n}: ${JSON.stringify(blk.body).slice(0, 400)}`));
      assert.match(blk.trust, /^verified:lightclient/, failMsg(`block ${n}: trust ${blk.trust}`));
    }
    // a balance at a block 1,000 below the head (after the transfer)
    const n = head - 1000;
    assert.ok(n > txBlock, `the transfer (block ${txBlock}) is below block ${n}`);
    const bal = await callWithTrust(v, 'eth_getBalance', [RECIPIENT, hex(n)]);
    assert.equal(bal.body.result, await rpc(devnet.truthUrl, 'eth_getBalance', [RECIPIENT, hex(n)]), failMsg(JSON.stringify(bal.body)));
    assert.equal(BigInt(bal.body.result), 5n * 10n ** 17n);
    assert.match(bal.trust, /^verified:lightclient/);
    // logs over blocks 1,000 below: anchored the same way
    const logs = await callWithTrust(v, 'eth_getLogs', [{ fromBlock: hex(n - 2), toBlock: hex(n) }]);
    assert.deepEqual(logs.body.result, [], failMsg(JSON.stringify(logs.body).slice(0, 400)));
    assert.match(logs.trust, /^verified:lightclient/, failMsg(`logs trust ${logs.trust}`));
    // below the window's oldest block (head - 8191): parent hashes walked from it, at
    // most anchor.history_walk (64) of them
    assert.ok(head > 8191 + 64 + 2, `head ${head}`);
    const deep = head - 8191 - 40;
    const db = await callWithTrust(v, 'eth_getBlockByNumber', [hex(deep), false]);
    const dt = await rpc(devnet.truthUrl, 'eth_getBlockByNumber', [hex(deep), false]);
    assert.equal(db.body.result?.hash, dt.hash, failMsg(`block ${deep}: ${JSON.stringify(db.body).slice(0, 400)}`));
    assert.match(db.trust, /^verified:lightclient/);
    // past that: an honest -32002 naming the limit
    const far = await callWithTrust(v, 'eth_getBalance', [RECIPIENT, hex(head - 8191 - 100)]);
    assert.equal(far.body.error?.code, -32002, JSON.stringify(far.body));
    assert.match(JSON.stringify(far.body.error), /history_walk/);
  } finally {
    if (v) await v.stop().catch(() => {});
    if (beacon) await beacon.close().catch(() => {});
    await devnet.stop().catch(() => {});
  }
});
