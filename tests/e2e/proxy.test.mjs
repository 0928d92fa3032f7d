// Proves every mode of the fault proxy against a real anvil devnet, without verity:
// transport faults (refuse, hang, delay, status, ratelimit, truncate, garbage), the
// stale-node emulation lag(n), each lie (also inside batches, also per method), the
// byte-exact id handling, the gossip of eth_sendRawTransaction to every node, and
// the per-method counters.  If a mode silently passed traffic through, these fail.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevnet } from './lib/devnet.mjs';
import { startProxy, parseMode } from './lib/proxy.mjs';
import { rawIds } from './lib/jsonids.mjs';
import { signTransfer, devAddress, devWallet } from './lib/accounts.mjs';
import { rpc, rpcRaw, hex } from './lib/util.mjs';

let devnet;
let proxy;

async function post(body, timeoutMs = 3000) {
  const res = await fetch(proxy.url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const call = (method, params = []) => rpcRaw(proxy.url, method, params);

before(async () => {
  devnet = await startDevnet({ n: 2, blockMs: 0 });
  proxy = await startProxy({ target: devnet.nodes[0].url, devnet, name: 'a' });
  // a contract creation whose init code emits two LOG0 events, plus a transfer
  const w = devWallet(3);
  const deploy = await w.signTransaction({
    type: 2, chainId: 31337, nonce: 0, data: '0x60006000a060006000a000', gasLimit: 100000n,
    maxFeePerGas: 20n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n,
  });
  assert.ok((await devnet.broadcast(deploy)).result);
  for (let k = 0; k < 6; k++) await devnet.mine();
});

after(async () => {
  if (proxy) await proxy.close();
  if (devnet) await devnet.stop();
});

test('mode parser rejects unknown modes and bad arguments', () => {
  assert.deepEqual(parseMode('delay(250)').arg, 250);
  assert.throws(() => parseMode('explode'), /unknown mode/);
  assert.throws(() => parseMode('delay'), /needs an argument/);
  assert.throws(() => parseMode('hang(3)'), /takes no argument/);
  assert.throws(() => parseMode('status(200)'), /out of range 400..599/);
  assert.throws(() => parseMode('lag(0)'), /out of range/);
});

test('rawIds reads ids byte-exact', () => {
  assert.deepEqual(rawIds('{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"x"}'), ['123456789012345678901234567890']);
  assert.deepEqual(rawIds('[{"id":"a\\"b"},{"method":"n"},7,{"params":[{"id":1}],"id":null}]'), ['"a\\"b"', undefined, undefined, 'null']);
  assert.throws(() => rawIds('[{"id":1'));
});

test('pass: forwards, keeps huge/string/null ids byte-exact, batches, counts', async () => {
  proxy.setMode('pass');
  proxy.resetStats();
  const r = await post('[{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"eth_blockNumber","params":[]},' +
    '{"jsonrpc":"2.0","id":"s-1","method":"eth_chainId","params":[]},{"jsonrpc":"2.0","id":null,"method":"eth_chainId"}]');
  assert.equal(r.status, 200);
  assert.match(r.text, /"id":123456789012345678901234567890,/);
  assert.match(r.text, /"id":"s-1"/);
  assert.match(r.text, /"id":null/);
  const arr = JSON.parse(r.text);
  assert.equal(arr[0].result, hex(devnet.head));
  assert.equal(arr[1].result, '0x7a69');
  assert.equal(proxy.stats.methods.eth_chainId, 2);
  assert.equal(proxy.stats.served.eth_blockNumber, 1);
});

test('pass: bodies that are not requests get -32600, not a crash', async () => {
  proxy.setMode('pass');
  let r = await post('5');
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.text).error.code, -32600);
  r = await post('[1,{"jsonrpc":"2.0","id":4,"method":"eth_chainId"}]');
  const arr = JSON.parse(r.text);
  assert.equal(arr[0].error.code, -32600);
  assert.equal(arr[1].result, '0x7a69');
  assert.deepEqual(proxy.stats.internalErrors, []);
});

test('refuse: connections die immediately; pass revives', async () => {
  proxy.setMode('refuse');
  await assert.rejects(post({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }));
  proxy.setMode('pass');
  assert.equal((await call('eth_chainId')).result, '0x7a69');
});

test('refuse per method: only that method dies', async () => {
  proxy.setMode('refuse', { methods: ['eth_getBalance'] });
  await assert.rejects(call('eth_getBalance', [devAddress(0), 'latest']));
  assert.equal((await call('eth_chainId')).result, '0x7a69');
  proxy.setMode('pass');
});

test('hang: accepts and never answers', async () => {
  proxy.setMode('hang');
  const t0 = Date.now();
  await assert.rejects(post({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }, 400), /timeout|abort/i);
  assert.ok(Date.now() - t0 >= 380);
  proxy.setMode('pass');
});

test('delay(300): answers late but right', async () => {
  proxy.setMode('delay(300)');
  const t0 = Date.now();
  assert.equal((await call('eth_chainId')).result, '0x7a69');
  assert.ok(Date.now() - t0 >= 290);
  proxy.setMode('pass');
});

