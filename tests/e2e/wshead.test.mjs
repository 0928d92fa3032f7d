// Upstream heads by newHeads subscription (upstreams[].ws).
//
// Three anvil nodes (they serve WebSocket on their HTTP port) behind the usual HTTP
// fault proxies, and in front of each node's WebSocket a TCP forwarder this test can
// cut and restore. verity polls eth_blockNumber only every 3 s, so a head that keeps up
// with 500 ms blocks proves the subscription; cutting the forwarders must put every
// upstream back on polling (and /status says so), restoring them must bring the
// subscription back. A WebSocket liar announcing blocks 1000 ahead cannot move
// verity's head alone (k = 2 of 3). wss:// goes through a TLS forwarder with a
// certificate made here by the openssl CLI, trusted through SSL_CERT_FILE.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startDevnet } from './lib/devnet.mjs';
import { startProxies } from './lib/proxy.mjs';
import { startVerity, skipIfNoBinary } from './lib/verity.mjs';
import { rpc, sleep, LOOPBACK } from './lib/util.mjs';

const POLL_MS = 3000;

/** A TCP (or TLS) forwarder to target port that can be cut (every socket destroyed, no listening) and restored. */
async function forwarder(targetPort, tlsOpts = null) {
  const socks = new Set();
  const handler = (client) => {
    const up = net.connect(targetPort, LOOPBACK);
    socks.add(client);
    socks.add(up);
    const drop = () => { client.destroy(); up.destroy(); socks.delete(client); socks.delete(up); };
    client.on('error', drop); up.on('error', drop); client.on('close', drop); up.on('close', drop);
    client.pipe(up);
    up.pipe(client);
  };
  const f = { port: 0, server: null };
  f.start = async () => {
    f.server = tlsOpts ? tls.createServer(tlsOpts, handler) : net.createServer(handler);
    await new Promise((res, rej) => { f.server.once('error', rej); f.server.listen(f.port, LOOPBACK, res); });
    f.port = f.server.address().port;
  };
  f.cut = async () => {
    for (const s of socks) s.destroy();
    socks.clear();
    await new Promise((res) => f.server.close(res));
  };
  await f.start();
  return f;
}

/** A WebSocket server that answers eth_subscribe and announces a block number far ahead, every 200 ms. */
async function wsLiar(numberFn) {
  const liar = { told: 0 };
  const server = http.createServer((_, res) => { res.writeHead(400); res.end(); });
  const frame = (text) => {
    const b = Buffer.from(text);
    const h = b.length < 126 ? Buffer.from([0x81, b.length]) : Buffer.from([0x81, 126, b.length >> 8, b.length & 255]);
    return Buffer.concat([h, b]);
  };
  server.on('upgrade', (req, sock) => {
    const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    let timer = null;
    sock.on('data', (d) => {
      const op = d[0] & 0x0f;
      if (op === 9) { sock.write(Buffer.from([0x8a, 0])); return; } // ping -> pong
      if (op !== 1 || timer) return;
      sock.write(frame('{"jsonrpc":"2.0","id":1,"result":"0xabc"}'));
      timer = setInterval(() => {
        liar.told++;
        sock.write(frame(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription',
          params: { subscription: '0xabc', result: { number: '0x' + numberFn().toString(16), hash: '0x' + '11'.repeat(32) } } })));
      }, 200);
    });
    sock.on('close', () => clearInterval(timer));
    sock.on('error', () => clearInterval(timer));
  });
  await new Promise((res) => server.listen(0, LOOPBACK, res));
  liar.url = `ws://${LOOPBACK}:${server.address().port}/`;
  liar.close = () => new Promise((res) => { server.closeAllConnections?.(); server.close(res); });
  return liar;
}

/** A self-signed certificate for localhost made by the openssl CLI in a fresh directory. */
function makeCert(san) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-wss-'));
  const key = path.join(dir, 'key.pem'), cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=localhost', '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { dir, cert, tls: { key: fs.readFileSync(key), cert: fs.readFileSync(cert) } };
}

async function status(v) {
  return (await fetch(`${v.url}/status`)).json();
}

/** The largest lag (devnet head - verity's eth_blockNumber) seen over ms. */
async function maxLag(devnet, v, ms) {
  let worst = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const n = Number(await rpc(v.url, 'eth_blockNumber'));
    worst = Math.max(worst, devnet.head - n);
    await sleep(100);
  }
  return worst;
}

async function waitStatus(v, pred, ms, what) {
  const end = Date.now() + ms;
  let s;
  while (Date.now() < end) {
    s = await status(v);
    if (pred(s)) return s;
    await sleep(200);
  }
  throw new Error(`${what}: /status never said so: ${JSON.stringify(s.upstreams.map((u) => ({ n: u.name, src: u.head_source, ws: u.ws })))}`);
}

