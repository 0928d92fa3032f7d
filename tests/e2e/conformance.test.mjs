// JSON-RPC 2.0 and HTTP conformance of verity, seen from real clients (viem, ethers,
// raw fetch, raw WebSocket): batches, byte-exact ids, notifications, the standard
// error codes, denied admin_/debug_ namespaces, a locally answered eth_chainId, CORS,
// /healthz, /status (per-upstream state, no secrets), /metrics, and eth_subscribe
// newHeads over WebSocket.  One upstream URL carries a secret through ${ENV}
// interpolation; the test checks it never appears in /status, /metrics or the log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createPublicClient, http, defineChain } from 'viem';
import { WebSocketProvider } from 'ethers';
import { withWorld } from './lib/world.mjs';
import { devAddress, UNFUNDED } from './lib/accounts.mjs';
import { rpc, waitFor } from './lib/util.mjs';

const SECRET = 'e2eSecretKey0123456789abcdef';
const SECRET_ENV = 'VERITY_E2E_UPSTREAM_KEY';

const WORLD = {
  overrides: { cors_origin: '*' },
  // upstream c is reached through a URL whose path holds a key from the environment
  upstreamUrl: (p, i) => (i === 2 ? `${p.url}/v3/\${${SECRET_ENV}}` : p.url),
};

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(10000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const devnetChain = defineChain({
  id: 31337, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: ['http://127.0.0.1:1'] } },
});

/** Every array of objects with a "name" field found anywhere inside v. */
function namedLists(v, out = []) {
  if (Array.isArray(v)) {
    if (v.length && v.every((x) => x && typeof x === 'object' && typeof x.name === 'string')) out.push(v);
    v.forEach((x) => namedLists(x, out));
  } else if (v && typeof v === 'object') {
    Object.values(v).forEach((x) => namedLists(x, out));
  }
  return out;
}

