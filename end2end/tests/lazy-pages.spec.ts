import { expect, test, Page } from '@playwright/test';
import { hydrated, signUp, uniqueLogin } from './helpers';

// The pages cut into chunks of their own (app/src/pages/lazy.rs, built with
// `cargo leptos build --split`). Opened directly, each is rendered by the server, then
// fetches its own chunk (from the build's versioned directory) and hydrates with no
// error; reached by a link from the dashboard, the browser fetches the chunk and shows
// the page. The dashboard itself fetches no page chunk.

interface Watch {
  chunks: string[];
  errors: string[];
}

/** Records the page chunks a page fetches and every uncaught error (a WASM abort is one). */
function watch(page: Page): Watch {
  const seen: Watch = { chunks: [], errors: [] };
  page.on('request', (r) => {
    const m = new URL(r.url()).pathname.match(/^\/pkg\/[0-9a-f]{16}\/split___([a-z_]+)_view_\d+\.wasm$/);
    if (m) seen.chunks.push(m[1]);
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  return seen;
}

test('pages of their own chunk: server-rendered, then their chunk, then hydrated', async ({ browser }) => {
  const stranger = await browser.newContext();
  const page = await stranger.newPage();
  const seen = watch(page);

  // Sign-in and sign-up are in the first download: no page chunk.
  await page.goto('/signup');
  await hydrated(page);
  const login = uniqueLogin('lazy');
  await page.getByLabel('Email').fill(login);
  await page.getByLabel('Name').fill('Lazy Pages');
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
  await page.getByLabel('Password again').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
  await hydrated(page);
  expect(seen.chunks).toEqual([]);

  // The API reference, opened directly.
  await page.goto('/docs/api');
  await hydrated(page);
  await page.goto('/docs/api/env.control.StopEnv');
  await expect(page.getByRole('heading', { name: 'StopEnv' })).toBeVisible();
  await hydrated(page);
  expect(seen.chunks).toEqual(['api_index', 'api_method']);

  // An environment's page, reached by its link on the dashboard (routed in the browser).
  await page.goto('/');
  await hydrated(page);
  const before = seen.chunks.length;
  await page.getByRole('button', { name: 'New environment' }).click();
  const form = page.getByRole('form', { name: 'New environment' });
  const name = `lazy-${Date.now() % 1e8}`;
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByRole('button', { name: 'Create environment' }).click();
  await page.locator(`tr[data-env="${name}"] a.env-name`).click();
  await expect(page.locator('#env-title')).toHaveText(name);
  expect(new URL(page.url()).pathname).toBe(`/envs/${name}`);
  expect(seen.chunks.slice(before)).toEqual(['env_detail']);

  // Opened directly, the same page hydrates from its chunk (perhaps from the cache).
  await page.reload();
  await expect(page.locator('#env-title')).toHaveText(name);
  await hydrated(page);

  expect(seen.errors, 'uncaught errors in the page').toEqual([]);
  await stranger.close();
});

test('the dashboard, opened directly, fetches no page chunk', async ({ page }) => {
  await signUp(page, uniqueLogin('lazydash'), 'Lazy Dashboard');
  const seen = watch(page);
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
  expect(seen.chunks).toEqual([]);
  expect(seen.errors).toEqual([]);
});
