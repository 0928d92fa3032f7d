// An OP-stack chain anchored on its L1 through dispute games (src/l1/, issue 13).
//
// L2: three anvil nodes in optimism mode behind fault proxies. L1: one anvil node behind
// three fault proxies (verity needs 2 of the 3 to agree on an L1 header), holding a
// DisputeGameFactory whose games this test writes (lib/l1games.mjs) with the L2's real
// output roots. Verity (chain.kind op-stack, l1: configured) must:
//   - prove the newest game on L1 and the L2 block it names, then label answers about that
//     block and the walked blocks below it verified:l1:in_progress, and newer ones
//     verified:quorum:2/3;
//   - follow the game to DEFENDER_WINS (verified:l1:defender_wins);
//   - take the next output with an L1 upstream forging proofs in first position and two of
//     the three L2 upstreams lying about balances (the lies were told, the client never sees them);
//   - refuse (-32002) blocks at and below a resolved output the L2 upstreams contradict,
//     down to the blocks an earlier output fixed (those stay proven).
// A second test anchors the L1 headers with the beacon light client (a synthetic beacon
// chain whose execution payloads are the L1 anvil's blocks, lib/beacon_server.mjs, its
// first endpoint forging): the output is proven at a header the light client verified.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevnet } from './lib/devnet.mjs';
import { startProxy, startProxies } from './lib/proxy.mjs';
import { startVerity, skipIfNoBinary } from './lib/verity.mjs';
import { L1Games, STATUS } from './lib/l1games.mjs';
import { devAddress } from './lib/accounts.mjs';
import { rpc, rpcTrust, waitFor, hex, sleep } from './lib/util.mjs';
import { startBeacons, toHex, FORK, SECONDS_PER_SLOT } from './lib/beacon_server.mjs';

const FACTORY = '0x43edb88c4b80fdd2adff2412a7bebf9df42cb40e';
const WALK = 64;

async function status(v) {
  return (await fetch(`${v.url}/status`)).json();
}