test('JSON-RPC conformance, HTTP endpoints and no secret leaks', async (t) => {
  process.env[SECRET_ENV] = SECRET;
  await withWorld(t, WORLD, async (w) => {
    const url = w.verity.url;
    await w.devnet.waitForBlock(2);

    await t.test('viem: batched reads agree with the chain', async () => {
      const client = createPublicClient({ chain: devnetChain, transport: http(url, { batch: true }) });
      const addrs = [devAddress(0), devAddress(9), UNFUNDED[0]];
      const [chainId, n, ...bals] = await Promise.all([
        client.getChainId(), client.getBlockNumber(), ...addrs.map((a) => client.getBalance({ address: a })),
      ]);
      assert.equal(chainId, 31337);
      assert.ok(n >= 1n && n <= BigInt(w.devnet.head), `verity head ${n}, chain head ${w.devnet.head}`);
      for (let k = 0; k < addrs.length; k++) {
        assert.equal(bals[k], BigInt(await rpc(w.devnet.truthUrl, 'eth_getBalance', [addrs[k], 'latest'])));
      }
      const pinned = await client.getBalance({ address: devAddress(0), blockNumber: n });
      assert.equal(pinned, 10000n * 10n ** 18n);
    });

    await t.test('batch: one answer per call, matched by id', async () => {
      const r = await post(url, [
        { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
        { jsonrpc: '2.0', id: 2, method: 'eth_blockNumber', params: [] },
        { jsonrpc: '2.0', id: 3, method: 'eth_getBalance', params: [devAddress(0), 'latest'] },
        { jsonrpc: '2.0', id: 4, method: 'foo_bar', params: [] },
      ]);
      assert.equal(r.status, 200);
      const arr = JSON.parse(r.text);
      assert.ok(Array.isArray(arr));
      assert.equal(arr.length, 4);
      const byId = Object.fromEntries(arr.map((x) => [x.id, x]));
      assert.equal(byId[1].result, '0x7a69');
      assert.match(byId[2].result, /^0x[0-9a-f]+$/);
      assert.equal(BigInt(byId[3].result), 10000n * 10n ** 18n);
      assert.equal(byId[4].error.code, -32601);
    });

    await t.test('ids come back byte-exact: huge integer, string, null', async () => {
      let r = await post(url, '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"eth_chainId","params":[]}');
      assert.match(r.text, /"id":\s*123456789012345678901234567890\s*[,}]/);
      r = await post(url, '{"jsonrpc":"2.0","id":"req-\\u00e9-1","method":"eth_blockNumber","params":[]}');
      assert.equal(JSON.parse(r.text).id, 'req-\u00e9-1');
      r = await post(url, '{"jsonrpc":"2.0","id":null,"method":"eth_chainId","params":[]}');
      assert.equal(JSON.parse(r.text).id, null);
      r = await post(url, '[{"jsonrpc":"2.0","id":1e400,"method":"eth_chainId"},{"jsonrpc":"2.0","id":-0.5,"method":"eth_chainId"}]');
      assert.match(r.text, /"id":\s*1e400\s*[,}]/);
      assert.match(r.text, /"id":\s*-0\.5\s*[,}]/);
    });

    await t.test('notifications get no response', async () => {
      let r = await post(url, { jsonrpc: '2.0', method: 'eth_chainId', params: [] });
      assert.ok(r.status === 200 || r.status === 204, `status ${r.status}`);
      assert.equal(r.text.trim(), '');
      r = await post(url, [{ jsonrpc: '2.0', method: 'eth_chainId' }, { jsonrpc: '2.0', id: 5, method: 'eth_chainId' }]);
      const arr = JSON.parse(r.text);
      assert.equal(arr.length, 1);
      assert.equal(arr[0].id, 5);
      r = await post(url, [{ jsonrpc: '2.0', method: 'eth_chainId' }, { jsonrpc: '2.0', method: 'eth_blockNumber' }]);
      assert.equal(r.text.trim(), '');
    });

    await t.test('standard errors: -32700, -32600, -32601, -32602', async () => {
      const err = async (body) => JSON.parse((await post(url, body)).text);
      let e = await err('{"jsonrpc":"2.0","method":');
      assert.equal(e.error.code, -32700);
      assert.equal(e.id, null);
      e = await err('{"jsonrpc":"2.0","id":1,"method":5}');
      assert.equal(e.error.code, -32600);
      e = await err('[]');
      assert.ok(!Array.isArray(e), `JSON-RPC 2.0 (spec example "empty Array"): [] is answered with ONE error object, not an array; got ${JSON.stringify(e)}`);
      assert.equal(e.error.code, -32600);
      e = await err('[1]');
      assert.equal(e[0].error.code, -32600);
      e = await err({ jsonrpc: '2.0', id: 9, method: 'foo_bar', params: [] });
      assert.equal(e.error.code, -32601);
      assert.equal(e.id, 9);
      e = await err({ jsonrpc: '2.0', id: 10, method: 'eth_getBalance', params: ['0x1234', 'latest'] });
      assert.equal(e.error.code, -32602);
      assert.ok(e.error.message.length > 5, 'error message should say what is wrong');
      e = await err({ jsonrpc: '2.0', id: 11, method: 'eth_getBalance', params: [devAddress(0), 'sometime'] });
      assert.equal(e.error.code, -32602);
    });

    await t.test('admin_ and debug_ are denied and never reach an upstream', async () => {
      w.proxies.forEach((p) => p.resetStats());
      for (const [method, params] of [['admin_nodeInfo', []], ['admin_addPeer', ['enode://x']], ['debug_traceBlockByNumber', ['0x1', {}]]]) {
        const e = JSON.parse((await post(url, { jsonrpc: '2.0', id: 1, method, params })).text);
        assert.ok(e.error, `${method} was answered: ${JSON.stringify(e)}`);
        assert.equal(e.result, undefined);
      }
      for (const p of w.proxies) {
        const leaked = Object.keys(p.stats.methods).filter((m) => /^(admin|debug)_/.test(m));
        assert.deepEqual(leaked, [], `upstream ${p.name} saw ${leaked}`);
      }
    });

    await t.test('eth_chainId is answered locally', async () => {
      w.proxies.forEach((p) => p.resetStats());
      for (let k = 0; k < 20; k++) assert.equal(await rpc(url, 'eth_chainId'), '0x7a69');
      const upstreamCalls = w.proxies.reduce((s, p) => s + (p.stats.methods.eth_chainId || 0), 0);
      assert.ok(upstreamCalls <= 3, `20 eth_chainId calls caused ${upstreamCalls} upstream calls`);
    });

    await t.test('CORS preflight and CORS on POST', async () => {
      const pre = await fetch(url, {
        method: 'OPTIONS',
        headers: { origin: 'http://dapp.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      await pre.text();
      assert.ok(pre.status === 200 || pre.status === 204, `preflight status ${pre.status}`);
      assert.ok(pre.headers.get('access-control-allow-origin'), 'no Access-Control-Allow-Origin');
      assert.match(pre.headers.get('access-control-allow-methods') || '', /POST/i);
      assert.match(pre.headers.get('access-control-allow-headers') || '', /content-type|\*/i);
      const r = await post(url, { jsonrpc: '2.0', id: 1, method: 'eth_chainId' }, { origin: 'http://dapp.example' });
      assert.ok(r.headers.get('access-control-allow-origin'));
    });

    await t.test('response headers say which upstream and what trust', async () => {
      const r = await post(url, { jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [devAddress(2), 'latest'] });
      const trust = r.headers.get('x-verity-trust');
      assert.ok(trust, 'no X-Verity-Trust header');
      assert.match(trust, /^(verified|quorum|single|stale)/);
      const up = r.headers.get('x-verity-upstream');
      if (up) assert.ok(['a', 'b', 'c'].some((n) => up.includes(n)), `X-Verity-Upstream: ${up}`);
    });

    await t.test('/healthz, /status, /metrics; no secret anywhere', async () => {
      const h = await fetch(`${url}/healthz`);
      await h.text();
      assert.equal(h.status, 200);
      const s = await fetch(`${url}/status`);
      const statusText = await s.text();
      assert.equal(s.status, 200);
      assert.match(s.headers.get('content-type') || '', /json/);
      const status = JSON.parse(statusText);
      const lists = namedLists(status).filter((l) => ['a', 'b', 'c'].every((n) => l.some((x) => x.name === n)));
      assert.ok(lists.length >= 1, `/status has no per-upstream list: ${statusText.slice(0, 300)}`);
      for (const u of lists[0]) {
        assert.ok(Object.keys(u).some((k) => /state|status|health|breaker/i.test(k)), `upstream ${u.name} has no state`);
      }
      assert.ok(!statusText.includes(SECRET), '/status leaks the upstream key');
      const m = await fetch(`${url}/metrics`);
      const metrics = await m.text();
      assert.equal(m.status, 200);
      assert.match(m.headers.get('content-type') || '', /text\/plain/);
      assert.match(metrics, /^# TYPE \w+ (counter|gauge|histogram|summary)/m);
      assert.match(metrics, /^\w+(\{[^}]*\})? [0-9.eE+-]+$/m);
      assert.ok(!metrics.includes(SECRET), '/metrics leaks the upstream key');
      assert.ok(!w.verity.tail(100000).includes(SECRET), 'the log leaks the upstream key');
    });

    await t.test('secret upstream really is used (the key reaches the proxy only)', async () => {
      w.proxies.forEach((p) => p.setMode('pass'));
      w.proxies[0].setMode('refuse');
      w.proxies[1].setMode('refuse');
      w.proxies[2].resetStats();
      await waitFor(async () => (await rpc(url, 'eth_getBalance', [devAddress(3), 'latest'])) && (w.proxies[2].stats.http > 0),
        { timeoutMs: 8000, what: 'a request through upstream c' });
      w.proxies[0].setMode('pass');
      w.proxies[1].setMode('pass');
    });
  });
});

test('WebSocket: eth_subscribe newHeads in order; calls over WS; ethers WebSocketProvider', async (t) => {
  await withWorld(t, {}, async (w) => {
    const ws = new WebSocket(w.verity.wsUrl);
    const heads = [];
    const answers = new Map();
    try {
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString());
        if (msg.method === 'eth_subscription') heads.push(msg.params);
        else answers.set(msg.id, msg);
      });
      const ask = async (id, method, params) => {
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
        return waitFor(() => answers.get(id), { timeoutMs: 5000, what: `ws answer to ${method}` });
      };
      assert.equal((await ask(1, 'eth_chainId', [])).result, '0x7a69');
      const sub = await ask(2, 'eth_subscribe', ['newHeads']);
      assert.match(sub.result, /^0x[0-9a-f]+$/i, JSON.stringify(sub));
      await waitFor(() => heads.length >= 6, { timeoutMs: 15000, what: '6 newHeads' });
      const nums = heads.map((h) => Number(h.result.number));
      for (let k = 1; k < nums.length; k++) assert.ok(nums[k] > nums[k - 1], `heads out of order: ${nums}`);
      for (const h of heads) {
        assert.equal(h.subscription, sub.result);
        const truth = await rpc(w.devnet.truthUrl, 'eth_getBlockByNumber', [h.result.number, false]);
        assert.equal(h.result.hash, truth.hash, `head ${Number(h.result.number)} is not the chain's block`);
      }
      const un = await ask(3, 'eth_unsubscribe', [sub.result]);
      assert.equal(un.result, true);
      const bal = await ask(4, 'eth_getBalance', [devAddress(0), 'latest']);
      assert.equal(BigInt(bal.result), 10000n * 10n ** 18n);
    } finally {
      ws.terminate();
    }

    const provider = new WebSocketProvider(w.verity.wsUrl, 31337, { staticNetwork: true });
    try {
      const seen = [];
      await provider.on('block', (n) => seen.push(n));
      await waitFor(() => seen.length >= 3, { timeoutMs: 15000, what: '3 blocks via ethers' });
      for (let k = 1; k < seen.length; k++) assert.ok(seen[k] > seen[k - 1]);
      assert.equal(await provider.getBalance(devAddress(0)), 10000n * 10n ** 18n);
    } finally {
      await provider.destroy();
    }
  });
});

