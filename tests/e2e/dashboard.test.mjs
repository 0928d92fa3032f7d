// The dashboard in a real browser: headless Chromium (Debian `chromium`, driven over
// the DevTools protocol by lib/browser.mjs) loads /dashboard of a verity in front of
// three anvil nodes behind the fault proxies. The page must show the three upstreams
// from /status, then, in the same page (no reload), show a killed anvil within
// seconds: its row leaves "healthy" and shows its errors by kind. The kill is checked to
// have been served: verity's /status counts failures for the killed upstream. Then the
// two others forge their proofs for one call: its -32002 shows in the page's list of
// recent -32002s (the forgeries were served: the proxies counted them). No CORS header on /dashboard (cors_origin unset and
// set). DASHBOARD_SHOT=<file> also writes the screenshot (docs/dashboard.png).
// Skips with a message only when chromium is absent (or VERITY_BIN, as every e2e).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withWorld } from './lib/world.mjs';
import { openBrowser, chromiumProblem } from './lib/browser.mjs';
import { rpc, rpcRaw, sleep, waitFor } from './lib/util.mjs';

const rowsExpr = `JSON.stringify([...document.querySelectorAll('tr[data-upstream]')].map((r) =>
  ({ name: r.dataset.upstream, state: r.dataset.state, text: r.textContent })))`;

test('dashboard: shows the upstreams of a running verity and a killed anvil within seconds', async (t) => {
  const why = chromiumProblem();
  if (why) { t.skip(`dashboard test skipped: ${why}`); return; }
  await withWorld(t, { overrides: { pool: { breaker: { failures: 2, open_ms: 60000 } } } }, async (w) => {
    // some traffic so the charts and counters have something to show
    for (let i = 0; i < 20; i++) await rpc(w.verity.url, 'eth_getBalance', ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', '0x1']);
    const page0 = await fetch(`${w.verity.url}/dashboard`);
    assert.equal(page0.status, 200);
    assert.match(page0.headers.get('content-type'), /text\/html/);
    assert.equal(page0.headers.get('access-control-allow-origin'), null, 'no CORS on /dashboard');
    const html = await page0.text();
    assert.doesNotMatch(html, /(src|href)=["']https?:/, 'the page loads nothing from elsewhere');

    const b = await openBrowser();
    try {
      const page = await b.open(`${w.verity.url}/dashboard`);
      let rows = [];
      await waitFor(async () => {
        rows = JSON.parse(await page.eval(rowsExpr));
        return rows.length === 3 && rows.every((r) => r.state === 'healthy');
      }, { timeoutMs: 15000, what: 'three healthy upstreams on the page' });
      assert.deepEqual(rows.map((r) => r.name).sort(), w.proxies.map((p) => p.name).sort());
      const polls0 = Number(await page.eval('document.body.dataset.polls'));
      assert.ok(polls0 >= 1);

      // kill anvil 2 for real (its proxy then gets connection refused)
      const victim = w.proxies[2].name;
      await w.devnet.pause(2);
      w.devnet.nodes[2].proc.kill('SIGKILL');
      const t0 = Date.now();
      // the page, without a reload, shows it within seconds (traffic makes verity notice sooner)
      let row;
      await waitFor(async () => {
        await rpc(w.verity.url, 'eth_blockNumber').catch(() => {});
        rows = JSON.parse(await page.eval(rowsExpr));
        row = rows.find((r) => r.name === victim);
        return row && row.state !== 'healthy';
      }, { timeoutMs: 15000, intervalMs: 250, what: `the dashboard to show ${victim} down` });
      const seconds = (Date.now() - t0) / 1000;
      t.diagnostic(`dashboard showed ${victim} as "${row.state}" ${seconds.toFixed(1)} s after the kill`);
      assert.ok(seconds < 15);
      assert.match(row.text, /(http|connect|timeout) \d+/, 'the row shows the errors by kind (the proxy answers 502 for a dead node)');
      assert.ok(rows.filter((r) => r.name !== victim).every((r) => r.state === 'healthy'), 'the others stay healthy');
      assert.ok(Number(await page.eval('document.body.dataset.polls')) > polls0, 'the page refreshed itself');
      // the fault was served: verity counted failures for the killed upstream
      const st = await (await fetch(`${w.verity.url}/status`)).json();
      const u = st.upstreams.find((x) => x.name === victim);
      assert.ok(u.errors.connect + u.errors.http + u.errors.timeout > 0, `no failure counted for ${victim}`);
      assert.ok(st.answers_by_trust && typeof st.answers_by_trust.quorum === 'number');

      // a -32002 appears in the page's list with its method and reason: the two live
      // upstreams forge their proofs, so no answer can be stood behind
      for (const p of w.proxies.slice(0, 2)) p.setMode('forgeProofNode');
      const bad = await rpcRaw(w.verity.url, 'eth_getBalance', ['0x70997970C51812dc3A010C7d01b50e20d17dc79C', 'latest']);
      for (const p of w.proxies.slice(0, 2)) p.setMode('pass');
      assert.equal(bad.error?.code, -32002, JSON.stringify(bad));
      assert.ok(w.proxies.slice(0, 2).some((p) => (p.stats.faults.forgeProofNode || 0) > 0), 'no forged proof was served');
      let unavail = '';
      await waitFor(async () => {
        unavail = await page.eval(`document.getElementById('unavail').textContent`);
        return unavail.includes('eth_getBalance');
      }, { timeoutMs: 5000, what: 'the -32002 on the page' });
      t.diagnostic(`recent -32002 on the page: ${unavail.slice(0, 160)}`);
      if (process.env.DASHBOARD_SHOT) {
        for (let i = 0; i < 12; i++) { await rpc(w.verity.url, 'eth_getBalance', ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'latest']).catch(() => {}); await sleep(500); } // points on the charts
        await page.screenshot(process.env.DASHBOARD_SHOT);
      }
    } finally {
      await b.close();
    }
  });
});

test('dashboard: no CORS headers even when cors_origin is set', async (t) => {
  await withWorld(t, { n: 1, overrides: { anchor: { quorum: 1 }, cors_origin: 'https://app.example' } }, async (w) => {
    const d = await fetch(`${w.verity.url}/dashboard`, { headers: { Origin: 'https://app.example' } });
    assert.equal(d.status, 200);
    assert.equal(d.headers.get('access-control-allow-origin'), null);
    const r = await fetch(w.verity.url, { method: 'POST', headers: { 'content-type': 'application/json', Origin: 'https://app.example' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) });
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://app.example', 'CORS still on the JSON-RPC path');
  });
});