test('L2 blocks proven against output roots on L1: labels, resolution, liars on both layers, a contradicted output', async (t) => {
  if (skipIfNoBinary(t)) return;
  const l2 = await startDevnet({ n: 3, blockMs: 500, extraArgs: ['--optimism'] });
  const l1 = await startDevnet({ n: 1, blockMs: 1000 });
  const l2p = await startProxies(l2);
  const l1p = await Promise.all(['x', 'y', 'z'].map((name) => startProxy({ target: l1.nodes[0].url, devnet: l1, name })));
  const games = new L1Games(l1.truthUrl, FACTORY);
  const who = devAddress(1);
  let v;
  try {
    await waitFor(() => l2.head >= 12, { timeoutMs: 20000, what: 'L2 block 12' });
    v = await startVerity({
      upstreams: l2p.map((p) => ({ name: p.name, url: p.url })),
      overrides: {
        chain: { kind: 'op-stack' },
        l1: {
          chain_id: 31337, quorum: 2, factory: FACTORY, poll_ms: 500, walk_max: WALK,
          upstreams: l1p.map((p) => ({ name: `l1${p.name}`, url: p.url })),
        },
      },
    });

    // 1. a game in progress for block b1: proven, labelled, walked
    const b1 = l2.head - 3;
    await games.publish(l2.truthUrl, b1);
    let s = await waitFor(async () => { const x = await status(v); return x.l1?.output?.l2_block === b1 && x; },
      { timeoutMs: 20000, what: `the output of block ${b1} proven (last_error: see /status)` }).catch(async (e) => {
      e.message += ` ${JSON.stringify((await status(v)).l1)}`; throw e; });
    assert.equal(s.l1.output.status, 'IN_PROGRESS');
    assert.equal(s.l1.output.l2_hash, (await rpc(l2.truthUrl, 'eth_getBlockByNumber', [hex(b1), false])).hash);
    let r = await rpcTrust(v.url, 'eth_getBalance', [who, hex(b1)]);
    assert.equal(r.trust, 'verified:l1:in_progress');
    assert.equal(r.body.result, await rpc(l2.truthUrl, 'eth_getBalance', [who, hex(b1)]));
    await waitFor(async () => (await status(v)).l1.output.walked >= 6, { timeoutMs: 10000, what: 'the walk below the output' });
    r = await rpcTrust(v.url, 'eth_getBlockByNumber', [hex(b1 - 5), false]);
    assert.equal(r.trust, 'verified:l1:in_progress');
    assert.equal(r.body.result.hash, (await rpc(l2.truthUrl, 'eth_getBlockByNumber', [hex(b1 - 5), false])).hash);
    r = await rpcTrust(v.url, 'eth_getBalance', [who, hex(b1 + 2)]);
    assert.match(r.trust, /^verified:quorum:2\/3$/, 'a block newer than the output is anchored by the L2 quorum');

    // 2. the game resolves
    await games.resolve(0, STATUS.DEFENDER_WINS);
    await waitFor(async () => (await status(v)).l1.output.status === 'DEFENDER_WINS', { timeoutMs: 15000, what: 'DEFENDER_WINS' });
    r = await rpcTrust(v.url, 'eth_getBalance', [who, hex(b1 - 1)]);
    assert.equal(r.trust, 'verified:l1:defender_wins');

    // 3. liars on both layers, where routing reaches them first
    l1p[0].setMode('forgeProofNode');
    l2p[0].setMode('wrongBalance'); // two of three L2 upstreams lie: routing reaches a liar first
    l2p[1].setMode('wrongBalance');
    await sleep(1500);
    const b2 = l2.head - 2;
    await games.publish(l2.truthUrl, b2);
    s = await waitFor(async () => { const x = await status(v); return x.l1?.output?.l2_block === b2 && x; },
      { timeoutMs: 25000, what: `the output of block ${b2} with a liar on L1` }).catch(async (e) => {
      e.message += ` ${JSON.stringify((await status(v)).l1)}`; throw e; });
    await waitFor(async () => (await status(v)).l1.output.walked >= 6, { timeoutMs: 10000, what: 'the walk below the new output' });
    for (let i = 0; i < 6; i++) {
      r = await rpcTrust(v.url, 'eth_getBalance', [who, hex(b2 - i)]);
      assert.equal(r.body.result, await rpc(l2.truthUrl, 'eth_getBalance', [who, hex(b2 - i)]), `balance at ${b2 - i}`);
      assert.equal(r.trust, 'verified:l1:in_progress');
    }
    const l2lies = (l2p[0].stats.faults.wrongBalance || 0) + (l2p[1].stats.faults.wrongBalance || 0);
    t.diagnostic(`L1 forged proofs told: ${l1p[0].stats.faults.forgeProofNode || 0}; L2 wrong balances told: ${l2lies}`);
    assert.ok((l1p[0].stats.faults.forgeProofNode || 0) > 0, 'the L1 liar never forged a proof');
    assert.ok(l2lies > 0, 'the L2 liars never lied');
    l1p[0].setMode('pass');
    l2p[0].setMode('pass');
    l2p[1].setMode('pass');

    // 4. a resolved output the L2 upstreams contradict: blocks at and below it are refused
    const b3 = l2.head - 2;
    await games.publish(l2.truthUrl, b3, { status: STATUS.DEFENDER_WINS, root: '0x' + 'ab'.repeat(32) });
    await waitFor(async () => (await status(v)).l1.conflict === b3, { timeoutMs: 15000, what: 'the conflict noticed' });
    for (const n of [b3, b2 + 1]) {
      const x = await rpcTrust(v.url, 'eth_getBalance', [who, hex(n)]);
      assert.equal(x.body.error?.code, -32002, `block ${n} at or below a contradicted output was served: ${JSON.stringify(x.body)}`);
    }
    // what an earlier output fixed on L1 stays proven
    for (const n of [b2, b1]) {
      const x = await rpcTrust(v.url, 'eth_getBalance', [who, hex(n)]);
      assert.equal(x.body.result, await rpc(l2.truthUrl, 'eth_getBalance', [who, hex(n)]));
      assert.match(x.trust, /^verified:l1:/);
    }
    await waitFor(() => l2.head > b3 + 3, { what: 'blocks above the contradicted output' });
    const above = await rpcTrust(v.url, 'eth_getBalance', [who, hex(b3 + 1)]);
    assert.equal(above.body.result, await rpc(l2.truthUrl, 'eth_getBalance', [who, hex(b3 + 1)]));
    assert.equal(above.trust, 'verified:quorum:2/3', 'a block above the contradicted output is anchored by the L2 quorum');
    assert.match((await status(v)).l1.last_error, /contradicts the resolved output root/);
  } finally {
    if (v) await v.stop();
    await Promise.all([...l1p, ...l2p].map((p) => p.close().catch(() => {})));
    await l1.stop();
    await l2.stop();
  }
});

