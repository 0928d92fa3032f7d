// The verity launcher for the end-to-end tests and the demo.  Everything the tests
// assume about how verity is configured and started lives here, in one place:
//   - defaultConfig(): the YAML settings (listen, chain, anchor, pool, upstreams);
//     `overrides` deep-merges into it, so a scenario can change one key;
//   - startVerity(): writes the config to a temp dir, spawns `$VERITY_BIN --config F`,
//     captures stderr to a file, polls GET /healthz until 200 (10 s), and returns a
//     handle with url, wsUrl, configPath, stderrPath, tail() and stop();
//   - stop(): SIGTERM, then SIGKILL after 3 s;
//   - skipIfNoBinary(t): the only allowed skip, with a clear message, when VERITY_BIN
//     is not set or not executable.
// The process is also killed by util.mjs's exit hook if the test process dies.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnTracked, stopChild, sleep, LOOPBACK } from './util.mjs';

export const READY_TIMEOUT_MS = 10000;
export const STOP_GRACE_MS = 3000;

/** Why verity cannot be run, or null when VERITY_BIN is an executable file. */
export function binaryProblem() {
  const bin = process.env.VERITY_BIN;
  if (!bin) return 'VERITY_BIN is not set (run through `make e2e`, or export VERITY_BIN=build/release/verity)';
  try {
    fs.accessSync(bin, fs.constants.X_OK);
    if (!fs.statSync(bin).isFile()) return `VERITY_BIN=${bin} is not a file`;
  } catch {
    return `VERITY_BIN=${bin} does not exist or is not executable (build it with \`make build\`)`;
  }
  return null;
}

/** In a node:test test: skip with the reason when there is no binary; returns true if skipped. */
export function skipIfNoBinary(t) {
  const why = binaryProblem();
  if (why) { t.skip(`verity binary unavailable: ${why}`); return true; }
  return false;
}

/** The settings every scenario starts from; upstreams are [{ name, url }]. */
export function defaultConfig({ port, upstreams }) {
  return {
    listen: `${LOOPBACK}:${port}`,
    log: { level: process.env.VERITY_LOG_LEVEL || 'info' },
    chain: { id: 31337, name: 'devnet' },
    anchor: { mode: 'quorum', quorum: 2 },
    pool: { timeout_ms: 2000, connect_timeout_ms: 1000, hedge_after_ms: 150, head_poll_ms: 250 },
    upstreams: upstreams.map((u) => ({ name: u.name, url: u.url, ...(u.ws ? { ws: u.ws } : {}) })),
  };
}

function isPlain(v) { return v && typeof v === 'object' && !Array.isArray(v); }

/** Deep merge: plain objects merge key by key; arrays and scalars replace. */
export function mergeConfig(base, over) {
  if (!isPlain(over)) return over === undefined ? base : over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlain(v) && isPlain(base[k]) ? mergeConfig(base[k], v) : v;
  return out;
}

function yamlScalar(v) {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return JSON.stringify(String(v)); // a JSON string is a valid YAML double-quoted scalar
}

/** A small YAML writer for config objects: maps, lists of maps/scalars, scalars. */
export function toYaml(obj, indent = '') {
  const lines = [];
  for (const [k, v] of Object.entries(obj)) {
    if (Array.isArray(v)) {
      lines.push(`${indent}${k}:`);
      for (const item of v) {
        if (isPlain(item)) {
          const inner = toYaml(item, `${indent}    `).split('\n');
          lines.push(`${indent}  - ${inner[0].trimStart()}`, ...inner.slice(1));
        } else {
          lines.push(`${indent}  - ${yamlScalar(item)}`);
        }
      }
    } else if (isPlain(v)) {
      lines.push(`${indent}${k}:`, toYaml(v, `${indent}  `));
    } else {
      lines.push(`${indent}${k}: ${yamlScalar(v)}`);
    }
  }
  return lines.filter((l) => l !== '').join('\n');
}

/**
 * Start verity in front of upstreams ([{ name, url }], usually the fault proxies).
 * Options: overrides (deep-merged config), readyTimeoutMs.  Throws with the tail of
 * verity's stderr when it exits or never becomes healthy.
 */
export async function startVerity(opts = {}) {
  const why = binaryProblem();
  if (why) throw new Error(why);
  try {
    return await startVerityOnce(opts);
  } catch (e) {
    // the free port was taken between probing and binding: one more try on a new port
    if (!e.exitedEarly || !/address already in use|EADDRINUSE|bind/i.test(e.message)) throw e;
    return startVerityOnce(opts);
  }
}

async function startVerityOnce({ upstreams, overrides = {}, readyTimeoutMs = READY_TIMEOUT_MS, readyPath = '/healthz', env }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-e2e-'));
  const port = await freePort();
  const config = mergeConfig(defaultConfig({ port, upstreams }), overrides);
  const configPath = path.join(dir, 'verity.yaml');
  fs.writeFileSync(configPath, toYaml(config) + '\n');
  const stderrPath = path.join(dir, 'verity.stderr.log');
  const errFd = fs.openSync(stderrPath, 'w');
  const proc = spawnTracked(process.env.VERITY_BIN, ['--config', configPath],
    { stdio: ['ignore', errFd, errFd], ...(env ? { env: { ...process.env, ...env } } : {}) });
  fs.closeSync(errFd);
  const [host, p] = config.listen.split(/:(?=\d+$)/);
  const url = `http://${host}:${p}`;
  const v = {
    proc, url, wsUrl: `ws://${host}:${p}`, config, configPath, stderrPath, dir,
    exitStatus: null, // set when the process exits: 'exited with SIGSEGV', ...
    tail(n = 40) {
      try { return fs.readFileSync(stderrPath, 'utf8').split('\n').slice(-n).join('\n'); } catch { return ''; }
    },
    async stop() {
      await stopChild(proc, STOP_GRACE_MS);
      if (!process.env.VERITY_KEEP_LOGS) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  let exitInfo = null;
  proc.once('exit', (code, sig) => { exitInfo = `exited with ${sig || code}`; v.exitStatus = exitInfo; });
  const deadline = Date.now() + readyTimeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exitInfo) break;
    try {
      // readyPath '/status' (200 whenever verity listens): for a start with no head agreed
      const r = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(1000) });
      await r.text();
      if (r.status === 200) return v;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.cause?.code || e.message;
    }
    await sleep(100);
  }
  const tail = v.tail();
  await v.stop();
  throw Object.assign(new Error(`verity not ready after ${readyTimeoutMs} ms (${exitInfo || last}); config:\n` +
    `${toYaml(config)}\nstderr tail:\n${tail}`), { exitedEarly: Boolean(exitInfo) });
}
