// Cross-checks verity's in-tree bn254 precompiles (ECADD 0x06, ECMUL 0x07, ECPAIRING
// 0x08) against @noble/curves' bn254.
//
// This test makes 120 cases with noble from a seeded generator: 45 ECADD (random
// multiples of G1, doubling, P + (-P), the point at infinity, inputs shorter or longer
// than 128 bytes, points off the curve, coordinates >= p), 45 ECMUL (random 256-bit
// scalars and the edges 0, 1, r - 1, r, 2^256 - 1, invalid points) and 30 ECPAIRING
// (products built to equal 1 and random ones that do not, pairs with the point at
// infinity, twist points off the curve or outside the order-r subgroup). Noble decides
// every expected value: the output bytes, or null when noble refuses a point (its
// assertValidity and isTorsionFree). It writes build/bn254_crosscheck.json and runs the
// cmocka binary test_pc_bn254 with BN254_CROSSCHECK_FILE pointing at it; test_pc_bn254
// fails on the first case that differs.
// Binary: $BN254_TEST_BIN, or build/release/tests/test_pc_bn254 (made by `make unit`);
// `make e2e` picks this file up with the others. Skips with a message when the binary
// is missing. Seed: $BN254_XCHECK_SEED (printed) makes a run reproducible.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bn254 } from '@noble/curves/bn254.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.BN254_TEST_BIN || join(ROOT, 'build', 'release', 'tests', 'test_pc_bn254');
const OUT = join(ROOT, 'build', 'bn254_crosscheck.json');
const { G1, G2, fields } = bn254;
const { Fp, Fp2, Fp12 } = fields;
const P = Fp.ORDER;
const R = G1.Point.Fn.ORDER;

// xorshift64*: a small deterministic generator so a failing seed can be replayed.
function rng(seed) {
  let s = BigInt(seed) || 1n;
  const mask = (1n << 64n) - 1n;
  return () => {
    s ^= s >> 12n; s ^= (s << 25n) & mask; s ^= s >> 27n;
    return (s * 0x2545f4914f6cdd1dn) & mask;
  };
}

const word = (v) => v.toString(16).padStart(64, '0');
const big = (next, words) => {
  let v = 0n;
  for (let i = 0; i < words; i++) v = (v << 64n) | next();
  return v;
};

// EIP-196/197 encodings: G1 (x, y); G2 (x.c1, x.c0, y.c1, y.c0); infinity all zeros.
const encG1 = (pt) => {
  if (pt.is0()) return '0'.repeat(128);
  const a = pt.toAffine();
  return word(a.x) + word(a.y);
};
const encG2xy = (x, y) => word(x.c1) + word(x.c0) + word(y.c1) + word(y.c0);
const encG2 = (pt) => (pt.is0() ? '0'.repeat(256) : encG2xy(pt.toAffine().x, pt.toAffine().y));

// Noble's verdict on a raw G1 coordinate pair: the point, or null when it refuses it.
function g1Of(x, y) {
  try {
    const pt = G1.Point.fromAffine({ x, y });
    pt.assertValidity();
    return pt;
  } catch {
    return null;
  }
}

function g2Of(x, y) {
  try {
    const pt = G2.Point.fromAffine({ x, y });
    pt.assertValidity();
    return pt.isTorsionFree() ? pt : null;
  } catch {
    return null;
  }
}

const randScalar = (next) => (big(next, 4) % (R - 1n)) + 1n;

// A point on the twist but (almost surely) not of order r: x random, y = sqrt(x^3 + b').
function twistPointOutsideG2(next) {
  const b = G2.Point.CURVE().b;
  for (;;) {
    const x = Fp2.fromBigTuple([big(next, 4) % P, big(next, 4) % P]);
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b);
    let y;
    try { y = Fp2.sqrt(rhs); } catch { continue; }
    if (!Fp2.eql(Fp2.sqr(y), rhs)) continue;
    return { x, y };
  }
}

// One G1 input of a kind: 'rand', 'zero', 'offcurve', 'noncanon'. Returns [hex, point|null].
function g1Input(next, kind, base) {
  const pt = base || G1.Point.BASE.multiply(randScalar(next));
  const a = pt.is0() ? null : pt.toAffine();
  switch (kind) {
    case 'zero': return ['0'.repeat(128), G1.Point.ZERO];
    case 'offcurve': return [word(a.x) + word((a.y + 1n) % P), g1Of(a.x, (a.y + 1n) % P)];
    case 'noncanon': {
      const x = a.x + P < 1n << 256n ? a.x + P : a.x;
      return [word(x) + word(a.y), x === a.x ? pt : null];
    }
    default: return [encG1(pt), pt];
  }
}

function addCase(next, i) {
  const kinds = ['rand', 'rand', 'rand', 'dbl', 'neg', 'zero', 'offcurve', 'noncanon', 'short'];
  const kind = kinds[i % kinds.length];
  const p1 = G1.Point.BASE.multiply(randScalar(next));
  let a = [encG1(p1), p1];
  let b = g1Input(next, 'rand');
  if (kind === 'dbl') b = [encG1(p1), p1];
  if (kind === 'neg') b = [encG1(p1.negate()), p1.negate()];
  if (kind === 'zero') a = g1Input(next, 'zero');
  if (kind === 'offcurve' || kind === 'noncanon') b = g1Input(next, kind, b[1]);
  let input = a[0] + b[0];
  if (kind === 'short') input = a[0]; // 64 bytes: the second point reads as zeros
  if (i % 5 === 4 && kind !== 'short') input += 'ab'.repeat(16); // bytes past 128 are ignored
  const q = kind === 'short' ? G1.Point.ZERO : b[1];
  const expected = a[1] && q ? encG1(a[1].add(q)) : null;
  return { op: 'add', input, expected };
}

