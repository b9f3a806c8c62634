import { expect, test, Browser, Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PASSWORD, hydrated, uniqueLogin } from './helpers';

// The seed journey once more, in Indonesian: a browser whose language is id-ID
// (Accept-Language: id-ID), every label asserted in the words of app/locales/id.json, and
// on every screen a check that no English word of the dashboard is left visible.

type Messages = { [key: string]: string | Messages };
const locales = path.resolve(__dirname, '../../app/locales');
const en: Messages = JSON.parse(fs.readFileSync(path.join(locales, 'en.json'), 'utf8'));
const id: Messages = JSON.parse(fs.readFileSync(path.join(locales, 'id.json'), 'utf8'));

/** The message `key` (dotted) of the Indonesian file, parameters filled in. */
function t(key: string, params: Record<string, string | number> = {}): string {
  let m: string | Messages = id;
  for (const part of key.split('.')) m = (m as Messages)[part];
  if (typeof m !== 'string') throw new Error(`no message ${key} in id.json`);
  return m.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? `{${name}}`));
}

function values(m: Messages): string[] {
  return Object.values(m).flatMap((v) => (typeof v === 'string' ? [v] : values(v)));
}

/** The words of a message, parameters left out. */
function words(text: string): string[] {
  return text.replace(/\{\w+\}/g, ' ').match(/\p{L}[\p{L}'’-]*\p{L}|\p{L}/gu) ?? [];
}

// English left behind: a word of some English message that no Indonesian message uses
// (so "Access Tokens", "Generate", "Edit", the names the Indonesian help page itself keeps,
// are not counted), of three letters or more, compared without case.
const indonesian = new Set(values(id).flatMap(words).map((w) => w.toLowerCase()));
const englishOnly = [...new Set(values(en).flatMap(words).map((w) => w.toLowerCase()))]
  .filter((w) => w.length >= 3 && !indonesian.has(w));

/** Every piece of text a person sees on the page: visible text (dialogs included), the
 * title, and the labels, placeholders and tooltips of visible elements. Code (method and
 * parameter names), values the user typed and text marked `translate="no"` (a browser's
 * user agent) are not the dashboard's words. */
async function visibleTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [document.title];
    const visible = (el: Element) => (el as any).checkVisibility?.({ checkOpacity: true, checkVisibilityCSS: true }) ?? true;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!parent || parent.closest('code, script, style, option:not(:checked), [translate="no"]') || !visible(parent)) continue;
      if (n.textContent && n.textContent.trim()) out.push(n.textContent);
    }
    for (const el of Array.from(document.querySelectorAll('[aria-label], [title], [placeholder]'))) {
      if (!visible(el)) continue;
      for (const a of ['aria-label', 'title', 'placeholder']) {
        const v = el.getAttribute(a);
        if (v) out.push(v);
      }
    }
    return out;
  });
}

/** Fails naming every English word left visible on the current screen. */
async function noEnglish(page: Page, screen: string) {
  const texts = await visibleTexts(page);
  const found = new Set<string>();
  for (const text of texts) {
    // Method names, addresses, file names (anything with a dot inside) are not words.
    const plain = text.replace(/[\w-]+(\.[\w-]+)+/g, ' ');
    for (const w of words(plain)) if (englishOnly.includes(w.toLowerCase())) found.add(w);
  }
  expect([...found], `English left on "${screen}"`).toEqual([]);
}

const SHOTS = path.resolve(__dirname, '../../docs/screenshots');

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

async function indonesianPage(browser: Browser, baseURL: string | undefined) {
  const context = await browser.newContext({ locale: 'id-ID', baseURL });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  return { context, page: await context.newPage() };
}

async function confirmPassword(page: Page, password: string) {
  const dialog = page.getByRole('dialog', { name: t('password.title') });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel(t('password.label')).fill(password);
  await dialog.getByRole('button', { name: t('password.confirm') }).click();
}

async function takeValue(page: Page): Promise<string> {
  const dialog = page.getByRole('dialog', { name: t('value.title') });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(t('value.save_now'));
  await noEnglish(page, 'token value');
  const value = await dialog.locator('input.token-value').inputValue();
  expect(value).toMatch(/^kunci_[0-9A-Za-z]{38}$/);
  return value;
}

test('English words are known, and the message files agree', () => {
  expect(englishOnly.length).toBeGreaterThan(100);
  for (const w of ['password', 'sign', 'environments', 'loading', 'wrong']) expect(englishOnly).toContain(w);
  for (const w of ['generate', 'edit', 'remove', 'settings', 'access', 'tokens']) expect(englishOnly).not.toContain(w);
});

