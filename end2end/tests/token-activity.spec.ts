import { expect, test } from '@playwright/test';
import { PASSWORD, signUp, uniqueLogin } from './helpers';

// A token's detail view: its facts, the addresses it was used from, and its activity
// log, live: a call made with the token shows within 2 s of its answer.
test('token detail: a call made with the token appears live within 2 s', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const login = uniqueLogin('activity');
  await signUp(page, login, 'Activity Person');

  // A script's session makes an environment and a token allowed GetEnvInfo only.
  const signin = await request.post('/1.0/users/authentication/rest/signin', { form: { login, password: PASSWORD } });
  const session = (await signin.json()).session as string;
  const created = await request.post('/1.0/environment/control/rest/createenvironment', {
    form: { session, env: JSON.stringify({ shortdomain: 'watched', displayName: 'Watched' }), nodes: JSON.stringify([{ nodeType: 'nginx' }]) },
  });
  expect((await created.json()).result).toBe(0);
  const made = await request.post('/1.0/users/authentication/rest/createtoken', {
    form: { session, password: PASSWORD, description: 'CI deploy', apiList: 'env.control.GetEnvInfo' },
  });
  const token = (await made.json()).token.key as string;

  // Settings → Access Tokens → select the token → Details, by keyboard.
  await page.getByRole('button', { name: 'Settings' }).click();
  const frame = page.getByRole('dialog', { name: 'Settings' });
  const row = frame.locator('#token-table tbody tr').filter({ hasText: 'CI deploy' });
  await row.focus();
  await page.keyboard.press(' ');
  await expect(row).toHaveAttribute('aria-selected', 'true');
  const details = frame.getByRole('toolbar', { name: 'Access token actions' }).getByRole('button', { name: 'Details' });
  await details.focus();
  await page.keyboard.press('Enter');
  const detail = frame.locator('#token-detail');
  await expect(detail.getByRole('heading', { name: 'CI deploy' })).toBeFocused();
  await expect(detail.getByText('Not used yet.')).toBeVisible();
  await expect(detail.getByRole('status')).toHaveText('No calls match.');
  const log = detail.getByRole('table', { name: 'Activity' });

  // A call with the token: its row appears without reloading.
  const calledAt = Date.now();
  const answer = await request.get('/1.0/environment/control/rest/getenvinfo', { params: { session: token, envName: 'watched' } });
  const answeredAt = Date.now();
  expect((await answer.json()).result).toBe(0);
  const first = log.locator('tbody tr').first();
  await expect(first).toContainText('env.control.GetEnvInfo', { timeout: 2_000 });
  const shownAfter = Date.now() - answeredAt;
  console.log(`activity visible ${shownAfter} ms after the answer (${answeredAt - calledAt} ms call)`);
  expect(shownAfter).toBeLessThanOrEqual(2_000);
  await expect(first).toContainText('watched');
  await expect(first).toContainText('OK');
  await expect(detail.getByRole('table', { name: 'Last used from' })).toContainText('127.0.0.1');

  // A refused call (the token lacks StopEnv) shows too; the filters narrow the log.
  const refused = await request.get('/1.0/environment/control/rest/stopenv', { params: { session: token, envName: 'watched' } });
  expect((await refused.json()).result).toBe(8202);
  await expect(log.locator('tbody tr').first()).toContainText('8202', { timeout: 2_000 });
  await expect(log.locator('tbody tr')).toHaveCount(2);
  await detail.getByLabel('Result').selectOption('failure');
  await expect(log.locator('tbody tr')).toHaveCount(1);
  await expect(log.locator('tbody tr').first()).toContainText('env.control.StopEnv');
  await detail.getByLabel('Result').selectOption('');
  await detail.getByLabel('Method').fill('getenvinfo');
  await expect(log.locator('tbody tr')).toHaveCount(1);
  await expect(log.locator('tbody tr').first()).toContainText('env.control.GetEnvInfo');
  await expect(detail.getByRole('status')).toHaveText('1 call, newest first; updated every second.');

  // Back to the list: focus returns to the token's row.
  await detail.getByRole('button', { name: '← All access tokens' }).click();
  await expect(frame.locator('#token-table')).toBeVisible();
  await expect(row).toBeFocused();
  expect(errors).toEqual([]);
});