function mulCase(next, i) {
  const edges = [0n, 1n, R - 1n, R, (1n << 256n) - 1n, 2n * R + 5n];
  const k = i % 3 === 0 ? edges[(i / 3) % edges.length] : big(next, 4);
  const kinds = ['rand', 'rand', 'rand', 'rand', 'zero', 'offcurve', 'noncanon'];
  const [pin, pt] = g1Input(next, kinds[i % kinds.length]);
  const km = k % R;
  const expected = pt ? encG1(km === 0n ? G1.Point.ZERO : pt.multiplyUnsafe(km)) : null;
  let input = pin + word(k);
  if (i % 11 === 10) input = input.replace(/(00)+$/, ''); // short: padded back with zeros
  return { op: 'mul', input, expected };
}

function pairingCase(next, i) {
  const n = 1 + (i % 4);
  const pairs = [];
  let valid = true;
  for (let j = 0; j < n; j++) {
    const g1 = G1.Point.BASE.multiply(randScalar(next));
    const g2 = G2.Point.BASE.multiply(randScalar(next));
    pairs.push({ g1, g2, hex: encG1(g1) + encG2(g2) });
  }
  const kind = i % 6;
  if (kind === 1) pairs[0] = { g1: G1.Point.ZERO, g2: pairs[0].g2, hex: '0'.repeat(128) + encG2(pairs[0].g2) };
  if (kind === 2) pairs[n - 1] = { g1: pairs[n - 1].g1, g2: G2.Point.ZERO, hex: encG1(pairs[n - 1].g1) + '0'.repeat(256) };
  if (kind === 4) { // a twist point outside G2 (noble decides)
    const { x, y } = twistPointOutsideG2(next);
    const g2 = g2Of(x, y);
    valid = valid && g2 !== null;
    pairs[n - 1] = { g1: pairs[n - 1].g1, g2, hex: encG1(pairs[n - 1].g1) + encG2xy(x, y) };
  }
  if (kind === 5) { // off the twist: y + 1
    const a = pairs[0].g2.toAffine();
    const y = Fp2.add(a.y, Fp2.ONE);
    valid = valid && g2Of(a.x, y) !== null;
    pairs[0] = { g1: pairs[0].g1, g2: null, hex: encG1(pairs[0].g1) + encG2xy(a.x, y) };
  }
  const live = pairs.filter((pr) => pr.g1 && pr.g2 && !pr.g1.is0() && !pr.g2.is0());
  const one = live.length === 0 || Fp12.eql(bn254.pairingBatch(live.map(({ g1, g2 }) => ({ g1, g2 }))), Fp12.ONE);
  return { op: 'pairing', input: pairs.map((pr) => pr.hex).join(''), expected: valid ? word(one ? 1n : 0n) : null };
}

// Pairing products equal to 1: e(a G1, b G2) e(c G1, d G2) e(-(ab + cd) G1, G2).
function pairingOneCase(next) {
  const [a, b, c, d] = [randScalar(next), randScalar(next), randScalar(next), randScalar(next)];
  const s = (a * b + c * d) % R;
  const pairs = [
    [G1.Point.BASE.multiply(a), G2.Point.BASE.multiply(b)],
    [G1.Point.BASE.multiply(c), G2.Point.BASE.multiply(d)],
    [G1.Point.BASE.multiply(s).negate(), G2.Point.BASE],
  ];
  const one = Fp12.eql(bn254.pairingBatch(pairs.map(([g1, g2]) => ({ g1, g2 }))), Fp12.ONE);
  return { op: 'pairing', input: pairs.map(([g1, g2]) => encG1(g1) + encG2(g2)).join(''), expected: word(one ? 1n : 0n) };
}

function makeCases(seed) {
  const next = rng(seed);
  const cases = [];
  for (let i = 0; i < 45; i++) cases.push(addCase(next, i));
  for (let i = 0; i < 45; i++) cases.push(mulCase(next, i));
  for (let i = 0; i < 24; i++) cases.push(pairingCase(next, i));
  for (let i = 0; i < 6; i++) cases.push(pairingOneCase(next));
  return cases;
}

test('in-tree bn254 precompiles match @noble/curves on 120 random cases', (t) => {
  if (!existsSync(BIN)) {
    t.skip(`${BIN} is missing: run \`make unit\` (or make build/release/tests/test_pc_bn254) first`);
    return;
  }
  const seed = process.env.BN254_XCHECK_SEED || String(Date.now());
  t.diagnostic(`seed ${seed}`);
  const cases = makeCases(seed);
  assert.equal(cases.length, 120);
  const pairingOnes = cases.filter((c) => c.op === 'pairing' && c.expected === word(1n)).length;
  const refused = cases.filter((c) => c.expected === null).length;
  assert.ok(pairingOnes >= 6, `only ${pairingOnes} pairing cases equal 1`);
  assert.ok(refused >= 10 && refused < 60, `${refused} cases refused by noble`);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify({ seed, cases }, null, 1));
  const r = spawnSync(BIN, [], {
    env: { ...process.env, BN254_CROSSCHECK_FILE: OUT },
    encoding: 'utf8',
    timeout: 120000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `test_pc_bn254 failed (seed ${seed}):\n${out.slice(-3000)}`);
  assert.match(out, /cross-check: 120 cases agree with @noble\/curves/);
  assert.doesNotMatch(out, /SKIPPED \] test_crosscheck_noble/);
});