test('the whole Access Tokens journey, in Indonesian', async ({ browser, baseURL, request }) => {
  const { context, page } = await indonesianPage(browser, baseURL);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const login = uniqueLogin('indonesia');

  // Sign-up, in Indonesian from the browser's language alone.
  await page.goto('/signup');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'id');
  await expect(page.getByRole('heading', { name: t('auth.create_title') })).toBeVisible();
  await noEnglish(page, 'sign-up');
  await page.getByLabel(t('auth.email')).fill(login);
  await page.getByLabel(t('auth.name')).fill('Pengguna Token');
  await page.getByLabel(t('auth.password'), { exact: true }).fill(PASSWORD);
  await page.getByLabel(t('auth.password_again')).fill(PASSWORD);
  await page.getByRole('button', { name: t('auth.create_account') }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: t('envs.title') })).toBeVisible();

  // A script made an environment earlier.
  const signin = await request.post('/1.0/users/authentication/rest/signin', { form: { login, password: PASSWORD } });
  const session = (await signin.json()).session as string;
  const created = await request.post('/1.0/environment/control/rest/createenvironment', {
    form: { session, env: JSON.stringify({ shortdomain: 'proyek-saya', displayName: 'Proyek saya' }), nodes: JSON.stringify([{ nodeType: 'nginx' }]) },
  });
  expect((await created.json()).result).toBe(0);
  const envRow = page.locator('tr[data-env="proyek-saya"]');
  await expect(envRow.locator('.badge')).toHaveText(t('status.running'));
  await noEnglish(page, 'dashboard');

  // Settings → Access Tokens (the Indonesian help page keeps these names).
  const settingsButton = page.getByRole('button', { name: t('header.settings') });
  await settingsButton.click();
  const frame = page.getByRole('dialog', { name: t('settings.title') });
  await expect(frame.getByRole('tab', { name: t('settings.tab_tokens') })).toHaveAttribute('aria-selected', 'true');
  await expect(frame.getByText(t('tokens.empty'))).toBeVisible();
  const toolbar = frame.getByRole('toolbar', { name: t('tokens.toolbar_label') });
  for (const key of ['tokens.edit', 'tokens.copy', 'tokens.remove']) await expect(toolbar.getByRole('button', { name: t(key) })).toBeDisabled();
  await noEnglish(page, 'Access Tokens, empty');

  // Generate: Custom, search, check one, Only Checked.
  await toolbar.getByRole('button', { name: t('tokens.generate') }).click();
  const form = page.getByRole('dialog', { name: t('form.title_generate') });
  await expect(form.getByLabel(t('form.description'), { exact: true })).toBeFocused();
  await form.getByLabel(t('form.description'), { exact: true }).fill('hentikan proyek saya');
  await form.getByLabel(t('form.expires_at')).fill('31-12-2030');
  await expect(form.getByLabel(t('picker.permission_set_label'))).toHaveValue('Custom');
  await form.getByLabel(t('picker.search_label')).fill('stopenv');
  const visibleRows = form.locator('.method-row:visible');
  await expect(visibleRows).toHaveCount(1);
  await visibleRows.first().hover();
  await expect(visibleRows.first().getByRole('link', { name: t('picker.docs_for', { method: 'env.control.StopEnv' }) })).toBeVisible();
  await visibleRows.first().getByRole('checkbox').check();
  await expect(form.getByText(t('picker.checked_count', { n: 1 }))).toBeVisible();
  await form.getByLabel(t('picker.search_label')).fill('');
  await form.getByLabel(t('picker.only_checked')).check();
  await expect(visibleRows).toHaveCount(1);
  await noEnglish(page, 'Generate dialog');
  await shot(page, 'id-02-generate-dialog');
  // The browser's own checks, in Indonesian: a date that does not exist.
  await form.getByLabel(t('form.expires_at')).fill('31-02-2030');
  await form.getByRole('button', { name: t('tokens.generate') }).click();
  await expect(form.locator('#expires-error')).toHaveText(t('rules.not_a_date'));
  await noEnglish(page, 'Generate dialog, refused date');
  await form.getByLabel(t('form.expires_at')).fill('31-12-2030');
  await form.getByRole('button', { name: t('tokens.generate') }).click();

  // Password: wrong first, then right.
  await confirmPassword(page, 'bukan kata sandi saya');
  const pw = page.getByRole('dialog', { name: t('password.title') });
  await expect(pw.getByRole('alert')).toHaveText(t('password.wrong'));
  await expect(pw).toContainText(t('password.prompt', { what: t('password.purpose_create') }));
  await noEnglish(page, 'password, wrong');
  await confirmPassword(page, PASSWORD);

  // The value, shown once: Download and Copy.
  const value = await takeValue(page);
  const valueDialog = page.getByRole('dialog', { name: t('value.title') });
  await shot(page, 'id-03-value-dialog');
  const downloadPromise = page.waitForEvent('download');
  await valueDialog.getByRole('button', { name: /^Download/ }).click();
  expect((await downloadPromise).suggestedFilename()).toBe('hentikan-proyek-saya.txt');
  await valueDialog.getByRole('button', { name: t('show_once.copy'), exact: true }).click();
  await expect(valueDialog.getByRole('status')).toHaveText(t('show_once.copied'));
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);
  await noEnglish(page, 'token value, copied');
  await valueDialog.getByRole('button', { name: t('show_once.done') }).click();
  await expect(valueDialog).toBeHidden();

  const row = frame.locator('tr[data-token-id]').filter({ hasText: 'hentikan proyek saya' });
  await expect(row).toContainText(t('tokens.custom_one', { n: 1 }));
  await expect(row).toContainText('31-12-2030');
  await expect(row).toContainText(t('tokens.never'));
  await noEnglish(page, 'Access Tokens, one token');
  await shot(page, 'id-01-access-tokens');

  // The value stops the environment; the dashboard shows it.
  const stop = await request.get(`/1.0/environment/control/rest/stopenv?envName=proyek-saya&session=${value}`);
  expect(await stop.json()).toEqual({ result: 0 });
  await frame.getByRole('button', { name: t('common.close') }).click();
  await expect(envRow.locator('.badge')).toHaveText(t('status.stopped'), { timeout: 3_000 });
  await noEnglish(page, 'dashboard, stopped');
  await settingsButton.click();

  // Edit (double-click).
  await row.dblclick();
  const edit = page.getByRole('dialog', { name: t('form.title_edit') });
  await expect(edit.getByLabel(t('form.description'), { exact: true })).toHaveValue('hentikan proyek saya');
  await edit.getByLabel(t('form.description'), { exact: true }).fill('hentikan proyek saya (CI)');
  await noEnglish(page, 'Edit dialog');
  await edit.getByRole('button', { name: t('form.save') }).click();
  await confirmPassword(page, PASSWORD);
  const edited = frame.locator('tr[data-token-id]').filter({ hasText: 'hentikan proyek saya (CI)' });
  await expect(edited).toBeVisible();

  // Regenerate from Edit.
  await edited.click();
  await toolbar.getByRole('button', { name: t('tokens.edit') }).click();
  await page.getByRole('dialog', { name: t('form.title_edit') }).getByRole('button', { name: t('form.regenerate_token') }).click();
  const regen = page.getByRole('dialog', { name: t('confirm.regenerate_title') });
  await expect(regen).toContainText(t('confirm.regenerate_stops'));
  await noEnglish(page, 'Regenerate warning');
  await regen.getByRole('button', { name: t('confirm.regenerate'), exact: true }).click();
  await confirmPassword(page, PASSWORD);
  const newValue = await takeValue(page);
  expect(newValue).not.toBe(value);
  await page.getByRole('dialog', { name: t('value.title') }).getByRole('button', { name: t('show_once.done') }).click();
  const old = await request.get(`/1.0/environment/control/rest/startenv?envName=proyek-saya&session=${value}`);
  expect((await old.json()).result).toBe(702);

  // Copy: prefilled with the Indonesian suffix, a template.
  await edited.click();
  await toolbar.getByRole('button', { name: t('tokens.copy') }).click();
  const copy = page.getByRole('dialog', { name: t('form.title_copy') });
  await expect(copy.getByLabel(t('form.description'), { exact: true })).toHaveValue(t('form.copy_suffix', { description: 'hentikan proyek saya (CI)' }));
  await expect(copy.getByText(t('picker.checked_count', { n: 1 }))).toBeVisible();
  await copy.getByLabel(t('picker.permission_set_label')).selectOption('Maven Plugin');
  await noEnglish(page, 'Copy dialog');
  await copy.getByRole('button', { name: t('form.create_copy') }).click();
  await confirmPassword(page, PASSWORD);
  await takeValue(page);
  await page.getByRole('dialog', { name: t('value.title') }).getByRole('button', { name: t('show_once.done') }).click();
  await expect(frame.locator('tr[data-token-id]').filter({ hasText: '(salinan)' })).toContainText('Maven Plugin');

  // A third from a template, then select all three and Remove.
  await toolbar.getByRole('button', { name: t('tokens.generate') }).click();
  const third = page.getByRole('dialog', { name: t('form.title_generate') });
  await third.getByLabel(t('form.description'), { exact: true }).fill('token ketiga');
  await third.getByLabel(t('picker.permission_set_label')).selectOption('IDE Plugins');
  await third.getByRole('button', { name: t('tokens.generate') }).click();
  await confirmPassword(page, PASSWORD);
  await takeValue(page);
  await page.getByRole('dialog', { name: t('value.title') }).getByRole('button', { name: t('show_once.done') }).click();
  const rows = frame.locator('tr[data-token-id]');
  await expect(rows).toHaveCount(3);
  await rows.nth(0).click();
  await rows.nth(2).click({ modifiers: ['Shift'] });
  await expect(toolbar).toContainText(t('tokens.selected', { n: 3 }));
  await noEnglish(page, 'Access Tokens, three selected');
  await shot(page, 'id-04-access-tokens-selected');
  await toolbar.getByRole('button', { name: t('tokens.remove') }).click();
  const remove = page.getByRole('dialog', { name: t('confirm.remove_many', { n: 3 }) });
  await expect(remove.locator('li')).toHaveCount(3);
  await noEnglish(page, 'Remove confirmation');
  await remove.getByRole('button', { name: t('tokens.remove') }).click();
  await expect(page.getByRole('dialog', { name: t('password.title') })).toContainText(t('password.purpose_remove_many'));
  await confirmPassword(page, PASSWORD);
  await expect(rows).toHaveCount(0);
  await expect(frame.getByText(t('tokens.empty'))).toBeVisible();

  // The other Settings tabs.
  await frame.getByRole('tab', { name: t('settings.tab_security') }).click();
  const log = frame.getByRole('table', { name: t('security.table') });
  await expect(log.locator('tr[data-kind="token.created"]')).toHaveCount(2);
  await expect(log.locator('tr[data-kind="token.created"]').first()).toContainText(t('security.token_created'));
  // The details are worded in Indonesian too (the server records data, not sentences).
  await expect(log.locator('tr[data-kind="password.confirmation_failed"]')).toContainText(
    t('security.d_password_failed', { purpose: t('security.purpose_create_token') }),
  );
  await expect(log.locator('tr[data-kind="token.edited"]').first()).toContainText(t('security.part_description'));
  await noEnglish(page, 'Security log');
  await frame.getByRole('tab', { name: t('settings.tab_sessions') }).click();
  await expect(frame.getByRole('table', { name: t('sessions.table') }).getByText(t('sessions.this_session'))).toHaveCount(1);
  await noEnglish(page, 'Sessions');
  await frame.getByRole('button', { name: t('common.close') }).click();

  // Sign out, and sign in again with a wrong password first.
  await page.getByRole('button', { name: t('header.sign_out') }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: t('auth.sign_in') })).toBeVisible();
  await page.getByLabel(t('auth.email')).fill(login);
  await page.getByLabel(t('auth.password')).fill('bukan kata sandi saya');
  await page.getByRole('button', { name: t('auth.sign_in') }).click();
  await expect(page.getByRole('alert')).toHaveText(t('errors.authentication_failed'));
  await noEnglish(page, 'sign-in, refused');
  await page.getByLabel(t('auth.password')).fill(PASSWORD);
  await page.getByRole('button', { name: t('auth.sign_in') }).click();
  await expect(page.getByRole('heading', { name: t('envs.title') })).toBeVisible();
  await noEnglish(page, 'dashboard, signed in again');

  expect(errors).toEqual([]);
  await context.close();
});

