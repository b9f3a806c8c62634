import { expect, test, Page } from '@playwright/test';
import { hydrated, signUp, uniqueLogin } from './helpers';

// The pages cut into chunks of their own (app/src/pages/lazy.rs, built with
// `cargo leptos build --split`). Opened directly, each is rendered by the server, then
// fetches its own chunk (from the build's versioned directory) and hydrates with no
// error; reached by a link from the dashboard, the browser fetches the chunk and shows
// the page. The dashboard itself fetches no page chunk. A chunk that cannot be fetched
// leaves the server's page as it is, usable without WASM.

/** A page's chunk, as the build names it (`lazy_page!` in app/src/pages/lazy.rs): its page's name. */
const PAGE_CHUNK = /^\/pkg\/[0-9a-f]{16}\/split_+page_([a-z_]+)\.wasm$/;

interface Watch {
  chunks: string[];
  errors: string[];
}

/** Records the page chunks a page fetches and every uncaught error (a WASM abort is one). */
function watch(page: Page): Watch {
  const seen: Watch = { chunks: [], errors: [] };
  page.on('request', (r) => {
    const m = new URL(r.url()).pathname.match(PAGE_CHUNK);
    if (m) seen.chunks.push(m[1]);
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  return seen;
}

/** Creates an environment with the dashboard's form, then follows its link to its page. */
async function openNewEnvironment(page: Page, prefix: string): Promise<string> {
  await page.getByRole('button', { name: 'New environment' }).click();
  const form = page.getByRole('form', { name: 'New environment' });
  const name = `${prefix}-${Date.now() % 1e8}`;
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByRole('button', { name: 'Create environment' }).click();
  await page.locator(`tr[data-env="${name}"] a.env-name`).click();
  await expect(page.locator('#env-title')).toHaveText(name);
  expect(new URL(page.url()).pathname).toBe(`/envs/${name}`);
  return name;
}

test('pages of their own chunk: server-rendered, then their chunk, then hydrated', async ({ browser }) => {
  const stranger = await browser.newContext();
  const page = await stranger.newPage();
  const seen = watch(page);

  // Sign-up, opened directly. Its HTML links the page's chunk, which then downloads
  // beside the main WASM rather than after it.
  const html = await (await stranger.request.get('/signup')).text();
  expect(html).toMatch(/<link [^>]*href="\/pkg\/[0-9a-f]{16}\/split_page_sign_up\.wasm"/);
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
  expect(seen.chunks).toEqual(['sign_up']);

  // The API reference, opened directly.
  await page.goto('/docs/api');
  await hydrated(page);
  await page.goto('/docs/api/env.control.StopEnv');
  await expect(page.getByRole('heading', { name: 'StopEnv' })).toBeVisible();
  await hydrated(page);
  expect(seen.chunks).toEqual(['sign_up', 'api_index', 'api_method']);

  // An environment's page, reached by its link on the dashboard (routed in the browser).
  await page.goto('/');
  await hydrated(page);
  const before = seen.chunks.length;
  const name = await openNewEnvironment(page, 'lazy');
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
  expect(await (await page.request.get('/')).text()).not.toContain('split_page_');
  expect(seen.errors).toEqual([]);
});

test('a page whose chunk cannot be fetched stays as the server sent it, and works', async ({ browser }) => {
  const stranger = await browser.newContext();
  const page = await stranger.newPage();
  const seen = watch(page);
  // Every page chunk fails, as when the network goes away after the first download.
  await page.route((url) => PAGE_CHUNK.test(url.pathname), (route) => route.abort('internetdisconnected'));

  // Sign-up opened directly: never hydrated, but its form posts as plain HTML.
  const login = uniqueLogin('nochunk');
  const failed = page.waitForEvent('requestfailed', (r) => PAGE_CHUNK.test(new URL(r.url()).pathname));
  await page.goto('/signup');
  await failed;
  await page.waitForTimeout(300);
  await page.getByLabel('Email').fill(login);
  await page.getByLabel('Name').fill('No Chunk');
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
  await page.getByLabel('Password again').fill('correct horse battery staple');
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(0);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
  await hydrated(page);

  // A link inside the hydrated dashboard whose chunk fails: the page is loaded from the
  // server instead.
  await openNewEnvironment(page, 'nochunk');
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(0);

  expect(seen.chunks).toContain('sign_up');
  expect(seen.chunks).toContain('env_detail');
  // The splitter's loader (generated by cargo-leptos) leaves the fetch of a chunk
  // unhandled when a chunk it waits for failed first, which the browser reports as an
  // uncaught "Failed to fetch"; the failure itself reaches the page as an error value.
  // Anything else (a WASM abort shows as "unreachable") fails the test.
  const aborts = seen.errors.filter((e) => e !== 'TypeError: Failed to fetch');
  expect(aborts, 'uncaught errors in the page').toEqual([]);
  await stranger.close();
});
