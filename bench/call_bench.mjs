// call_bench.mjs: verified vs unverified eth_call through verity on loopback anvil nodes.
//
// Three anvil nodes (one chain) behind pass-through proxies; two verity processes in
// front of the same proxies, one with `verify: true` (calls run on verity's EVM over
// proven state) and one with `verify: false` (one upstream's eth_call, zero words
// confirmed). Measured, both ways, in one run:
//   cold   N sequential eth_call of Token.need(holder, v) with v unique per call, so no
//          answer cache can serve it, on a verifying verity without memory cache: every
//          call anchors, asks the hint, proves the accounts and slots, runs. p50 / p99 and
//          the added p50. Then the same on the normal verifying verity, where the state
//          proven by earlier calls at the block is kept (new call data, cached state).
//   warm   one balanceOf call at a final (pinned) block repeated by C concurrent
//          clients for S seconds: answers come from the answer cache both ways.
//   multicall of 50 balances (aggregate3), cold (unique calls) and warm (repeated).
// Prints a markdown table. The machine is shared: numbers are noisy.
// Called by bench/call.sh.
import { ethers } from 'ethers';
import { startWorld } from '../tests/e2e/lib/world.mjs';
import { startVerity } from '../tests/e2e/lib/verity.mjs';
import { rpcRaw } from '../tests/e2e/lib/util.mjs';
import { setup, HOLDERS } from '../tests/e2e/lib/tokens.mjs';

const N = Number(process.env.N || 200);
const SECS = Number(process.env.SECS || 5);
const C = Number(process.env.C || 16);

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

async function timed(url, body) {
  const t0 = process.hrtime.bigint();
  const r = await rpcRaw(url, body.method, body.params, { timeoutMs: 30000 });
  if (r.error) throw new Error(`${body.method}: ${JSON.stringify(r.error)}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function cold(url, mk) {
  const ms = [];
  for (let i = 0; i < N; i++) ms.push(await timed(url, mk(i)));
  return { p50: pct(ms, 0.5), p99: pct(ms, 0.99) };
}

async function warm(url, body) {
  await timed(url, body);
  let n = 0;
  const end = Date.now() + SECS * 1000;
  await Promise.all(Array.from({ length: C }, async () => { while (Date.now() < end) { await timed(url, body); n++; } }));
  return n / SECS;
}

const w = await startWorld({ verity: false });
try {
  const c = await setup(w);
  const ups = w.proxies.map((p) => ({ name: p.name, url: p.url }));
  const ver = await startVerity({ upstreams: ups, overrides: { verify: true } });
  const unv = await startVerity({ upstreams: ups, overrides: { verify: false } });
  // cold: a verifying verity with no memory cache, so every call fetches and proves its state
  const vcold = await startVerity({ upstreams: ups, overrides: { verify: true, cache: { memory: 0 } } });
  const iface = new ethers.Interface(c.art.token.abi);
  const biface = new ethers.Interface(c.art.batch.abi);
  const head = Number((await rpcRaw(w.devnet.truthUrl, 'eth_blockNumber', [])).result);
  const fin = '0x' + (head - 1).toString(16);
  let u = 0;
  const one = (i) => ({ method: 'eth_call', params: [{ to: c.token, data: iface.encodeFunctionData('need', [HOLDERS[i % 50], BigInt(++u)]) }, fin] });
  const multi = (unique) => {
    const calls = HOLDERS.map((h) => ({ target: c.token, allowFailure: false,
      callData: unique ? iface.encodeFunctionData('need', [h, BigInt(++u)]) : iface.encodeFunctionData('balanceOf', [h]) }));
    return { method: 'eth_call', params: [{ to: c.batch, data: biface.encodeFunctionData('aggregate3', [calls]) }, fin] };
  };
  const bal = { method: 'eth_call', params: [{ to: c.token, data: iface.encodeFunctionData('balanceOf', [HOLDERS[3]]) }, fin] };
  const rows = [];
  const cv = await cold(vcold.url, one), cu = await cold(unv.url, one), cs = await cold(ver.url, one);
  rows.push(['balanceOf-like call, cold: state fetched and proven (p50 / p99 ms)', `${cv.p50.toFixed(2)} / ${cv.p99.toFixed(2)}`, `${cu.p50.toFixed(2)} / ${cu.p99.toFixed(2)}`, `+${(cv.p50 - cu.p50).toFixed(2)} ms p50`]);
  rows.push(['balanceOf-like call, new call data, state cached (p50 / p99 ms)', `${cs.p50.toFixed(2)} / ${cs.p99.toFixed(2)}`, `${cu.p50.toFixed(2)} / ${cu.p99.toFixed(2)}`, `+${(cs.p50 - cu.p50).toFixed(2)} ms p50`]);
  const wv = await warm(ver.url, bal), wu = await warm(unv.url, bal);
  rows.push([`balanceOf, warm, ${C} clients (req/s)`, wv.toFixed(0), wu.toFixed(0), `${(wv / wu).toFixed(2)}x`]);
  const mv = await cold(vcold.url, () => multi(true)), mu = await cold(unv.url, () => multi(true));
  rows.push(['aggregate3 of 50 balances, cold (p50 / p99 ms)', `${mv.p50.toFixed(2)} / ${mv.p99.toFixed(2)}`, `${mu.p50.toFixed(2)} / ${mu.p99.toFixed(2)}`, `+${(mv.p50 - mu.p50).toFixed(2)} ms p50`]);
  const mb = multi(false);
  const mwv = await warm(ver.url, mb), mwu = await warm(unv.url, mb);
  rows.push([`aggregate3 of 50 balances, warm, ${C} clients (req/s)`, mwv.toFixed(0), mwu.toFixed(0), `${(mwv / mwu).toFixed(2)}x`]);
  console.log(`| measure (N=${N} cold calls, ${SECS} s warm) | verified | unverified | verified vs unverified |`);
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  await ver.stop();
  await vcold.stop();
  await unv.stop();
} finally {
  await w.stop();
}
