import { expect, test, Locator, Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import { PASSWORD, hydrated, signIn, signUp, uniqueLogin } from './helpers';

// RFC 6238 (TOTP: HMAC-SHA1, 30 s steps, 6 digits), computed here as an authenticator app would.

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(text: string): Buffer {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text.replace(/[\s=]/g, '').toUpperCase()) {
    const index = BASE32.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
      value &= (1 << bits) - 1;
    }
  }
  return Buffer.from(out);
}

function totp(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(number % 1_000_000).padStart(6, '0');
}

const stepNow = () => Math.floor(Date.now() / 30_000);

/** A code of a step after `used` (a code is accepted once): waits for the next step if needed. */
async function freshCode(secret: string, used: number): Promise<{ code: string; step: number }> {
  while (stepNow() <= used) await new Promise((r) => setTimeout(r, 500));
  const step = stepNow();
  return { code: totp(secret, step), step };
}

/** Six digits that no step near now gives. */
function wrongCode(secret: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((d) => totp(secret, stepNow() + d)));
  return ['000000', '111111', '222222', '333333', '444444', '555555', '666666'].find((c) => !near.has(c))!;
}

async function openTwoFactor(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Settings' }).click();
  const frame = page.getByRole('dialog', { name: 'Settings' });
  await frame.getByRole('tab', { name: 'Two-factor' }).click();
  await expect(frame.getByRole('tab', { name: 'Two-factor' })).toHaveAttribute('aria-selected', 'true');
  return frame;
}

