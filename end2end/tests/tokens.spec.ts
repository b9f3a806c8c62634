import { expect, test, Page } from '@playwright/test';
import * as fs from 'node:fs';
import { PASSWORD, signUp, uniqueLogin } from './helpers';

const SHOTS = 'screenshots';

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

/** Confirms the open password dialog with `password`. */
async function confirmPassword(page: Page, password: string) {
  const dialog = page.getByRole('dialog', { name: 'Confirm with your password' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Password').fill(password);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
}

/** Reads and closes the show-once value dialog; returns the value. */
async function takeValue(page: Page): Promise<string> {
  const dialog = page.getByRole('dialog', { name: 'Your new access token' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('will not be shown again');
  const value = await dialog.locator('input.token-value').inputValue();
  expect(value).toMatch(/^kunci_[0-9A-Za-z]{38}$/);
  return value;
}

test('the whole Access Tokens journey', async ({ page, context, request, baseURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Every Content-Security-Policy violation the page meets, recorded in the page.
  await page.addInitScript(() => {
    (window as any).__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as any).__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (m) => { if (m.text().includes('Content Security Policy')) errors.push(m.text()); });
  const login = uniqueLogin('journey');
  await signUp(page, login, 'Token Person');

  // A script made my-project earlier.
  const signin = await request.post('/1.0/users/authentication/rest/signin', { form: { login, password: PASSWORD } });
  const session = (await signin.json()).session as string;
  const created = await request.post('/1.0/environment/control/rest/createenvironment', {
    form: { session, env: JSON.stringify({ shortdomain: 'my-project', displayName: 'My project' }), nodes: JSON.stringify([{ nodeType: 'nginx' }]) },
  });
  expect((await created.json()).result).toBe(0);
  const envRow = page.locator('tr[data-env="my-project"]');
  await expect(envRow.locator('.badge')).toHaveText('Running');

  // Settings → Access Tokens.
  const settingsButton = page.getByRole('button', { name: 'Settings' });
  await settingsButton.click();
  const frame = page.getByRole('dialog', { name: 'Settings' });
  await expect(frame.getByRole('tab', { name: 'Access Tokens' })).toHaveAttribute('aria-selected', 'true');
  await expect(frame.getByText('No access tokens yet.')).toBeVisible();
  const toolbar = frame.getByRole('toolbar', { name: 'Access token actions' });
  for (const name of ['Edit', 'Copy', 'Remove']) await expect(toolbar.getByRole('button', { name })).toBeDisabled();
  await shot(page, '01-access-tokens-empty');

  // Generate: Custom, search "stopenv", check it; Only Checked shows exactly one.
  await toolbar.getByRole('button', { name: 'Generate' }).click();
  const form = page.getByRole('dialog', { name: 'Generate access token' });
  await expect(form).toBeVisible();
  await expect(form.getByLabel('Description', { exact: true })).toBeFocused();
  await form.getByLabel('Description', { exact: true }).fill('stop my project');
  await form.getByLabel('Expires At').fill('31-12-2030');
  await expect(form.getByLabel('API permission set')).toHaveValue('Custom');
  // Every catalog method a token may hold: 860 less the 47 private ones (sign-in,
  // token management, the account's own settings; see ApiMethod::is_private).
  await expect(form.locator('.method-row')).toHaveCount(813);
  await form.getByLabel('Search methods').fill('stopenv');
  const visibleRows = form.locator('.method-row:visible');
  await expect(visibleRows).toHaveCount(1);
  await expect(visibleRows.first()).toContainText('env.control.StopEnv');
  await visibleRows.first().hover();
  await expect(visibleRows.first().getByRole('link', { name: 'Docs for env.control.StopEnv' })).toBeVisible();
  await expect(visibleRows.first().getByRole('link', { name: 'Docs for env.control.StopEnv' })).toHaveAttribute('href', '/docs/api/env.control.StopEnv');
  await visibleRows.first().getByRole('checkbox').check();
  await expect(form.getByText('1 checked')).toBeVisible();
  await form.getByLabel('Search methods').fill('');
  await form.getByLabel('Only Checked').check();
  await expect(visibleRows).toHaveCount(1);
  await expect(visibleRows.first()).toContainText('env.control.StopEnv');
  await shot(page, '02-generate-dialog');
  await form.getByRole('button', { name: 'Generate' }).click();

  // Password: wrong first (inline error, nothing changes), then right.
  await confirmPassword(page, 'not my password at all');
  const pw = page.getByRole('dialog', { name: 'Confirm with your password' });
  await expect(pw.getByRole('alert')).toHaveText('Wrong password. Nothing was changed.');
  await shot(page, '03-password-wrong');
  const none = await request.get(`/1.0/users/authentication/rest/gettokens?session=${session}`);
  expect((await none.json()).apiTokens).toEqual([]);
  await confirmPassword(page, PASSWORD);

  // The value, once: Download and Copy.
  const value = await takeValue(page);
  const valueDialog = page.getByRole('dialog', { name: 'Your new access token' });
  await shot(page, '04-value-dialog');
  const downloadPromise = page.waitForEvent('download');
  await valueDialog.getByRole('button', { name: /^Download/ }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe('stop-my-project.txt');
  const file = await download.path();
  expect(fs.readFileSync(file!, 'utf8')).toBe(value);
  await valueDialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(valueDialog.getByRole('status')).toHaveText('Copied to the clipboard.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);
  await valueDialog.getByRole('button', { name: 'Done' }).click();
  await expect(valueDialog).toBeHidden();
  await expect(page.locator('input.token-value')).toHaveCount(0);

  const row = frame.locator('tr[data-token-id]').filter({ hasText: 'stop my project' });
  await expect(row).toContainText('Custom (1 method)');
  await expect(row).toContainText('31-12-2030');
  await expect(row).toContainText('never');

  // The value stops my-project, exactly as the seed document says, and the dashboard shows it.
  const stop = await request.get(`/1.0/environment/control/rest/stopenv?envName=my-project&session=${value}`);
  expect(await stop.json()).toEqual({ result: 0 });
  await frame.getByRole('button', { name: 'Close' }).click();
  await expect(frame).toBeHidden();
  await expect(settingsButton).toBeFocused();
  await expect(envRow.locator('.badge')).toHaveText('Stopped', { timeout: 3_000 });
  await settingsButton.click();

  // Edit the description (double-click opens Edit).
  await row.dblclick();
  const edit = page.getByRole('dialog', { name: 'Edit access token' });
  await expect(edit.getByLabel('Description', { exact: true })).toHaveValue('stop my project');
  await edit.getByLabel('Description', { exact: true }).fill('stop my project (CI)');
  await shot(page, '05-edit-dialog');
  await edit.getByRole('button', { name: 'Save' }).click();
  await confirmPassword(page, PASSWORD);
  const edited = frame.locator('tr[data-token-id]').filter({ hasText: 'stop my project (CI)' });
  await expect(edited).toBeVisible();

  // Regenerate from Edit: the old value answers 702, the new one works.
  await edited.click();
  await toolbar.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('dialog', { name: 'Edit access token' }).getByRole('button', { name: 'Regenerate token' }).click();
  const regen = page.getByRole('dialog', { name: 'Regenerate token' });
  await expect(regen).toContainText('stops working at once');
  await shot(page, '06-regenerate-warning');
  await regen.getByRole('button', { name: 'Regenerate' }).click();
  await confirmPassword(page, PASSWORD);
  const newValue = await takeValue(page);
  expect(newValue).not.toBe(value);
  await page.getByRole('dialog', { name: 'Your new access token' }).getByRole('button', { name: 'Done' }).click();
  const old = await request.get(`/1.0/environment/control/rest/startenv?envName=my-project&session=${value}`);
  expect((await old.json()).result).toBe(702);
  const fresh = await request.get(`/1.0/environment/control/rest/startenv?envName=my-project&session=${newValue}`);
  expect((await fresh.json()).result).toBe(8202); // valid value, but StartEnv is not in its list

  // Copy a token: prefilled, a new value.
  await edited.click();
  await toolbar.getByRole('button', { name: 'Copy' }).click();
  const copy = page.getByRole('dialog', { name: 'Copy access token' });
  await expect(copy.getByLabel('Description', { exact: true })).toHaveValue('stop my project (CI) (copy)');
  await expect(copy.getByText('1 checked')).toBeVisible();
  await copy.getByLabel('API permission set').selectOption('Maven Plugin');
  await shot(page, '07-copy-dialog');
  await copy.getByRole('button', { name: 'Create copy' }).click();
  await confirmPassword(page, PASSWORD);
  await takeValue(page);
  await page.getByRole('dialog', { name: 'Your new access token' }).getByRole('button', { name: 'Done' }).click();
  await expect(frame.locator('tr[data-token-id]').filter({ hasText: '(copy)' })).toContainText('Maven Plugin');

  // One more, so three rows exist; then select three with click and Shift+click.
  await toolbar.getByRole('button', { name: 'Generate' }).click();
  const third = page.getByRole('dialog', { name: 'Generate access token' });
  await third.getByLabel('Description', { exact: true }).fill('third token');
  await third.getByLabel('API permission set').selectOption('IDE Plugins');
  await third.getByRole('button', { name: 'Generate' }).click();
  await confirmPassword(page, PASSWORD);
  await takeValue(page);
  await page.getByRole('dialog', { name: 'Your new access token' }).getByRole('button', { name: 'Done' }).click();
  const rows = frame.locator('tr[data-token-id]');
  await expect(rows).toHaveCount(3);
  await rows.nth(0).click();
  await rows.nth(2).click({ modifiers: ['Shift'] });
  await expect(frame.locator('tr[data-token-id][aria-selected=true]')).toHaveCount(3);
  await expect(toolbar.getByRole('button', { name: 'Edit' })).toBeDisabled();
  await rows.nth(1).click({ modifiers: ['Control'] });
  await expect(frame.locator('tr[data-token-id][aria-selected=true]')).toHaveCount(2);
  await rows.nth(1).click({ modifiers: ['Control'] });
  await expect(frame.locator('tr[data-token-id][aria-selected=true]')).toHaveCount(3);

  // Remove asks for confirmation listing them, then the password.
  await toolbar.getByRole('button', { name: 'Remove' }).click();
  const remove = page.getByRole('dialog', { name: 'Remove 3 access tokens' });
  await expect(remove.locator('li')).toHaveCount(3);
  await shot(page, '08-remove-confirm');
  await remove.getByRole('button', { name: 'Remove' }).click();
  await confirmPassword(page, PASSWORD);
  await expect(rows).toHaveCount(0);
  await expect(frame.getByText('No access tokens yet.')).toBeVisible();
  const gone = await request.get(`/1.0/environment/control/rest/stopenv?envName=my-project&session=${newValue}`);
  expect((await gone.json()).result).toBe(702);

  // Refresh shows what the API changed meanwhile, keeping selection where rows remain.
  await request.post('/1.0/users/authentication/rest/createtoken', {
    form: { session, password: PASSWORD, description: 'made by a script', apiList: 'env.control.GetEnvInfo' },
  });
  await toolbar.getByRole('button', { name: 'Refresh' }).click();
  await expect(frame.locator('tr[data-token-id]').filter({ hasText: 'made by a script' })).toBeVisible();

  // The security log saw it all.
  await frame.getByRole('tab', { name: 'Security log' }).click();
  const log = frame.getByRole('table', { name: 'Security log' });
  await expect(log.locator('tr[data-kind="token.created"]')).toHaveCount(3);
  await expect(log.locator('tr[data-kind="token.copied"]')).toHaveCount(1);
  await expect(log.locator('tr[data-kind="password.confirmation_failed"]')).toHaveCount(1);
  await expect(log.locator('tr[data-kind="password.confirmation_failed"]')).toContainText('Wrong password to');
  await expect(log.locator('tr[data-kind="token.copied"]')).toContainText('copied from token #');
  await expect(log.locator('tr[data-kind="token.dead_value_used"]').first()).toBeVisible();
  await shot(page, '09-security-log');
  expect(errors).toEqual([]);
  expect(await page.evaluate(() => (window as any).__cspViolations)).toEqual([]);
});

test('sessions tab signs out other sessions', async ({ page, request }) => {
  const login = uniqueLogin('sessions');
  await signUp(page, login, 'Session Person');
  for (let i = 0; i < 2; i++) {
    await request.post('/1.0/users/authentication/rest/signin', { form: { login, password: PASSWORD } });
  }
  await page.getByRole('button', { name: 'Settings' }).click();
  const frame = page.getByRole('dialog', { name: 'Settings' });
  await frame.getByRole('tab', { name: 'Sessions' }).click();
  const table = frame.getByRole('table', { name: 'Sessions' });
  await expect(table.locator('tbody tr')).toHaveCount(3);
  await expect(table.getByText('this session')).toHaveCount(1);
  await shot(page, '10-sessions');
  await table.locator('tbody tr').filter({ hasText: 'API' }).first().getByRole('button', { name: 'Sign out' }).click();
  await expect(table.locator('tbody tr')).toHaveCount(2);
  await frame.getByRole('button', { name: 'Sign out all other sessions' }).click();
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(frame.getByRole('button', { name: 'Sign out all other sessions' })).toBeDisabled();
});

test('keyboard only: open settings, generate from a template, escape closes, focus returns', async ({ page }) => {
  await signUp(page, uniqueLogin('keys'), 'Key Person');
  const settings = page.getByRole('button', { name: 'Settings' });
  await settings.focus();
  await page.keyboard.press('Enter');
  const frame = page.getByRole('dialog', { name: 'Settings' });
  await expect(frame.getByRole('tab', { name: 'Access Tokens' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(frame.getByRole('tab', { name: 'Security log' })).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  const generate = frame.getByRole('button', { name: 'Generate' });
  await generate.focus();
  await page.keyboard.press('Enter');
  const form = page.getByRole('dialog', { name: 'Generate access token' });
  await expect(form.getByLabel('Description', { exact: true })).toBeFocused();
  await page.keyboard.type('keyboard token');
  await form.getByLabel('API permission set').focus();
  await form.getByLabel('API permission set').selectOption('Extended Access');
  await expect(form.getByText(/^\d{3} checked$/)).toBeVisible();
  // Escape closes the dialog only, and focus returns to Generate.
  await page.keyboard.press('Escape');
  await expect(form).toBeHidden();
  await expect(generate).toBeFocused();
  // Enter submits; the password dialog too.
  await page.keyboard.press('Enter');
  await expect(form.getByLabel('Description', { exact: true })).toBeFocused();
  await page.keyboard.type('keyboard token');
  await form.getByLabel('API permission set').selectOption('Marketplace');
  await form.getByLabel('Description', { exact: true }).focus();
  await page.keyboard.press('Enter');
  const pw = page.getByRole('dialog', { name: 'Confirm with your password' });
  await expect(pw.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  const value = page.getByRole('dialog', { name: 'Your new access token' });
  await expect(value).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(value).toBeHidden();
  await expect(generate).toBeFocused();
  // Rows: Tab to the row, Enter opens Edit.
  const row = frame.locator('tr[data-token-id]').first();
  await row.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Edit access token' })).toBeVisible();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(frame).toBeHidden();
  await expect(settings).toBeFocused();
});

test('script payloads in descriptions render as text, and layouts hold at 390×844', async ({ page, request }) => {
  const login = uniqueLogin('xss');
  await signUp(page, login, '<b>Bold</b> Name');
  await expect(page.locator('.account')).toHaveText('<b>Bold</b> Name');
  const signin = await request.post('/1.0/users/authentication/rest/signin', { form: { login, password: PASSWORD } });
  const session = (await signin.json()).session as string;
  const payload = '<img src=x onerror="window.__xss=1">';
  await request.post('/1.0/users/authentication/rest/createtoken', {
    form: { session, password: PASSWORD, description: payload, apiList: 'env.control.GetEnvInfo' },
  });
  const scriptName = '<script>window.__xss=2</script>';
  await request.post('/1.0/environment/control/rest/createenvironment', {
    form: { session, env: JSON.stringify({ shortdomain: `xss-${Date.now() % 1e6}`, displayName: scriptName }), nodes: JSON.stringify([{ nodeType: 'nginx', displayName: payload }]) },
  });
  await expect(page.locator('.env-name').filter({ hasText: scriptName })).toHaveText(scriptName);
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  await page.getByRole('button', { name: 'Settings' }).click();
  const frame = page.getByRole('dialog', { name: 'Settings' });
  await expect(frame.locator('td.description')).toHaveText(payload);
  await expect(frame.locator('td.description img')).toHaveCount(0);
  await frame.getByRole('tab', { name: 'Security log' }).click();
  await expect(frame.getByRole('table', { name: 'Security log' })).toContainText(payload);
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
  expect(dialogs).toBe(0);

  for (const [w, h, name] of [[1280, 800, 'desktop'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width: w, height: h });
    await frame.getByRole('tab', { name: 'Access Tokens' }).click();
    await frame.getByRole('button', { name: 'Generate' }).click();
    const form = page.getByRole('dialog', { name: 'Generate access token' });
    await expect(form).toBeVisible();
    // Nothing wider than the viewport: the page never scrolls sideways.
    const { overflow, wide } = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      // The deepest elements that stick out, to name the culprit when this fails.
      wide: Array.from(document.querySelectorAll('body *'))
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && e.children.length === 0)
        .slice(0, 5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${Math.round(e.getBoundingClientRect().right)}px`),
    }));
    expect(overflow, `horizontal overflow at ${name}: ${wide.join(', ')}`).toBeLessThanOrEqual(0);
    for (const label of ['Description', 'Expires At', 'Search methods']) {
      const box = await form.getByLabel(label, { exact: true }).boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= w, `${label} inside the viewport at ${name}`).toBeTruthy();
    }
    await shot(page, `11-generate-${name}`);
    await form.getByRole('button', { name: 'Cancel' }).click();
  }
});
