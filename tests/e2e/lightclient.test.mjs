// End to end: verity anchored by the beacon light client (anchor mode lightclient)
// against a synthetic beacon chain whose execution payloads are a live anvil chain.
//
//   verity ──anchor──▶ beacon API: forger (first in the list), honest (lib/beacon_server.mjs)
//          ──reads───▶ anvil (one devnet node)
//
// The beacon chain uses the minimal preset (8 slots/epoch, 8 epochs/period, 32-key sync
// committees), Electra containers, 1-second slots, its own genesis validators root and
// genesis time; verity is told about it with the anchor.lightclient keys below. The
// sync committee's keys are made here with @noble/curves and every update is signed.
//
// Scenarios:
//   1. the server's objects are self-consistent (noble verifies the signature; the
//      branches verify): runs without verity;
//   1b. the C light-client driver (test_beacon's cross-check, Deneb and Electra) syncs
//      from this server and rejects the forger: the JS SSZ/BLS checked by the C code;
//   2. verity syncs from the checkpoint while the first endpoint forges everything
//      (rejected, routed around), reports the anchor in /status, and proves a balance
//      changed by a transfer at the light client's head (X-Verity-Trust verified, by the
//      light client); a restart resumes from the state file without a new bootstrap;
//   3. the same with `verity run --data DIR` and no state file: DIR (nested, missing) is
//      created 0700, the verified store is kept in its LMDB store, and a restart comes
//      back restored and verified without a bootstrap request.
// Config keys verity must accept for scenario 2 (see the engineer's report):
//   anchor: { mode: lightclient, checkpoint, beacon: [urls],
//             lightclient: { preset: minimal, fork: electra, genesis_validators_root,
//                            genesis_time, seconds_per_slot, poll_ms, state } }
// and /status must carry anchor.lightclient = the vt_beacon status object
// (src/gateway/beacon.h: synced, restored, finalized{slot,block}, optimistic{slot,block},
// endpoints[{url, requests, failures, rejected, ...}]).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { startDevnet } from './lib/devnet.mjs';
import { startVerity, skipIfNoBinary, defaultConfig, mergeConfig, toYaml } from './lib/verity.mjs';
import { devAddress, signTransfer } from './lib/accounts.mjs';
import { rpc, rpcRaw, hex, waitFor, freePort, spawnTracked, stopChild, LOOPBACK } from './lib/util.mjs';
import {
  BeaconChain, startBeaconServer, FORKS, PRESET, toHex, fromHex, headerRoot, execRoot, committeeRoot,
  signingRoot, verifyBranch, makeChains, startBeacons, FORK, SECONDS_PER_SLOT,
} from './lib/beacon_server.mjs';

const SYNC_TIMEOUT_MS = 30000;
const DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const RECIPIENT = '0x' + crypto.randomBytes(20).toString('hex');

/** An execution block for tests that need no anvil (fields vary with the slot). */
function fakeBlock(slot) {
  const fill = (v) => toHex(new Uint8Array(32).fill(v));
  return {
    parentHash: fill(1), miner: '0x' + '11'.repeat(20), stateRoot: toHex(crypto.createHash('sha256').update(String(slot)).digest()),
    receiptsRoot: fill(3), logsBloom: '0x' + '00'.repeat(256), mixHash: fill(4), number: hex(slot), gasLimit: '0x1c9c380',
    gasUsed: '0x0', timestamp: hex(1700000000 + slot), extraData: '0x0102', baseFeePerGas: '0x7', hash: fill(5),
    transactionsRoot: fill(6), withdrawalsRoot: fill(7), blobGasUsed: '0x0', excessBlobGas: '0x0',
  };
}

