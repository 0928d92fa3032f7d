// A beacon-API test server for the light-client end-to-end test: a SYNTHETIC beacon
// chain (minimal preset: 8 slots per epoch, 8 epochs per period, 32-key sync
// committees; Deneb or Electra containers) whose execution payload headers are real
// blocks of a running anvil node, so every header verity's light client accepts names
// a block hash and a state root that anvil's proofs verify against.
//
// What is real and what is made up:
//   - the sync committee: 32 BLS keys generated here with @noble/curves; every update is
//     signed (one signature with the sum of the 32 secret keys, which equals the
//     aggregate of the 32 signatures) over compute_signing_root(attested header,
//     DOMAIN_SYNC_COMMITTEE at the fork of signature_slot - 1);
//   - every hash_tree_root is computed in SSZ (sha256 from @noble/hashes): beacon block
//     headers, execution payload headers (the Deneb/Electra 17 fields), sync committees,
//     fork data and signing data;
//   - a BeaconState and a BeaconBlockBody are NOT materialised: each is a sparse Merkle
//     tree holding only the leaves a light client proves (current/next sync committee,
//     the finalized checkpoint root and epoch; the execution payload at gindex 25) plus
//     the slot as a salt. Their roots and branches are exact for that tree, which is all
//     the light-client protocol can observe.
//   - one sync committee for every period (next_sync_committee = current).
// The finalized checkpoint of the state at slot s is the first slot of epoch(s) - 2.
// Slots tick with the wall clock from genesisTime; a timer builds the header of each
// slot as it starts, taking the execution block from blockOf(slot) (the test passes
// "the newest anvil block"), so headers are made once and never change.
//
// Modes: honest, or forge: the same shape signed by another committee, with every
// execution state root altered, and a bootstrap served for whatever root is asked (so
// a light client sees a header whose root is not its checkpoint). Nothing forged can
// pass verification; the test checks that verity routes around it.
//
// Routes: GET /eth/v1/beacon/light_client/{bootstrap/{root}, updates?start_period&count,
// finality_update, optimistic_update} as JSON {version, data}; hits are counted per
// route. Caps: MAX_SLOTS_KEPT built headers, MAX_UPDATES_PER_REQUEST per updates request.

import crypto from 'node:crypto';
import http from 'node:http';
import { sha256 } from '@noble/hashes/sha2.js';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { LOOPBACK } from './util.mjs';

export const PRESET = { slotsPerEpoch: 8, epochsPerPeriod: 8, committeeSize: 32 };
export const MAX_SLOTS_KEPT = 100000;
export const MAX_UPDATES_PER_REQUEST = 128;
const DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const DOMAIN_SYNC_COMMITTEE = Uint8Array.of(7, 0, 0, 0);
const EXEC_GINDEX = 25;
const BODY_SALT_GINDEX = 16;
const sigs = bls12_381.longSignatures;

/** One row per fork: minimal-preset fork version and the BeaconState gindices. */
export const FORKS = {
  deneb: { version: 0x04000001, stateDepth: 5, current: 54, next: 55, finalized: 105 },
  electra: { version: 0x05000001, stateDepth: 6, current: 86, next: 87, finalized: 169 },
};

// ---- SSZ --------------------------------------------------------------------------

const ZERO = new Uint8Array(32);
export const toHex = (b) => '0x' + Buffer.from(b).toString('hex');
export const fromHex = (s) => Uint8Array.from(Buffer.from(s.replace(/^0x/, ''), 'hex'));

function cat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
const h2 = (a, b) => sha256(cat(a, b));

/** A little-endian integer (uint64 or uint256) padded to one chunk. */
function uintChunk(v) {
  const out = new Uint8Array(32);
  let x = BigInt(v);
  for (let i = 0; i < 32 && x > 0n; i++) { out[i] = Number(x & 0xffn); x >>= 8n; }
  return out;
}

function pad32(b) {
  const out = new Uint8Array(32);
  out.set(b);
  return out;
}