test('status(503) and ratelimit(7)', async () => {
  proxy.setMode('status(503)');
  let r = await post({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' });
  assert.equal(r.status, 503);
  proxy.setMode('ratelimit(7)');
  r = await post({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '7');
  proxy.setMode('pass');
});

test('truncate: full Content-Length, half the body, then the socket dies', async () => {
  proxy.setMode('truncate');
  await assert.rejects(post({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['latest', false] }));
  proxy.setMode('garbage');
  const r = await post({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' });
  assert.equal(r.status, 200);
  assert.throws(() => JSON.parse(r.text));
  proxy.setMode('pass');
});

test('lag(3): looks like a node 3 blocks behind', async () => {
  const head = devnet.head;
  const addr = devAddress(0);
  const rawTx = await signTransfer(1, { to: devAddress(8), nonce: 0 });
  const { result: txHash } = await call('eth_sendRawTransaction', [rawTx]);
  await devnet.mine();
  const top = head + 1;
  proxy.setMode('lag(3)');
  assert.equal(Number((await call('eth_blockNumber')).result), top - 3);
  const latest = (await call('eth_getBlockByNumber', ['latest', false])).result;
  assert.equal(Number(latest.number), top - 3);
  assert.equal((await call('eth_getBlockByNumber', [hex(top), false])).result, null);
  const e = await call('eth_getBalance', [addr, hex(top)]);
  assert.equal(e.error.code, -32000);
  assert.match(e.error.message, /header not found/);
  assert.equal((await call('eth_getProof', [addr, [], hex(top - 1)])).error.code, -32000);
  assert.equal((await call('eth_getTransactionReceipt', [txHash])).result, null);
  const truthOld = await rpc(devnet.nodes[0].url, 'eth_getBalance', [devAddress(1), hex(top - 3)]);
  assert.equal((await call('eth_getBalance', [devAddress(1), 'latest'])).result, truthOld);
  proxy.setMode('pass');
  assert.ok((await call('eth_getTransactionReceipt', [txHash])).result);
});

test('eth_sendRawTransaction through the proxy reaches every node (gossip)', async () => {
  const rawTx = await signTransfer(2, { to: devAddress(9), nonce: 0 });
  const r = await call('eth_sendRawTransaction', [rawTx]);
  assert.ok(r.result);
  await devnet.mine();
  for (const x of devnet.nodes) assert.ok(await rpc(x.url, 'eth_getTransactionReceipt', [r.result]));
  assert.deepEqual(devnet.forks, []);
});

test('lies: zeroBalance, also in a batch and inside eth_getProof', async () => {
  const addr = devAddress(0);
  proxy.setMode('zeroBalance');
  assert.equal((await call('eth_getBalance', [addr, 'latest'])).result, '0x0');
  const r = JSON.parse((await post([
    { jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [addr, 'latest'] },
    { jsonrpc: '2.0', id: 2, method: 'eth_getProof', params: [addr, [], 'latest'] },
  ])).text);
  assert.equal(r[0].result, '0x0');
  assert.equal(r[1].result.balance, '0x0');
  proxy.setMode('zeroBalance', { methods: ['eth_getBalance'] });
  assert.notEqual((await call('eth_getProof', [addr, [], 'latest'])).result.balance, '0x0');
  proxy.setMode('pass');
  assert.notEqual((await call('eth_getBalance', [addr, 'latest'])).result, '0x0');
});

test('lies: wrongBalance, wrongNonce, forgeProofNode, wrongBlockHash', async () => {
  const addr = devAddress(3);
  const n = hex(devnet.head);
  const truth = await rpc(devnet.nodes[0].url, 'eth_getProof', [addr, [], n]);
  const truthBlock = await rpc(devnet.nodes[0].url, 'eth_getBlockByNumber', [n, false]);
  proxy.setMode('wrongBalance');
  assert.equal(BigInt((await call('eth_getBalance', [addr, n])).result), BigInt(truth.balance) + 10n ** 18n);
  proxy.setMode('wrongNonce');
  assert.equal(BigInt((await call('eth_getTransactionCount', [addr, n])).result), BigInt(truth.nonce) + 1n);
  proxy.setMode('forgeProofNode');
  const forged = (await call('eth_getProof', [addr, [], n])).result;
  assert.equal(forged.balance, truth.balance);
  assert.equal(forged.accountProof[0], truth.accountProof[0]);
  assert.notEqual(forged.accountProof[1], truth.accountProof[1]);
  assert.equal(forged.accountProof[1].length, truth.accountProof[1].length);
  proxy.setMode('wrongBlockHash');
  const b = (await call('eth_getBlockByNumber', [n, false])).result;
  assert.notEqual(b.hash, truthBlock.hash);
  assert.notEqual(b.stateRoot, truthBlock.stateRoot);
  assert.notEqual((await call('eth_getBlockByHash', [truthBlock.hash, false])).result.hash, truthBlock.hash);
  proxy.setMode('pass');
});

test('lies: omitLog and nullReceipt', async () => {
  const filter = { fromBlock: '0x0', toBlock: 'latest' };
  const logs = await rpc(devnet.nodes[0].url, 'eth_getLogs', [filter]);
  assert.equal(logs.length, 2, 'deploy tx should have emitted 2 logs');
  proxy.setMode('omitLog');
  const got = (await call('eth_getLogs', [filter])).result;
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], logs[1]);
  proxy.setMode('nullReceipt');
  assert.equal((await call('eth_getTransactionReceipt', [logs[0].transactionHash])).result, null);
  proxy.setMode('pass');
  assert.ok((await call('eth_getTransactionReceipt', [logs[0].transactionHash])).result);
  assert.ok(proxy.stats.faults.nullReceipt >= 1);
});