test('synthetic beacon chain: signatures and Merkle branches are self-consistent', async () => {
  let n = 0;
  const c = makeChains(async (slot) => { n++; return fakeBlock(slot); });
  const L = FORKS[FORK];
  const head = c.honest.headSlot();
  const u = await c.honest.update('update', head);
  const d = u.data;
  assert.equal(u.version, FORK);
  const att = d.attested_header;
  const stateRoot = fromHex(att.beacon.state_root);
  const cRoot = committeeRoot(d.next_sync_committee.pubkeys.map(fromHex), fromHex(d.next_sync_committee.aggregate_pubkey));
  assert.ok(verifyBranch(cRoot, d.next_sync_committee_branch.map(fromHex), L.next, stateRoot), 'next committee branch');
  assert.ok(verifyBranch(headerRoot(d.finalized_header.beacon), d.finality_branch.map(fromHex), L.finalized, stateRoot),
    'finality branch');
  assert.ok(verifyBranch(execRoot(att.execution), att.execution_branch.map(fromHex), 25, fromHex(att.beacon.body_root)),
    'execution branch');
  assert.equal(Number(d.finalized_header.beacon.slot), c.honest.finalizedOf(head));
  assert.equal(d.sync_aggregate.sync_committee_bits, '0x' + 'ff'.repeat(PRESET.committeeSize / 8));
  const sigs = bls12_381.longSignatures;
  const msg = sigs.hash(signingRoot(headerRoot(att.beacon), L.version, c.gvr), DST);
  const agg = sigs.aggregatePublicKeys(d.next_sync_committee.pubkeys.map(fromHex));
  assert.ok(sigs.verify(fromHex(d.sync_aggregate.sync_committee_signature), msg, agg), 'signature (honest)');
  // the forger's signature is valid for ITS committee only
  const f = (await c.forger.update('optimistic', head)).data;
  assert.ok(!sigs.verify(fromHex(f.sync_aggregate.sync_committee_signature),
    sigs.hash(signingRoot(headerRoot(f.attested_header.beacon), L.version, c.gvr), DST), agg), 'forger vs honest keys');
  const b = await c.honest.bootstrap(await c.honest.checkpoint(head + 1), 0);
  assert.ok(b, 'bootstrap for the checkpoint root');
  assert.ok(await c.honest.bootstrap(toHex(new Uint8Array(32)), 0) === null, 'unknown root');
  assert.ok(n > 0);
});

// The C light-client driver itself (tests/unit/test_beacon.c, test_crosscheck_synthetic)
// against this server, before and independently of the gateway wiring: it must sync,
// reject the forger and follow the head. Binary: $BEACON_TEST_BIN or
// build/release/tests/test_beacon (made by `make unit`); skipped with a message if absent.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BEACON_TEST_BIN = process.env.BEACON_TEST_BIN || path.join(ROOT, 'build', 'release', 'tests', 'test_beacon');

function runBinary(bin, env, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(bin, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out }); });
  });
}

