import { expect, test } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PASSWORD, hydrated, uniqueLogin } from './helpers';

// Two Kunci instances on one PostgreSQL database (created for this test), as behind a
// load balancer: a dashboard open on A shows within 3 s what B's API changed.

const PG_ADMIN = process.env.KUNCI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const root = path.resolve(__dirname, '..', '..');

// Both instances share one server key (as a cluster must), in a directory of the test's.
const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kunci-instances-')), 'kunci-secret.key');

async function startInstance(port: number, url: string): Promise<ChildProcess> {
  const child = spawn(path.join(root, 'target/release/server'), [
    'serve', '--listen', `127.0.0.1:${port}`, '--database-url', url, '--secret-key-file', keyFile,
  ], { env: { ...process.env, RUST_LOG: 'warn' }, stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return child;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance on ${port} did not start`);
}

test('a dashboard on instance A shows an environment stopped through instance B', async ({ page }) => {
  const db = `kunci_e2e_${process.pid}_${Date.now() % 1e6}`;
  execFileSync('psql', [PG_ADMIN, '-qc', `CREATE DATABASE ${db}`]);
  const u = new URL(PG_ADMIN);
  u.pathname = `/${db}`;
  const a = await startInstance(3121, u.toString());
  const b = await startInstance(3122, u.toString());
  try {
    const A = 'http://127.0.0.1:3121';
    const B = 'http://127.0.0.1:3122';
    const login = uniqueLogin('instances');
    await page.goto(`${A}/signup`);
    await hydrated(page);
    await page.getByLabel('Email').fill(login);
    await page.getByLabel('Name').fill('Two Instances');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();

    const session = (await (await fetch(`${B}/1.0/users/authentication/rest/signin`, {
      method: 'POST', body: new URLSearchParams({ login, password: PASSWORD }),
    })).json()).session;
    const create = await fetch(`${B}/1.0/environment/control/rest/createenvironment`, {
      method: 'POST',
      body: new URLSearchParams({ session, env: JSON.stringify({ shortdomain: 'two-instances' }), nodes: JSON.stringify([{ nodeType: 'nginx' }]) }),
    });
    expect((await create.json()).result).toBe(0);
    const row = page.locator('tr[data-env="two-instances"]');
    await expect(row.locator('.badge')).toHaveText('Running', { timeout: 3_000 });
    const stop = await fetch(`${B}/1.0/environment/control/rest/stopenv?envName=two-instances&session=${session}`);
    expect(await stop.json()).toEqual({ result: 0 });
    await expect(row.locator('.badge')).toHaveText('Stopped', { timeout: 3_000 });
  } finally {
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    execFileSync('psql', [PG_ADMIN, '-qc', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`]);
  }
});
