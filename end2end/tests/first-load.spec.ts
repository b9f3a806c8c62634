import { expect, test, Browser, BrowserContext, CDPSession, Page } from '@playwright/test';
import * as fs from 'node:fs';
import { signUp, uniqueLogin } from './helpers';

// Benchmark: the dashboard's first load, cold, under Lighthouse's mobile emulation, in
// Chromium, on the release build.
//
// A returning user lands on `/` (the Environments dashboard: where signing in and
// signing up take you). Each run is a fresh browser context that holds only the session
// cookie of a user signed up before any emulation (so nothing of the site is cached),
// with, through the DevTools protocol: the cache disabled (Network.setCacheDisabled),
// 150 ms latency, 1,638,400 bit/s down and 750,000 bit/s up
// (Network.emulateNetworkConditions), the CPU slowed 4 times
// (Emulation.setCPUThrottlingRate), and Lighthouse's mobile screen (412 × 823, DPR 1.75,
// touch). Then it opens `/` and measures, from navigation start (performance.timeOrigin):
//
// - interactive: the Settings button (top bar) is clicked again and again (a mouse click
//   at its middle every 50 ms at most, see `clickUntil`) until the Settings frame opens.
//   The button is a plain `type=button` with an `on:click` handler and no form: before
//   hydration a click does nothing, so the frame's appearance is the first moment the
//   dashboard answers a click.
// - method list: Generate (Access Tokens toolbar) is clicked (again until its dialog
//   opens); the dialog loads the catalog; "rendered" is when its rows are in the page,
//   "usable" when a keystroke in Search ("x", one key press) has filtered them.
//
// Each moment is taken inside the page by a MutationObserver (installed before any of
// the page's own scripts) when the DOM change happens, and then after the next frame
// (a requestAnimationFrame callback's following task: the change has been painted);
// the figures are the painted ones. Bytes: encodedDataLength of every
// Network.loadingFinished (as sent over the wire, headers included). The first load is
// what /pkg/ sent (JS + WASM + CSS) up to the moment the Settings frame opened, less the
// WASM chunks cut by --split (every .wasm but kunci.wasm), which load on demand: those
// are reported apart, as loaded by the end of the run (the Settings tab's content and
// the token dialog's).
//
// Smoke (default, run by the test command): 1 run. Full: KUNCI_BENCH=full (5 runs).
// Results: bench-results/first-load.json and .md. Timing is reported, never asserted.

const LATENCY_MS = 150;
const DOWNLOAD_BYTES_PER_S = 1_638_400 / 8;
const UPLOAD_BYTES_PER_S = 750_000 / 8;
const CPU_SLOWDOWN = 4;
const SCREEN = { width: 412, height: 823, deviceScaleFactor: 1.75 };

/** Installed in every document before its scripts: records when each effect appears. */
function milestones() {
  type Marks = Record<string, number>;
  const m: Marks = {};
  (window as any).__firstLoad = m;
  const mark = (k: string) => {
    if (m[k] !== undefined) return;
    m[k] = performance.now();
    // After the frame that shows the change: rAF runs before style, layout and paint;
    // a task queued from it runs after them.
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { m[`${k}_painted`] = performance.now(); };
      ch.port2.postMessage(null);
    });
  };
  const check = () => {
    if (document.body?.dataset.hydrated === 'true') mark('hydrated');
    if (document.getElementById('settings-frame')) mark('settings');
    if (document.getElementById('token-dialog')) mark('dialog');
    const list = document.getElementById('method-list');
    if (!list) return;
    const rows = list.getElementsByClassName('method-row');
    if (rows.length === 0) return;
    mark('list');
    const input = document.querySelector('#token-dialog input[type=search]') as HTMLInputElement | null;
    if (!input || input.value === '' || m.filtered !== undefined) return;
    let shown = 0;
    for (const r of Array.from(rows)) if (!r.classList.contains('hidden')) shown++;
    if (shown < rows.length) {
      m.shown = shown;
      m.total = rows.length;
      mark('filtered');
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['class', 'data-hydrated'] });
}

