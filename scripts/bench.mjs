// Kunci's API benchmarks: one run of every figure BENCHMARKS.md reports, side by side.
//
//   node scripts/bench.mjs            the full run (about 6 minutes)
//   node scripts/bench.mjs --smoke    the CI smoke run (seconds; timings reported, never asserted)
//   node scripts/bench.mjs --flood    only the flood rows (SECURITY.md), about a minute
//
// Needs the release build (`cargo leptos build --release`), `oha` on PATH, and for the
// PostgreSQL rows a server at KUNCI_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres)
// with `psql`. Use scripts/bench.sh, which installs what is missing.
//
// Method: the release server runs on this machine; oha (a real HTTP load generator,
// keep-alive, 64 connections) drives it on the same 2 cores. Every figure is a ratio
// of rates measured in this one run, so the machine's speed cancels out.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const smoke = process.argv.includes('--smoke');
// --flood: only the flood rows (valid tokens alone and beside each flood), 10 s each.
const floodOnly = process.argv.includes('--flood');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const bin = path.join(root, 'target/release/server');
const DURATION = smoke ? '1s' : '10s';
const CONNECTIONS = 64;
// The flood row with many connections (the server holds up to 1,024 refusals at once;
// KUNCI_BENCH_FLOOD_MANY=2048 shows what happens past that).
const FLOOD_MANY = Number(process.env.KUNCI_BENCH_FLOOD_MANY ?? 256);
const SMALL = 100;
const LARGE = smoke ? 2_000 : 100_000;
const ENVS = smoke ? 200 : 10_000;
const PASSWORD = 'benchmark password 1';
const REVOCATIONS = 500;
const PG_ADMIN = process.env.KUNCI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('[bench]', ...a);

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** A fresh database: a SQLite file, or a PostgreSQL database created for this run. */
function freshDb(kind, name) {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kunci-bench-'));
    return { url: `sqlite://${dir}/${name}.db`, drop: () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const db = `kunci_bench_${name}_${process.pid}`;
  run('psql', [PG_ADMIN, '-qc', `DROP DATABASE IF EXISTS ${db}`]);
  run('psql', [PG_ADMIN, '-qc', `CREATE DATABASE ${db}`]);
  const u = new URL(PG_ADMIN);
  u.pathname = `/${db}`;
  return { url: u.toString(), drop: () => run('psql', [PG_ADMIN, '-qc', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`]) };
}

function seed(url, tokens, envs) {
  const out = run(bin, ['seed', '--login', 'bench@example.com', '--tokens', String(tokens), '--environments', String(envs), '--database-url', url], `${PASSWORD}\n`);
  return JSON.parse(out.trim().split('\n').pop());
}

/** Servers still running: killed if this script dies half-way, so none is left behind. */
const running = new Set();
process.on('exit', () => running.forEach((c) => c.kill('SIGKILL')));

/** Starts the server; resolves once /readyz answers 200, with the time that took. */
async function start(url, port) {
  const stray = await fetch(`http://127.0.0.1:${port}/readyz`).then(() => true, () => false);
  if (stray) throw new Error(`port ${port} is in use by another server: stop it first`);
  const t0 = process.hrtime.bigint();
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--database-url', url], {
    env: { ...process.env, RUST_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.status === 200) break;
    } catch { /* not up yet */ }
    if (child.exitCode !== null) throw new Error('server exited');
    await sleep(5);
  }
  const readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { child, readyMs, base: `http://127.0.0.1:${port}` };
}

async function stop(server) {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
}

/** Peak resident memory of a process so far (VmHWM), in MiB. */
function peakRssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/VmHWM:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * oha's JSON report. A CI run once failed here on output that was not JSON (at
 * position 2), and the output was lost: now a report that does not parse is retried by
 * the caller once, and a second failure shows what oha printed.
 */
function parseOha(out, what) {
  try {
    return JSON.parse(out);
  } catch (e) {
    const start = out.search(/^\{\s*$/m);
    const end = out.lastIndexOf('}');
    if (start >= 0 && end > start) {
      try {
        return JSON.parse(out.slice(start, end + 1));
      } catch { /* reported below */ }
    }
    throw new Error(`${what}: oha's report is not JSON (${e.message}); it began: ${JSON.stringify(out.slice(0, 400))}`);
  }
}

/** Runs oha against `url`; returns req/s, p50 and p99 in ms, and the share of 200 answers. */
function oha(url, { bearer, qps } = {}) {
  const args = ['-z', DURATION, '-c', String(CONNECTIONS), '--no-tui', '--output-format', 'json'];
  if (bearer) args.push('-H', `Authorization: Bearer ${bearer}`);
  if (qps) args.push('-q', String(Math.max(1, Math.round(qps))), '--latency-correction');
  args.push(url);
  let j;
  try {
    j = parseOha(run('oha', args), url);
  } catch (e) {
    console.error(`${e.message}; running it once more`);
    j = parseOha(run('oha', args), url);
  }
  const codes = j.statusCodeDistribution ?? {};
  const total = Object.values(codes).reduce((a, b) => a + b, 0);
  return {
    rps: j.summary.requestsPerSec,
    p50: j.latencyPercentiles.p50 * 1000,
    p99: j.latencyPercentiles.p99 * 1000,
    ok: total ? (codes['200'] ?? 0) / total : 0,
  };
}

/** oha, without blocking the event loop (for two loads at once). */
function ohaAsync(url, extra = [], connections = CONNECTIONS / 2, retried = false) {
  return new Promise((resolve, reject) => {
    const child = spawn('oha', ['-z', DURATION, '-c', String(connections), '--no-tui', '--output-format', 'json', ...extra, url]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      let j;
      try {
        if (code !== 0) throw new Error(`oha exited ${code}: ${err.slice(0, 400)}`);
        j = parseOha(out, url);
      } catch (e) {
        if (retried) return reject(e);
        console.error(`${e.message}; running it once more`);
        return ohaAsync(url, extra, connections, true).then(resolve, reject);
      }
      const codes = j.statusCodeDistribution ?? {};
      const total = Object.values(codes).reduce((a, b) => a + b, 0);
      resolve({
        rps: j.summary.requestsPerSec,
        p50: j.latencyPercentiles.p50 * 1000,
        p99: j.latencyPercentiles.p99 * 1000,
        ok: total ? (codes['200'] ?? 0) / total : 0,
      });
    });
  });
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** A token value of the right format and checksum that no account holds. */
function unknownToken() {
  let head = 'kunci_';
  for (let i = 0; i < 32; i++) head += B62[Math.floor(Math.random() * 62)];
  let crc = 0xffffffff;
  for (const ch of head) crc = CRC_TABLE[(crc ^ ch.charCodeAt(0)) & 0xff] ^ (crc >>> 8);
  crc = (crc ^ 0xffffffff) >>> 0;
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = B62[crc % 62] + sum;
    crc = Math.floor(crc / 62);
  }
  return head + sum;
}

/**
 * fetch, tried again on a connection the server closed while it sat idle: the
 * synchronous oha runs block this process's event loop, so it may reuse a keep-alive
 * connection whose close (the server's 10 s idle limit) it has not read yet. The pool
 * can hold more than one such connection (one try met two in a row), and each failed
 * try drops the one it used, so a few tries reach a fresh connection.
 */
async function fetchRetry(url, init) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      // Reading the close, or writing (EPIPE: a POST's body) to the closed connection.
      const stale = ['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'].includes(e?.cause?.code);
      if (!stale || attempt === 5) throw e;
    }
  }
}

