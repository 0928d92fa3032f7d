// What a hostile client or provider can no longer do to verity's upstreams (issue 12,
// the gateway-side items), against a real verity in front of anvil nodes:
//   - 300 requests for blocks past the head and for unknown block / transaction hashes:
//     every upstream rightly answers null, the client gets null, and no upstream's
//     failures, wrong answers, breaker or error rate move (read from /status before and
//     after). The upstreams really were asked (the proxies count the methods).
//   - an upstream that echoes its URL path (holding a key given through ${ENV}) in its
//     error messages: the key never reaches the client (relayed errors and the -32002
//     data), /status or the log, and the echoer really echoed it.
//   - limits.max_subscriptions_per_client: a second connection from the same address
//     cannot pass the address's share; another address (127.0.0.2) still can.
//   - the server's limits are wired from the config: limits.max_connections_per_client
//     takes two regular connections and one reserved slot (/healthz) from one
//     address and refuses the next, and /metrics counts it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import crypto from 'node:crypto';
import fs from 'node:fs';
import WebSocket from 'ws';
import { startWorld } from './lib/world.mjs';
import { startVerity, skipIfNoBinary, binaryProblem } from './lib/verity.mjs';
import { rpcRaw, freePort } from './lib/util.mjs';

const NULL_REQUESTS = 300;
const SECRET_ENV = 'VERITY_E2E_ECHO_KEY';
const SECRET = 'echoKey' + crypto.randomBytes(12).toString('hex');
const SUBS_PER_CLIENT = 3;

let world = null;

before(async () => {
  if (binaryProblem()) return;
  world = await startWorld({
    n: 3,
    overrides: { limits: { max_subscriptions_per_client: SUBS_PER_CLIENT } },
  });
});

after(async () => {
  if (world) await world.stop();
});

async function status(v) {
  const r = await fetch(`${v.url}/status`);
  return r.json();
}

function health(st) {
  return st.upstreams.map((u) => ({
    name: u.name, failures: u.failures, wrong_answers: u.wrong_answers, breaker: u.breaker, error_rate: u.error_rate,
  }));
}

const hash32 = () => '0x' + crypto.randomBytes(32).toString('hex');

test('300 requests for future blocks and unknown hashes: null, and no upstream is charged', async (t) => {
  if (skipIfNoBinary(t)) return;
  const v = world.verity;
  try {
    const before = health(await status(v));
    const head = BigInt((await rpcRaw(v.url, 'eth_blockNumber')).result);
    const asked = () => world.proxies.reduce((n, p) => n + (p.stats.methods.eth_getBlockByNumber || 0) +
      (p.stats.methods.eth_getBlockByHash || 0) + (p.stats.methods.eth_getTransactionByHash || 0) +
      (p.stats.methods.eth_getTransactionReceipt || 0), 0);
    const asked0 = asked();
    const kinds = [
      (i) => ['eth_getBlockByNumber', ['0x' + (head + 1000n + BigInt(i)).toString(16), false]],
      () => ['eth_getBlockByHash', [hash32(), false]],
      () => ['eth_getTransactionByHash', [hash32()]],
      () => ['eth_getTransactionReceipt', [hash32()]],
    ];
    for (let i = 0; i < NULL_REQUESTS; i += 10) {
      await Promise.all(Array.from({ length: 10 }, async (_, k) => {
        const [method, params] = kinds[(i + k) % kinds.length](i + k);
        const r = await rpcRaw(v.url, method, params, { timeoutMs: 10000 });
        assert.equal(r.error, undefined, `${method} ${JSON.stringify(params)}: ${JSON.stringify(r.error)}`);
        assert.equal(r.result, null, `${method}: ${JSON.stringify(r.result)}`);
      }));
    }
    // the nulls were really served by the upstreams (not answered from a cache)
    assert.ok(asked() - asked0 >= NULL_REQUESTS, `upstreams asked ${asked() - asked0} times`);
    const after = health(await status(v));
    for (let i = 0; i < before.length; i++) {
      assert.equal(after[i].failures, before[i].failures, `${after[i].name} failures`);
      assert.equal(after[i].wrong_answers, before[i].wrong_answers, `${after[i].name} wrong answers`);
      assert.equal(after[i].breaker, 'closed', `${after[i].name} breaker`);
      assert.ok(after[i].error_rate <= before[i].error_rate + 1e-9,
        `${after[i].name} error rate ${before[i].error_rate} -> ${after[i].error_rate}`);
    }
  } catch (e) {
    e.message += `\n--- verity stderr (tail) ---\n${v.tail(20)}`;
    throw e;
  }
});