function chunks(bytes) {
  const out = [];
  for (let i = 0; i < bytes.length; i += 32) out.push(pad32(bytes.subarray(i, i + 32)));
  return out;
}

/** merkleize(chunks, limit): pad with zero chunks to the next power of two. */
export function merkleize(list, limit = list.length) {
  let width = 1;
  while (width < Math.max(limit, 1)) width *= 2;
  let layer = list.slice();
  while (layer.length < width) layer.push(ZERO);
  while (layer.length > 1) {
    const next = [];
    for (let i = 0; i < layer.length; i += 2) next.push(h2(layer[i], layer[i + 1]));
    layer = next;
  }
  return layer[0];
}

export function headerRoot(h) {
  return merkleize([uintChunk(h.slot), uintChunk(h.proposer_index), fromHex(h.parent_root),
    fromHex(h.state_root), fromHex(h.body_root)]);
}

/** hash_tree_root(ExecutionPayloadHeader), Deneb/Electra layout (17 fields). */
export function execRoot(e) {
  const extra = fromHex(e.extra_data);
  return merkleize([
    fromHex(e.parent_hash), pad32(fromHex(e.fee_recipient)), fromHex(e.state_root),
    fromHex(e.receipts_root), merkleize(chunks(fromHex(e.logs_bloom))), fromHex(e.prev_randao),
    uintChunk(e.block_number), uintChunk(e.gas_limit), uintChunk(e.gas_used), uintChunk(e.timestamp),
    h2(merkleize(chunks(extra), 1), uintChunk(extra.length)), uintChunk(e.base_fee_per_gas),
    fromHex(e.block_hash), fromHex(e.transactions_root), fromHex(e.withdrawals_root),
    uintChunk(e.blob_gas_used), uintChunk(e.excess_blob_gas),
  ]);
}

const pubkeyRoot = (pk) => merkleize(chunks(pk));

export function committeeRoot(pubkeys, aggregate) {
  return h2(merkleize(pubkeys.map(pubkeyRoot)), pubkeyRoot(aggregate));
}

/** A tree holding only the given leaves (gindex -> chunk); empty subtrees are zero. */
function sparseRoot(leaves, g = 1) {
  if (leaves.has(g)) return leaves.get(g);
  let used = false;
  for (const k of leaves.keys()) {
    let x = k;
    while (x > g) x = Math.floor(x / 2);
    if (x === g) { used = true; break; }
  }
  return used ? h2(sparseRoot(leaves, 2 * g), sparseRoot(leaves, 2 * g + 1)) : ZERO;
}

function branch(leaves, gindex) {
  const out = [];
  for (let x = gindex; x > 1; x = Math.floor(x / 2)) out.push(sparseRoot(leaves, x ^ 1));
  return out;
}

/** is_valid_merkle_branch, for the server's self-check. */
export function verifyBranch(leaf, proof, gindex, root) {
  let node = leaf;
  for (let i = 0, x = gindex; i < proof.length; i++, x = Math.floor(x / 2)) {
    node = x % 2 ? h2(proof[i], node) : h2(node, proof[i]);
  }
  return Buffer.compare(Buffer.from(node), Buffer.from(root)) === 0;
}

export function signingRoot(objectRoot, forkVersion, gvr) {
  const version = Uint8Array.of(forkVersion >>> 24, (forkVersion >>> 16) & 0xff, (forkVersion >>> 8) & 0xff,
    forkVersion & 0xff);
  const forkData = h2(pad32(version), gvr);
  return h2(objectRoot, cat(DOMAIN_SYNC_COMMITTEE, forkData.subarray(0, 28)));
}

// ---- the committee ----------------------------------------------------------------