async function signOut(page: Page): Promise<void> {
  const frame = page.getByRole('dialog', { name: 'Settings' });
  if (await frame.isVisible()) await frame.getByRole('button', { name: 'Close', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
}

/** Sets two-factor sign-in up from the Two-factor tab; answers the secret, the step of the
 * code that enabled it, and the recovery codes. The Settings frame stays open. */
async function enable(page: Page, frame: Locator, { wrongCodeFirst = false } = {}) {
  await frame.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  const setup = page.getByRole('dialog', { name: 'Set up two-factor authentication' });
  await setup.getByLabel('Password').fill(PASSWORD);
  await setup.getByRole('button', { name: 'Continue' }).click();
  const qr = setup.getByRole('img', { name: 'QR code for your authenticator app' });
  await expect(qr).toBeVisible();
  await expect(qr.locator('svg')).toBeAttached();
  await expect(setup.getByRole('img')).toHaveCount(1); // the drawing is not a second image
  const shown = (await setup.getByTestId('totp-secret').textContent()) ?? '';
  expect(shown).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
  const secret = shown.replace(/\s/g, '');
  const code = setup.getByRole('textbox', { name: 'Authentication code', exact: true });
  await expect(code).toBeFocused();
  if (wrongCodeFirst) {
    const wrong = wrongCode(secret);
    await code.fill(wrong);
    await setup.getByRole('button', { name: 'Enable' }).click();
    await expect(setup.locator('#tf-code-error')).toContainText('The code is not valid');
    await expect(code).toHaveAccessibleDescription(/The code is not valid/);
    await expect(code).toHaveAttribute('aria-invalid', 'true');
    await expect(code).toHaveValue(wrong);
    await expect(qr).toBeVisible();
  }
  const step = stepNow();
  await code.fill(totp(secret, step));
  await setup.getByRole('button', { name: 'Enable' }).click();
  const dialog = page.getByRole('dialog', { name: 'Your recovery codes' });
  await expect(dialog).toContainText('will not be shown again');
  const codes = await dialog.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  expect(codes).toHaveLength(10);
  expect(new Set(codes).size).toBe(10);
  return { secret, step, codes, dialog };
}

async function acknowledge(dialog: Locator) {
  const done = dialog.getByRole('button', { name: 'Done' });
  await expect(done).toBeDisabled();
  await dialog.getByRole('checkbox', { name: 'I have saved these codes' }).check();
  await done.click();
  await expect(dialog).toBeHidden();
}

async function enterCode(page: Page, code: string) {
  await expect(page).toHaveURL(/\/signin\/code$/);
  await page.getByRole('textbox', { name: 'Authentication code', exact: true }).fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

async function onDashboard(page: Page) {
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
}

test('the RFC 6238 test vector', () => {
  // "12345678901234567890" at T = 59 s: 94287082, of which the last six digits.
  expect(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1)).toBe('287082');
});

test('two-factor sign-in: set up, codes from the app, recovery codes, regenerate, disable', async ({ page, context, baseURL }) => {
  test.setTimeout(240_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.text().includes('Content Security Policy')) errors.push(m.text()); });
  const login = uniqueLogin('two-factor');
  await signUp(page, login, 'Two Factor');

  // The tab, reached by the arrow keys as well: it is the last one, and wraps around.
  let frame = await openTwoFactor(page);
  await expect(frame.getByRole('tab', { name: 'Two-factor' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(frame.getByRole('tab', { name: 'Access Tokens' })).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(frame.getByRole('tab', { name: 'Two-factor' })).toBeFocused();
  await expect(frame.getByTestId('two-factor-status')).toHaveText(/Two-factor authentication is off/);

  // A wrong password shows next to the password field and keeps what was typed.
  await frame.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  const setup = page.getByRole('dialog', { name: 'Set up two-factor authentication' });
  const password = setup.getByLabel('Password');
  await expect(password).toBeFocused();
  await password.fill('not my password');
  await setup.getByRole('button', { name: 'Continue' }).click();
  await expect(setup.locator('#tf-password-error')).toHaveText('Wrong password. Nothing was changed.');
  await expect(password).toHaveAccessibleDescription('Wrong password. Nothing was changed.');
  await expect(password).toHaveValue('not my password');
  await setup.getByRole('button', { name: 'Cancel' }).click();
  await expect(setup).toBeHidden();

  // Set up; the browser checks the code's shape before sending it.
  await frame.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await setup.getByLabel('Password').fill(PASSWORD);
  await setup.getByRole('button', { name: 'Continue' }).click();
  await expect(setup.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const shownKey = ((await setup.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
  await setup.getByRole('button', { name: 'Copy key' }).click();
  await expect(setup.getByRole('status')).toHaveText('Copied to the clipboard.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shownKey);
  const codeField = setup.getByRole('textbox', { name: 'Authentication code', exact: true });
  await codeField.fill('12345');
  await setup.getByRole('button', { name: 'Enable' }).click();
  await expect(setup.locator('#tf-code-error')).toHaveText('Enter the 6-digit code from your app.');
  await setup.getByRole('button', { name: 'Cancel' }).click();
  await expect(frame.getByTestId('two-factor-status')).toHaveText(/is off/);

  const { secret, step: enabledAt, codes, dialog } = await enable(page, frame);
  expect(secret).not.toBe(shownKey); // every set-up makes a new secret
  // Shown once: Escape does not close it before "I have saved these codes".
  await page.keyboard.press('Escape');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(dialog.getByRole('status')).toHaveText('Copied to the clipboard.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.map((c) => `${c}\n`).join(''));
  const downloading = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Download kunci-recovery-codes.txt' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('kunci-recovery-codes.txt');
  expect(fs.readFileSync((await download.path())!, 'utf8').trim().split('\n')).toEqual(codes);
  await acknowledge(dialog);
  await expect(frame.getByTestId('two-factor-status')).toHaveText(/Two-factor authentication is on/);
  await expect(frame.getByTestId('recovery-codes-left')).toHaveText('10 recovery codes left.');

  // Sign in: the password, then a code. A wrong one is refused next to the field.
  await signOut(page);
  await signIn(page, login);
  await expect(page).toHaveURL(/\/signin\/code$/);
  await expect(page.getByRole('heading', { name: 'Two-factor authentication' })).toBeVisible();
  const field = page.getByRole('textbox', { name: 'Authentication code', exact: true });
  await enterCode(page, wrongCode(secret));
  await expect(page.locator('#signin-code-error')).toContainText('The code is not valid');
  await expect(field).toHaveAccessibleDescription(/The code is not valid/);
  await expect(page).toHaveURL(/\/signin\/code$/);
  // The code that enabled it is used: wait for the next one.
  const signedInWith = await freshCode(secret, enabledAt);
  await enterCode(page, signedInWith.code);
  await onDashboard(page);

  // A recovery code works once.
  await signOut(page);
  await signIn(page, login);
  await enterCode(page, codes[0]);
  await onDashboard(page);
  await signOut(page);
  await signIn(page, login);
  await enterCode(page, codes[0]);
  await expect(page.locator('#signin-code-error')).toContainText('The code is not valid');
  await enterCode(page, codes[1]);
  await onDashboard(page);
  frame = await openTwoFactor(page);
  await expect(frame.getByTestId('recovery-codes-left')).toHaveText('8 recovery codes left.');

  // Regenerate: the password and a code from the app; ten new codes, shown once.
  await frame.getByRole('button', { name: 'Regenerate recovery codes' }).click();
  const regenerate = page.getByRole('dialog', { name: 'Regenerate recovery codes' });
  await regenerate.getByLabel('Password').fill(PASSWORD);
  const regeneratedWith = await freshCode(secret, signedInWith.step);
  await regenerate.getByRole('textbox', { name: 'Authentication code', exact: true }).fill(regeneratedWith.code);
  await regenerate.getByRole('button', { name: 'Regenerate', exact: true }).click();
  const fresh = page.getByRole('dialog', { name: 'Your new recovery codes' });
  await expect(fresh).toContainText('Your previous codes no longer work.');
  const newCodes = await fresh.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  expect(newCodes).toHaveLength(10);
  expect(newCodes.filter((c) => codes.includes(c))).toEqual([]);
  await acknowledge(fresh);
  await expect(frame.getByTestId('recovery-codes-left')).toHaveText('10 recovery codes left.');

  // Disable with a new recovery code: sign-in asks only for the password again.
  await frame.getByRole('button', { name: 'Disable two-factor authentication' }).click();
  const disable = page.getByRole('dialog', { name: 'Disable two-factor authentication' });
  await disable.getByLabel('Password').fill(PASSWORD);
  await disable.getByRole('textbox', { name: 'Authentication code', exact: true }).fill(newCodes[0]);
  await disable.getByRole('button', { name: 'Disable', exact: true }).click();
  await expect(disable).toBeHidden();
  await expect(frame.getByTestId('two-factor-status')).toHaveText(/Two-factor authentication is off/);
  await expect(frame.getByRole('button', { name: 'Set up two-factor authentication' })).toBeFocused();
  await signOut(page);
  await signIn(page, login);
  await onDashboard(page);
  expect(errors).toEqual([]);
});

test('the code step works as a plain form, without JavaScript', async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  const login = uniqueLogin('two-factor-plain');
  await signUp(page, login, 'Plain Form');
  const frame = await openTwoFactor(page);
  const { secret, codes, dialog } = await enable(page, frame, { wrongCodeFirst: true });
  await acknowledge(dialog);

  // The whole second sign-in in a browser without JavaScript: every step a plain form
  // post, with the headers Chromium itself sends (Origin, Referer, Sec-Fetch-Site).
  const noScript = await browser.newContext({ baseURL, javaScriptEnabled: false });
  try {
    const p = await noScript.newPage();
    await p.goto('/signin');
    await p.getByLabel('Email').fill(login);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect(p).toHaveURL(/\/signin\/code$/);
    const form = p.locator('form');
    await expect(form).toHaveAttribute('method', /post/i);
    await expect(form).toHaveAttribute('action', '/api/auth/verify_code');
    const field = p.getByRole('textbox', { name: 'Authentication code', exact: true });
    await expect(field).toHaveAttribute('name', 'code');

    // A pending session is not signed in: the dashboard sends it to sign in.
    await p.goto('/');
    await expect(p).toHaveURL(/\/signin$/);
    await p.goto('/signin/code');

    // A wrong code comes back to the page, which shows the refusal.
    await field.fill(wrongCode(secret));
    await p.getByRole('button', { name: 'Verify' }).click();
    await expect(p).toHaveURL(/\/signin\/code/);
    await expect(p.locator('#signin-code-error')).toContainText('The code is not valid');
    await expect(field).toHaveAccessibleDescription(/The code is not valid/);

    // A recovery code finishes the sign-in: on to the dashboard.
    await field.fill(codes[0]);
    await p.getByRole('button', { name: 'Verify' }).click();
    await expect(p).toHaveURL(/\/$/);
    await expect(p.getByText('Plain Form')).toBeVisible();
  } finally {
    await noScript.close();
  }
});

test('the code step without a password step asks to sign in again', async ({ page }) => {
  await page.goto('/signin/code');
  await hydrated(page);
  await page.getByRole('textbox', { name: 'Authentication code', exact: true }).fill('123456');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.locator('#signin-code-error')).toHaveText('Your sign-in has expired or was not started. Sign in again.');
  await page.getByRole('link', { name: 'Sign in again' }).click();
  await expect(page).toHaveURL(/\/signin$/);
});
