// Cross-checks verity's in-tree BLS12-381 verifier against @noble/curves.
//
// This test makes 100 cases with noble (random keys and messages, Ethereum's POP
// ciphersuite): 50 valid ones and 50 tampered ones (another message, a wrong key, a
// missing or extra aggregate member, a flipped signature byte, a signature for another
// message). Noble's own verdict is the expected value of each case. It writes them to
// build/bls_crosscheck.json and runs the cmocka binary test_bls with
// BLS_CROSSCHECK_FILE pointing at it. test_bls fails on the first verdict that differs.
// Binary: $BLS_TEST_BIN, or build/release/tests/test_bls (made by `make unit`); `make e2e`
// picks this file up with the others, after `make unit` in `make check`.
// The test skips with a message when the binary is missing.
// Seed: $BLS_XCHECK_SEED (printed) makes a run reproducible.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bls12_381 } from '@noble/curves/bls12-381.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.BLS_TEST_BIN || join(ROOT, 'build', 'release', 'tests', 'test_bls');
const OUT = join(ROOT, 'build', 'bls_crosscheck.json');
const DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const sigs = bls12_381.longSignatures;

// xorshift64*: a small deterministic generator so a failing seed can be replayed.
function rng(seed) {
  let s = BigInt(seed) || 1n;
  const mask = (1n << 64n) - 1n;
  return () => {
    s ^= s >> 12n; s ^= (s << 25n) & mask; s ^= s >> 27n;
    return Number(((s * 0x2545f4914f6cdd1dn) & mask) >> 32n);
  };
}

const hex = (b) => Buffer.from(b).toString('hex');

function bytes(next, n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}

function nobleVerdict(pkBytesList, msg, sigBytes) {
  try {
    const pk = pkBytesList.length === 1 ? pkBytesList[0] : sigs.aggregatePublicKeys(pkBytesList);
    return sigs.verify(sigBytes, sigs.hash(msg, DST), pk);
  } catch {
    return false; // invalid encodings are INVALID
  }
}

function makeCases(seed) {
  const next = rng(seed);
  const keys = Array.from({ length: 10 }, () => sigs.keygen(bytes(next, 48)));
  const pkb = keys.map((k) => k.publicKey.toBytes());
  const cases = [];
  const add = (kind, pks, msg, sig) =>
    cases.push({ kind, pubkeys: pks.map(hex), message: hex(msg), signature: hex(sig), expected: nobleVerdict(pks, msg, sig) });
  for (let i = 0; i < 50; i++) {
    const msg = bytes(next, next() % 65);
    const n = i % 2 === 0 ? 1 : 2 + (next() % 5);
    const start = next() % (keys.length - n + 1);
    const signers = keys.slice(start, start + n);
    const pks = pkb.slice(start, start + n);
    const hm = sigs.hash(msg, DST);
    const parts = signers.map((k) => sigs.sign(hm, k.secretKey));
    const sig = (parts.length === 1 ? parts[0] : sigs.aggregateSignatures(parts)).toBytes();
    const kind = n === 1 ? 'verify' : 'fast_aggregate_verify';
    add(kind, pks, msg, sig);
    // one tampered twin per valid case, cycling through the kinds of damage
    const other = pkb[(start + n) % keys.length];
    switch (i % 5) {
      case 0: { const m2 = new Uint8Array([...msg, 0x01]); add(kind, pks, m2, sig); break; }
      case 1: add(kind, n === 1 ? [other] : pks.slice(1), msg, sig); break;
      case 2: add('fast_aggregate_verify', [...pks, other], msg, sig); break;
      case 3: { const s2 = Uint8Array.from(sig); s2[1 + (next() % 94)] ^= 1 << (next() % 8); add(kind, pks, msg, s2); break; }
      default: {
        const m2 = bytes(next, 32);
        const s2 = sigs.sign(sigs.hash(m2, DST), signers[0].secretKey).toBytes();
        add(kind, pks, msg, n === 1 ? s2 : sig.map((v, j) => (j === 95 ? v ^ 0x80 : v)));
      }
    }
  }
  return cases;
}

test('in-tree BLS verdicts match @noble/curves on 100 random cases', (t) => {
  if (!existsSync(BIN)) {
    t.skip(`${BIN} is missing: run \`make unit\` (or make build/release/tests/test_bls) first`);
    return;
  }
  const seed = process.env.BLS_XCHECK_SEED || String(Date.now());
  t.diagnostic(`seed ${seed}`);
  const cases = makeCases(seed);
  const valid = cases.filter((c) => c.expected).length;
  assert.equal(cases.length, 100);
  assert.ok(valid >= 50 && valid < 100, `noble found ${valid} valid cases`);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify({ seed, cases }, null, 1));
  const r = spawnSync(BIN, [], {
    env: {
      ...process.env,
      VERITY_FIXTURES: process.env.VERITY_FIXTURES || process.env.FIXTURES || '',
      BLS_CROSSCHECK_FILE: OUT,
    },
    encoding: 'utf8',
    timeout: 120000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `test_bls failed (seed ${seed}):\n${out.slice(-3000)}`);
  assert.match(out, /cross-check: 100 cases agree with @noble\/curves/);
  assert.doesNotMatch(out, /SKIPPED \] test_crosscheck_noble/);
});
