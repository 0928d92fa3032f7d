// The hostile client: what one client can do to verity's front door, probed with raw
// sockets (node:net) against a real verity in front of anvil nodes.  Several loopback
// source addresses (127.0.0.2, 127.0.0.3, ...) stand for different peers.  Each test is
// one item of issue 12 (hardening) and fails on the front door before it: lenient
// framing (request smuggling shapes), CORS on by default, ids that overflowed the 64 KiB
// response buffer, half-closed requests dropped, NUL in a method name, WebSocket on any
// path, 1000 for a close frame with invalid UTF-8, one peer taking every connection.
// verity runs with limits.max_connections: 16, so the server's defaults for the
// per-client share (a quarter: 4), the reserved slot (1) and reaping idle connections
// when full (after 5 s) are the ones under test.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { startWorld } from './lib/world.mjs';
import { startVerity, skipIfNoBinary, binaryProblem } from './lib/verity.mjs';
import { sleep } from './lib/util.mjs';

const MAX_CONNECTIONS = 16;
const PER_CLIENT = 4;          // verity's default share: max_connections / 4
const BUSY_IDLE_MS = 5000;     // verity's default idle timeout while full
const IO_TIMEOUT_MS = 5000;

let world = null;
let corsVerity = null;

before(async () => {
  if (binaryProblem()) return;
  world = await startWorld({ n: 2, overrides: { limits: { max_connections: MAX_CONNECTIONS } } });
  corsVerity = await startVerity({
    upstreams: world.proxies.map((p) => ({ name: p.name, url: p.url })),
    overrides: { cors_origin: '*' },
  });
  // startVerity polled /healthz with fetch(), whose keep-alive connection stays open for
  // 4 s: let it go, so the connection-count tests know every connection there is.
  await sleep(4500);
});

after(async () => {
  if (corsVerity) await corsVerity.stop().catch(() => {});
  if (world) await world.stop();
});

const portOf = (v) => Number(new URL(v.url).port);

/** Run fn; on failure add verity's stderr tail to the error. */
async function withVerity(t, fn) {
  if (skipIfNoBinary(t)) return;
  try {
    await fn(world.verity, portOf(world.verity));
  } catch (e) {
    e.message += `\n--- verity stderr (tail) ---\n${world.verity.tail(20)}`;
    throw e;
  }
}

// ---- raw HTTP ------------------------------------------------------------------

/** Parse complete HTTP/1.1 responses (Content-Length framed) from the front of buf. */
function parseResponses(buf) {
  const out = [];
  let off = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', off);
    if (end < 0) break;
    const head = buf.subarray(off, end).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const status = Number(statusLine.split(' ')[1]);
    const len = status === 204 || status < 200 ? 0 : Number(headers['content-length'] || 0);
    if (buf.length < end + 4 + len) break;
    out.push({ status, headers, head, body: buf.subarray(end + 4, end + 4 + len).toString('utf8') });
    off = end + 4 + len;
  }
  return out;
}

/**
 * Send raw bytes on a new connection and collect responses until `count` arrived, the
 * server closed, or the timeout.  halfClose: shutdown(SHUT_WR) right after writing.
 */
function exchange(port, data, { count = 1, halfClose = false, localAddress, timeoutMs = IO_TIMEOUT_MS } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    let done = false;
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const buf = Buffer.concat(chunks);
      resolve({ responses: parseResponses(buf), bytes: buf.length, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => {
      sock.write(data);
      if (halfClose) sock.end();
    });
    sock.on('data', (d) => {
      chunks.push(d);
      if (parseResponses(Buffer.concat(chunks)).length >= count) setTimeout(() => finish(false), 50);
    });
    sock.on('end', () => finish(true));
    sock.on('error', () => finish(true));
  });
}

const post = (path, body, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

const CHAIN_ID = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] });

// ---- raw WebSocket -------------------------------------------------------------

function wsFrame(opcode, payload) {
  const p = Buffer.from(payload);
  const mask = crypto.randomBytes(4);
  let head;
  if (p.length < 126) head = Buffer.from([0x80 | opcode, 0x80 | p.length]);
  else if (p.length < 65536) head = Buffer.from([0x80 | opcode, 0x80 | 126, p.length >> 8, p.length & 255]);
  else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(p.length), 2);
  }
  const masked = Buffer.from(p.map((b, i) => b ^ mask[i & 3]));
  return Buffer.concat([head, mask, masked]);
}

