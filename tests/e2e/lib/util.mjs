// Small shared helpers for the end-to-end world: free loopback ports (bind port 0),
// a minimal JSON-RPC client over fetch, sleeps and deadlines, and the child-process
// registry that guarantees every process a test starts is killed when the test
// process exits, also on failure or Ctrl-C.  Every other lib/*.mjs module uses these.

import net from 'node:net';
import { spawn } from 'node:child_process';

export const LOOPBACK = '127.0.0.1';

/** A free TCP port on loopback: bind port 0, read the port, close. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** n distinct free ports: all n listeners are held open together before closing. */
export async function freePorts(n) {
  const servers = [];
  try {
    for (let k = 0; k < n; k++) {
      const srv = net.createServer();
      srv.unref();
      await new Promise((resolve, reject) => { srv.once('error', reject); srv.listen(0, LOOPBACK, resolve); });
      servers.push(srv);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn() until it returns a truthy value or the deadline passes; an error with .fatal stops at once. */
export async function waitFor(fn, { timeoutMs = 10000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr = null;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e.fatal) throw e;
      lastErr = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
    (lastErr ? `: ${lastErr.message}` : ''));
}

/** Raw JSON-RPC call; resolves to the parsed response object (result or error). */
export async function rpcRaw(url, method, params = [], { timeoutMs = 5000, id = 1 } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${method} at ${url}: HTTP ${res.status}, non-JSON body: ${text.slice(0, 200)}`);
  }
}

/** One JSON-RPC call: { body, trust } (the parsed response and its X-Verity-Trust). */
export async function rpcTrust(url, method, params = [], { timeoutMs = 5000 } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { body: await res.json(), trust: res.headers.get('x-verity-trust') || '' };
}

/** JSON-RPC call that returns the result or throws with the JSON-RPC error. */
export async function rpc(url, method, params = [], opts = {}) {
  const r = await rpcRaw(url, method, params, opts);
  if (r.error) {
    const e = new Error(`${method}: ${r.error.message} (code ${r.error.code})`);
    e.code = r.error.code;
    e.data = r.error.data;
    throw e;
  }
  return r.result;
}

export const hex = (n) => '0x' + BigInt(n).toString(16);

// ---- child processes -------------------------------------------------------

const children = new Set();

function killAllNow() {
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch { /* already gone */ }
  }
  children.clear();
}

process.on('exit', killAllNow);
const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
for (const [sig, code] of Object.entries(SIGNAL_EXIT)) {
  process.on(sig, () => { killAllNow(); process.exit(code); });
}

/** Spawn a child that is killed when this process exits. */
export function spawnTracked(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the child has exited. */
export function stopChild(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
    child.once('exit', () => { clearTimeout(t); children.delete(child); resolve(); });
    try { child.kill('SIGTERM'); } catch { clearTimeout(t); resolve(); }
  });
}

/** A promise-chain mutex: run(fn) executes fn after everything queued before it. */
export class Mutex {
  constructor() { this.tail = Promise.resolve(); }
  run(fn) {
    const next = this.tail.then(() => fn());
    this.tail = next.catch(() => {});
    return next;
  }
}
