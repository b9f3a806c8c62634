import { expect, test } from '@playwright/test';
import { PASSWORD, hydrated, signIn, signUp, uniqueLogin } from './helpers';

test('sign up, see the dashboard shell, sign out, sign in again', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const login = uniqueLogin('shell');

  await signUp(page, login, 'Ada Lovelace');
  await expect(page.locator('.account')).toHaveText('Ada Lovelace');
  await expect(page.getByRole('button', { name: 'Settings' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Environments' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/signin$/, { timeout: 10_000 });

  await signIn(page, login, 'definitely the wrong password');
  await expect(page.getByRole('alert')).toContainText('wrong login or password');
  await expect(page).toHaveURL(/\/signin$/);

  await signIn(page, login, PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('.account')).toHaveText('Ada Lovelace');
  expect(errors, 'no uncaught errors in the page').toEqual([]);
});

test('sign-up errors show in place and keep the form', async ({ page }) => {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Email').fill(uniqueLogin('weak'));
  await page.getByLabel('Name').fill('Weak');
  // Bypass the browser's own minlength check to see the server's message.
  await page.locator('input[name=password]').evaluate((e: HTMLInputElement) => e.removeAttribute('minlength'));
  await page.locator('input[name=password_again]').evaluate((e: HTMLInputElement) => e.removeAttribute('minlength'));
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Password again').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toContainText('at least 12 characters');
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.getByLabel('Name')).toHaveValue('Weak');
});
