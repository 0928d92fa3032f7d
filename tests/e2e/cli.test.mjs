// The command line a node operator uses: `verity check` (probe every upstream, print a
// table, exit status says whether the set is healthy), `verity config` (the effective
// configuration, secrets redacted), config errors that name key, value and what was
// expected, and `--data DIR` (persistence: sets cache.path; `run` creates DIR 0700 or
// says which path it could not create). Upstreams are real anvil nodes behind the fault
// proxy; loopback only. (A restart from --data in light-client mode: lightclient.test.mjs.)

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { withWorld } from './lib/world.mjs';
import { toYaml, defaultConfig } from './lib/verity.mjs';

const SECRET = 'sk-test-9f8e7d6c5b4a';

// asynchronous: the fault proxies live in this process and must keep answering
function run(args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(process.env.VERITY_BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 30000);
    p.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out, err }); });
  });
}

function writeConfig(cfg) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-cli-'));
  const file = path.join(dir, 'verity.yaml');
  fs.writeFileSync(file, toYaml(cfg) + '\n');
  return file;
}

test('verity check: a table of every upstream; exit 0 when healthy, 1 when not; no secrets', async (t) => {
  await withWorld(t, { verity: false }, async (w) => {
    const upstreams = w.proxies.map((p, i) => ({ name: p.name, url: i === 0 ? `${p.url}/?key=\${TEST_KEY}` : p.url }));
    const file = writeConfig({ ...defaultConfig({ port: 1, upstreams }), pool: { timeout_ms: 1500 } });
    const ok = await run(['check', '--config', file], { TEST_KEY: SECRET });
    assert.equal(ok.code, 0, `code ${ok.code} signal ${ok.signal}: ${ok.out}${ok.err}`);
    for (const p of w.proxies) assert.match(ok.out, new RegExp(`^${p.name}\\s.*\\s31337\\s.*\\sok`, 'm'));
    assert.match(ok.out, /HEALTHY/);
    assert.ok(!ok.out.includes(SECRET) && !ok.err.includes(SECRET), 'the API key leaked into check output');

    for (const p of w.proxies.slice(1)) p.setMode('refuse');
    const bad = await run(['check', '--config', file], { TEST_KEY: SECRET });
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /DOWN/);
    assert.match(bad.out, /UNHEALTHY/);

    const cfg = await run(['config', '--config', file], { TEST_KEY: SECRET });
    assert.equal(cfg.code, 0, cfg.err);
    assert.ok(!cfg.out.includes(SECRET), 'the API key leaked into the config dump');
    assert.match(cfg.out, /verify: true/);
  });
});

test('config errors name the key, the value and what was expected', async (t) => {
  if (!process.env.VERITY_BIN) { t.skip('VERITY_BIN is not set'); return; }
  const cases = [
    ['pool:\n  timeout_ms: fast\n', /pool\.timeout_ms.*fast/],
    ['anchor:\n  mode: magic\n', /anchor\.mode.*magic/],
    ['nonsense: 1\n', /nonsense/],
    ['upstreams:\n  - { name: a, url: "ftp://x" }\n', /url/],
  ];
  for (const [yaml, re] of cases) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-cli-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, yaml);
    const r = await run(['--config', file]);
    assert.equal(r.code, 2, `${yaml}: exit ${r.code}`);
    assert.match(r.err, re);
  }
  const missing = await run(['--config', '/nonexistent/verity.yaml']);
  assert.equal(missing.code, 2);
  const version = await run(['version']);
  assert.match(version.out, /^verity \d+\.\d+\.\d+/);
});

test('--data DIR: sets cache.path, run creates DIR (0700) or names the path it cannot create', async (t) => {
  await withWorld(t, { verity: false }, async (w) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-data-'));
    try {
      const upstreams = w.proxies.map((p) => ({ name: p.name, url: p.url }));
      const file = writeConfig({ ...defaultConfig({ port: 1, upstreams }), cache: { path: '/elsewhere' } });
      const data = path.join(root, 'verity-data', 'devnet');
      const shown = await run(['config', '--config', file, '--data', data]);
      assert.equal(shown.code, 0, shown.err);
      assert.ok(shown.out.includes(`path: "${data}"`), `--data wins over the file's cache.path:\n${shown.out}`);
      assert.ok(!fs.existsSync(data), '`verity config` creates nothing');

      // run: the directory appears (parents too, mode 0700) and holds the LMDB store
      const port = await new Promise((resolve) => {
        const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
      });
      const p = spawn(process.env.VERITY_BIN, ['run', '--config', file, '--data', data, '--listen', `127.0.0.1:${port}`],
        { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => { err += d; });
      const exited = new Promise((resolve) => p.on('close', resolve));
      try {
        const deadline = Date.now() + 15000;
        while (!fs.existsSync(path.join(data, 'data.mdb')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.ok(fs.existsSync(path.join(data, 'data.mdb')), `no LMDB store in ${data}:\n${err}`);
        assert.equal(fs.statSync(data).mode & 0o777, 0o700);
        assert.equal(fs.statSync(path.dirname(data)).mode & 0o777, 0o700);
      } finally {
        p.kill('SIGTERM');
        await exited;
      }

      // a path that cannot be a directory: exit 2, the message names it
      const blocker = path.join(root, 'a-file');
      fs.writeFileSync(blocker, 'x');
      const bad = await run(['run', '--config', file, '--data', path.join(blocker, 'sub')]);
      assert.equal(bad.code, 2, bad.err);
      assert.match(bad.err, /--data: cannot create directory/);
      assert.ok(bad.err.includes(path.join(blocker, 'sub')), bad.err);
      const empty = await run(['run', '--config', file, '--data', '']);
      assert.equal(empty.code, 2, empty.err);
      assert.match(empty.err, /--data/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
