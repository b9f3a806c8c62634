import { expect, test } from '@playwright/test';
import { PASSWORD, hydrated, signUp, uniqueLogin } from './helpers';

// Issue 15: restricting a token in the dialog. The addresses are checked as they are
// typed (with the server's own rule), environments are picked from the account's, the
// list shows the restriction, and the token then works only within it.
test('a token restricted in the dialog works only from its addresses and on its environments', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const login = uniqueLogin('limits');
  await signUp(page, login, 'Limits Person');
  const signin = await request.post('/1.0/users/authentication/rest/signin', { form: { login, password: PASSWORD } });
  const session = (await signin.json()).session as string;
  const suffix = String(Date.now() % 1_000_000);
  const shop = `shop-${suffix}`;
  const other = `other-${suffix}`;
  for (const name of [shop, other]) {
    const r = await request.post('/1.0/environment/control/rest/createenvironment', {
      form: { session, env: JSON.stringify({ shortdomain: name }), nodes: '[{"nodeType":"tomcat"}]' },
    });
    expect((await r.json()).result).toBe(0);
  }

  await page.goto('/');
  await hydrated(page);
  await page.getByRole('button', { name: 'Settings' }).click();
  const frame = page.getByRole('dialog', { name: 'Settings' });
  await frame.getByRole('button', { name: 'Generate' }).click();
  const form = page.getByRole('dialog', { name: 'Generate access token' });
  await form.getByLabel('Description', { exact: true }).fill('deploy from the office');

  // An address that is not one is refused as it is typed, naming the entry.
  const addresses = form.getByLabel('Allowed addresses');
  await addresses.fill('127.0.0.1, 10.0.0.0/33');
  await expect(form.locator('#addresses-error')).toContainText('[10.0.0.0/33] has an invalid prefix length');
  await expect(addresses).toHaveAttribute('aria-invalid', 'true');
  await addresses.fill('10.1.2.3/8');
  await expect(form.locator('#addresses-error')).toContainText('did you mean 10.0.0.0/8?');
  await addresses.fill('127.0.0.1, ::1, 10.0.0.0/8');
  await expect(form.locator('#addresses-error')).toBeHidden();
  await expect(addresses).toHaveAttribute('aria-invalid', 'false');

  // Environments: the account's are offered; checking one writes its name, beside a
  // typed prefix.
  const envs = form.getByLabel('Environments', { exact: true });
  await envs.fill('pr-*');
  await form.getByRole('checkbox', { name: shop, exact: true }).check();
  await expect(envs).toHaveValue(`pr-*, ${shop}`);
  await expect(form.getByRole('checkbox', { name: other, exact: true })).not.toBeChecked();
  await envs.fill(`pr-*, ${shop}, x`);
  await expect(form.locator('#envs-error')).toContainText('[x] is not an environment name');
  await envs.fill(`pr-*, ${shop}`);
  await expect(form.locator('#envs-error')).toBeHidden();

  await form.getByLabel('API permission set').selectOption('IDE Plugins');
  await form.getByRole('button', { name: 'Generate' }).click();
  const pw = page.getByRole('dialog', { name: 'Confirm with your password' });
  await pw.getByLabel('Password').fill(PASSWORD);
  await pw.getByRole('button', { name: 'Confirm' }).click();
  const shown = page.getByRole('dialog', { name: 'Your new access token' });
  await expect(shown).toBeVisible();
  const value = await shown.locator('input.token-value').inputValue();
  expect(value).toMatch(/^kunci_[0-9A-Za-z]{38}$/);
  await shown.getByRole('button', { name: /Done|Close/ }).first().click();

  // The list says what the token is limited to.
  const row = frame.locator('tr', { hasText: 'deploy from the office' });
  await expect(row).toContainText('Only from 127.0.0.1, ::1, 10.0.0.0/8; on pr-*, ' + shop);

  // The API agrees: its environment answers, another is 8202, and GetEnvs lists one.
  const info = async (env: string) =>
    (await (await request.get(`/1.0/environment/control/rest/getenvinfo?envName=${env}&session=${value}`)).json()).result;
  expect(await info(shop)).toBe(0);
  expect(await info(other)).toBe(8202);
  const listed = await (await request.get(`/1.0/environment/control/rest/getenvs?session=${value}`)).json();
  expect(listed.infos.map((i: { env: { shortdomain: string } }) => i.env.shortdomain)).toEqual([shop]);

  // Edit opens with the restrictions filled in; clearing the addresses lifts that one.
  await row.dblclick();
  const edit = page.getByRole('dialog', { name: 'Edit access token' });
  await expect(edit.getByLabel('Allowed addresses')).toHaveValue('127.0.0.1, ::1, 10.0.0.0/8');
  await expect(edit.getByLabel('Environments', { exact: true })).toHaveValue(`pr-*, ${shop}`);
  await expect(edit.getByRole('checkbox', { name: shop, exact: true })).toBeChecked();
  await edit.getByLabel('Allowed addresses').fill('');
  await edit.getByRole('button', { name: 'Save' }).click();
  await pw.getByLabel('Password').fill(PASSWORD);
  await pw.getByRole('button', { name: 'Confirm' }).click();
  await expect(row).toContainText(`Only on pr-*, ${shop}`);
  const tokens = await (await request.get(`/1.0/users/authentication/rest/gettokens?session=${session}`)).json();
  expect(tokens.apiTokens[0].ipAllowlist).toEqual([]);
  expect(tokens.apiTokens[0].envNames).toEqual(['pr-*', shop]);
  expect(errors).toEqual([]);
});
