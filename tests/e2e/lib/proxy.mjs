// The fault-injection proxy: one node:http server on a loopback port in front of one
// anvil node, forwarding JSON-RPC over a keep-alive agent.  A test switches its mode
// at runtime to make the upstream fail the ways real providers fail:
//   transport faults  pass, refuse, hang, delay(ms), status(code), ratelimit(s),
//                     truncate, garbage
//   stale node        lag(n): behaves like a node n blocks behind the head
//   lies              zeroBalance, wrongBalance, wrongNonce, forgeProofNode,
//                     wrongBlockHash, omitLog, nullReceipt, inflateFees (1000x); for contract reads: zeroWord and
//                     wrongWord (eth_call), wrongStorage (a storage value in eth_getProof),
//                     omitAccessList (eth_createAccessList names nothing), wrongCode
//   provider limits   logsRange(n): eth_getLogs over more than n blocks is refused
//                     ("query exceeds max block range n"); logsResults(n): more than
//                     n logs is refused ("query returned more than n results")
// A mode applies to every method, or only to the methods given with { methods }.
// Lies and lag apply per element, so they hit batch requests too.  Transport faults
// hit a whole HTTP request when any element of it matches.
// Ids are kept byte-exact (jsonids.mjs).  eth_sendRawTransaction is not forwarded: it
// is handed to the devnet, which gossips it to every node before the next block.
// The proxy counts requests per method (`stats.methods`), answers with a result per
// method (`stats.served`), faults per kind, and keeps a bounded log of every element.
// Callers: tests and demo.mjs, through startProxy().  close() destroys every socket.

import http from 'node:http';
import { rawIds, stringifyWithRawId } from './jsonids.mjs';
import { LOOPBACK, rpc, sleep, hex } from './util.mjs';

export const MAX_BODY_BYTES = 8 * 1024 * 1024;
export const MAX_NODE_RESPONSE_BYTES = 64 * 1024 * 1024;
export const MAX_LOG_ENTRIES = 50000;
export const UPSTREAM_TIMEOUT_MS = 30000;

// ---- mode table ------------------------------------------------------------

/** Every mode: its layer and whether it takes a numeric argument. */
export const MODES = {
  pass: { layer: 'none', arg: false },
  refuse: { layer: 'transport', arg: false },
  hang: { layer: 'transport', arg: false },
  delay: { layer: 'transport', arg: true, min: 0, max: 600000 },
  status: { layer: 'transport', arg: true, min: 400, max: 599 },
  ratelimit: { layer: 'transport', arg: true, min: 0, max: 86400 },
  truncate: { layer: 'transport', arg: false },
  garbage: { layer: 'transport', arg: false },
  lag: { layer: 'lag', arg: true, min: 1, max: 1000000 },
  zeroBalance: { layer: 'lie', arg: false },
  wrongBalance: { layer: 'lie', arg: false },
  wrongNonce: { layer: 'lie', arg: false },
  forgeProofNode: { layer: 'lie', arg: false },
  wrongBlockHash: { layer: 'lie', arg: false },
  omitLog: { layer: 'lie', arg: false },
  nullReceipt: { layer: 'lie', arg: false },
  inflateFees: { layer: 'lie', arg: false },
  zeroWord: { layer: 'lie', arg: false },
  wrongWord: { layer: 'lie', arg: false },
  wrongStorage: { layer: 'lie', arg: false },
  omitAccessList: { layer: 'lie', arg: false },
  wrongCode: { layer: 'lie', arg: false },
  logsRange: { layer: 'limit', arg: true, min: 1, max: 100000000 },
  logsResults: { layer: 'limit', arg: true, min: 0, max: 100000000 },
};

/** Parse 'delay(300)' / 'lag(5)' / 'pass' into { kind, arg }. */
export function parseMode(spec) {
  if (typeof spec === 'object' && spec && spec.kind) spec = spec.arg === undefined ? spec.kind : `${spec.kind}(${spec.arg})`;
  const m = /^([A-Za-z]+)(?:\((\d+)\))?$/.exec(String(spec).trim());
  if (!m || !MODES[m[1]]) throw new Error(`proxy: unknown mode '${spec}' (known: ${Object.keys(MODES).join(', ')})`);
  const def = MODES[m[1]];
  if (def.arg && m[2] === undefined) throw new Error(`proxy: mode '${m[1]}' needs an argument, e.g. ${m[1]}(5)`);
  if (!def.arg && m[2] !== undefined) throw new Error(`proxy: mode '${m[1]}' takes no argument`);
  const arg = m[2] === undefined ? undefined : Number(m[2]);
  if (arg !== undefined && (arg < def.min || arg > def.max)) {
    throw new Error(`proxy: mode '${m[1]}' argument ${arg} is out of range ${def.min}..${def.max}`);
  }
  return { kind: m[1], arg, layer: def.layer };
}