async function api(base, method, params) {
  const r = await fetchRetry(`${base}/1.0/${method}`, { method: 'POST', body: new URLSearchParams(params) });
  return r.json();
}

/** Checks a scenario's URL answers what it should before it is measured. */
async function expectResult(url, headers, result) {
  const j = await (await fetchRetry(url, { headers })).json();
  if (j.result !== result) throw new Error(`${url}: expected result ${result}, got ${JSON.stringify(j)}`);
}

/** Every scenario on one database kind. */
async function suite(kind, port) {
  const out = {};
  // Small data set: the scenarios of §1 and §3.
  const small = freshDb(kind, 'small');
  // One token fewer: the limited token below makes the account's SMALL (the limit is 100).
  const s = seed(small.url, SMALL - 1, 10);
  let server = await start(small.url, port);
  const { base } = server;
  const session = (await api(base, 'users/authentication/rest/signin', { login: 'bench@example.com', password: PASSWORD })).session;
  const info = `${base}/1.0/environment/control/rest/getenvinfo?envName=${s.env}`;
  await expectResult(`${info}&session=${s.token}`, {}, 0);
  await expectResult(`${info}&session=${session}`, {}, 0);
  await expectResult(`${base}/1.0/environment/control/rest/stopenv?envName=${s.env}&session=${s.token}`, {}, 8202);
  if (!floodOnly) {
    log(kind, 'healthz');
    out.healthz = oha(`${base}/healthz`);
    log(kind, 'GetEnvInfo with a session');
    out.session = oha(`${info}&session=${session}`);
    log(kind, 'GetEnvInfo with a token');
    out.token = oha(`${info}&session=${s.token}`);
    // The token/healthz ratio of one pair of runs moves by ±0.07 from run to run on a
    // 2-core VM (the same build, started afresh): two more pairs, each run back to back,
    // and the figure is the median of the three pairs, shown with their range.
    out.ratio_pairs = [ratio(out.token.rps, out.healthz.rps)];
    for (let pair = 2; pair <= 3; pair++) {
      log(kind, `/healthz, then GetEnvInfo with a token (pair ${pair} of 3)`);
      const healthz = oha(`${base}/healthz`);
      const token = oha(`${info}&session=${s.token}`);
      out.ratio_pairs.push(ratio(token.rps, healthz.rps));
    }
    // Issue 15: a token with a 50-entry address allowlist (the client's range last) and
    // a 20-environment scope (the bench environment last): the worst case of both checks.
    log(kind, 'GetEnvInfo with a limited token (50 addresses, 20 environments)');
    const allowlist = [...Array.from({ length: 49 }, (_, i) => `10.${i}.0.0/16`), '127.0.0.0/8'].join(',');
    const scope = [...Array.from({ length: 19 }, (_, i) => `other-${i}`), s.env].join(',');
    const limited = await api(base, 'users/authentication/rest/createtoken', { session, password: PASSWORD, description: 'limited bench token', apiList: 'env.control.GetEnvInfo', ipAllowlist: allowlist, envNames: scope });
    if (limited.result !== 0) throw new Error(`CreateToken (limited): ${JSON.stringify(limited)}`);
    await expectResult(`${info}&session=${limited.token.key}`, {}, 0);
    await expectResult(`${base}/1.0/environment/control/rest/getenvinfo?envName=outside&session=${limited.token.key}`, {}, 8202);
    out.token_limited = oha(`${info}&session=${limited.token.key}`);
    log(kind, 'GetEnvInfo with Bearer');
    out.bearer = oha(info, { bearer: s.token });
    log(kind, 'denied call (8202)');
    out.denied = oha(`${base}/1.0/environment/control/rest/stopenv?envName=${s.env}&session=${s.token}`);
    log(kind, 'token GetEnvInfo at half its maximum rate');
    out.token_half = oha(`${info}&session=${s.token}`, { qps: out.token.rps / 2 });
    log(kind, '/healthz at that same rate (the floor of the p99 above)');
    out.healthz_half = oha(`${base}/healthz`, { qps: out.token.rps / 2 });
    // The same load *relative to its own maximum*: what the machine's tail is at half
    // load with no database and no token (oha and the server share the two cores).
    log(kind, '/healthz at half its own maximum rate');
    out.healthz_half_own = oha(`${base}/healthz`, { qps: out.healthz.rps / 2 });

    // §3: four clients loop on password-confirmed calls (argon2) during the token run.
    // The load runs in a child process without blocking this event loop, so the four
    // loops keep confirming all through it; each confirmation's time is kept.
    log(kind, 'token GetEnvInfo while 4 clients confirm passwords');
    const tokens = (await (await fetchRetry(`${base}/1.0/users/authentication/rest/gettokens?session=${session}&ids=${s.token_id}`)).json()).apiTokens;
    if (!tokens || tokens.length !== 1) throw new Error('the bench token is not listed');
    let looping = true;
    const confirmationMs = [];
    const loops = Array.from({ length: 4 }, async (_, i) => {
      while (looping) {
        const started = performance.now();
        const r = await api(base, 'users/authentication/rest/edittoken', { session, password: PASSWORD, id: String(s.token_id), description: `load test ${i}` });
        if (r.result !== 0) throw new Error(`EditToken: ${JSON.stringify(r)}`);
        if (looping) confirmationMs.push(performance.now() - started);
      }
    });
    await sleep(200);
    out.token_with_argon2 = await ohaAsync(`${info}&session=${s.token}`, [], CONNECTIONS);
    looping = false;
    await Promise.all(loops);
    confirmationMs.sort((a, b) => a - b);
    const at = (q) => confirmationMs[Math.min(confirmationMs.length - 1, Math.floor(q * confirmationMs.length))];
    out.token_with_argon2.confirmations = confirmationMs.length;
    out.token_with_argon2.confirm_p50 = at(0.5);
    out.token_with_argon2.confirm_p99 = at(0.99);
  }

  // A flood of invalid tokens beside the valid ones (half the connections each).
  log(kind, 'token GetEnvInfo beside a flood of invalid tokens');
  const valid = `${info}&session=${s.token}`;
  out.valid_alone = await ohaAsync(valid);
  const urls = path.join(os.tmpdir(), `kunci-flood-${process.pid}.txt`);
  fs.writeFileSync(urls, Array.from({ length: smoke ? 2_000 : 50_000 }, () => `${info}&session=${unknownToken()}`).join('\n') + '\n');
  // Each row keeps the flood's own rate too: how many answers the flood got.
  const beside = async (flood) => {
    const [mine, flooding] = await Promise.all([ohaAsync(valid), flood]);
    return { ...mine, flood_rps: flooding.rps };
  };
  out.valid_beside_unknown = await beside(ohaAsync(urls, ['--urls-from-file']));
  out.valid_beside_unknown_many = await beside(ohaAsync(urls, ['--urls-from-file'], FLOOD_MANY));
  out.valid_beside_garbled = await beside(ohaAsync(`${info.replace(/\?/g, '\\?')}&session=kunci_[A-Za-z0-9]{38}`, ['--rand-regex-url']));
  out.valid_beside_sessions = await beside(ohaAsync(`${info.replace(/\?/g, '\\?')}&session=[A-Za-z0-9]{40}`, ['--rand-regex-url']));
  out.valid_beside_healthz = await beside(ohaAsync(`${base}/healthz`));
  out.flood_peak_rss_mib = peakRssMiB(server.child.pid);
  fs.rmSync(urls, { force: true });
  await stop(server);
  if (floodOnly) {
    small.drop();
    return out;
  }

  // §2 and §5: the same token run with many tokens and environments, against the small
  // data set's. One run of each, minutes apart, differs by ±10 % on this VM whatever the
  // data (the same server's runs do: see the pairs above); so both servers run side by
  // side, warm, and their token runs alternate: the figure is the median of 3 pairs.
  const large = freshDb(kind, 'large');
  log(kind, `seeding ${LARGE} tokens and ${ENVS} environments`);
  const l = seed(large.url, LARGE, ENVS);
  const largePort = port + 100;
  server = await start(large.url, largePort);
  await stop(server); // the first start migrates nothing but warms the file cache
  server = await start(large.url, largePort);
  out.startup_ms = server.readyMs;
  const largeInfo = `${server.base}/1.0/environment/control/rest/getenvinfo?envName=${l.env}&session=${l.token}`;
  await expectResult(largeInfo, {}, 0);
  // The small data set's server again, fresh (the floods above left its guard's state).
  const smallServer = await start(small.url, port);
  await expectResult(`${info}&session=${s.token}`, {}, 0);
  out.large_pairs = [];
  for (let pair = 1; pair <= 3; pair++) {
    log(kind, `GetEnvInfo with a token: ${SMALL} tokens, then ${LARGE} tokens (pair ${pair} of 3)`);
    const few = oha(`${info}&session=${s.token}`);
    const many = oha(largeInfo);
    out.large_pairs.push({ small: few, large: many, ratio: ratio(many.rps, few.rps) });
  }
  // The row of the large run: the pair whose ratio is the median.
  out.token_large = [...out.large_pairs].sort((a, b) => a.ratio - b.ratio)[1].large;
  out.peak_rss_mib = peakRssMiB(server.child.pid);
  await stop(smallServer);
  await stop(server);
  small.drop();
  large.drop();
  return out;
}

