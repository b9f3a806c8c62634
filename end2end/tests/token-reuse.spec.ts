import { test, expect, Page, APIRequestContext } from '@playwright/test';
import { PASSWORD, hydrated, signUp, uniqueLogin } from './helpers';

const AUTH = '/1.0/users/authentication/rest';

// Issue 14: a regenerated-away token value used again shows an alert on the dashboard,
// naming the token and the address, until the owner dismisses it (one click, keyboard).
/** Signs `page` up as a new user whose regenerated-away token value was used again. */
async function reusedToken(page: Page, request: APIRequestContext, prefix: string) {
  const login = uniqueLogin(prefix);
  await signUp(page, login, 'Reuse Person');
  const signin = await request.post(`${AUTH}/signin`, { form: { login, password: PASSWORD } });
  const session = (await signin.json()).session as string;
  const created = await request.post(`${AUTH}/createtoken`, {
    form: { session, password: PASSWORD, description: 'leaky ci', apiList: 'env.control.GetEnvInfo' },
  });
  const token = (await created.json()).token;
  const regenerated = await request.post(`${AUTH}/regeneratetoken`, {
    form: { session, password: PASSWORD, id: String(token.id) },
  });
  expect((await regenerated.json()).result).toBe(0);

  // The old value, used again over REST: the same 702 as any dead value.
  const reused = await request.get(`/1.0/environment/control/rest/getenvinfo?envName=x&session=${token.key}`);
  expect((await reused.json()).result).toBe(702);
  return token as { id: number; key: string };
}

test('a reused token value raises a dashboard alert until dismissed', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const token = await reusedToken(page, request, 'reuse');

  await page.goto('/');
  await hydrated(page);
  const area = page.getByRole('region', { name: 'Token alerts' });
  const alert = area.locator('[data-testid=reuse-alert]');
  await expect(alert).toHaveCount(1);
  await expect(alert).toContainText('leaky ci');
  await expect(alert).toContainText(`#${token.id}`);
  await expect(alert).toContainText('127.0.0.1');
  await expect(alert).toContainText('env.control.GetEnvInfo');

  // Dismiss with the keyboard: focus the button, press Enter; no dialog asks.
  const dismiss = alert.getByRole('button', { name: `Dismiss the alert about token #${token.id}` });
  await dismiss.focus();
  await page.keyboard.press('Enter');
  await expect(alert).toHaveCount(0);
  await expect(area.getByRole('status')).toHaveText('Alert dismissed. No token alerts left.');

  // Gone for good.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
  await expect(page.locator('[data-testid=reuse-alert]')).toHaveCount(0);
  expect(errors).toEqual([]);
});

// The alerts are a chunk of their own (app/src/pages/dashboard.rs), asked for once the
// dashboard has hydrated: the server's page does not carry them, the dashboard works
// while the chunk cannot be fetched and says so in their place, and Try again loads them.
test('the dashboard alerts come in a chunk after hydration; a failed fetch offers Try again', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await reusedToken(page, request, 'reusechunk');
  const served = await (await page.request.get('/')).text();
  expect(served).toContain('data-testid="settings-button"');
  expect(served).not.toContain('data-testid="reuse-alerts"');

  const ALERTS_CHUNK = /^\/pkg\/[0-9a-f]{16}\/split_+dashboard_alerts\.wasm$/;
  let reachable = false;
  const asked: string[] = [];
  await page.route((url) => ALERTS_CHUNK.test(url.pathname), (route) => {
    asked.push(route.request().url());
    return reachable ? route.continue() : route.abort('internetdisconnected');
  });
  await page.goto('/');
  await hydrated(page);
  const note = page.getByRole('alert').filter({ hasText: 'This part of the page could not be loaded' });
  await expect(note).toBeVisible();
  expect(asked.length).toBeGreaterThan(0);
  await expect(page.locator('[data-testid=reuse-alert]')).toHaveCount(0);
  // The rest of the dashboard works meanwhile.
  await page.getByTestId('settings-button').click();
  await expect(page.locator('#settings-frame')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.locator('#settings-frame')).toHaveCount(0);

  reachable = true;
  await note.getByRole('button', { name: 'Try again' }).click();
  await expect(page.locator('[data-testid=reuse-alert]')).toHaveCount(1);
  await expect(note).toHaveCount(0);
  // The splitter's loader leaves a failed chunk fetch unhandled as well, which the browser
  // reports as an uncaught "Failed to fetch" (see lazy-pages.spec.ts); the failure reached
  // the page as the note above. Anything else (a WASM abort is "unreachable") fails.
  expect(errors.filter((e) => e !== 'Failed to fetch')).toEqual([]);
});
