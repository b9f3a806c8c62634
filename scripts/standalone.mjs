// The release server is one self-contained file: copied alone into an empty directory
// and started from another one, on a fresh SQLite database, it serves the whole
// dashboard. Checks every file a page links (the WASM, JS and CSS in the build's
// versioned directory, /pkg/<hash>/) and every WASM chunk cut by --split, as a browser
// asks for it, brotli, gzip and plain: the bytes are those of target/site, the
// versioned names are cached for good, and reports what a first load downloads (the
// linked files; chunks load on demand). Fails (exit 1) on any difference.
//
// Needs `cargo leptos build --release --precompress --split`.
// Usage: node scripts/standalone.mjs [BINARY]   (default target/release/server; the
// Debian check passes the binary it unpacked from the package)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const built = path.resolve(process.argv[2] ?? path.join(root, 'target/release/server'));
const site = path.join(root, 'target/site/pkg');
const PORT = 3460 + Math.floor(Math.random() * 200);

function fail(message) {
  console.error(`standalone: FAILED: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

/** GET `url` with `Accept-Encoding: encoding`: status, headers and the bytes as sent. */
function get(url, encoding) {
  return new Promise((resolve, reject) => {
    const headers = encoding ? { 'accept-encoding': encoding } : {};
    http
      .get(url, { headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

function decoded(res) {
  switch (res.headers['content-encoding']) {
    case 'br':
      return zlib.brotliDecompressSync(res.body);
    case 'gzip':
      return zlib.gunzipSync(res.body);
    case undefined:
      return res.body;
    default:
      return fail(`unexpected content-encoding ${res.headers['content-encoding']}`);
  }
}

const alone = fs.mkdtempSync(path.join(os.tmpdir(), 'kunci-alone-'));
const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'kunci-cwd-'));
const bin = path.join(alone, 'kunci-server');
fs.copyFileSync(built, bin);
fs.chmodSync(bin, 0o755);
const db = path.join(alone, 'kunci.db');
const server = spawn(bin, ['serve', '--listen', `127.0.0.1:${PORT}`, '--database-url', `sqlite://${db}`], {
  cwd: elsewhere,
  env: { ...process.env, RUST_LOG: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${PORT}`;
try {
  let ready = false;
  for (let i = 0; i < 200 && !ready; i++) {
    ready = await get(`${base}/readyz`).then((r) => r.status === 200, () => false);
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) fail('the copied server did not become ready');

  const page = await get(`${base}/signin`, 'br, gzip');
  if (page.status !== 200) fail(`/signin answered ${page.status}`);
  if (page.headers['content-encoding'] !== 'br') fail('the page is not brotli-compressed');
  const html = decoded(page).toString('utf8');
  const linked = [...new Set(html.match(/\/pkg\/[0-9a-f]{16}\/kunci(?:_bg)?\.(?:js|wasm|css)/g) ?? [])];
  const kinds = linked.map((p) => p.split('.').pop()).sort();
  if (kinds.join(',') !== 'css,js,wasm') fail(`the page links ${linked.join(', ')}, not one versioned JS, WASM and CSS`);
  const dir = linked[0].slice(0, linked[0].lastIndexOf('/'));
  // The chunks: every other file of the build, fetched by the JS when first needed.
  const chunks = fs
    .readdirSync(site)
    .filter((f) => !/\.(br|gz)$/.test(f) && !/^kunci\.(js|wasm|css)$/.test(f) && fs.statSync(path.join(site, f)).isFile());
  if (!chunks.some((f) => f.endsWith('.wasm'))) fail('the build has no WASM chunk: was it built with --split?');

  let firstLoad = 0;
  let plainTotal = 0;
  let chunkBytes = 0;
  const files = [
    ...linked.map((url) => ({ url, file: `kunci.${url.split('.').pop()}`, first: true })),
    ...chunks.map((f) => ({ url: `${dir}/${f}`, file: f, first: false })),
  ];
  for (const { url, file, first } of files) {
    const original = fs.readFileSync(path.join(site, file));
    const twins = fs.existsSync(path.join(site, `${file}.br`));
    for (const encoding of ['br', 'gzip', '']) {
      const res = await get(`${base}${url}`, encoding);
      if (res.status !== 200) fail(`${url} (${encoding || 'plain'}) answered ${res.status}`);
      const want = twins ? encoding : '';
      if ((res.headers['content-encoding'] ?? '') !== want) {
        fail(`${url} asked with "${encoding}" came as "${res.headers['content-encoding'] ?? ''}"`);
      }
      if (!/immutable/.test(res.headers['cache-control'] ?? '')) fail(`${url} is not cached as immutable`);
      if (!decoded(res).equals(original)) fail(`${url} (${encoding || 'plain'}) differs from target/site/pkg/${file}`);
      if (encoding === 'br' && first) firstLoad += res.body.length;
      if (encoding === 'br' && !first && file.endsWith('.wasm')) chunkBytes += res.body.length;
      if (encoding === '' && first) plainTotal += res.body.length;
    }
  }
  const favicon = await get(`${base}/favicon.svg`);
  if (favicon.status !== 200 || !/no-cache/.test(favicon.headers['cache-control'] ?? '')) {
    fail('/favicon.svg is not served and revalidated');
  }
  const stranger = await get(`${base}/Cargo.toml`);
  if (stranger.status !== 404) fail(`/Cargo.toml answered ${stranger.status}: files outside the site are served`);
  const size = fs.statSync(bin).size;
  console.log(`standalone: the server copied alone (${size} bytes) serves the dashboard from an empty directory`);
  console.log(`standalone: first load (JS + WASM + CSS as served, brotli): ${firstLoad} bytes (${plainTotal} uncompressed); the sign-in page ${page.body.length} bytes brotli`);
  console.log(`standalone: ${chunks.filter((f) => f.endsWith('.wasm')).length} WASM chunks loaded on demand, ${chunkBytes} bytes brotli in all`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  fs.rmSync(alone, { recursive: true, force: true });
  fs.rmSync(elsewhere, { recursive: true, force: true });
}
