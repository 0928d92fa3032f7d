// Verified eth_call end to end: token balances that cannot lie.  An ERC-20 and a
// Multicall3-compatible batcher (both our own source, compiled here with the pinned solc)
// on three lockstep anvil nodes behind fault proxies, verity in front (verify on, the
// default).  Balances are read with ethers v6 (contract.balanceOf), viem readContract and
// viem multicall (aggregate3 over 50 holders); custom-error reverts must decode through
// verity exactly as through anvil.  Then every proxy lies about contract reads in turn,
// one liar, two of three, all three: a zero word or a wrong word for eth_call, a changed
// storage value in eth_getProof, an eth_createAccessList that names nothing, wrong code.
// The client sees the right balance or -32002, never a wrong one; each lie is asserted
// to have been told (or, for eth_call lies, that verity never asked any upstream eth_call).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { createPublicClient, http } from 'viem';
import { withWorld } from './lib/world.mjs';
import { devAddress } from './lib/accounts.mjs';
import { rpc, rpcRaw } from './lib/util.mjs';
import { setup, devnetChain, HOLDERS, AMOUNT } from './lib/tokens.mjs';

async function trustOf(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.text();
  return res.headers.get('x-verity-trust');
}

test('verified eth_call: ethers balanceOf, viem readContract and multicall, custom errors, trust header', async (t) => {
  await withWorld(t, {}, async (w) => {
    const c = await setup(w);
    const iface = new ethers.Interface(c.art.token.abi);
    const provider = new ethers.JsonRpcProvider(w.verity.url, 31337, { staticNetwork: true, batchMaxCount: 1 });
    const token = new ethers.Contract(c.token, c.art.token.abi, provider);
    for (const i of [0, 7, 49]) assert.equal(await token.balanceOf(HOLDERS[i]), AMOUNT(i));
    assert.equal(await token.balanceOf(devAddress(3)), 0n); // a real zero, proven

    const client = createPublicClient({ chain: devnetChain, transport: http(w.verity.url, { timeout: 20000 }) });
    assert.equal(await client.readContract({ address: c.token, abi: c.art.token.abi, functionName: 'balanceOf', args: [HOLDERS[5]] }), AMOUNT(5));
    const t0 = Date.now();
    const all = await client.multicall({
      multicallAddress: c.batch, allowFailure: false,
      contracts: HOLDERS.map((h) => ({ address: c.token, abi: c.art.token.abi, functionName: 'balanceOf', args: [h] })),
    });
    t.diagnostic(`multicall of 50 balances through verity (cold): ${Date.now() - t0} ms`);
    assert.deepEqual(all, HOLDERS.map((_, i) => AMOUNT(i)));

    const data = iface.encodeFunctionData('balanceOf', [HOLDERS[1]]);
    const trust = await trustOf(w.verity.url, { jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to: c.token, data }, 'latest'] });
    assert.match(trust || '', /^verified:/, `X-Verity-Trust ${trust}`);
    const eth = await rpc(w.verity.url, 'eth_estimateGas', [{ from: HOLDERS[2], to: c.token, data: iface.encodeFunctionData('transfer', [HOLDERS[3], 1n]) }]);
    const ethAnvil = await rpc(w.devnet.truthUrl, 'eth_estimateGas', [{ from: HOLDERS[2], to: c.token, data: iface.encodeFunctionData('transfer', [HOLDERS[3], 1n]) }]);
    t.diagnostic(`estimateGas transfer: verity ${BigInt(eth)} anvil ${BigInt(ethAnvil)}`);
    assert.ok(BigInt(eth) >= 21000n);
    await assert.rejects(rpc(w.verity.url, 'eth_estimateGas', [{ from: HOLDERS[2], to: c.token, data: iface.encodeFunctionData('transfer', [HOLDERS[3], 10n ** 30n]) }]),
      (e) => e.code === 3);

    // custom error: the same revert bytes and decoding through verity as through anvil
    const callData = iface.encodeFunctionData('need', [HOLDERS[0], 10n ** 30n]);
    const viaVerity = await rpcRaw(w.verity.url, 'eth_call', [{ to: c.token, data: callData }, 'latest']);
    const viaAnvil = await rpcRaw(w.devnet.truthUrl, 'eth_call', [{ to: c.token, data: callData }, 'latest']);
    assert.equal(viaVerity.error?.code, 3, JSON.stringify(viaVerity));
    assert.equal(viaVerity.error.data, viaAnvil.error.data);
    const eErr = await token.need(HOLDERS[0], 10n ** 30n).then(() => null, (e) => e);
    assert.equal(eErr?.revert?.name, 'Insufficient');
    assert.deepEqual([...eErr.revert.args], [AMOUNT(0), 10n ** 30n]);
    const vErr = await client.readContract({ address: c.token, abi: c.art.token.abi, functionName: 'need', args: [HOLDERS[0], 10n ** 30n] }).then(() => null, (e) => e);
    const reverted = vErr?.walk?.((e) => e.name === 'ContractFunctionRevertedError');
    assert.equal(reverted?.data?.errorName, 'Insufficient');
    assert.deepEqual(reverted.data.args, [AMOUNT(0), 10n ** 30n]);
    // proven state is kept: a second call over the same state at the same block asks no proofs
    const head = Number((await rpcRaw(w.devnet.truthUrl, 'eth_blockNumber', [])).result);
    const at = '0x' + (head - 1).toString(16);
    const q = (v) => rpc(w.verity.url, 'eth_call', [{ to: c.token, data: iface.encodeFunctionData('need', [HOLDERS[9], v]) }, at]);
    assert.equal(BigInt(await q(1n)), AMOUNT(9));
    const proofs = () => w.proxies.reduce((s, p) => s + (p.stats.methods.eth_getProof || 0), 0);
    const before = proofs();
    assert.equal(BigInt(await q(2n)), AMOUNT(9));
    assert.equal(proofs(), before, 'the second call over the same state asked for proofs again');
    // nobody's eth_call was asked: the answers are verity's own runs
    for (const p of w.proxies) assert.equal(p.stats.methods.eth_call || 0, 0, `${p.name} was asked eth_call`);
  });
});