/** An upstream that knows the chain id and a head, and echoes its URL in every error. */
async function startEchoer() {
  const port = await freePort();
  const seen = { paths: [], echoed: 0 };
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.paths.push(req.url);
      let msg;
      try { msg = JSON.parse(body); } catch { res.writeHead(400).end(); return; }
      const one = (m) => {
        if (m.method === 'eth_chainId') return { jsonrpc: '2.0', id: m.id, result: '0x7a69' };
        if (m.method === 'eth_blockNumber') return { jsonrpc: '2.0', id: m.id, result: '0x10' };
        seen.echoed++;
        if (m.method === 'eth_feeHistory') {
          return { jsonrpc: '2.0', id: m.id, error: { code: -32000, message: `execution reverted: no access for ${req.url}`, data: `http://127.0.0.1:${port}${req.url}` } };
        }
        return { jsonrpc: '2.0', id: m.id, error: { code: -32005, message: `rate limit exceeded for ${req.url}` } };
      };
      const out = Array.isArray(msg) ? msg.map(one) : one(msg);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise((r) => srv.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => srv.close(r)) };
}

test('an upstream that echoes its URL: the key from ${ENV} never reaches the client', async (t) => {
  if (skipIfNoBinary(t)) return;
  process.env[SECRET_ENV] = SECRET;
  const echo = await startEchoer();
  let v = null;
  try {
    v = await startVerity({
      upstreams: [{ name: 'echo', url: `${echo.url}/v3/\${${SECRET_ENV}}` }],
      // verify off: eth_feeHistory is relayed as the upstream said (with verify on it is
      // proven from headers, and this upstream's errors make it -32002 instead)
      overrides: { anchor: { mode: 'quorum', quorum: 1 }, log: { level: 'debug' }, verify: false },
    });
    const relayed = await rpcRaw(v.url, 'eth_feeHistory', ['0x1', 'latest', []]); // relayed as the upstream said
    const unavailable = await rpcRaw(v.url, 'eth_maxPriorityFeePerGas', []);
    const st = await (await fetch(`${v.url}/status`)).text();
    // the fault was served: the echoer saw the key in its path and echoed it
    assert.ok(echo.seen.paths.some((p) => p.includes(SECRET)), 'the echoer never saw the key');
    assert.ok(echo.seen.echoed >= 2, `echoed ${echo.seen.echoed} errors`);
    const r1 = JSON.stringify(relayed), r2 = JSON.stringify(unavailable);
    assert.ok(!r1.includes(SECRET), `relayed error leaks the key: ${r1}`);
    assert.ok(!r2.includes(SECRET), `-32002 data leaks the key: ${r2}`);
    assert.match(relayed.error.message, /no access for \/v3\/\*\*\*/);
    assert.equal(relayed.error.data, `${echo.url}/v3/***`);
    assert.equal(unavailable.error.code, -32002);
    assert.match(r2, /rate limit exceeded for \/v3\/\*\*\*/);
    assert.ok(!st.includes(SECRET), '/status leaks the key');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!fs.readFileSync(v.stderrPath, 'utf8').includes(SECRET), 'the log leaks the key');
  } catch (e) {
    if (v) e.message += `\n--- verity stderr (tail) ---\n${v.tail(20)}`;
    throw e;
  } finally {
    if (v) await v.stop().catch(() => {});
    await echo.close();
  }
});

/** Open a WebSocket from localAddress and subscribe n times; resolves to the answers. */
async function subscribeFrom(url, localAddress, n) {
  const ws = new WebSocket(url, { localAddress });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const answers = [];
  for (let i = 0; i < n; i++) {
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'eth_subscribe', params: ['newHeads'] }));
    answers.push(await new Promise((res) => {
      const on = (d) => {
        const m = JSON.parse(d.toString());
        if (m.id === i + 1) { ws.off('message', on); res(m); }
      };
      ws.on('message', on);
    }));
  }
  return { ws, answers };
}