/** Parse unmasked server frames from buf: [{ op, payload }]. */
function parseFrames(buf) {
  const out = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const op = buf[off] & 15;
    let len = buf[off + 1] & 127, hl = 2;
    if (len === 126) { if (buf.length - off < 4) break; len = buf.readUInt16BE(off + 2); hl = 4; }
    else if (len === 127) { if (buf.length - off < 10) break; len = Number(buf.readBigUInt64BE(off + 2)); hl = 10; }
    if (buf.length - off < hl + len) break;
    out.push({ op, payload: buf.subarray(off + hl, off + hl + len) });
    off += hl + len;
  }
  return out;
}

/** Open a WebSocket on path, send frames, collect frames until `count` or close. */
function wsExchange(port, path, frames, { count = 1, timeoutMs = IO_TIMEOUT_MS } = {}) {
  return new Promise((resolve) => {
    const key = crypto.randomBytes(16).toString('base64');
    let buf = Buffer.alloc(0), status = 0, upgraded = false, done = false;
    const sock = net.connect({ port, host: '127.0.0.1' });
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ status, frames: upgraded ? parseFrames(buf) : [], closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        status = Number(buf.subarray(0, end).toString('latin1').split(' ')[1]);
        buf = buf.subarray(end + 4);
        if (status !== 101) return finish(false);
        upgraded = true;
        for (const f of frames) sock.write(f);
      }
      if (parseFrames(buf).length >= count) finish(false);
    });
    sock.on('end', () => finish(true));
    sock.on('error', () => finish(true));
  });
}

// ---- connections ---------------------------------------------------------------

/** Open a connection from localAddress; resolves once connected, with closedByServer(). */
function openIdle(port, localAddress) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    let ended = false;
    sock.on('end', () => { ended = true; });
    sock.on('close', () => { ended = true; });
    sock.on('error', () => { ended = true; });
    sock.on('connect', () => resolve({ sock, closedByServer: () => ended }));
  });
}

/** Send data on an open connection; resolves with the first response (or null after the timeout). */
function ask(conn, data, timeoutMs = IO_TIMEOUT_MS) {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => resolve(null), timeoutMs);
    conn.sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const r = parseResponses(buf);
      if (r.length) { clearTimeout(timer); resolve(r[0]); }
    });
    conn.sock.write(data);
  });
}

// ---- framing -------------------------------------------------------------------

test('framing: "Transfer-Encoding : chunked" (space before the colon) is refused with 400', async (t) => {
  await withVerity(t, async (v, port) => {
    const r = await exchange(port, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n` +
      `${CHAIN_ID.length.toString(16)}\r\n${CHAIN_ID}\r\n0\r\n\r\n`);
    assert.equal(r.responses[0]?.status, 400, `got ${r.responses[0]?.status}: ${r.responses[0]?.body}`);
    assert.equal(r.responses[0].headers.connection, 'close');
  });
});

test('framing: chunk data followed by XX instead of CRLF is refused with 400', async (t) => {
  await withVerity(t, async (v, port) => {
    const r = await exchange(port, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `${CHAIN_ID.length.toString(16)}\r\n${CHAIN_ID}XX0\r\n\r\n`);
    assert.equal(r.responses[0]?.status, 400, `got ${r.responses[0]?.status}: ${r.responses[0]?.body}`);
  });
});

test('framing: HTTP/9.9 gets 505 and the connection closed; HTTP/1.0 and 1.1 are served', async (t) => {
  await withVerity(t, async (v, port) => {
    const r = await exchange(port, `GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n`);
    assert.equal(r.responses[0]?.status, 505, `got ${r.responses[0]?.status}`);
    assert.ok(r.closed, 'kept alive after HTTP/9.9');
    for (const ver of ['1.0', '1.1']) {
      const ok = await exchange(port, `GET /healthz HTTP/${ver}\r\nHost: x\r\n\r\n`);
      assert.equal(ok.responses[0]?.status, 200, `HTTP/${ver}`);
    }
  });
});

test('framing: a request smuggled behind "Transfer-Encoding : chunked" is never served', async (t) => {
  await withVerity(t, async (v, port) => {
    // a proxy that ignores the malformed header sees one request whose body runs on;
    // a lenient server would frame by it and serve the GET hidden after the last chunk
    const inner = `GET /status HTTP/1.1\r\nHost: x\r\n\r\n`;
    const r = await exchange(port, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n` +
      `0\r\n\r\n${inner}`, { count: 2, timeoutMs: 1500 });
    assert.equal(r.responses[0]?.status, 400);
    assert.equal(r.responses.length, 1, 'a second response came back');
  });
});

// ---- CORS ----------------------------------------------------------------------