test('L1 headers anchored by the beacon light client: the output is proven at its verified head', async (t) => {
  if (skipIfNoBinary(t)) return;
  const l2 = await startDevnet({ n: 3, blockMs: 500, extraArgs: ['--optimism'] });
  const l1 = await startDevnet({ n: 1, blockMs: 1000 });
  const l2p = await startProxies(l2);
  const l1p = await Promise.all(['x', 'y'].map((name) => startProxy({ target: l1.nodes[0].url, devnet: l1, name })));
  const games = new L1Games(l1.truthUrl, FACTORY);
  const who = devAddress(1);
  let beacons = null;
  let v;
  try {
    // slots up to the checkpoint carry L1 block 1; later slots the L1's newest block
    const blockOf = async (slot) => {
      const tag = beacons === null || slot <= beacons.checkpointSlot ? '0x1' : 'latest';
      return rpc(l1.truthUrl, 'eth_getBlockByNumber', [tag, false]);
    };
    beacons = await startBeacons(blockOf);
    await waitFor(() => l2.head >= 12, { timeoutMs: 20000, what: 'L2 block 12' });
    v = await startVerity({
      upstreams: l2p.map((p) => ({ name: p.name, url: p.url })),
      overrides: {
        chain: { kind: 'op-stack' },
        // an op-stack chain has no beacon chain: these endpoints and keys are its L1's
        anchor: {
          mode: 'quorum', quorum: 2, checkpoint: beacons.checkpoint, beacon: [beacons.forger.url, beacons.honest.url],
          lightclient: {
            preset: 'minimal', fork: FORK, genesis_validators_root: toHex(beacons.gvr),
            genesis_time: beacons.genesisTime, seconds_per_slot: SECONDS_PER_SLOT, poll_ms: 500,
          },
        },
        l1: {
          chain_id: 31337, quorum: 2, factory: FACTORY, poll_ms: 500, walk_max: WALK,
          upstreams: l1p.map((p) => ({ name: `l1${p.name}`, url: p.url })),
        },
      },
      readyTimeoutMs: 30000,
    });
    const st = await waitFor(async () => { const x = await status(v); return x.l1?.anchor?.active === 'lightclient' && x; },
      { timeoutMs: 30000, what: 'the L1 light client synced' }).catch(async (e) => {
      e.message += ` ${JSON.stringify((await status(v)).l1)}`; throw e; });
    assert.equal(st.anchor.lightclient, undefined, 'the L1 light client is shown under l1, not as the L2 anchor');
    assert.ok(st.l1.anchor.lightclient.endpoints[0].rejected >= 1, 'the forging beacon endpoint was never rejected');
    const b1 = l2.head - 3;
    await games.publish(l2.truthUrl, b1);
    const s = await waitFor(async () => { const x = await status(v); return x.l1?.output?.l2_block === b1 && x; },
      { timeoutMs: 20000, what: `the output of block ${b1} proven` }).catch(async (e) => {
      e.message += ` ${JSON.stringify((await status(v)).l1)}`; throw e; });
    t.diagnostic(`output proven at L1 block ${s.l1.output.l1_block}, anchored ${s.l1.output.l1_trust}`);
    assert.match(s.l1.output.l1_trust, /^verified:lightclient:/);
    const r = await rpcTrust(v.url, 'eth_getBalance', [who, hex(b1)]);
    assert.equal(r.trust, 'verified:l1:in_progress');
    assert.equal(r.body.result, await rpc(l2.truthUrl, 'eth_getBalance', [who, hex(b1)]));
  } finally {
    if (v) await v.stop();
    if (beacons) await beacons.close();
    await Promise.all([...l1p, ...l2p].map((p) => p.close().catch(() => {})));
    await l1.stop();
    await l2.stop();
  }
});