test('newHeads over ws:// keeps the head current; a cut falls back to polling; the subscription comes back', async (t) => {
  if (skipIfNoBinary(t)) return;
  const devnet = await startDevnet({ n: 3, blockMs: 500 });
  const proxies = await startProxies(devnet);
  const fwd = await Promise.all(devnet.nodes.map((n) => forwarder(n.port)));
  let v;
  try {
    v = await startVerity({
      upstreams: proxies.map((p, i) => ({ name: p.name, url: p.url, ws: `ws://${LOOPBACK}:${fwd[i].port}` })),
      overrides: { pool: { head_poll_ms: POLL_MS } },
    });
    await waitStatus(v, (s) => s.upstreams.every((u) => u.head_source === 'ws' && u.ws.state === 'subscribed'), 15000, 'subscribed');
    const wsLag = await maxLag(devnet, v, 4000);
    const s1 = await status(v);
    t.diagnostic(`ws: max lag ${wsLag} blocks over 4 s; notifications ${s1.upstreams.map((u) => u.ws.notifications).join('/')}`);
    assert.ok(wsLag <= 2, `head lagged ${wsLag} blocks with the subscription (polls are every ${POLL_MS} ms)`);
    assert.ok(s1.upstreams.every((u) => u.ws.notifications >= 3));
    assert.doesNotMatch(JSON.stringify(s1), /127\.0\.0\.1:\d+\/.+secret/);

    // cut every WebSocket: polling takes over at once, the head keeps moving
    await Promise.all(fwd.map((f) => f.cut()));
    await waitStatus(v, (s) => s.upstreams.every((u) => u.head_source === 'poll' && u.ws.failures >= 1), 8000, 'back to polling');
    const h0 = Number(await rpc(v.url, 'eth_blockNumber'));
    await sleep(POLL_MS * 2 + 500);
    const h1 = Number(await rpc(v.url, 'eth_blockNumber'));
    assert.ok(h1 > h0, `the head did not move while polling (${h0} -> ${h1})`);
    const bal = await rpc(v.url, 'eth_getBalance', [devnet.nodes.length ? '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' : '', 'latest']);
    assert.ok(BigInt(bal) > 0n);

    // restore: subscribed again after the backoff
    await Promise.all(fwd.map((f) => f.start()));
    await waitStatus(v, (s) => s.upstreams.every((u) => u.head_source === 'ws'), 20000, 'subscribed again');
  } finally {
    if (v) await v.stop();
    for (const f of fwd) await f.cut().catch(() => {});
    await Promise.all(proxies.map((p) => p.close().catch(() => {})));
    await devnet.stop();
  }
});

test('a ws liar announcing blocks 1000 ahead cannot move the head; wss:// with a trusted certificate subscribes', async (t) => {
  if (skipIfNoBinary(t)) return;
  const { dir, cert, tls: tlsOpts } = makeCert('DNS:localhost,IP:127.0.0.1');
  const devnet = await startDevnet({ n: 3, blockMs: 500 });
  const proxies = await startProxies(devnet);
  const liar = await wsLiar(() => devnet.head + 1000);
  const secure = await forwarder(devnet.nodes[1].port, tlsOpts);
  const plain = await forwarder(devnet.nodes[2].port);
  let v;
  try {
    v = await startVerity({
      upstreams: [
        { name: proxies[0].name, url: proxies[0].url, ws: liar.url },
        { name: proxies[1].name, url: proxies[1].url, ws: `wss://localhost:${secure.port}/` },
        { name: proxies[2].name, url: proxies[2].url, ws: `ws://${LOOPBACK}:${plain.port}/` },
      ],
      overrides: { pool: { head_poll_ms: POLL_MS } },
      env: { SSL_CERT_FILE: cert },
    });
    const s = await waitStatus(v, (x) => x.upstreams.every((u) => u.ws.state === 'subscribed'), 15000, 'all subscribed');
    assert.equal(s.upstreams[1].head_source, 'ws', 'wss:// upstream not on its subscription');
    for (let i = 0; i < 20; i++) {
      const n = Number(await rpc(v.url, 'eth_blockNumber'));
      assert.ok(n <= devnet.head + 1, `verity's head ${n} passed the chain's ${devnet.head}: the liar moved it`);
      await sleep(150);
    }
    const s2 = await status(v);
    t.diagnostic(`liar told ${liar.told} lies; wss notifications ${s2.upstreams[1].ws.notifications}`);
    assert.ok(liar.told >= 5, 'the liar never announced its blocks');
    assert.ok(s2.upstreams[0].head - devnet.head >= 900, 'verity did not even hear the liar');
    assert.ok(s2.upstreams[1].ws.notifications >= 3, 'no notifications over wss');
  } finally {
    if (v) await v.stop();
    await liar.close();
    await secure.cut().catch(() => {});
    await plain.cut().catch(() => {});
    await Promise.all(proxies.map((p) => p.close().catch(() => {})));
    await devnet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('wss:// with a certificate nobody trusts is refused; polling goes on', async (t) => {
  if (skipIfNoBinary(t)) return;
  const { dir, tls: tlsOpts } = makeCert('DNS:localhost');
  const devnet = await startDevnet({ n: 2, blockMs: 500 });
  const proxies = await startProxies(devnet);
  const secure = await forwarder(devnet.nodes[0].port, tlsOpts);
  let v;
  try {
    v = await startVerity({
      upstreams: proxies.map((p) => ({ name: p.name, url: p.url, ws: `wss://localhost:${secure.port}/` })),
      overrides: { pool: { head_poll_ms: 500 } },
    });
    const s = await waitStatus(v, (x) => x.upstreams.every((u) => u.ws.failures >= 1), 10000, 'TLS refused');
    assert.match(s.upstreams[0].ws.last_error, /certificate|TLS/);
    assert.ok(s.upstreams.every((u) => u.head_source === 'poll'));
    const h0 = Number(await rpc(v.url, 'eth_blockNumber'));
    await sleep(1500);
    assert.ok(Number(await rpc(v.url, 'eth_blockNumber')) > h0, 'the head stopped with the subscription refused');
  } finally {
    if (v) await v.stop();
    await secure.cut().catch(() => {});
    await Promise.all(proxies.map((p) => p.close().catch(() => {})));
    await devnet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