// ---- lies --------------------------------------------------------------------

const ONE_ETH = 10n ** 18n;

function flipByte(h, byteIndex) {
  const pos = 2 + 2 * Math.min(byteIndex, (h.length - 2) / 2 - 1);
  const b = parseInt(h.slice(pos, pos + 2), 16) ^ 0xff;
  return h.slice(0, pos) + b.toString(16).padStart(2, '0') + h.slice(pos + 2);
}

const alterBlock = (b) => ({ ...b, hash: flipByte(b.hash, 31), stateRoot: flipByte(b.stateRoot, 31) });

/** lie kind -> method -> result transform (applied to non-null results). */
const LIES = {
  zeroBalance: {
    eth_getBalance: () => '0x0',
    eth_getProof: (r) => ({ ...r, balance: '0x0' }),
  },
  wrongBalance: {
    eth_getBalance: (r) => hex(BigInt(r) + ONE_ETH),
    eth_getProof: (r) => ({ ...r, balance: hex(BigInt(r.balance) + ONE_ETH) }),
  },
  wrongNonce: {
    eth_getTransactionCount: (r) => hex(BigInt(r) + 1n),
    eth_getProof: (r) => ({ ...r, nonce: hex(BigInt(r.nonce) + 1n) }),
  },
  forgeProofNode: {
    eth_getProof: (r) => {
      const p = [...r.accountProof];
      const k = p.length > 1 ? 1 : 0;
      if (p.length) p[k] = flipByte(p[k], 40);
      return { ...r, accountProof: p };
    },
  },
  wrongBlockHash: {
    eth_getBlockByNumber: alterBlock,
    eth_getBlockByHash: alterBlock,
  },
  omitLog: {
    eth_getLogs: (r) => r.slice(1),
  },
  nullReceipt: {
    eth_getTransactionReceipt: () => null,
  },
  // 1000x fees: the fee methods themselves, and the base fee in the block header
  inflateFees: {
    eth_gasPrice: (r) => hex(BigInt(r) * 1000n),
    eth_maxPriorityFeePerGas: (r) => hex(BigInt(r) * 1000n),
    eth_blobBaseFee: (r) => hex(BigInt(r) * 1000n),
    eth_getBlockByNumber: (r) => (r.baseFeePerGas ? { ...r, baseFeePerGas: hex(BigInt(r.baseFeePerGas) * 1000n) } : r),
    eth_feeHistory: (r) => ({
      ...r,
      baseFeePerGas: (r.baseFeePerGas || []).map((v) => hex(BigInt(v) * 1000n)),
      reward: r.reward ? r.reward.map((row) => row.map((v) => hex(BigInt(v) * 1000n))) : r.reward,
    }),
  },
  zeroWord: {
    eth_call: (r) => (typeof r === 'string' && r.length > 2 ? '0x' + '0'.repeat(r.length - 2) : r),
  },
  wrongWord: {
    eth_call: (r) => (typeof r === 'string' && r.length > 2 ? flipByte(r, (r.length - 2) / 2 - 1) : r),
  },
  wrongStorage: {
    eth_getProof: (r) => ({ ...r, storageProof: (r.storageProof || []).map((e) => ({ ...e, value: hex(BigInt(e.value) + 1n) })) }),
  },
  omitAccessList: {
    eth_createAccessList: (r) => ({ ...r, accessList: [] }),
  },
  wrongCode: {
    eth_getCode: (r) => (typeof r === 'string' && r.length > 2 ? flipByte(r, 0) : r),
  },
};

// ---- lag: what a node n blocks behind answers ---------------------------------

/** State methods: index of the block parameter; above the lagged head -> header not found. */
const LAG_STATE = {
  eth_getBalance: 1, eth_getCode: 1, eth_getTransactionCount: 1, eth_getStorageAt: 2,
  eth_call: 1, eth_getProof: 2, eth_estimateGas: 1, eth_createAccessList: 1,
};
/** Block methods: index of the block parameter; above the lagged head -> null. */
const LAG_BLOCK = {
  eth_getBlockByNumber: 0, eth_getBlockTransactionCountByNumber: 0, eth_getBlockReceipts: 0,
  eth_getTransactionByBlockNumberAndIndex: 0, eth_getUncleCountByBlockNumber: 0,
};
/** Methods whose result carries a blockNumber; above the lagged head -> null. */
const LAG_RESULT = {
  eth_getTransactionReceipt: (r) => r.blockNumber,
  eth_getTransactionByHash: (r) => r.blockNumber,
  eth_getBlockByHash: (r) => r.number,
  eth_getBlockByNumber: (r) => r.number,
};
const HEADER_NOT_FOUND = { code: -32000, message: 'header not found' };
const LATEST_TAGS = new Set(['latest', 'pending']);