test('CORS: off by default; with cors_origin set, never on /status and /metrics', async (t) => {
  await withVerity(t, async (v, port) => {
    for (const req of [post('/', CHAIN_ID), 'GET /status HTTP/1.1\r\nHost: x\r\n\r\n',
      'OPTIONS / HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n\r\n']) {
      const r = await exchange(port, req);
      assert.ok(r.responses[0], `no response to ${req.split('\r\n')[0]}`);
      assert.equal(r.responses[0].headers['access-control-allow-origin'], undefined, `CORS by default on ${req.split('\r\n')[0]}`);
    }
    const cport = portOf(corsVerity);
    const rpc = await exchange(cport, post('/', CHAIN_ID, 'Origin: https://app.example\r\n'));
    assert.equal(rpc.responses[0]?.headers['access-control-allow-origin'], '*');
    for (const path of ['/status', '/metrics']) {
      const r = await exchange(cport, `GET ${path} HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\r\n`);
      assert.equal(r.responses[0]?.status, 200, path);
      assert.equal(r.responses[0].headers['access-control-allow-origin'], undefined, `CORS on ${path}`);
    }
  });
});

// ---- responses of any size -----------------------------------------------------

const ID_SIZES = [1022, 1023, 4094, 4096, 65493, 65494, 65535, 65536, 70000]; // characters
const idCall = (n) => JSON.stringify({ jsonrpc: '2.0', id: 'x'.repeat(n), method: 'eth_chainId', params: [] });

/** One answer to an id of n characters: echoed while it fits the cap, else a clear -32600 with id null. */
function checkIdAnswer(obj, n, where) {
  if (n + 2 <= 1024) {
    assert.equal(obj.id, 'x'.repeat(n), `${where}: id of ${n} not echoed`);
    assert.ok(obj.result, `${where}: no result for an id of ${n}`);
  } else {
    assert.equal(obj.id, null, `${where}: id of ${n}`);
    assert.equal(obj.error?.code, -32600, `${where}: id of ${n}: ${JSON.stringify(obj.error)}`);
    assert.match(obj.error.message, /longer than 1024/);
  }
}

test('long ids: every answer is valid JSON, single and batch, over HTTP, at and past each buffer boundary', async (t) => {
  await withVerity(t, async (v, port) => {
    for (const n of ID_SIZES) {
      const r = await exchange(port, post('/', idCall(n)));
      assert.equal(r.responses[0]?.status, 200, `id of ${n}`);
      let obj;
      assert.doesNotThrow(() => { obj = JSON.parse(r.responses[0].body); }, `id of ${n}: invalid JSON`);
      checkIdAnswer(obj, n, 'single');
      const batch = `[${CHAIN_ID},${idCall(n)},${CHAIN_ID.replace('"id":1', '"id":3')}]`;
      const b = await exchange(port, post('/', batch));
      let arr;
      assert.doesNotThrow(() => { arr = JSON.parse(b.responses[0].body); }, `batch with id of ${n}: invalid JSON`);
      assert.equal(arr.length, 3);
      const byId = (id) => arr.find((o) => o.id === id);
      assert.ok(byId(1)?.result && byId(3)?.result, `batch with id of ${n}: neighbours damaged`);
      checkIdAnswer(arr.find((o) => o.id !== 1 && o.id !== 3), n, 'batch');
    }
  });
});

test('long ids: every answer is valid JSON over WebSocket, single and batch', async (t) => {
  await withVerity(t, async (v, port) => {
    for (const n of [1022, 1023, 65494, 70000]) {
      const batch = `[${CHAIN_ID},${idCall(n)}]`;
      const r = await wsExchange(port, '/', [wsFrame(1, idCall(n)), wsFrame(1, batch)], { count: 2 });
      assert.equal(r.status, 101);
      assert.equal(r.frames.length, 2, `id of ${n}: ${r.frames.length} frames`);
      let one, arr;
      assert.doesNotThrow(() => { one = JSON.parse(r.frames[0].payload.toString('utf8')); }, `ws id of ${n}: invalid JSON`);
      checkIdAnswer(one, n, 'ws single');
      assert.doesNotThrow(() => { arr = JSON.parse(r.frames[1].payload.toString('utf8')); }, `ws batch, id of ${n}: invalid JSON`);
      assert.ok(arr.find((o) => o.id === 1)?.result, 'ws batch: neighbour damaged');
    }
  });
});

// ---- half-close, NUL, invalid UTF-8 ------------------------------------------------

test('half-close: a request followed by shutdown(SHUT_WR) is still answered (an upstream call)', async (t) => {
  await withVerity(t, async (v, port) => {
    const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'eth_getBalance',
      params: ['0x' + crypto.randomBytes(20).toString('hex'), 'latest'] });
    const r = await exchange(port, post('/', call), { halfClose: true });
    assert.ok(r.bytes > 0, 'no answer after the half-close');
    assert.equal(r.responses[0]?.status, 200);
    const obj = JSON.parse(r.responses[0].body);
    assert.equal(obj.id, 7);
    assert.ok(obj.result !== undefined, JSON.stringify(obj));
  });
});

