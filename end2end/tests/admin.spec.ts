import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { PASSWORD, hydrated, signIn, signUp, uniqueLogin } from './helpers';

// An administrator revokes every token of another account from the inventory: the
// password dialog confirms it, the tokens stop working at once, and that account's
// token list is empty. No value is ever on the page.

const AUTH = '/1.0/users/authentication/rest';
const root = path.resolve(__dirname, '..', '..');

test('an administrator revokes all of an account\'s tokens from the inventory', async ({ page, request }) => {
  // The owner signs up on the page and makes two tokens over the API.
  const owner = uniqueLogin('owned');
  await signUp(page, owner, 'Token Owner');
  const session = (await (await request.post(`${AUTH}/signin`, { form: { login: owner, password: PASSWORD } })).json()).session as string;
  const values: string[] = [];
  for (const description of ['deploy script', 'backup job']) {
    const created = await request.post(`${AUTH}/createtoken`, {
      form: { session, password: PASSWORD, description, apiList: 'env.control.GetEnvs' },
    });
    const body = await created.json();
    expect(body.result).toBe(0);
    values.push(body.token.key as string);
  }
  await page.context().clearCookies();

  // The administrator, made at the console as an operator would.
  const admin = uniqueLogin('admin');
  execFileSync(path.join(root, 'target/release/server'), [
    'user', 'create', '--login', admin, '--name', 'Admin', '--admin',
    '--database-url', `sqlite://${process.env.KUNCI_E2E_DB}`,
  ], { input: `${PASSWORD}\n`, env: { ...process.env, RUST_LOG: 'warn' } });
  await signIn(page, admin);
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
  await page.getByTestId('admin-link').click();
  await expect(page).toHaveURL(/\/admin$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();

  // Filter by the owner: their two tokens, never a value.
  await page.getByTestId('filter-login').fill(owner);
  await page.getByTestId('apply-filters').click();
  const rows = page.locator(`tr[data-testid="inventory-row"][data-login="${owner}"]`);
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('inventory')).toContainText('deploy script');
  for (const value of values) {
    expect(await page.content()).not.toContain(value);
  }

  // Revoke all of them: a wrong password first changes nothing.
  await page.getByTestId('revoke-all-of-account').click();
  const dialog = page.getByRole('dialog', { name: 'Confirm with your password' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Password').fill('not the password at all');
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Wrong password. Nothing was revoked.');
  expect((await (await request.get(`/1.0/environment/control/rest/getenvs`, { params: { session: values[0] } })).json()).result).toBe(0);

  await dialog.getByLabel('Password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Revoked 2 token(s).' })).toBeVisible();
  await expect(rows).toHaveCount(0);
  await expect(page.getByTestId('inventory-empty')).toBeVisible();

  // The values are dead, and the owner's token list is empty.
  for (const value of values) {
    const answer = await request.get(`/1.0/environment/control/rest/getenvs`, { params: { session: value } });
    expect((await answer.json()).result).toBe(702);
  }
  const listed = await (await request.get(`${AUTH}/gettokens`, { params: { session } })).json();
  expect(listed.result).toBe(0);
  expect(listed.apiTokens).toEqual([]);
});