function makeCommittee(seed) {
  const order = bls12_381.fields.Fr.ORDER;
  const seedOf = (i, half) => sha256(cat(new TextEncoder().encode(seed), Uint8Array.of(i, half)));
  const keys = Array.from({ length: PRESET.committeeSize },
    (_, i) => sigs.keygen(cat(seedOf(i, 0), seedOf(i, 1)).subarray(0, 48)));
  let sum = 0n;
  for (const k of keys) sum = (sum + BigInt(toHex(k.secretKey))) % order;
  const sumKey = fromHex(sum.toString(16).padStart(64, '0'));
  const pubkeys = keys.map((k) => k.publicKey.toBytes(true));
  const aggregate = sigs.aggregatePublicKeys(keys.map((k) => k.publicKey)).toBytes(true);
  return {
    pubkeys, aggregate, root: committeeRoot(pubkeys, aggregate),
    sign: (msg) => sigs.sign(sigs.hash(msg, DST), sumKey).toBytes(true),
    json: { pubkeys: pubkeys.map(toHex), aggregate_pubkey: toHex(aggregate) },
  };
}

// ---- the chain ----------------------------------------------------------------------

const dec = (v) => BigInt(v).toString();

/** ExecutionPayloadHeader JSON from an eth_getBlockByNumber result. */
function execFromBlock(b, forge) {
  const stateRoot = forge ? toHex(sha256(fromHex(b.stateRoot))) : b.stateRoot;
  return {
    parent_hash: b.parentHash, fee_recipient: b.miner, state_root: stateRoot, receipts_root: b.receiptsRoot,
    logs_bloom: b.logsBloom, prev_randao: b.mixHash, block_number: dec(b.number), gas_limit: dec(b.gasLimit),
    gas_used: dec(b.gasUsed), timestamp: dec(b.timestamp), extra_data: b.extraData,
    base_fee_per_gas: dec(b.baseFeePerGas ?? 0), block_hash: b.hash, transactions_root: b.transactionsRoot,
    withdrawals_root: b.withdrawalsRoot ?? toHex(ZERO), blob_gas_used: dec(b.blobGasUsed ?? 0),
    excess_blob_gas: dec(b.excessBlobGas ?? 0),
  };
}

export class BeaconChain {
  /**
   * fork: 'deneb' | 'electra'; gvr: 32 bytes; genesisTime, secondsPerSlot: the clock;
   * blockOf(slot): async, an eth_getBlockByNumber result for the slot's payload;
   * forge: see the header; seed: committee key seed.
   */
  constructor({ fork = 'electra', gvr, genesisTime, secondsPerSlot = 1, blockOf, forge = false, seed = 'verity' }) {
    this.fork = fork;
    this.layout = FORKS[fork];
    if (!this.layout) throw new Error(`beacon chain: unknown fork ${fork}`);
    this.gvr = gvr;
    this.genesisTime = genesisTime;
    this.secondsPerSlot = secondsPerSlot;
    this.blockOf = blockOf;
    this.forge = forge;
    this.committee = makeCommittee(forge ? `${seed}-forger` : seed);
    this.slots = new Map(); // slot -> { beacon, execution, execution_branch, leaves, root }
    this.roots = new Map(); // header root hex -> slot
    this.sigCache = new Map();
  }

  slotNow() { return Math.floor((Date.now() / 1000 - this.genesisTime) / this.secondsPerSlot); }
  epochOf(slot) { return Math.floor(slot / PRESET.slotsPerEpoch); }
  periodOf(slot) { return Math.floor(slot / PRESET.slotsPerEpoch / PRESET.epochsPerPeriod); }
  finalizedOf(slot) { return Math.max(0, (this.epochOf(slot) - 2) * PRESET.slotsPerEpoch); }