test('a NUL inside a method name is refused, not cut short ("eth_blockNumber\\u0000admin_nodeInfo")', async (t) => {
  await withVerity(t, async (v, port) => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber\\u0000admin_nodeInfo","params":[]}';
    const r = await exchange(port, post('/', body));
    const obj = JSON.parse(r.responses[0].body);
    assert.equal(obj.result, undefined, `served: ${JSON.stringify(obj)}`);
    assert.ok([-32600, -32601].includes(obj.error?.code), JSON.stringify(obj));
    assert.match(obj.error.message, /NUL/);
  });
});

test('raw invalid UTF-8 in an id is refused (-32700, id null), never echoed', async (t) => {
  await withVerity(t, async (v, port) => {
    for (const bad of [Buffer.from([0xff, 0xfe]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80])]) {
      const body = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"'), bad, Buffer.from('","method":"eth_chainId"}')]);
      const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      const r = await exchange(port, Buffer.concat([Buffer.from(head), body]));
      const obj = JSON.parse(r.responses[0].body);
      assert.equal(obj.id, null, `id echoed: ${r.responses[0].body}`);
      assert.ok([-32700, -32600].includes(obj.error?.code));
    }
  });
});

// ---- WebSocket -----------------------------------------------------------------

test('WebSocket: upgrade only on /; /status and /metrics refuse it', async (t) => {
  await withVerity(t, async (v, port) => {
    for (const path of ['/status', '/metrics', '/x']) {
      const r = await wsExchange(port, path, [], { count: 0, timeoutMs: 2000 });
      assert.notEqual(r.status, 101, `upgraded on ${path}`);
    }
    const ok = await wsExchange(port, '/', [wsFrame(1, CHAIN_ID)]);
    assert.equal(ok.status, 101);
    assert.equal(JSON.parse(ok.frames[0].payload.toString()).result, '0x7a69');
  });
});

test('WebSocket: a close frame whose reason is invalid UTF-8 is answered with 1007', async (t) => {
  await withVerity(t, async (v, port) => {
    const payload = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from([0xff, 0xfe, 0xfd])]);
    const r = await wsExchange(port, '/', [wsFrame(8, payload)]);
    assert.equal(r.status, 101);
    const close = r.frames.find((f) => f.op === 8);
    assert.ok(close, 'no close frame');
    assert.equal(close.payload.readUInt16BE(0), 1007);
  });
});

// ---- connections per client ------------------------------------------------------

test('one peer cannot take every connection: its share is capped, /healthz and other peers still get in', async (t) => {
  await withVerity(t, async (v, port) => {
    const hog = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) hog.push(await openIdle(port, '127.0.0.2'));
      await sleep(300);
      const open = hog.filter((c) => !c.closedByServer()).length;
      assert.ok(open <= PER_CLIENT + 1, `one peer holds ${open} of ${MAX_CONNECTIONS} connections`);
      const health = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { localAddress: '127.0.0.3' });
      assert.equal(health.responses[0]?.status, 200, '/healthz unreachable');
      const call = await exchange(port, post('/', CHAIN_ID), { localAddress: '127.0.0.4' });
      assert.equal(call.responses[0]?.status, 200, 'another peer locked out');
      assert.equal(JSON.parse(call.responses[0].body).result, '0x7a69');
    } finally {
      for (const c of hog) c.sock.destroy();
    }
  });
});

test('full server: /healthz answers through the reserved slot; idle connections are reaped sooner', async (t) => {
  await withVerity(t, async (v, port) => {
    const idle = [];
    try {
      // every regular slot taken by idle connections (4 peers), then a monitor on the last slot
      for (let p = 0; p < MAX_CONNECTIONS / PER_CLIENT; p++)
        for (let i = 0; i < PER_CLIENT && idle.length < MAX_CONNECTIONS - 1; i++) idle.push(await openIdle(port, `127.0.0.${10 + p}`));
      await sleep(300);
      const monitor = await openIdle(port, '127.0.0.30');
      idle.push(monitor);
      const health = await ask(monitor, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.equal(health?.status, 200, '/healthz unreachable when full');
      await sleep(BUSY_IDLE_MS + 700);
      const call = await exchange(port, post('/', CHAIN_ID), { localAddress: '127.0.0.31' });
      assert.equal(call.responses[0]?.status, 200, 'a new client is still locked out after the idle ones sat 5 s');
      const reaped = idle.filter((c) => c.closedByServer()).length;
      assert.ok(reaped >= 1, 'no idle connection was reaped');
    } finally {
      for (const c of idle) c.sock.destroy();
    }
  });
});