const LIES = ['zeroWord', 'wrongWord', 'wrongStorage', 'omitAccessList', 'wrongCode'];
const LIE_METHOD = { zeroWord: 'eth_call', wrongWord: 'eth_call', wrongStorage: 'eth_getProof', omitAccessList: 'eth_createAccessList', wrongCode: 'eth_getCode' };
const SETS = [[0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]];

test('verified eth_call under lies: one liar, two of three, all three', async (t) => {
  // no memory cache: every read proves its state again, so every read meets the liars
  await withWorld(t, { overrides: { cache: { memory: 0 } } }, async (w) => {
    const c = await setup(w);
    const iface = new ethers.Interface(c.art.token.abi);
    const tally = {};
    let unique = 0; // every read distinct (need(holder, v) returns the balance), so no answer cache hides a lie
    for (const lie of LIES) {
      let told = 0, asked = 0, right = 0, unavailable = 0;
      for (const set of SETS) {
        for (const p of w.proxies) p.resetStats();
        for (const k of set) w.proxies[k].setMode(lie);
        for (let n = 0; n < 3; n++) {
          const i = (n * 17 + set.length) % HOLDERS.length;
          const data = iface.encodeFunctionData('need', [HOLDERS[i], BigInt(++unique)]);
          const r = await rpcRaw(w.verity.url, 'eth_call', [{ to: c.token, data }, 'latest'], { timeoutMs: 20000 });
          if (r.error) {
            assert.equal(r.error.code, -32002, `${lie} ${set}: ${JSON.stringify(r.error)}`);
            assert.equal(set.length, 3, `${lie} with liars ${set}: -32002 although an honest upstream was there`);
            unavailable++;
          } else {
            assert.equal(BigInt(r.result), AMOUNT(i), `${lie} liars ${set}: WRONG balance ${r.result}`);
            right++;
          }
        }
        for (const k of set) {
          told += w.proxies[k].stats.faults[lie] || 0;
          asked += w.proxies[k].stats.methods[LIE_METHOD[lie]] || 0;
          w.proxies[k].setMode('pass');
        }
      }
      tally[lie] = { told, asked, right, unavailable };
      if (LIE_METHOD[lie] === 'eth_call') assert.equal(asked, 0, `${lie}: verity asked an upstream eth_call`);
      else assert.ok(told >= 1, `${lie}: the lie was never told (asked ${asked})`);
    }
    t.diagnostic(JSON.stringify(tally));
  });
});

test('verify: false: a zero word from one liar is confirmed, never served alone', async (t) => {
  await withWorld(t, { overrides: { verify: false } }, async (w) => {
    const c = await setup(w);
    const iface = new ethers.Interface(c.art.token.abi);
    let told = 0, wrong = 0;
    for (let k = 0; k < 3; k++) {
      for (const p of w.proxies) p.resetStats();
      w.proxies[k].setMode('zeroWord');
      for (let n = 0; n < 3; n++) {
        const data = iface.encodeFunctionData('need', [HOLDERS[n], BigInt(k * 10 + n + 1)]);
        const r = await rpcRaw(w.verity.url, 'eth_call', [{ to: c.token, data }, 'latest'], { timeoutMs: 20000 });
        if (!r.error && BigInt(r.result) !== AMOUNT(n)) wrong++;
      }
      told += w.proxies[k].stats.faults.zeroWord || 0;
      w.proxies[k].setMode('pass');
    }
    assert.equal(wrong, 0, 'a false zero balance was served');
    assert.ok(told >= 1, 'the zero word was never told');
  });
});