type Marks = Record<string, number | undefined>;

interface Request { url: string; status?: number; encoding?: string; bytes?: number; start?: number; end?: number }

/** Every request of the page, from the DevTools protocol's Network events. */
function recordRequests(cdp: CDPSession): Map<string, Request> {
  const requests = new Map<string, Request>();
  cdp.on('Network.requestWillBeSent', (e) => {
    requests.set(e.requestId, { url: e.request.url, start: e.timestamp });
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    if (!r) return;
    r.status = e.response.status;
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    r.encoding = (h['content-encoding'] as string | undefined) ?? 'identity';
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (!r) return;
    r.bytes = e.encodedDataLength;
    r.end = e.timestamp;
  });
  return requests;
}

const isPkg = (url: string) => new URL(url).pathname.startsWith('/pkg/');
/** A WASM chunk loaded on demand: any WASM of the build but the main one. */
const isChunk = (url: string) => {
  const p = new URL(url).pathname;
  return p.endsWith('.wasm') && !/\/kunci(_bg)?\.wasm$/.test(p);
};
const kindOf = (url: string) => {
  const p = new URL(url).pathname;
  return p.endsWith('.wasm') ? 'wasm' : p.endsWith('.js') ? 'js' : p.endsWith('.css') ? 'css' : 'other';
};

interface Run {
  pkg_bytes: number;
  pkg_bytes_by_kind: Record<string, number>;
  pkg_files: { path: string; encoding?: string; bytes?: number; download_ms?: number }[];
  chunk_bytes: number;
  chunks: { path: string; bytes?: number }[];
  all_bytes: number;
  requests: number;
  hydrated_ms: number;
  interactive_ms: number;
  interactive_dom_ms: number;
  settings_clicks: number;
  method_list_rendered_ms: number;
  method_list_usable_ms: number;
  method_list_usable_dom_ms: number;
  rows_total: number;
  rows_after_keystroke: number;
}

/**
 * Clicks the middle of `selector` until `done` is set in the page's marks; returns the
 * clicks made. Each click is a mouse press and release sent through the DevTools
 * protocol, which answers once the page has taken the event: while the main thread is
 * busy (the WASM compiling, hydration) the click waits in the browser's input queue, as
 * a user's would, and is handled the moment the thread is free. Between clicks the loop
 * waits at most 50 ms for the effect. (It used Playwright's `click()` with a 250 ms
 * wait: its actionability checks and that wait put 0.3–0.4 s of the harness's own
 * between hydration and the first click handled; see BENCHMARKS.md.) The element's box
 * is read again before every click: the page is visible before its stylesheet has
 * arrived, and a box read then (the button 200 px from where the styled header puts it)
 * sent every later click to empty space. A click that lands after the effect hits the
 * backdrop of the frame it opened, which takes no clicks.
 */
async function clickUntil(page: Page, selector: string, done: string): Promise<number> {
  const deadline = Date.now() + 120_000;
  let clicks = 0;
  const seen = async () => (await page.evaluate((k) => (window as any).__firstLoad?.[k] !== undefined, done));
  const target = page.locator(selector);
  await target.waitFor({ state: 'visible', timeout: 60_000 });
  while (!(await seen())) {
    if (Date.now() > deadline) throw new Error(`${done}: no effect after ${clicks} clicks on ${selector}`);
    const box = await target.boundingBox();
    if (!box) throw new Error(`${selector} has no box to click`);
    clicks++;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction((k) => (window as any).__firstLoad?.[k] !== undefined, done, { timeout: 50 }).catch(() => {});
  }
  return clicks;
}