for (const fork of ['deneb', 'electra']) {
  test(`the C light client syncs from the synthetic ${fork} chain and rejects the forger`, async (t) => {
    if (!fs.existsSync(BEACON_TEST_BIN)) {
      t.skip(`${BEACON_TEST_BIN} is missing: run \`make unit\` (or make build/release/tests/test_beacon) first`);
      return;
    }
    let n = 0;
    const blockOf = async (slot) => ({ ...fakeBlock(slot), number: hex(++n) });
    const c = makeChains(blockOf, fork);
    const startSlot = c.honest.slotNow();
    const checkpointSlot = c.honest.finalizedOf(startSlot);
    const checkpoint = await c.honest.checkpoint(startSlot);
    const honest = await startBeaconServer(c.honest, { checkpointSlot });
    const forger = await startBeaconServer(c.forger, { checkpointSlot });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-lcx-'));
    try {
      const file = path.join(dir, 'xcheck.json');
      fs.writeFileSync(file, JSON.stringify({
        urls: [forger.url, honest.url], checkpoint, gvr: toHex(c.gvr), genesis_time: c.genesisTime,
        seconds_per_slot: SECONDS_PER_SLOT, fork,
      }));
      const r = await runBinary(BEACON_TEST_BIN, { BEACON_XCHECK_FILE: file, VERITY_FIXTURES: '' }, 60000);
      assert.equal(r.code, 0, `test_beacon failed (${r.signal || r.code}):\n${r.out.slice(-3000)}`);
      assert.match(r.out, /cross-check: synced=1 finalized=\d+/);
      assert.doesNotMatch(r.out, /SKIPPED \] test_crosscheck_synthetic/);
      assert.equal(honest.hits.bootstrap, 1);
      assert.ok(honest.hits.updates >= 1 && honest.hits.optimistic + honest.hits.finality >= 2, JSON.stringify(honest.hits));
      assert.ok(forger.hits.bootstrap >= 1, JSON.stringify(forger.hits));
    } finally {
      await Promise.all([honest.close(), forger.close()]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function beaconStatus(v) {
  const r = await fetch(`${v.url}/status`, { signal: AbortSignal.timeout(2000) });
  const s = await r.json();
  assert.equal(s.anchor?.mode, 'lightclient', `/status anchor: ${JSON.stringify(s.anchor)}`);
  assert.ok(s.anchor.lightclient, `/status has no anchor.lightclient: ${JSON.stringify(s.anchor)}`);
  return s.anchor.lightclient;
}

async function callWithTrust(v, method, params) {
  const res = await fetch(v.url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(5000),
  });
  const body = await res.json();
  return { body, trust: res.headers.get('x-verity-trust') || '' };
}

test('verity: light-client anchor syncs around a forging beacon endpoint and proves reads', async (t) => {
  if (skipIfNoBinary(t)) return;
  const devnet = await startDevnet({ n: 1, blockMs: 500 });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-lc-'));
  let beacons = null;
  let v = null;
  try {
    // slots before the server starts carry block 1; later slots the newest block
    const blockOf = async (slot) => {
      const tag = beacons === null || slot <= beacons.checkpointSlot ? '0x1' : 'latest';
      return rpc(devnet.truthUrl, 'eth_getBlockByNumber', [tag, false]);
    };
    beacons = await startBeacons(blockOf);
    const overrides = {
      chain: { id: 31337, name: 'devnet' },
      anchor: {
        mode: 'lightclient',
        checkpoint: beacons.checkpoint,
        beacon: [beacons.forger.url, beacons.honest.url],
        lightclient: {
          preset: 'minimal', fork: FORK, genesis_validators_root: toHex(beacons.gvr),
          genesis_time: beacons.genesisTime, seconds_per_slot: SECONDS_PER_SLOT, poll_ms: 500,
          state: path.join(stateDir, 'lightclient.state'),
        },
      },
    };
    const upstreams = [{ name: 'anvil', url: devnet.truthUrl }];
    v = await startVerity({ upstreams, overrides, readyTimeoutMs: SYNC_TIMEOUT_MS });
    const failMsg = (what) => `${what}\nverity stderr:\n${v.tail()}`;

    const st = await waitFor(async () => {
      const s = await beaconStatus(v);
      return s.synced && s.finalized.slot > 0 && s.optimistic.block > 1 ? s : null;
    }, { timeoutMs: SYNC_TIMEOUT_MS, what: 'light client synced' }).catch((e) => assert.fail(failMsg(e.message)));
    assert.equal(st.endpoints.length, 2);
    assert.ok(st.endpoints[0].rejected >= 1, failMsg(`forger not rejected: ${JSON.stringify(st.endpoints[0])}`));
    assert.equal(st.endpoints[1].rejected, 0);
    assert.equal(beacons.honest.hits.bootstrap, 1);

    // a transfer, then a proof of its effect at the light client's head
    const raw = await signTransfer(1, { to: RECIPIENT, valueEth: '0.25', nonce: 0 });
    const sent = await devnet.broadcast(raw);
    assert.ok(sent.result, JSON.stringify(sent));
    const receipt = await devnet.waitForReceipt(sent.result);
    const txBlock = Number(receipt.blockNumber);
    const head = await waitFor(async () => {
      const s = await beaconStatus(v);
      return s.optimistic.block > txBlock ? s.optimistic.block : null;
    }, { timeoutMs: SYNC_TIMEOUT_MS, what: `light-client head past block ${txBlock}` });
    const truth = await rpc(devnet.truthUrl, 'eth_getBalance', [RECIPIENT, hex(head)]);
    assert.equal(BigInt(truth), 250000000000000000n);
    const r = await callWithTrust(v, 'eth_getBalance', [RECIPIENT, hex(head)]);
    assert.equal(r.body.result, truth, failMsg(JSON.stringify(r.body)));
    assert.match(r.trust, /^verified/, failMsg(`trust ${r.trust}`));
    assert.match(r.trust, /lightclient/, failMsg(`trust ${r.trust}`));
    const blk = await callWithTrust(v, 'eth_getBlockByNumber', [hex(head), false]);
    const anvilBlock = await rpc(devnet.truthUrl, 'eth_getBlockByNumber', [hex(head), false]);
    assert.equal(blk.body.result?.hash, anvilBlock.hash);
    // `finalized` and `safe` are the light client's finalized header, proven (issue 11)
    for (const tag of ['finalized', 'safe']) {
      const fin = await callWithTrust(v, 'eth_getBlockByNumber', [tag, false]);
      assert.equal(fin.trust, 'verified:lightclient:finalized', failMsg(`${tag}: trust ${fin.trust} ${JSON.stringify(fin.body)}`));
      const n = Number(fin.body.result.number);
      assert.ok(n >= 1 && n <= head, `${tag} block ${n}`);
      const real = await rpc(devnet.truthUrl, 'eth_getBlockByNumber', [hex(n), false]);
      assert.equal(fin.body.result.hash, real.hash);
    }

    // restart: resumes from the state file, no second bootstrap
    await v.stop();
    v = null;
    assert.ok(fs.existsSync(path.join(stateDir, 'lightclient.state')), 'state file written');
    const bootstraps = beacons.honest.hits.bootstrap + beacons.forger.hits.bootstrap;
    v = await startVerity({ upstreams, overrides, readyTimeoutMs: SYNC_TIMEOUT_MS });
    const st2 = await waitFor(async () => {
      const s = await beaconStatus(v);
      return s.restored && s.synced ? s : null;
    }, { timeoutMs: SYNC_TIMEOUT_MS, what: 'restored light client' });
    assert.ok(st2.finalized.slot >= st.finalized.slot);
    assert.equal(beacons.honest.hits.bootstrap + beacons.forger.hits.bootstrap, bootstraps);
    const r2 = await callWithTrust(v, 'eth_getBalance', [RECIPIENT, 'latest']);
    assert.equal(BigInt(r2.body.result), 250000000000000000n, JSON.stringify(r2.body));
    assert.match(r2.trust, /^verified/);
  } finally {
    if (v) await v.stop().catch(() => {});
    if (beacons) await beacons.close().catch(() => {});
    await devnet.stop().catch(() => {});
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

/** `verity run --config F --data DIR`: startVerity() passes only --config. */
async function startWithData({ upstreams, overrides, data }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-lcd-'));
  const port = await freePort();
  const configPath = path.join(dir, 'verity.yaml');
  fs.writeFileSync(configPath, toYaml(mergeConfig(defaultConfig({ port, upstreams }), overrides)) + '\n');
  const logPath = path.join(dir, 'stderr.log');
  const fd = fs.openSync(logPath, 'w');
  const proc = spawnTracked(process.env.VERITY_BIN, ['run', '--config', configPath, '--data', data],
    { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  let exited = null;
  proc.once('exit', (code, sig) => { exited = sig || code; });
  const v = {
    url: `http://${LOOPBACK}:${port}`,
    tail: () => { try { return fs.readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n'); } catch { return ''; } },
    async stop() { await stopChild(proc, 3000); fs.rmSync(dir, { recursive: true, force: true }); },
  };
  await waitFor(async () => {
    if (exited !== null) throw new Error(`verity exited (${exited}):\n${v.tail()}`);
    const r = await fetch(`${v.url}/healthz`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
    if (r) await r.text();
    return r?.status === 200;
  }, { timeoutMs: SYNC_TIMEOUT_MS, intervalMs: 100, what: 'verity --data healthy' })
    .catch(async (e) => { const tail = v.tail(); await v.stop(); throw new Error(`${e.message}\n${tail}`); });
  return v;
}

test('verity run --data: the verified light-client store lives in the LMDB store and survives a restart', async (t) => {
  if (skipIfNoBinary(t)) return;
  const devnet = await startDevnet({ n: 1, blockMs: 500 });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-lcdata-'));
  const data = path.join(root, 'verity-data', 'devnet'); // neither exists yet
  let beacons = null;
  let v = null;
  try {
    const blockOf = async (slot) => {
      const tag = beacons === null || slot <= beacons.checkpointSlot ? '0x1' : 'latest';
      return rpc(devnet.truthUrl, 'eth_getBlockByNumber', [tag, false]);
    };
    beacons = await startBeacons(blockOf);
    const overrides = {
      chain: { id: 31337, name: 'devnet' },
      anchor: {
        mode: 'lightclient',
        checkpoint: beacons.checkpoint,
        beacon: [beacons.honest.url],
        lightclient: {
          preset: 'minimal', fork: FORK, genesis_validators_root: toHex(beacons.gvr),
          genesis_time: beacons.genesisTime, seconds_per_slot: SECONDS_PER_SLOT, poll_ms: 500,
        },
      },
    };
    const upstreams = [{ name: 'anvil', url: devnet.truthUrl }];
    v = await startWithData({ upstreams, overrides, data });
    assert.ok(fs.statSync(data).isDirectory(), '--data created the directory');
    assert.equal(fs.statSync(data).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.dirname(data)).mode & 0o777, 0o700);
    const st = await waitFor(async () => {
      const s = await beaconStatus(v);
      return s.synced && s.finalized.slot > 0 && s.optimistic.block > 1 ? s : null;
    }, { timeoutMs: SYNC_TIMEOUT_MS, what: 'light client synced' }).catch((e) => assert.fail(`${e.message}\n${v.tail()}`));
    assert.equal(st.restored, false);
    assert.equal(beacons.honest.hits.bootstrap, 1);
    await v.stop();
    v = null;
    assert.ok(fs.existsSync(path.join(data, 'data.mdb')), 'LMDB store written');
    assert.ok(!fs.readdirSync(data).some((f) => f.includes('lightclient')), 'no state file');

    v = await startWithData({ upstreams, overrides, data });
    const st2 = await waitFor(async () => {
      const s = await beaconStatus(v);
      return s.restored && s.synced ? s : null;
    }, { timeoutMs: SYNC_TIMEOUT_MS, what: 'restored light client' }).catch((e) => assert.fail(`${e.message}\n${v.tail()}`));
    assert.ok(st2.finalized.slot >= st.finalized.slot);
    assert.equal(st2.last_error, '', v.tail());
    assert.equal(beacons.honest.hits.bootstrap, 1, 'no second bootstrap');
    const r = await callWithTrust(v, 'eth_getBalance', [devAddress(0), 'latest']);
    assert.ok(r.body.result, JSON.stringify(r.body));
    assert.match(r.trust, /^verified.*lightclient/, `trust ${r.trust}\n${v.tail()}`);
  } finally {
    if (v) await v.stop().catch(() => {});
    if (beacons) await beacons.close().catch(() => {});
    await devnet.stop().catch(() => {});
    fs.rmSync(root, { recursive: true, force: true });
  }
});