test('the header switches the language, and the account keeps the choice', async ({ browser, baseURL }) => {
  const english = await browser.newContext({ locale: 'en-US', baseURL });
  const page = await english.newPage();
  const login = uniqueLogin('switch');

  // Signed out: the switch on the sign-in page sets the cookie only.
  await page.goto('/signin');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'id');
  await expect(page.getByRole('heading', { name: t('auth.sign_in') })).toBeVisible();
  await hydrated(page);
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  // Signed in: switching saves it to the account.
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Email').fill(login);
  await page.getByLabel('Name').fill('Switch Person');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Password again').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByRole('button', { name: 'English' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
  await expect(page.getByRole('heading', { name: t('envs.title') })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Bahasa Indonesia' })).toHaveAttribute('aria-pressed', 'true');
  await page.reload();
  await expect(page.getByRole('heading', { name: t('envs.title') })).toBeVisible();
  await hydrated(page);
  await noEnglish(page, 'dashboard after switching');

  // Another browser, English by its language and with no cookie: signing in brings
  // the account's choice.
  const other = await browser.newContext({ locale: 'en-US', baseURL });
  const second = await other.newPage();
  await second.goto('/signin');
  await hydrated(second);
  await expect(second.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await second.getByLabel('Email').fill(login);
  await second.getByLabel('Password').fill(PASSWORD);
  await second.getByRole('button', { name: 'Sign in' }).click();
  await expect(second.getByRole('heading', { name: t('envs.title') })).toBeVisible();
  await expect(second.locator('html')).toHaveAttribute('lang', 'id');

  // Back to English from the header.
  await hydrated(second);
  await second.getByRole('button', { name: 'English' }).click();
  await expect(second.getByRole('heading', { name: 'Environments' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
  await english.close();
  await other.close();
});