/** Resolve a block tag against the lagged head: { number } or null when not a number tag. */
function resolveTag(tag, visible) {
  if (tag === undefined || LATEST_TAGS.has(tag)) return { number: visible, rewrite: true };
  if (typeof tag === 'string' && /^0x[0-9a-fA-F]+$/.test(tag)) return { number: Number(BigInt(tag)), rewrite: false };
  if (tag && typeof tag === 'object' && typeof tag.blockNumber === 'string') return resolveTag(tag.blockNumber, visible);
  return null;
}

/**
 * Apply lag to one request element.  Returns { reply } to answer locally, or
 * { forward } with the (possibly rewritten) request.
 */
function lagRequest(el, visible) {
  const params = Array.isArray(el.params) ? [...el.params] : [];
  if (el.method === 'eth_blockNumber') return { reply: { result: hex(visible) } };
  if (el.method === 'eth_getLogs' && params[0] && typeof params[0] === 'object') {
    const f = { ...params[0] };
    if (!f.blockHash) {
      const from = resolveTag(f.fromBlock ?? 'latest', visible);
      if (from && from.number > visible) return { reply: { result: [] } };
      const to = resolveTag(f.toBlock ?? 'latest', visible);
      if (to && (to.rewrite || to.number > visible)) f.toBlock = hex(visible);
      if (from && from.rewrite) f.fromBlock = hex(visible);
    }
    params[0] = f;
    return { forward: { ...el, params } };
  }
  const stateIdx = LAG_STATE[el.method];
  const blockIdx = LAG_BLOCK[el.method];
  const idx = stateIdx ?? blockIdx;
  if (idx === undefined) return { forward: el };
  const t = resolveTag(params[idx], visible);
  if (!t) return { forward: el };
  if (t.number > visible) {
    return { reply: stateIdx !== undefined ? { error: HEADER_NOT_FOUND } : { result: null } };
  }
  if (t.rewrite) params[idx] = hex(visible);
  return { forward: { ...el, params } };
}

function lagResult(method, result, visible) {
  const get = LAG_RESULT[method];
  if (get && result && typeof result === 'object' && !Array.isArray(result)) {
    const n = get(result);
    if (typeof n === 'string' && Number(BigInt(n)) > visible) return null;
  }
  if (method === 'eth_getLogs' && Array.isArray(result)) {
    return result.filter((l) => !l.blockNumber || Number(BigInt(l.blockNumber)) <= visible);
  }
  return result;
}

// ---- provider limits on eth_getLogs --------------------------------------------------

const RANGE_TAGS = new Set(['latest', 'pending', 'safe', 'finalized']);

/** Width of an eth_getLogs request's block range, or null (blockHash, tags we cannot size). */
function logsWidth(el, head) {
  const f = Array.isArray(el.params) ? el.params[0] : null;
  if (!f || typeof f !== 'object' || f.blockHash) return null;
  const num = (t) => (t === undefined || RANGE_TAGS.has(t) ? head : t === 'earliest' ? 0 : Number(BigInt(t)));
  return num(f.toBlock) - num(f.fromBlock) + 1;
}