async function oneRun(browser: Browser, baseURL: string, storageState: Awaited<ReturnType<BrowserContext['storageState']>>): Promise<Run> {
  const context = await browser.newContext({
    baseURL,
    storageState,
    locale: 'en-US',
    viewport: { width: SCREEN.width, height: SCREEN.height },
    deviceScaleFactor: SCREEN.deviceScaleFactor,
    isMobile: true,
    hasTouch: true,
  });
  try {
    await context.addInitScript(milestones);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const requests = recordRequests(cdp);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: LATENCY_MS,
      downloadThroughput: DOWNLOAD_BYTES_PER_S,
      uploadThroughput: UPLOAD_BYTES_PER_S,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });

    await page.goto('/', { waitUntil: 'commit' });
    expect(new URL(page.url()).pathname, 'the session cookie kept the user signed in').toBe('/');
    const settingsClicks = await clickUntil(page, '[data-testid=settings-button]', 'settings');
    // Bytes up to the first interaction (requests still running are not counted).
    const untilInteractive = [...requests.values()].filter((r) => r.bytes !== undefined);

    const generate = '#settings-frame [role=toolbar] button:text-is("Generate")';
    await clickUntil(page, generate, 'dialog');
    await page.waitForFunction(() => (window as any).__firstLoad?.list !== undefined, null, { timeout: 120_000 });
    await page.locator('#token-dialog input[type=search]').press('x');
    await page.waitForFunction(() => (window as any).__firstLoad?.filtered_painted !== undefined, null, { timeout: 60_000 });
    await page.waitForFunction(() => {
      const m = (window as any).__firstLoad;
      return m.hydrated_painted !== undefined && m.settings_painted !== undefined && m.list_painted !== undefined;
    }, null, { timeout: 10_000 });
    const marks: Marks = await page.evaluate(() => ({ ...(window as any).__firstLoad }));
    const chunks = [...requests.values()].filter((r) => r.bytes !== undefined && isPkg(r.url) && isChunk(r.url));
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });

    const pkg = untilInteractive.filter((r) => isPkg(r.url) && !isChunk(r.url));
    const byKind: Record<string, number> = {};
    for (const r of pkg) byKind[kindOf(r.url)] = (byKind[kindOf(r.url)] ?? 0) + (r.bytes ?? 0);
    const sum = (rs: Request[]) => rs.reduce((s, r) => s + (r.bytes ?? 0), 0);
    const ms = (k: string) => Number((marks[k] ?? NaN).toFixed(0));
    return {
      pkg_bytes: sum(pkg),
      pkg_bytes_by_kind: byKind,
      pkg_files: pkg.map((r) => ({
        path: new URL(r.url).pathname,
        encoding: r.encoding,
        bytes: r.bytes,
        download_ms: r.start !== undefined && r.end !== undefined ? Math.round((r.end - r.start) * 1000) : undefined,
      })),
      chunk_bytes: sum(chunks),
      chunks: chunks.map((r) => ({ path: new URL(r.url).pathname, bytes: r.bytes })),
      all_bytes: sum(untilInteractive.filter((r) => !isChunk(r.url))),
      requests: untilInteractive.length,
      hydrated_ms: ms('hydrated_painted'),
      interactive_ms: ms('settings_painted'),
      interactive_dom_ms: ms('settings'),
      settings_clicks: settingsClicks,
      method_list_rendered_ms: ms('list_painted'),
      method_list_usable_ms: ms('filtered_painted'),
      method_list_usable_dom_ms: ms('filtered'),
      rows_total: marks.total ?? NaN,
      rows_after_keystroke: marks.shown ?? NaN,
    };
  } finally {
    await context.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

test('first load of the dashboard, cold, under mobile emulation', async ({ page, browser, baseURL }) => {
  const full = process.env.KUNCI_BENCH === 'full';
  const n = full ? 5 : 1;
  test.setTimeout(full ? 900_000 : 180_000);

  // The returning user: signed up (and so signed in) before any emulation; each run
  // starts a fresh context from this session cookie alone.
  await signUp(page, uniqueLogin('firstload'), 'First Load');
  const storageState = await page.context().storageState();

  const runs: Run[] = [];
  for (let i = 0; i < n; i++) runs.push(await oneRun(browser, baseURL!, storageState));

  const figures = ['pkg_bytes', 'chunk_bytes', 'all_bytes', 'hydrated_ms', 'interactive_ms', 'method_list_rendered_ms', 'method_list_usable_ms'] as const;
  const med = Object.fromEntries(figures.map((f) => [f, median(runs.map((r) => r[f]))])) as Record<(typeof figures)[number], number>;
  const result = {
    mode: full ? 'full' : 'smoke',
    page: '/ (Environments dashboard)',
    interaction: 'click Settings until the Settings frame opens',
    method_list: 'click Generate, catalog rendered, then one "x" keystroke in Search filters it',
    conditions: {
      latency_ms: LATENCY_MS,
      download_bytes_per_s: DOWNLOAD_BYTES_PER_S,
      upload_bytes_per_s: UPLOAD_BYTES_PER_S,
      cpu_slowdown: CPU_SLOWDOWN,
      screen: SCREEN,
      cache: 'disabled, fresh context',
    },
    median: med,
    runs,
  };

  const kb = (b: number) => `${Math.round(b).toLocaleString('en-US')} B`;
  const row = (name: string, r: Record<(typeof figures)[number], number>) =>
    `| ${name} | ${kb(r.pkg_bytes)} | ${kb(r.chunk_bytes)} | ${kb(r.all_bytes)} | ${Math.round(r.hydrated_ms)} | ${Math.round(r.interactive_ms)} | ${Math.round(r.method_list_rendered_ms)} | ${Math.round(r.method_list_usable_ms)} |`;
  const md = [
    `First load of \`/\`, cold cache, ${LATENCY_MS} ms latency, ${DOWNLOAD_BYTES_PER_S * 8} bit/s down, ` +
      `${UPLOAD_BYTES_PER_S * 8} bit/s up, CPU ÷${CPU_SLOWDOWN}, ${SCREEN.width}×${SCREEN.height} @${SCREEN.deviceScaleFactor} (${result.mode}, ${n} run${n > 1 ? 's' : ''}); ms from navigation start.`,
    '',
    '| run | first load: JS + WASM + CSS as sent | WASM chunks loaded on demand | all requests to interactive (no chunks) | hydrated ms | Settings opens on click ms | method list rendered ms | method list filters a keystroke ms |',
    '|---|---|---|---|---|---|---|---|',
    row('median', med),
    ...runs.map((r, i) => row(String(i + 1), r)),
    '',
  ].join('\n');
  fs.mkdirSync('bench-results', { recursive: true });
  fs.writeFileSync('bench-results/first-load.json', JSON.stringify(result, null, 2));
  fs.writeFileSync('bench-results/first-load.md', md);
  console.log(`first-load:\n${md}`);

  for (const r of runs) {
    expect(r.pkg_bytes).toBeGreaterThan(0);
    // The goal for what the browser downloads before the dashboard works (README, "A
    // light first load"). scripts/setup.sh names the crates' sources /cargo, so with
    // the same toolchain the WASM is the same bytes wherever the test command runs.
    expect(r.pkg_bytes, 'first load: JS + WASM + CSS as sent, goal 300 KB').toBeLessThanOrEqual(300_000);
    expect(r.pkg_bytes_by_kind.wasm ?? 0).toBeGreaterThan(0);
    // The release build is split (--split): the Settings tab and the token dialog came
    // as chunks after the first load, not in it.
    expect(r.chunks.length, 'WASM chunks loaded on demand').toBeGreaterThan(0);
    expect(r.chunk_bytes).toBeGreaterThan(0);
    expect(r.all_bytes).toBeGreaterThanOrEqual(r.pkg_bytes);
    for (const f of ['hydrated_ms', 'interactive_ms', 'method_list_rendered_ms', 'method_list_usable_ms'] as const) {
      expect(Number.isFinite(r[f]) && r[f] > 0, `${f} = ${r[f]}`).toBe(true);
    }
    expect(r.interactive_ms).toBeGreaterThanOrEqual(r.hydrated_ms);
    expect(r.method_list_usable_ms).toBeGreaterThanOrEqual(r.interactive_ms);
    expect(r.rows_after_keystroke).toBeLessThan(r.rows_total);
  }
});
