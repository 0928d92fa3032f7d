// `make demo`: the outage demo, offline.  Four anvil nodes, a fault proxy in front of
// each, verity in front of the proxies, and a wallet-like loop (ethers) reading
// balances and sending transfers through verity for ~30 s while upstream A is killed
// (refuse) at 8 s, B hangs at 14 s, A comes back at 20 s and B at 24 s.  Prints a live
// log (one status line per second, every transfer and every fault), then a summary
// table, and exits 0 only when no client request failed and no balance was wrong.
// Two of the four are down at once from 14 s to 20 s: the two left still make the anchor
// quorum (k = 2), so every balance stays proven. With two of three down verity would
// answer -32002 instead (one upstream is not a quorum: tests/e2e/gateway.test.mjs).
// Environment: VERITY_BIN (set by make), DEMO_SECS (default 30, min 26).

import { startWorld } from './lib/world.mjs';
import { binaryProblem } from './lib/verity.mjs';
import { runWorkload, quantile } from './lib/load.mjs';
import { formatEther } from 'ethers';

const SECS = Math.max(26, Number(process.env.DEMO_SECS || 30));
const tty = process.stdout.isTTY;
const color = (code, s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const red = (s) => color('31', s);
const green = (s) => color('32', s);
const yellow = (s) => color('33', s);
const bold = (s) => color('1', s);
const short = (a) => `${a.slice(0, 6)}…${a.slice(-4)}`;
const stamp = (t0) => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;

// A client library error that escapes every await (ethers listeners) counts as a
// failure instead of killing the demo.
let unhandled = 0;
process.on('unhandledRejection', (e) => {
  unhandled++;
  console.log(red(`unhandled client error: ${e?.shortMessage || e?.message || e}`));
});

function servedTotal(p) {
  return Object.values(p.stats.served).reduce((s, n) => s + n, 0);
}

async function main() {
  const why = binaryProblem();
  if (why) {
    console.error(`demo: cannot run verity: ${why}`);
    return 2;
  }
  console.log(bold('verity outage demo: 4 anvil nodes (a, b, c, d) behind fault proxies, verity in front (anchor.quorum 2)'));
  const w = await startWorld({ n: 4, blockMs: 500 });
  try {
    const [a, b] = w.proxies;
    console.log(`verity ${w.verity.url}   upstreams: ${w.proxies.map((p) => `${p.name}=${p.url}`).join('  ')}`);
    console.log(`plan: a refuse @8s, b hang @14s, a back @20s, b back @24s, stop @${SECS}s\n`);
    const t0 = Date.now();
    let sec = { reads: 0, ok: 0, sample: null };
    const ticker = setInterval(() => {
      const modes = w.proxies.map((p) => `${p.name}=${p.mode}`).join(' ');
      const served = w.proxies.map((p) => `${p.name}:${servedTotal(p)}`).join(' ');
      const sample = sec.sample ? `  e.g. ${short(sec.sample.addr)} = ${formatEther(sec.sample.value)} ETH` : '';
      const okText = sec.ok === sec.reads ? green(`${sec.ok}/${sec.reads} ok`) : red(`${sec.ok}/${sec.reads} ok`);
      console.log(`${stamp(t0)} reads ${okText}  head ${w.devnet.head}  upstream answers ${served}  [${modes}]${sample}`);
      sec = { reads: 0, ok: 0, sample: null };
    }, 1000);
    const onEvent = (e) => {
      if (e.type === 'read') {
        sec.reads++;
        if (e.ok) sec.ok++;
        if (!sec.sample && e.value > 0n) sec.sample = e;
        if (!e.ok) console.log(`${stamp(t0)} ${red('WRONG')} balance ${short(e.addr)} = ${formatEther(e.value)} at ${e.block}`);
      } else if (e.type === 'transfer') {
        console.log(`${stamp(t0)} transfer 0.001 ETH -> ${short(e.to)} mined in block ${e.block} (${e.ms} ms)`);
      } else if (e.type === 'fault') {
        console.log(`${stamp(t0)} ${yellow(`>>> ${e.label}`)}`);
      } else if (e.type === 'fail') {
        console.log(`${stamp(t0)} ${red('FAILED')} ${e.op}: ${e.error}`);
      }
    };
    let stats;
    try {
      stats = await runWorkload({
        url: w.verity.url, truth: w.truth, devnet: w.devnet, durationMs: SECS * 1000, readers: 2, onEvent,
        schedule: [
          { atMs: 8000, label: 'upstream a: connection refused', run: () => a.setMode('refuse') },
          { atMs: 14000, label: 'upstream b: hangs (accepts, never answers)', run: () => b.setMode('hang') },
          { atMs: 20000, label: 'upstream a: back', run: () => a.setMode('pass') },
          { atMs: 24000, label: 'upstream b: back', run: () => b.setMode('pass') },
        ],
      });
    } finally {
      clearInterval(ticker);
    }
    const failures = stats.failures.length + unhandled;
    const wrong = stats.wrong.length;
    const rows = [
      ['balance reads', stats.reads],
      ['  of which pinned to a block', stats.pinnedReads],
      ['  latency p50 / p99 / max', `${quantile(stats.readMs, 0.5)} / ${quantile(stats.readMs, 0.99)} / ${stats.readMs[stats.readMs.length - 1]} ms`],
      ['  verity head behind chain (max)', `${stats.maxHeadLag} blocks`],
      ['transfers mined', stats.transfers],
      ['failed client requests', failures],
      ['wrong balances', wrong],
      ['chain forks between nodes', w.devnet.forks.length],
      ...w.proxies.map((p) => [`upstream ${p.name}: answers served`,
        `${servedTotal(p)} (eth_getProof ${p.stats.served.eth_getProof || 0}, eth_getBalance ${p.stats.served.eth_getBalance || 0})`]),
      ...w.proxies.map((p) => [`upstream ${p.name}: faults injected`, Object.entries(p.stats.faults).map(([k, v]) => `${k} ${v}`).join(', ') || '-']),
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`\n${bold('summary')}`);
    for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
    for (const f of stats.failures.slice(0, 10)) console.log(red(`  failure: ${JSON.stringify(f)}`));
    for (const x of stats.wrong.slice(0, 10)) console.log(red(`  wrong: ${JSON.stringify(x)}`));
    const pass = failures === 0 && wrong === 0 && stats.reads > 0 && w.devnet.forks.length === 0;
    console.log(pass ? green('\nPASS: no failed requests, no wrong balances') : red('\nFAIL'));
    if (w.verity.exitStatus) console.log(red(`verity ${w.verity.exitStatus} during the demo`));
    if (!pass) console.log(`verity stderr tail:\n${w.verity.tail(20)}`);
    return pass ? 0 : 1;
  } finally {
    await w.stop();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(`demo: ${e.stack || e.message}`);
  process.exit(1);
});
