// Client keys and limits (src/access/): verity with `keys:` in front of one anvil node
// behind the fault proxy. A request without a key or with a wrong key is 401 with a
// JSON-RPC error body; the key works as X-Verity-Key, as Authorization: Bearer, and in
// the path /k/<key> (ethers' JsonRpcProvider and a WebSocket use that form; a WebSocket
// without a key is refused at the upgrade, and each of its messages is charged); a key
// over its requests/s gets 429 with Retry-After and passes again after it (a batch of k
// calls costs k); a method denied to a key is refused for that key only; the keys appear
// nowhere in the log (level debug), /metrics or /status, where their hash prefix does;
// listening on 0.0.0.0 without keys warns. Each refusal is checked to be verity's own:
// the proxy saw no request for it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import WebSocket from 'ws';
import { JsonRpcProvider } from 'ethers';
import { withWorld } from './lib/world.mjs';
import { sleep, freePort } from './lib/util.mjs';

const ALICE = 'alice-' + crypto.randomBytes(12).toString('hex');   // literal in the config
const BOB = 'bob-' + crypto.randomBytes(12).toString('hex');       // from ${E2E_VERITY_KEY_BOB}
process.env.E2E_VERITY_KEY_BOB = BOB;
const tag = (k) => crypto.createHash('sha256').update(k).digest('hex').slice(0, 12);

const KEYS = {
  log: { level: 'debug' },
  anchor: { quorum: 1 },
  keys: [
    { name: 'alice', key: ALICE, rps: 1, burst: 3 },
    { name: 'bob', key: '${E2E_VERITY_KEY_BOB}', deny: ['eth_getBalance', 'debug_*'] },
  ],
};

const BODY = (method, params = [], id = 1) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
async function post(url, { key, bearer, method = 'eth_chainId', params = [] } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (key) headers['x-verity-key'] = key;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const r = await fetch(url, { method: 'POST', headers, body: BODY(method, params) });
  return { status: r.status, headers: r.headers, body: await r.json() };
}
const proxyCount = (p, m) => p.stats.methods[m] || 0;

function wsOpen(url, headers = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ ws, status: 101 }));
    ws.once('unexpected-response', (_req, res) => { resolve({ ws: null, status: res.statusCode }); ws.terminate(); });
    ws.once('error', () => {});
  });
}
const wsCall = (ws, method, params = []) => new Promise((resolve) => {
  ws.once('message', (d) => resolve(JSON.parse(d.toString())));
  ws.send(BODY(method, params, 7));
});

