import { test, expect } from '@playwright/test';
import { PASSWORD, hydrated, signUp, uniqueLogin } from './helpers';

const AUTH = '/1.0/users/authentication/rest';

// Issue 14: a regenerated-away token value used again shows an alert on the dashboard,
// naming the token and the address, until the owner dismisses it (one click, keyboard).
test('a reused token value raises a dashboard alert until dismissed', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const login = uniqueLogin('reuse');
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