// ---- the proxy -------------------------------------------------------------------

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) { reject(new Error(`body over ${MAX_BODY_BYTES} bytes`)); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export class FaultProxy {
  constructor({ target, devnet = null, name = 'proxy' }) {
    this.target = new URL(target);
    this.devnet = devnet;
    this.name = name;
    this.rules = [];
    this.sockets = new Set();
    this.hung = new Set();
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.resetStats();
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        this.stats.internalErrors.push(e.message);
        if (!res.headersSent) { res.writeHead(502, { 'content-type': 'text/plain' }); res.end(`proxy: ${e.message}`); }
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 30000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      if (this.rules.some((r) => r.kind === 'refuse' && !r.methods)) { this.stats.faults.refuse = (this.stats.faults.refuse || 0) + 1; s.destroy(); }
    });
  }

  listen() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, LOOPBACK, () => {
        this.port = this.server.address().port;
        this.url = `http://${LOOPBACK}:${this.port}`;
        resolve(this);
      });
    });
  }

  resetStats() {
    this.stats = { http: 0, methods: {}, served: {}, faults: {}, log: [], internalErrors: [] };
  }

  /** Replace every rule with one mode (optionally only for some methods). */
  setMode(spec, { methods } = {}) {
    this.rules = [];
    return this.addMode(spec, { methods });
  }

  /** Add a mode on top of the current ones (e.g. lag plus a lie for one method). */
  addMode(spec, { methods } = {}) {
    const m = parseMode(spec);
    if (m.kind === 'pass') return this;
    this.rules.push({ ...m, methods: methods ? new Set(methods) : null });
    if (m.kind === 'refuse' && !methods) for (const s of this.sockets) s.destroy();
    return this;
  }

  get mode() {
    return this.rules.length === 0 ? 'pass'
      : this.rules.map((r) => (r.arg === undefined ? r.kind : `${r.kind}(${r.arg})`) + (r.methods ? `[${[...r.methods].join(',')}]` : '')).join('+');
  }

  count(kind) { this.stats.faults[kind] = (this.stats.faults[kind] || 0) + 1; }

  logEntry(e) {
    if (this.stats.log.length >= MAX_LOG_ENTRIES) this.stats.log.shift();
    this.stats.log.push(e);
  }

  rulesFor(method, layer) {
    return this.rules.filter((r) => r.layer === layer && (!r.methods || r.methods.has(method)));
  }

  /** Forward a JSON body to the node; resolves to { status, body }. */
  forward(bodyText) {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: this.target.hostname, port: this.target.port, path: this.target.pathname || '/',
        method: 'POST', agent: this.agent, timeout: UPSTREAM_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(bodyText) },
      }, (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (c) => {
          size += c.length;
          if (size > MAX_NODE_RESPONSE_BYTES) { res.destroy(new Error(`node response over ${MAX_NODE_RESPONSE_BYTES} bytes`)); return; }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('node timeout')));
      req.on('error', reject);
      req.end(bodyText);
    });
  }

  async handle(req, res) {
    this.stats.http++;
    if (req.method !== 'POST') { res.writeHead(405); res.end(); return; }
    let text;
    try { text = await readBody(req); } catch (e) { res.writeHead(413); res.end(e.message); return; }
    let parsed;
    try { parsed = JSON.parse(text); } catch {
      const up = await this.forward(text);
      res.writeHead(up.status, { 'content-type': 'application/json' });
      res.end(up.body);
      return;
    }
    const batch = Array.isArray(parsed);
    const elements = batch ? parsed : [parsed];
    let ids;
    try { ids = rawIds(text); } catch { ids = elements.map((e) => (e && typeof e === 'object' && 'id' in e ? JSON.stringify(e.id) : undefined)); }
    const methods = elements.map((e) => (e && typeof e.method === 'string' ? e.method : '<invalid>'));
    for (const m of methods) this.stats.methods[m] = (this.stats.methods[m] || 0) + 1;

    // transport faults: the first matching rule for any element wins
    const tr = this.rules.find((r) => r.layer === 'transport' && (!r.methods || methods.some((m) => r.methods.has(m))));
    if (tr) this.count(tr.kind);
    const transport = tr ? tr.kind : null;
    if (transport === 'refuse') { req.socket.destroy(); return; }
    if (transport === 'hang') {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (transport === 'delay') await sleep(tr.arg);
    if (transport === 'status') {
      res.writeHead(tr.arg, { 'content-type': 'text/html' });
      res.end(`<html><body><h1>${tr.arg} upstream error</h1></body></html>`);
      return;
    }
    if (transport === 'ratelimit') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(tr.arg) });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32005, message: 'rate limit exceeded' } }));
      return;
    }

    const outputs = await this.answer(elements, methods);
    const parts = [];
    outputs.forEach((o, k) => {
      const hasId = elements[k] && typeof elements[k] === 'object' && 'id' in elements[k];
      if (hasId || !elements[k] || typeof elements[k] !== 'object') parts.push(stringifyWithRawId(o, ids[k]));
    });
    const out = batch ? `[${parts.join(',')}]` : (parts[0] ?? '');
    const buf = Buffer.from(out, 'utf8');
    if (transport === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.from([0x00, 0xff, 0x3c, 0x68, 0x74, 0x6d, 0x6c, 0x3e, 0x6e, 0x6f, 0x74, 0x20, 0x6a, 0x73, 0x6f, 0x6e, 0x7b, 0x22]));
      return;
    }
    if (transport === 'truncate') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': buf.length });
      res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => res.destroy());
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': buf.length });
    res.end(buf);
  }

  /** Answer every element: local replies, devnet gossip, one forwarded batch, then lies. */
  async answer(elements, methods) {
    const outputs = new Array(elements.length);
    const lagRules = this.rules.filter((r) => r.layer === 'lag');
    let visible = null;
    if (lagRules.length) {
      const head = Number(BigInt(await rpc(this.target.href, 'eth_blockNumber')));
      visible = Math.max(0, head - Math.max(...lagRules.map((r) => r.arg)));
    }
    const toForward = [];
    const lagged = new Array(elements.length).fill(false);
    for (let k = 0; k < elements.length; k++) {
      const el = elements[k];
      if (!el || typeof el !== 'object' || typeof el.method !== 'string') {
        outputs[k] = { error: { code: -32600, message: 'invalid request' } };
        continue;
      }
      let req = el;
      if (visible !== null && this.rulesFor(el.method, 'lag').length) {
        const l = lagRequest(el, visible);
        lagged[k] = true;
        if (l.reply) { outputs[k] = l.reply; continue; }
        req = l.forward;
      }
      if (req.method === 'eth_getLogs') {
        const limit = this.rulesFor('eth_getLogs', 'limit').find((r) => r.kind === 'logsRange');
        const head = limit ? Number(BigInt(await rpc(this.target.href, 'eth_blockNumber'))) : 0;
        const width = limit ? logsWidth(req, head) : null;
        if (limit && width !== null && width > limit.arg) {
          this.count('logsRange');
          outputs[k] = { error: { code: -32005, message: `query exceeds max block range ${limit.arg}` } };
          continue;
        }
      }
      if (req.method === 'eth_sendRawTransaction' && this.devnet && Array.isArray(req.params)) {
        const r = await this.devnet.broadcast(req.params[0]);
        outputs[k] = r.error ? { error: r.error } : { result: r.result };
        continue;
      }
      toForward.push({ k, req });
    }
    if (toForward.length) {
      const body = JSON.stringify(toForward.map((f, j) => ({ jsonrpc: '2.0', id: j, method: f.req.method, params: f.req.params ?? [] })));
      const up = await this.forward(body);
      let answers;
      try { answers = JSON.parse(up.body); } catch { throw new Error(`node answered HTTP ${up.status} non-JSON`); }
      if (!Array.isArray(answers)) answers = toForward.map(() => answers);
      const byId = new Map(answers.map((a) => [a.id, a]));
      toForward.forEach((f, j) => {
        const a = byId.get(j) || { error: { code: -32603, message: 'node gave no answer' } };
        outputs[f.k] = a.error ? { error: a.error } : { result: a.result };
      });
    }
    for (let k = 0; k < elements.length; k++) {
      const o = outputs[k];
      const method = methods[k];
      if (o.error || o.result === undefined) { this.logEntry({ t: Date.now(), method, params: elements[k]?.params, ok: false, error: o.error }); continue; }
      if (lagged[k]) o.result = lagResult(method, o.result, visible);
      const cap = method === 'eth_getLogs' && this.rulesFor(method, 'limit').find((r) => r.kind === 'logsResults');
      if (cap && Array.isArray(o.result) && o.result.length > cap.arg) {
        this.count('logsResults');
        outputs[k] = { error: { code: -32005, message: `query returned more than ${cap.arg} results` } };
        this.logEntry({ t: Date.now(), method, params: elements[k]?.params, ok: false, error: outputs[k].error });
        continue;
      }
      for (const r of this.rulesFor(method, 'lie')) {
        const f = LIES[r.kind][method];
        if (f && (o.result !== null || r.kind === 'nullReceipt')) { o.result = f(o.result); this.count(r.kind); }
      }
      this.stats.served[method] = (this.stats.served[method] || 0) + 1;
      this.logEntry({ t: Date.now(), method, params: elements[k].params, ok: true, result: o.result, visible });
    }
    return outputs;
  }

  close() {
    for (const res of this.hung) res.destroy();
    for (const s of this.sockets) s.destroy();
    this.agent.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Start a proxy in front of target (a node URL); resolves when it listens. */
export async function startProxy({ target, devnet = null, name } = {}) {
  return new FaultProxy({ target, devnet, name }).listen();
}

/** One proxy per devnet node, named a, b, c, ... */
export async function startProxies(devnet) {
  return Promise.all(devnet.nodes.map((x, i) => startProxy({ target: x.url, devnet, name: String.fromCharCode(97 + i) })));
}
