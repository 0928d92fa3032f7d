// End to end: anchor mode auto (the default for mainnet, sepolia and hoodi) switching
// from quorum to the light client as the light client syncs.
//
//   verity ──anchor──▶ gate (refuses with 503 while closed) ──▶ honest synthetic beacon API
//          ──reads───▶ two anvil nodes (quorum 2)
//
// The synthetic beacon chain (lib/beacon_server.mjs, minimal preset, 1-second slots)
// carries the anvil chain's blocks as execution payloads, as in lightclient.test.mjs.
// While the gate refuses, the light client cannot bootstrap: /status says anchor.active
// "quorum" with the reason, and a balance is answered verified:quorum:2/2. When the gate
// opens the light client syncs and the same read is answered verified:lightclient:….
// The test asserts the gate really refused (the outage was served) before opening it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { startDevnet } from './lib/devnet.mjs';
import { startVerity, skipIfNoBinary } from './lib/verity.mjs';
import { devAddress } from './lib/accounts.mjs';
import { rpc, hex, waitFor, LOOPBACK } from './lib/util.mjs';
import { BeaconChain, startBeaconServer, toHex } from './lib/beacon_server.mjs';

const FORK = 'electra';
const SYNC_TIMEOUT_MS = 40000;

/** A gate in front of a beacon API: 503 while closed, a pass-through when open. */
async function startGate(target) {
  const gate = { open: false, refused: 0, passed: 0 };
  const server = http.createServer((req, res) => {
    if (!gate.open) {
      gate.refused++;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"code":503,"message":"gate closed"}');
      return;
    }
    gate.passed++;
    const up = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, LOOPBACK, resolve); });
  gate.url = `http://${LOOPBACK}:${server.address().port}`;
  gate.close = () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); });
  return gate;
}

async function anchorStatus(v) {
  const r = await fetch(`${v.url}/status`, { signal: AbortSignal.timeout(2000) });
  const s = await r.json();
  assert.equal(s.anchor?.mode, 'auto', `/status anchor: ${JSON.stringify(s.anchor)}`);
  return s.anchor;
}

async function callWithTrust(v, method, params) {
  const res = await fetch(v.url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(5000),
  });
  return { body: await res.json(), trust: res.headers.get('x-verity-trust') || '' };
}

test('anchor mode auto: quorum while the light client cannot sync, the light client once it has', async (t) => {
  if (skipIfNoBinary(t)) return;
  const devnet = await startDevnet({ n: 2, blockMs: 500 });
  let chain = null;
  let beacon = null;
  let gate = null;
  let v = null;
  try {
    let checkpointSlot = null;
    const blockOf = async (slot) => {
      const tag = checkpointSlot === null || slot <= checkpointSlot ? '0x1' : 'latest';
      return rpc(devnet.truthUrl, 'eth_getBlockByNumber', [tag, false]);
    };
    const gvr = crypto.randomBytes(32);
    const genesisTime = Math.floor(Date.now() / 1000) - 100;
    chain = new BeaconChain({ fork: FORK, gvr, genesisTime, secondsPerSlot: 1, blockOf });
    const startSlot = chain.slotNow();
    checkpointSlot = chain.finalizedOf(startSlot);
    const checkpoint = await chain.checkpoint(startSlot);
    beacon = await startBeaconServer(chain, { checkpointSlot });
    gate = await startGate(beacon.url);

    const upstreams = devnet.nodes.map((n, i) => ({ name: `anvil${i}`, url: n.url }));
    const overrides = {
      chain: { id: 31337, name: 'devnet' },
      anchor: {
        mode: 'auto', quorum: 2, checkpoint, beacon: [gate.url],
        lightclient: {
          preset: 'minimal', fork: FORK, genesis_validators_root: toHex(gvr),
          genesis_time: genesisTime, seconds_per_slot: 1, poll_ms: 500,
        },
      },
    };
    v = await startVerity({ upstreams, overrides, readyTimeoutMs: SYNC_TIMEOUT_MS });
    const failMsg = (what) => `${what}\nverity stderr:\n${v.tail()}`;
    const who = devAddress(0);

    // gate closed: quorum, with the reason
    const a1 = await anchorStatus(v);
    assert.equal(a1.active, 'quorum', failMsg(JSON.stringify(a1)));
    assert.match(a1.why, /light client/, JSON.stringify(a1));
    await waitFor(async () => gate.refused >= 1, { timeoutMs: 10000, what: 'the gate refused the light client' });
    const head1 = await waitFor(async () => {
      const n = Number(await rpc(v.url, 'eth_blockNumber', []));
      return n >= 2 ? n : null;
    }, { timeoutMs: 20000, what: 'verity has a head' });
    const q = await callWithTrust(v, 'eth_getBalance', [who, hex(head1)]);
    assert.equal(q.body.result, await rpc(devnet.truthUrl, 'eth_getBalance', [who, hex(head1)]), failMsg(JSON.stringify(q.body)));
    assert.equal(q.trust, 'verified:quorum:2/2', failMsg(`trust ${q.trust}`));
    assert.equal(gate.passed, 0);

    // gate open: the light client syncs and takes over
    gate.open = true;
    const a2 = await waitFor(async () => {
      const a = await anchorStatus(v);
      return a.active === 'lightclient' ? a : null;
    }, { timeoutMs: SYNC_TIMEOUT_MS, what: 'anchor.active lightclient' }).catch((e) => assert.fail(failMsg(e.message)));
    assert.match(a2.why, /synced/);
    assert.ok(gate.passed >= 1);
    const lcHead = a2.lightclient.optimistic.block;
    assert.ok(lcHead >= 1, JSON.stringify(a2.lightclient));
    const r = await callWithTrust(v, 'eth_getBalance', [who, 'latest']);
    assert.match(r.trust, /^verified:lightclient/, failMsg(`trust ${r.trust} ${JSON.stringify(r.body)}`));
    const n = await waitFor(async () => {
      const b = await callWithTrust(v, 'eth_getBalance', [who, hex(lcHead)]);
      return /^verified:lightclient/.test(b.trust) ? b : null;
    }, { timeoutMs: 10000, what: 'a read at the light-client head anchored by it' });
    assert.equal(n.body.result, await rpc(devnet.truthUrl, 'eth_getBalance', [who, hex(lcHead)]));
  } finally {
    if (v) await v.stop().catch(() => {});
    if (gate) await gate.close().catch(() => {});
    if (beacon) await beacon.close().catch(() => {});
    await devnet.stop().catch(() => {});
  }
});