test('WebSocket newHeads keep coming, in order, while upstreams fail and recover', async (t) => {
  await withWorld(t, {}, async (w) => {
    const [a, b] = w.proxies;
    const ws = new WebSocket(w.verity.wsUrl);
    const heads = [];
    let subId = null;
    try {
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString());
        if (msg.id === 1) subId = msg.result;
        else if (msg.method === 'eth_subscription') heads.push({ at: Date.now(), ...msg.params.result });
      });
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
      await waitFor(() => subId, { timeoutMs: 5000, what: 'subscription id' });
      const t0 = Date.now();
      await waitFor(() => Date.now() - t0 > 1500, { timeoutMs: 3000 });
      a.setMode('refuse');
      await waitFor(() => Date.now() - t0 > 3500, { timeoutMs: 3000 });
      b.setMode('hang');
      await waitFor(() => Date.now() - t0 > 5000, { timeoutMs: 3000 });
      a.setMode('pass');
      b.setMode('pass');
      await waitFor(() => Date.now() - t0 > 7000, { timeoutMs: 3000 });
    } finally {
      ws.terminate();
    }
    const nums = heads.map((h) => Number(h.number));
    t.diagnostic(`heads: ${nums.join(',')}`);
    assert.ok(heads.length >= 6, `only ${heads.length} heads in 7 s`);
    for (let k = 1; k < nums.length; k++) assert.ok(nums[k] > nums[k - 1], `heads out of order or repeated: ${nums}`);
    for (const h of heads) {
      const truth = await rpc(w.devnet.truthUrl, 'eth_getBlockByNumber', [h.number, false]);
      assert.equal(h.hash, truth.hash, `head ${Number(h.number)} is not the chain's block`);
    }
    assert.ok(nums[nums.length - 1] >= w.devnet.head - 4, `heads stopped at ${nums[nums.length - 1]}, chain at ${w.devnet.head}`);
  });
});
