// Soak: mixed traffic against the release server for a while, then a report of errors,
// latency and memory at the start and the end.
//
//   node scripts/soak.mjs --seconds 600        a long run (documented in SECURITY.md)
//   node scripts/soak.mjs --seconds 30         what the test command runs
//   add --postgres to run against PostgreSQL (KUNCI_TEST_PG_URL, needs psql)
//
// Eight virtual users each own an environment and loop over a weighted mix: API calls
// with their token (most of the traffic), sign-ins, token creation, regeneration and
// deletion (password-confirmed), listings, and environment changes. An answer other
// than the one expected is an error; the run exits non-zero if there was any.
// The run stops by itself after --seconds; all traffic goes to 127.0.0.1.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] || 30);
const postgres = args.includes('--postgres');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const bin = path.join(root, 'target/release/server');
const PASSWORD = 'soak test password';
const USERS = 8;
const PORT = 3231;
const base = `http://127.0.0.1:${PORT}`;
const PG_ADMIN = process.env.KUNCI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sh(cmd, argv, input) {
  const r = spawnSync(cmd, argv, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

let dbUrl;
let dropDb = () => {};
if (postgres) {
  const name = `kunci_soak_${process.pid}`;
  sh('psql', [PG_ADMIN, '-qc', `CREATE DATABASE ${name}`]);
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  dbUrl = u.toString();
  dropDb = () => sh('psql', [PG_ADMIN, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kunci-soak-'));
  dbUrl = `sqlite://${dir}/soak.db`;
  dropDb = () => fs.rmSync(dir, { recursive: true, force: true });
}
for (let i = 0; i < USERS; i++) {
  sh(bin, ['user', 'create', '--login', `soak${i}@example.com`, '--database-url', dbUrl], `${PASSWORD}\n`);
}

const server = spawn(bin, ['serve', '--listen', `127.0.0.1:${PORT}`, '--database-url', dbUrl], {
  env: { ...process.env, RUST_LOG: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (;;) {
  try {
    if ((await fetch(`${base}/readyz`)).status === 200) break;
  } catch { /* starting */ }
  await sleep(20);
}
const rss = () => Number(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;

const latencies = [];
// Calls that hash a password (sign-in, token changes) wait for argon2 by design; the
// others are reported on their own.
const apiLatencies = [];
const HASHING = ['signin', 'createtoken', 'regeneratetoken', 'deletetokens'];
const errors = [];
let requests = 0;

async function call(method, params, expect = 0, post = false) {
  const url = `${base}/1.0/${method}`;
  const t0 = performance.now();
  let body;
  try {
    const res = post
      ? await fetch(url, { method: 'POST', body: new URLSearchParams(params) })
      : await fetch(`${url}?${new URLSearchParams(params)}`);
    body = await res.json();
    if (res.status >= 500) errors.push(`${method}: HTTP ${res.status}`);
  } catch (e) {
    errors.push(`${method}: ${e.message}`);
    return null;
  }
  const ms = performance.now() - t0;
  latencies.push(ms);
  if (!HASHING.some((m) => method.endsWith(m))) apiLatencies.push(ms);
  requests++;
  const ok = Array.isArray(expect) ? expect.includes(body.result) : body.result === expect;
  if (!ok) errors.push(`${method}: result ${body.result} (${body.error ?? ''}), expected ${expect}`);
  return body;
}

async function virtualUser(i, until) {
  const login = `soak${i}@example.com`;
  const env = `soak-env-${i}`;
  let session = (await call('users/authentication/rest/signin', { login, password: PASSWORD }, 0, true)).session;
  await call('environment/control/rest/createenvironment', {
    session, env: JSON.stringify({ shortdomain: env }), nodes: JSON.stringify([{ nodeType: 'nginx' }, { nodeType: 'tomcat' }]),
  }, 0, true);
  let token = (await call('users/authentication/rest/createtoken', {
    session, password: PASSWORD, description: `soak ${i}`, apiList: 'env.control.GetEnvInfo,env.control.StopEnv,env.control.StartEnv',
  }, 0, true)).token;
  let running = true;
  while (Date.now() < until) {
    const r = Math.random();
    if (r < 0.6) {
      await call('environment/control/rest/getenvinfo', { envName: env, session: token.key });
    } else if (r < 0.7) {
      await call('environment/control/rest/getenvs', { session, lazy: 'true' });
    } else if (r < 0.8) {
      await call(`environment/control/rest/${running ? 'stopenv' : 'startenv'}`, { envName: env, session: token.key });
      running = !running;
    } else if (r < 0.87) {
      await call('users/authentication/rest/gettokens', { session });
    } else if (r < 0.9) {
      await call('users/authentication/rest/gettokenapilist', { session, search: 'env.control' });
    } else if (r < 0.93) {
      session = (await call('users/authentication/rest/signin', { login, password: PASSWORD }, 0, true))?.session ?? session;
    } else if (r < 0.96) {
      const t = await call('users/authentication/rest/regeneratetoken', { session, password: PASSWORD, id: String(token.id) }, 0, true);
      if (t?.token) token = t.token;
    } else if (r < 0.98) {
      const extra = await call('users/authentication/rest/createtoken', {
        session, password: PASSWORD, description: `extra ${Date.now()}`, apiList: 'env.control.GetEnvInfo',
      }, 0, true);
      if (extra?.token) await call('users/authentication/rest/deletetokens', { session, password: PASSWORD, ids: String(extra.token.id) }, 0, true);
    } else {
      await call('environment/control/rest/getenvinfo', { envName: 'nobody-here', session: token.key }, 11);
    }
  }
}

await sleep(500);
const rssStart = rss();
const started = Date.now();
const samples = [];
const sampler = setInterval(() => samples.push(rss()), 1000);
await Promise.all(Array.from({ length: USERS }, (_, i) => virtualUser(i, started + seconds * 1000)));
clearInterval(sampler);
const rssEnd = rss();
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
dropDb();

latencies.sort((a, b) => a - b);
apiLatencies.sort((a, b) => a - b);
const pctOf = (list, p) => list[Math.min(list.length - 1, Math.floor((p / 100) * list.length))] ?? NaN;
const pct = (p) => pctOf(latencies, p);
const report = {
  database: postgres ? 'postgres' : 'sqlite',
  seconds,
  virtual_users: USERS,
  requests,
  requests_per_second: Math.round(requests / seconds),
  errors: errors.length,
  p50_ms: Number(pct(50).toFixed(2)),
  p99_ms: Number(pct(99).toFixed(2)),
  p99_without_password_hashing_ms: Number(pctOf(apiLatencies, 99).toFixed(2)),
  rss_start_mib: Number(rssStart.toFixed(1)),
  rss_end_mib: Number(rssEnd.toFixed(1)),
  rss_max_mib: Number(Math.max(rssStart, ...samples).toFixed(1)),
  rss_every_second_mib: samples.map((s) => Math.round(s)),
};
fs.mkdirSync(path.join(root, 'end2end/bench-results'), { recursive: true });
fs.writeFileSync(path.join(root, `end2end/bench-results/soak-${report.database}.json`), JSON.stringify(report, null, 2));
console.log(`soak: ${JSON.stringify(report)}`);
if (errors.length) {
  console.error([...new Set(errors)].slice(0, 20).join('\n'));
  process.exit(1);
}