  /** Build (once) the header at slot and, first, the one it finalizes. */
  async build(slot) {
    if (this.slots.has(slot)) return this.slots.get(slot);
    if (this.slots.size >= MAX_SLOTS_KEPT) throw new Error(`beacon chain: over ${MAX_SLOTS_KEPT} slots`);
    const fin = this.finalizedOf(slot);
    const finRoot = fin < slot ? (await this.build(fin)).root : ZERO;
    if (this.slots.has(slot)) return this.slots.get(slot);
    const execution = execFromBlock(await this.blockOf(slot), this.forge);
    const body = new Map([[EXEC_GINDEX, execRoot(execution)], [BODY_SALT_GINDEX, uintChunk(slot)]]);
    const L = this.layout;
    const leaves = new Map([
      [L.current, this.committee.root], [L.next, this.committee.root],
      [L.finalized, finRoot], [L.finalized - 1, uintChunk(this.epochOf(fin))],
      [2 ** L.stateDepth, uintChunk(slot)],
    ]);
    const beacon = {
      slot: String(slot), proposer_index: String(slot % 64), parent_root: toHex(sha256(uintChunk(slot + 1))),
      state_root: toHex(sparseRoot(leaves)), body_root: toHex(sparseRoot(body)),
    };
    const entry = {
      beacon, execution, execution_branch: branch(body, EXEC_GINDEX).map(toHex), leaves, root: headerRoot(beacon),
    };
    if (!this.slots.has(slot)) {
      this.slots.set(slot, entry);
      this.roots.set(toHex(entry.root), slot);
    }
    return this.slots.get(slot);
  }

  lcHeader(e) { return { beacon: e.beacon, execution: e.execution, execution_branch: e.execution_branch }; }

  syncAggregate(attested, signatureSlot) {
    const key = `${attested.beacon.slot}/${signatureSlot}`;
    let sig = this.sigCache.get(key);
    if (!sig) {
      // compute_domain uses the fork at signature_slot - 1: every fork is at epoch 0 here
      sig = toHex(this.committee.sign(signingRoot(attested.root, this.layout.version, this.gvr)));
      this.sigCache.set(key, sig);
    }
    return { sync_committee_bits: '0x' + 'ff'.repeat(PRESET.committeeSize / 8), sync_committee_signature: sig };
  }

  /** The checkpoint a light client should trust: the finalized header at `slot`. */
  async checkpoint(slot) { return toHex((await this.build(this.finalizedOf(slot))).root); }

  async bootstrap(rootHex, checkpointSlot) {
    let slot = this.roots.get(rootHex.toLowerCase());
    if (slot === undefined && this.forge) slot = checkpointSlot; // the forger answers anything
    if (slot === undefined) return null;
    const e = await this.build(slot);
    return {
      version: this.fork,
      data: {
        header: this.lcHeader(e),
        current_sync_committee: this.committee.json,
        current_sync_committee_branch: branch(e.leaves, this.layout.current).map(toHex),
      },
    };
  }

  /** kind: 'update' | 'finality' | 'optimistic', attested at attSlot, signed at attSlot + 1. */
  async update(kind, attSlot) {
    const att = await this.build(attSlot);
    const data = { attested_header: this.lcHeader(att) };
    if (kind === 'update') {
      data.next_sync_committee = this.committee.json;
      data.next_sync_committee_branch = branch(att.leaves, this.layout.next).map(toHex);
    }
    if (kind !== 'optimistic') {
      data.finalized_header = this.lcHeader(await this.build(this.finalizedOf(attSlot)));
      data.finality_branch = branch(att.leaves, this.layout.finalized).map(toHex);
    }
    data.sync_aggregate = this.syncAggregate(att, attSlot + 1);
    data.signature_slot = String(attSlot + 1);
    return { version: this.fork, data };
  }

  /** The newest attested slot to serve: signed in the current slot (a client whose clock
   * is a moment behind sees it as not yet valid and asks again at its next poll). */
  headSlot() { return this.slotNow() - 1; }

  async periodUpdates(start, count) {
    const out = [];
    const head = this.headSlot();
    const perPeriod = PRESET.slotsPerEpoch * PRESET.epochsPerPeriod;
    for (let p = start; p < start + Math.min(count, MAX_UPDATES_PER_REQUEST); p++) {
      const att = Math.min((p + 1) * perPeriod - 1, head);
      if (att < p * perPeriod || att < 3 * PRESET.slotsPerEpoch) break; // not reached yet
      out.push(await this.update('update', att));
    }
    return out;
  }
}

// ---- the HTTP server ------------------------------------------------------------------

