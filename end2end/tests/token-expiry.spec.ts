import { expect, test } from '@playwright/test';
import { PASSWORD, hydrated, signUp, uniqueLogin } from './helpers';

/** The wire format, `yyyy-MM-dd HH:mm:ss` UTC. */
function wire(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** The dashboard's `dd-mm-yyyy` (UTC). */
function ui(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;
}

test('the expiry banner names tokens near their expiry, and regenerates an expired one with a new date', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const login = uniqueLogin('expiry');
  await signUp(page, login, 'Expiry Person');
  const signin = await request.post('/1.0/users/authentication/rest/signin', { form: { login, password: PASSWORD } });
  const session = (await signin.json()).session as string;
  const create = async (description: string, expiresAt: string) => {
    const r = await request.post('/1.0/users/authentication/rest/createtoken', {
      form: { session, password: PASSWORD, description, apiList: 'env.control.GetEnvInfo', expiresAt },
    });
    const body = await r.json();
    expect(body.result).toBe(0);
    return body.token;
  };
  await create('deploy soon', wire(new Date(Date.now() + 3 * 86_400_000)));
  await create('far away', wire(new Date(Date.now() + 60 * 86_400_000)));
  const old = await create('old job', wire(new Date(Date.now() + 2_000)));
  await page.waitForTimeout(3_000);

  // The dashboard's banner names the two tokens in the window, and not the third.
  await page.goto('/');
  await hydrated(page);
  const banner = page.getByTestId('expiry-banner');
  await expect(banner).toContainText('“deploy soon”');
  await expect(banner).toContainText('expires on');
  await expect(banner).toContainText('“old job”');
  await expect(banner).toContainText('expired on');
  await expect(banner).not.toContainText('far away');

  // Regenerate from the banner: Settings opens on the regenerate dialog, which asks for
  // the expired token's new expiry in the same step.
  await banner.getByRole('button', { name: 'Regenerate token “old job”' }).click();
  const dialog = page.getByRole('dialog', { name: 'Regenerate token' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('This token has expired');
  const date = dialog.getByLabel('New expiry (dd-mm-yyyy)');
  await date.fill('');
  await dialog.getByRole('button', { name: 'Regenerate', exact: true }).click();
  await expect(dialog).toContainText('needs a new expiry date');
  const next = new Date(Date.now() + 30 * 86_400_000);
  await date.fill(ui(next));
  await dialog.getByRole('button', { name: 'Regenerate', exact: true }).click();
  const password = page.getByRole('dialog', { name: 'Confirm with your password' });
  await password.getByLabel('Password').fill(PASSWORD);
  await password.getByRole('button', { name: 'Confirm' }).click();
  const shown = page.getByRole('dialog', { name: 'Your new access token' });
  await expect(shown).toBeVisible();
  const value = await shown.locator('input.token-value').inputValue();
  expect(value).toMatch(/^kunci_[0-9A-Za-z]{38}$/);

  // The new value works at once, and every answer says when it expires.
  const r = await request.get(`/1.0/environment/control/rest/getenvinfo?envName=none&session=${value}`);
  expect((await r.json()).result).toBe(11);
  expect(r.headers()['kunci-token-expiration']).toBe(`${next.toISOString().slice(0, 10)} 23:59:59 UTC`);
  await shown.getByRole('button', { name: /Done|Close/ }).first().click();

  // On the tab, the banner follows: "old job" left the window; Edit opens its dialog.
  const frame = page.getByRole('dialog', { name: 'Settings' });
  const tabBanner = frame.getByTestId('expiry-banner');
  await expect(tabBanner).toContainText('“deploy soon”');
  await expect(tabBanner).not.toContainText('old job');
  await tabBanner.getByRole('button', { name: 'Edit token “deploy soon”' }).click();
  const form = page.getByRole('dialog', { name: 'Edit access token' });
  await expect(form.getByLabel('Description', { exact: true })).toHaveValue('deploy soon');
  const tokens = await request.get(`/1.0/users/authentication/rest/gettokens?session=${session}`);
  const listed = (await tokens.json()).apiTokens.find((t: any) => t.id === old.id);
  expect(listed.expiresAt).toBe(`${next.toISOString().slice(0, 10)} 23:59:59`);
  expect(errors).toEqual([]);
});