test('keys: 401 without or with a wrong key; header, Bearer and /k/<key> forms; WebSocket', async (t) => {
  await withWorld(t, { n: 1, overrides: KEYS }, async (w) => {
    const url = w.verity.url, p = w.proxies[0];
    const TC = ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'latest'];
    const before = proxyCount(p, 'eth_getTransactionCount');
    const none = await post(url, { method: 'eth_getTransactionCount', params: TC });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, -32001);
    assert.match(none.body.error.message, /client key is required/);
    const wrong = await post(url, { key: 'x'.repeat(30), method: 'eth_getTransactionCount', params: TC });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.error.message, /unknown client key/);
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="verity"');
    assert.equal((await fetch(`${url}/k/${'y'.repeat(20)}`, { method: 'POST', body: BODY('eth_getTransactionCount', TC) })).status, 401);
    assert.equal(proxyCount(p, 'eth_getTransactionCount'), before, 'a refused request reached an upstream');

    assert.equal((await post(url, { key: BOB })).body.result, '0x7a69');
    assert.equal((await post(url, { bearer: BOB })).body.result, '0x7a69');
    const byPath = await fetch(`${url}/k/${BOB}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY('eth_chainId') });
    assert.equal(byPath.status, 200);
    assert.equal((await byPath.json()).result, '0x7a69');
    // a wallet's custom RPC url: ethers with the key in the path
    const provider = new JsonRpcProvider(`${url}/k/${BOB}`, 31337, { staticNetwork: true });
    assert.ok((await provider.getBlockNumber()) >= 1);
    provider.destroy();

    // WebSocket: the key in the path or a header; refused at the upgrade otherwise
    const wsBase = w.verity.wsUrl;
    assert.equal((await wsOpen(`${wsBase}/`)).status, 401);
    assert.equal((await wsOpen(`${wsBase}/k/${'z'.repeat(24)}`)).status, 401);
    assert.equal((await wsOpen(`${wsBase}/k/${BOB}/extra`)).status, 404);
    for (const [u, h] of [[`${wsBase}/k/${BOB}`, {}], [`${wsBase}/`, { 'X-Verity-Key': BOB }]]) {
      const { ws, status } = await wsOpen(u, h);
      assert.equal(status, 101);
      const r = await wsCall(ws, 'eth_blockNumber');
      assert.match(r.result, /^0x[0-9a-f]+$/);
      const d = await wsCall(ws, 'eth_getBalance', ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'latest']);
      assert.equal(d.error.code, -32601, 'bob may not call eth_getBalance over WebSocket either');
      ws.close();
    }
    // over WebSocket each message is charged: alice (burst 3) opened (1), two messages
    // pass, the third is answered -32005 and the connection stays open
    const { ws: wa } = await wsOpen(`${wsBase}/k/${ALICE}`);
    assert.ok(wa, 'alice opens');
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await wsCall(wa, 'eth_chainId'));
    assert.deepEqual(got.slice(0, 2).map((r) => r.result), ['0x7a69', '0x7a69']);
    assert.equal(got[2].error?.code, -32005, JSON.stringify(got[2]));
    await sleep(1100);
    assert.equal((await wsCall(wa, 'eth_chainId')).result, '0x7a69', 'passes again a second later, same connection');
    wa.close();
  });
});

test('keys: 429 with Retry-After over the rate, per-key method deny, keys absent from logs and metrics', async (t) => {
  await withWorld(t, { n: 1, overrides: KEYS }, async (w) => {
    const url = w.verity.url, p = w.proxies[0];
    // alice: burst 3 at 1/s
    const codes = [];
    let limited;
    for (let i = 0; i < 5; i++) {
      const r = await post(url, { key: ALICE });
      codes.push(r.status);
      if (r.status === 429 && !limited) limited = r;
    }
    assert.deepEqual(codes.slice(0, 3), [200, 200, 200]);
    assert.ok(limited, `no 429 in ${codes}`);
    const ra = Number(limited.headers.get('retry-after'));
    assert.ok(ra >= 1 && ra <= 2, `Retry-After ${ra}`);
    assert.equal(limited.body.error.code, -32005);
    // bob is not limited by alice's budget
    assert.equal((await post(url, { key: BOB })).status, 200);
    await sleep(ra * 1000 + 50);
    assert.equal((await post(url, { key: ALICE })).status, 200, 'passes again after Retry-After');

    // a batch of k calls costs k tokens: alice (burst 3) may send 3 at once, not 4
    await sleep(3100); // the bucket is full again
    const batch = (k) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-verity-key': ALICE },
      body: JSON.stringify(Array.from({ length: k }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId', params: [] }))) });
    const b3 = await batch(3);
    assert.equal(b3.status, 200);
    assert.equal((await b3.json()).length, 3);
    await sleep(3100);
    const b4 = await batch(4);
    assert.equal(b4.status, 429);
    assert.match((await b4.json()).error.message, /more calls than this key's burst/);
    await sleep(3100);

    // method deny for bob only; the upstream never sees bob's denied call
    const addr = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
    const before = proxyCount(p, 'eth_getBalance');
    const denied = await post(url, { key: BOB, method: 'eth_getBalance', params: [addr, '0x1'] });
    assert.equal(denied.status, 200);
    assert.equal(denied.body.error.code, -32601);
    assert.match(denied.body.error.message, /not allowed for this client key \(bob\)/);
    assert.equal(proxyCount(p, 'eth_getBalance'), before, 'the denied call reached an upstream');
    await sleep(1100);
    const ok = await post(url, { key: ALICE, method: 'eth_getBalance', params: [addr, '0x1'] });
    assert.match(ok.body.result, /^0x/, 'alice may');

    // keys never in the log, /metrics, /status; their tags are
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const status = await (await fetch(`${url}/status`)).text();
    const log = fs.readFileSync(w.verity.stderrPath, 'utf8');
    for (const [where, text] of [['log', log], ['/metrics', metrics], ['/status', status]]) {
      assert.ok(!text.includes(ALICE) && !text.includes(BOB), `a key appears in ${where}`);
    }
    assert.match(metrics, new RegExp(`verity_client_requests_total\\{client="alice",key="${tag(ALICE)}",outcome="limited"\\} [1-9]`));
    assert.match(metrics, new RegExp(`client="bob",key="${tag(BOB)}",outcome="method_denied"\\} 1`));
    assert.match(log, new RegExp(`name=bob key=${tag(BOB)}`));
    assert.match(log, /access_refused status=429/);
    const st = JSON.parse(status);
    assert.equal(st.access.keys, 2);
    assert.ok(st.access.limited >= 1);
  });
});

test('keys: off by default: open on loopback as before', async (t) => {
  await withWorld(t, { n: 1, overrides: { anchor: { quorum: 1 } } }, async (w) => {
    const r = await post(w.verity.url);
    assert.equal(r.status, 200);
    assert.equal(r.body.result, '0x7a69');
    const st = await (await fetch(`${w.verity.url}/status`)).json();
    assert.equal(st.access.keys, 0);
  });
});

test('keys: listening beyond loopback without keys logs a warning, with keys it does not', async (t) => {
  for (const withKeys of [false, true]) {
    const port = await freePort();
    const overrides = { anchor: { quorum: 1 }, listen: `0.0.0.0:${port}`, ...(withKeys ? { keys: KEYS.keys } : {}) };
    await withWorld(t, { n: 1, overrides }, async (w) => {
      const log = fs.readFileSync(w.verity.stderrPath, 'utf8');
      if (withKeys) assert.doesNotMatch(log, /open_to_network/);
      else assert.match(log, /WARN open_to_network listening on 0\.0\.0\.0 without client keys/);
      const r = await post(w.verity.url, withKeys ? { key: BOB } : {});
      assert.equal(r.status, 200);
    });
  }
});