/**
 * PostgreSQL, two instances on one database, each caching token lookups: a token used
 * on B (so B has it cached) is deleted through A's REST API; the time from A's answer
 * until B refuses the token, asked without pause. One token at a time (the account's
 * limit is 100 live tokens).
 */
async function revocationLatency(portA, portB) {
  const db = freshDb('postgres', 'revocation');
  const s = seed(db.url, 1, 1);
  const a = await start(db.url, portA);
  const b = await start(db.url, portB);
  for (const server of [a, b]) {
    for (;;) {
      const body = await (await fetch(`${server.base}/readyz`)).text();
      if (body.includes('caches: on (following changes')) break;
      await sleep(10);
    }
  }
  const session = (await api(a.base, 'users/authentication/rest/signin', { login: 'bench@example.com', password: PASSWORD })).session;
  const n = smoke ? 20 : REVOCATIONS;
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = await api(a.base, 'users/authentication/rest/createtoken', { session, password: PASSWORD, description: `revoked ${i}`, apiList: 'env.control.GetEnvInfo' });
    if (t.result !== 0) throw new Error(`CreateToken: ${JSON.stringify(t)}`);
    const onB = `${b.base}/1.0/environment/control/rest/getenvinfo?envName=${s.env}&session=${t.token.key}`;
    await expectResult(onB, {}, 0);
    await expectResult(onB, {}, 0);
    const d = await api(a.base, 'users/authentication/rest/deletetokens', { session, password: PASSWORD, ids: String(t.token.id) });
    if (d.result !== 0) throw new Error(`DeleteTokens: ${JSON.stringify(d)}`);
    const deleted = performance.now();
    // The time counted is when the first refused call was *sent*: every call sent
    // after it is refused too. (Its answer may come later: once this address has
    // sent enough unknown tokens, the flood guard holds such refusals for a second.)
    for (;;) {
      const sent = performance.now();
      const j = await (await fetchRetry(onB)).json();
      if (j.result === 702) {
        ms.push(sent - deleted);
        break;
      }
      if (j.result !== 0) throw new Error(`after the deletion: ${JSON.stringify(j)}`);
      if (sent - deleted > 5_000) throw new Error('B accepted a deleted token for 5 s');
    }
  }
  await stop(a);
  await stop(b);
  db.drop();
  ms.sort((x, y) => x - y);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
  return { revocations: n, p50: at(0.5), p99: at(0.99), max: ms[ms.length - 1] };
}