test('subscriptions per client address: the share holds across connections, other addresses are served', async (t) => {
  if (skipIfNoBinary(t)) return;
  const v = world.verity;
  const open = [];
  try {
    const a = await subscribeFrom(v.wsUrl, '127.0.0.1', 2);
    open.push(a.ws);
    const b = await subscribeFrom(v.wsUrl, '127.0.0.1', 2);  // the same address, another connection
    open.push(b.ws);
    assert.ok(a.answers.every((m) => typeof m.result === 'string'));
    assert.equal(typeof b.answers[0].result, 'string');
    assert.equal(b.answers[1].error?.code, -32005, JSON.stringify(b.answers[1]));
    assert.match(b.answers[1].error.message, /limits\.max_subscriptions_per_client/);
    const c = await subscribeFrom(v.wsUrl, '127.0.0.2', SUBS_PER_CLIENT);  // another peer
    open.push(c.ws);
    assert.ok(c.answers.every((m) => typeof m.result === 'string'), JSON.stringify(c.answers));
    // closing a connection gives its subscriptions back to the address
    a.ws.close();
    await new Promise((r) => setTimeout(r, 300));
    const d = await subscribeFrom(v.wsUrl, '127.0.0.1', 2);
    open.push(d.ws);
    assert.ok(d.answers.every((m) => typeof m.result === 'string'), JSON.stringify(d.answers));
  } catch (e) {
    e.message += `\n--- verity stderr (tail) ---\n${v.tail(20)}`;
    throw e;
  } finally {
    for (const ws of open) ws.terminate();
  }
});

/** Open a raw TCP connection from localAddress; resolves once connected. */
function connectFrom(port, localAddress) {
  return new Promise((res, rej) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    s.once('connect', () => res(s));
    s.once('error', rej);
  });
}

/** Whether the server closed s within ms (it was refused). */
function closedWithin(s, ms) {
  return new Promise((res) => {
    const timer = setTimeout(() => res(false), ms);
    s.once('close', () => { clearTimeout(timer); res(true); });
    s.once('error', () => {});
  });
}

test('config wiring: limits.max_connections_per_client holds, and /metrics counts the refused', async (t) => {
  if (skipIfNoBinary(t)) return;
  const v = await startVerity({
    upstreams: world.proxies.map((p) => ({ name: p.name, url: p.url })),
    overrides: { limits: { max_connections: 32, max_connections_per_client: 2, reserved_connections: 2, busy_idle_ms: 4000 } },
  });
  const socks = [];
  try {
    await new Promise((r) => setTimeout(r, 4500)); // startVerity's keep-alive /healthz poll goes away
    const port = Number(new URL(v.url).port);
    // two regular slots for 127.0.0.3, then one reserved slot (health and metrics only),
    // then nothing: the fourth is accepted and closed at once
    for (let i = 0; i < 3; i++) socks.push(await connectFrom(port, '127.0.0.3'));
    const fourth = await connectFrom(port, '127.0.0.3');
    socks.push(fourth);
    assert.ok(await closedWithin(fourth, 1500), 'a fourth connection from 127.0.0.3 was not refused');
    const kept = await Promise.all(socks.slice(0, 3).map((s) => closedWithin(s, 200)));
    assert.deepEqual(kept, [false, false, false], 'the first three connections must stay open');
    // the reserved slot serves /healthz
    const reserved = socks[2];
    const got = new Promise((res) => { let b = ''; reserved.on('data', (d) => { b += d; if (b.includes('\r\n\r\n')) res(b); }); });
    reserved.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(await got, /^HTTP\/1\.1 200/);
    const m = await (await fetch(`${v.url}/metrics`)).text();
    const refused = Number((m.match(/^verity_http_connections_refused_total (\d+)/m) || [])[1]);
    assert.ok(refused >= 1, `verity_http_connections_refused_total: ${refused}\n${m.slice(0, 400)}`);
    assert.match(m, /^verity_http_connections_reaped_total \d+/m);
  } catch (e) {
    e.message += `\n--- verity stderr (tail) ---\n${v.tail(20)}`;
    throw e;
  } finally {
    for (const s of socks) s.destroy();
    await v.stop().catch(() => {});
  }
});