const ROUTES = [
  ['bootstrap', /^\/eth\/v1\/beacon\/light_client\/bootstrap\/(0x[0-9a-fA-F]{64})$/],
  ['updates', /^\/eth\/v1\/beacon\/light_client\/updates$/],
  ['finality', /^\/eth\/v1\/beacon\/light_client\/finality_update$/],
  ['optimistic', /^\/eth\/v1\/beacon\/light_client\/optimistic_update$/],
];

/**
 * Serve a BeaconChain on loopback. checkpointSlot: the slot whose finalized header is
 * the checkpoint (the forger's bootstrap answer). Returns { url, port, hits, chain, close }.
 */
export async function startBeaconServer(chain, { checkpointSlot }) {
  const hits = { bootstrap: 0, updates: 0, finality: 0, optimistic: 0, other: 0 };
  const send = (res, status, obj) => {
    const body = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const handle = async (req, res) => {
    const u = new URL(req.url, 'http://x');
    const route = ROUTES.find(([, re]) => re.test(u.pathname));
    if (req.method !== 'GET' || !route) { hits.other++; return send(res, 404, { code: 404, message: 'not found' }); }
    const [name, re] = route;
    hits[name]++;
    if (name === 'bootstrap') {
      const b = await chain.bootstrap(re.exec(u.pathname)[1], checkpointSlot);
      return b ? send(res, 200, b) : send(res, 404, { code: 404, message: 'unknown block root' });
    }
    if (name === 'updates') {
      const start = Number(u.searchParams.get('start_period'));
      const count = Number(u.searchParams.get('count'));
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 1) {
        return send(res, 400, { code: 400, message: 'bad start_period or count' });
      }
      return send(res, 200, await chain.periodUpdates(start, count));
    }
    const head = chain.headSlot();
    if (head < 3 * PRESET.slotsPerEpoch) return send(res, 404, { code: 404, message: 'no update yet' });
    return send(res, 200, await chain.update(name, head));
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, { code: 500, message: String(e.message || e) }));
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, LOOPBACK, resolve); });
  const { port } = server.address();
  // build each slot's header as the slot starts, so headers follow the execution chain
  let stopped = false;
  let timer = null;
  const tick = async () => {
    if (stopped) return;
    try { await chain.build(chain.slotNow()); } catch { /* the next tick retries */ }
    if (!stopped) timer = setTimeout(tick, Math.max(100, chain.secondsPerSlot * 1000 / 2));
  };
  await tick();
  return {
    url: `http://${LOOPBACK}:${port}`, port, hits, chain,
    close: () => new Promise((resolve) => {
      stopped = true;
      clearTimeout(timer);
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

// ---- a synthetic chain and its forger twin, served (lightclient.test.mjs, l1anchor.test.mjs) ----

export const FORK = 'electra';
export const SECONDS_PER_SLOT = 1;
export const GENESIS_AGO_S = 100; // the clock starts in period 1 (64 slots per period)

/** A synthetic chain (and its forger twin) over blockOf(slot) -> execution block JSON. */
export function makeChains(blockOf, fork = FORK) {
  const gvr = crypto.randomBytes(32);
  const genesisTime = Math.floor(Date.now() / 1000) - GENESIS_AGO_S;
  const opts = { fork, gvr, genesisTime, secondsPerSlot: SECONDS_PER_SLOT, blockOf };
  return { gvr, genesisTime, honest: new BeaconChain(opts), forger: new BeaconChain({ ...opts, forge: true }) };
}

/** Both chains served from the current slot's finalized checkpoint; close() stops both. */
export async function startBeacons(blockOf) {
  const c = makeChains(blockOf);
  const startSlot = c.honest.slotNow();
  const checkpointSlot = c.honest.finalizedOf(startSlot);
  const checkpoint = await c.honest.checkpoint(startSlot);
  const honest = await startBeaconServer(c.honest, { checkpointSlot });
  const forger = await startBeaconServer(c.forger, { checkpointSlot });
  return { ...c, checkpoint, checkpointSlot, honest, forger, close: () => Promise.all([honest.close(), forger.close()]) };
}