function ratio(a, b) {
  return b ? a / b : NaN;
}

const results = { when: new Date().toISOString(), mode: smoke ? 'smoke' : 'full', duration: DURATION, connections: CONNECTIONS, small_tokens: SMALL, large_tokens: LARGE, environments: ENVS, machine: `${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB` };
for (const [kind, port] of [['sqlite', 3201], ['postgres', 3202]]) {
  results[kind] = await suite(kind, port);
}
if (!floodOnly) {
  log('postgres', 'revocation on one instance, refused on another');
  results.revocation = await revocationLatency(3203, 3204);
}

if (floodOnly) {
  const pct = (k, r) => `${(100 * ratio(results[k][r].rps, results[k].valid_alone.rps)).toFixed(0)} %`;
  const t = ['| valid-token GetEnvInfo (32 connections) | SQLite req/s | share | flood answered req/s | PostgreSQL req/s | share | flood answered req/s |', '|---|---|---|---|---|---|---|'];
  const flood = (k, r) => (results[k][r].flood_rps === undefined ? '—' : results[k][r].flood_rps.toFixed(0));
  for (const [name, r] of [['alone', 'valid_alone'], ['beside 32 connections of well-formed unknown tokens', 'valid_beside_unknown'], [`beside ${FLOOD_MANY} connections of well-formed unknown tokens`, 'valid_beside_unknown_many'], ['beside 32 connections of malformed tokens', 'valid_beside_garbled'], ['beside 32 connections of made-up session ids', 'valid_beside_sessions'], ['beside 32 connections of /healthz (the floor)', 'valid_beside_healthz']]) {
    t.push(`| ${name} | ${results.sqlite[r].rps.toFixed(0)} | ${pct('sqlite', r)} | ${flood('sqlite', r)} | ${results.postgres[r].rps.toFixed(0)} | ${pct('postgres', r)} | ${flood('postgres', r)} |`);
  }
  console.log(`Run: ${results.when}, flood rows only, ${DURATION} per scenario, ${results.machine}\n`);
  console.log(t.join('\n'));
  console.log(`\nPeak server RSS over these runs: SQLite ${results.sqlite.flood_peak_rss_mib.toFixed(1)} MiB, PostgreSQL ${results.postgres.flood_peak_rss_mib.toFixed(1)} MiB`);
  process.exit(0);
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const lines = [];
const row = (name, r) => `| ${name} | ${fmt(results.sqlite[r].rps)} | ${fmt(results.sqlite[r].p50, 2)} | ${fmt(results.sqlite[r].p99, 2)} | ${fmt(results.postgres[r].rps)} | ${fmt(results.postgres[r].p50, 2)} | ${fmt(results.postgres[r].p99, 2)} |`;
lines.push(`Run: ${results.when}, ${results.mode}, ${results.duration} per scenario, ${CONNECTIONS} connections, ${results.machine}`);
lines.push('');
lines.push('| scenario | SQLite req/s | p50 ms | p99 ms | PostgreSQL req/s | p50 ms | p99 ms |');
lines.push('|---|---|---|---|---|---|---|');
lines.push(row('/healthz', 'healthz'));
lines.push(row('GetEnvInfo, session', 'session'));
lines.push(row('GetEnvInfo, token (`session=`)', 'token'));
lines.push(row('GetEnvInfo, token (Bearer)', 'bearer'));
lines.push(row('GetEnvInfo, token with 50 addresses + 20 environments', 'token_limited'));
lines.push(row('denied call (8202)', 'denied'));
lines.push(row(`GetEnvInfo, token, at half its max rate`, 'token_half'));
lines.push(row(`GetEnvInfo, token, ${LARGE} tokens + ${ENVS} envs`, 'token_large'));
lines.push(row('GetEnvInfo, token, 4 clients confirming passwords', 'token_with_argon2'));
lines.push('');
lines.push('| figure | target | SQLite | PostgreSQL |');
lines.push('|---|---|---|---|');
const both = (f, d = 2) => `${fmt(f('sqlite'), d)} | ${fmt(f('postgres'), d)}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pairs = (k) => {
  const xs = results[k].ratio_pairs;
  return xs ? `${fmt(median(xs), 2)} (${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)})` : 'n/a';
};
lines.push(`| token GetEnvInfo / healthz throughput: median of 3 pairs of runs (their range) | ≥ 0.7 SQLite, ≥ 0.4 PostgreSQL | ${pairs('sqlite')} | ${pairs('postgres')} |`);
lines.push(`| … the first pair alone (the rows above) | — | ${both((k) => ratio(results[k].token.rps, results[k].healthz.rps))} |`);
lines.push(`| limited token (50 addresses, 20 environments) GetEnvInfo / healthz | ≥ 0.5 | ${both((k) => ratio(results[k].token_limited.rps, results[k].healthz.rps))} |`);
lines.push(`| p99 at half max rate (ms) | ≤ 2 | ${both((k) => results[k].token_half.p99)} |`);
lines.push(`| /healthz p99 at that same rate (ms): the floor | — | ${both((k) => results[k].healthz_half.p99)} |`);
lines.push(`| /healthz p99 at half its own max rate (ms): the machine's tail at half load | — | ${both((k) => results[k].healthz_half_own.p99)} |`);
const largePairs = (k) => {
  const xs = results[k].large_pairs.map((p) => p.ratio);
  return `${fmt(median(xs), 2)} (${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)})`;
};
lines.push(`| throughput ${LARGE} tokens / ${SMALL} tokens: median of 3 alternated pairs (their range) | ≥ 0.9 | ${largePairs('sqlite')} | ${largePairs('postgres')} |`);
lines.push(`| throughput with argon2 load / without | ≥ 0.7 | ${both((k) => ratio(results[k].token_with_argon2.rps, results[k].token.rps))} |`);
lines.push(`| password confirmations during that run | — | ${both((k) => results[k].token_with_argon2.confirmations, 0)} |`);
lines.push(`| password confirmation p50 during that run (ms) | — | ${both((k) => results[k].token_with_argon2.confirm_p50, 0)} |`);
lines.push(`| password confirmation p99 during that run (ms) | ≤ 1000 | ${both((k) => results[k].token_with_argon2.confirm_p99, 0)} |`);
lines.push(`| peak server RSS in the ${LARGE}-token run (MiB) | ≤ 100 | ${both((k) => results[k].peak_rss_mib, 1)} |`);
lines.push(`| exec → /readyz 200 on an existing database (ms) | ≤ 1000 | ${both((k) => results[k].startup_ms, 0)} |`);
lines.push(`| share of 200 answers in the token runs | 1 | ${both((k) => Math.min(results[k].token.ok, ...results[k].large_pairs.flatMap((p) => [p.small.ok, p.large.ok])), 3)} |`);
lines.push(`| valid-token throughput beside a flood of well-formed unknown tokens / alone | ≥ 0.5 | ${both((k) => ratio(results[k].valid_beside_unknown.rps, results[k].valid_alone.rps))} |`);
lines.push(`| … beside ${FLOOD_MANY} connections of such a flood / alone | ≥ 0.5 | ${both((k) => ratio(results[k].valid_beside_unknown_many.rps, results[k].valid_alone.rps))} |`);
lines.push(`| … beside a flood of malformed tokens / alone | ≥ 0.5 | ${both((k) => ratio(results[k].valid_beside_garbled.rps, results[k].valid_alone.rps))} |`);
lines.push(`| … beside a flood of made-up session ids / alone | ≥ 0.5 | ${both((k) => ratio(results[k].valid_beside_sessions.rps, results[k].valid_alone.rps))} |`);
lines.push(`| … beside a flood of /healthz (the floor) / alone | — | ${both((k) => ratio(results[k].valid_beside_healthz.rps, results[k].valid_alone.rps))} |`);
const rv = results.revocation;
lines.push(`| a token deleted on instance A, refused on B: p99 over ${rv.revocations} revocations (ms) | ≤ 100 | — | ${fmt(rv.p99, 1)} (p50 ${fmt(rv.p50, 1)}, max ${fmt(rv.max, 1)}) |`);
const table = lines.join('\n');
fs.mkdirSync(path.join(root, 'end2end/bench-results'), { recursive: true });
fs.writeFileSync(path.join(root, 'end2end/bench-results/api.json'), JSON.stringify(results, null, 2));
fs.writeFileSync(path.join(root, 'end2end/bench-results/api.md'), table + '\n');
console.log(table);
