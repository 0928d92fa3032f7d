// browser.mjs: a headless Chromium (the Debian `chromium` package) driven over the
// DevTools protocol with the `ws` client already in node_modules (no browser download,
// no extra package). Used by dashboard.test.mjs to load /dashboard, read what the page
// shows (Runtime.evaluate) and take the screenshot committed as docs/dashboard.png.
//
//   const b = await openBrowser();            // null when chromium is absent (see chromiumProblem)
//   const page = await b.open(url, {width, height});
//   await page.eval('document.title');
//   await page.screenshot('out.png');
//   await b.close();
//
// The browser is a tracked child (lib/util.mjs kills it on exit) with its own
// throw-away profile directory.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { spawnTracked, stopChild } from './util.mjs';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const START_TIMEOUT_MS = 20000;
const CALL_TIMEOUT_MS = 15000;

/** Why the browser cannot run here, or null. */
export function chromiumProblem() {
  try { fs.accessSync(CHROMIUM_BIN, fs.constants.X_OK); return null; } catch {
    return `${CHROMIUM_BIN} not found: install the Debian package chromium (scripts/deps.sh) or set CHROMIUM_BIN`;
  }
}

export async function openBrowser() {
  if (chromiumProblem()) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verity-chromium-'));
  const proc = spawnTracked(CHROMIUM_BIN, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', `--user-data-dir=${dir}`, '--remote-debugging-port=0', 'about:blank'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  const wsUrl = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start in ${START_TIMEOUT_MS} ms: ${buf.slice(-500)}`)), START_TIMEOUT_MS);
    proc.stderr.on('data', (d) => {
      buf += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(buf);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`chromium exited (${code}): ${buf.slice(-500)}`)); });
  });
  const sock = new WebSocket(wsUrl, { perMessageDeflate: false });
  await new Promise((resolve, reject) => { sock.once('open', resolve); sock.once('error', reject); });
  let nextId = 1;
  const waiting = new Map();
  sock.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    const w = msg.id && waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    clearTimeout(w.timer);
    if (msg.error) w.reject(new Error(`${w.method}: ${msg.error.message}`)); else w.resolve(msg.result);
  });
  const call = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => { waiting.delete(id); reject(new Error(`${method}: no answer in ${CALL_TIMEOUT_MS} ms`)); }, CALL_TIMEOUT_MS);
    waiting.set(id, { resolve, reject, timer, method });
    sock.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
  });

  return {
    async open(url, { width = 1400, height = 900 } = {}) {
      const { targetId } = await call('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await call('Target.attachToTarget', { targetId, flatten: true });
      await call('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
      await call('Page.enable', {}, sessionId);
      await call('Page.navigate', { url }, sessionId);
      const page = {
        async eval(expression) {
          const r = await call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId);
          if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.text} ${expression}`);
          return r.result.value;
        },
        async screenshot(file) {
          const r = await call('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, sessionId);
          fs.writeFileSync(file, Buffer.from(r.data, 'base64'));
        },
      };
      return page;
    },
    async close() {
      try { sock.close(); } catch { /* gone */ }
      await stopChild(proc, 2000).catch(() => {});
      try { fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }); } catch { /* chromium's helpers may still be exiting */ }
    },
  };
}
