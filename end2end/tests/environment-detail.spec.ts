import { APIRequestContext, expect, test } from '@playwright/test';
import { hydrated, PASSWORD, signUp, uniqueLogin } from './helpers';

const ENV = '/1.0/environment/control/rest';

async function apiSession(request: APIRequestContext, login: string): Promise<string> {
  const signin = await request.post('/1.0/users/authentication/rest/signin', { form: { login, password: PASSWORD } });
  return (await signin.json()).session as string;
}

async function createEnv(request: APIRequestContext, session: string, name: string, displayName: string) {
  const created = await request.post(`${ENV}/createenvironment`, {
    form: {
      session,
      env: JSON.stringify({ shortdomain: name, displayName }),
      nodes: JSON.stringify([{ nodeType: 'nginx' }, { nodeType: 'tomcat', count: 2 }]),
    },
  });
  expect((await created.json()).result).toBe(0);
}

async function groupVars(request: APIRequestContext, session: string, envName: string) {
  const answer = await request.get(`${ENV}/getcontainerenvvarsbygroup`, {
    params: { session, envName, nodeGroup: 'cp' },
  });
  const body = await answer.json();
  expect(body.result).toBe(0);
  return body.object as Record<string, string>;
}

test('the detail page edits a group\'s variables and follows API changes live', async ({ page, request }) => {
  const login = uniqueLogin('detail');
  await signUp(page, login, 'Detail Owner');
  const session = await apiSession(request, login);
  const name = `det-${Date.now() % 1e8}`;
  await createEnv(request, session, name, 'Detail env');

  // From the list to the detail, by its link.
  await page.getByRole('link', { name: 'Detail env' }).click();
  await expect(page).toHaveURL(new RegExp(`/envs/${name}$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Detail env' })).toBeVisible();
  const cp = page.locator('section[data-group="cp"]');
  await expect(cp.getByRole('table', { name: /Nodes of/ }).locator('tbody tr')).toHaveCount(2);
  await expect(cp.getByText('No variables.')).toBeVisible();

  const nameField = cp.getByLabel('Name', { exact: true });
  const valueField = cp.getByLabel('Value', { exact: true });
  // The name's rule as it is typed (kunci-rules, the same code the API runs).
  await nameField.fill('1BAD');
  await expect(nameField).toHaveAttribute('aria-invalid', 'true');
  await expect(cp.locator('#vars-cp-name-error')).toContainText('letter or');
  await nameField.fill('OK_NAME');
  await expect(nameField).toHaveAttribute('aria-invalid', 'false');
  await expect(cp.locator('#vars-cp-name-error')).toBeEmpty();

  // The server's rule, shown next to the field it names; nothing saved.
  await nameField.fill('1BAD');
  await valueField.fill('x');
  await cp.getByRole('button', { name: 'Add variable' }).click();
  await expect(nameField).toHaveAttribute('aria-invalid', 'true');
  await expect(cp.locator('#vars-cp-name-error')).toContainText('variable name');
  await expect(cp.getByRole('status')).toContainText('Not saved');
  await expect(nameField).toBeFocused();

  // Added from the keyboard: Enter submits; the live region says it is saved.
  await nameField.fill('GREETING');
  await valueField.fill('hello');
  await valueField.press('Enter');
  await expect(cp.getByRole('status')).toHaveText('Saved GREETING.');
  await expect(nameField).toHaveAttribute('aria-invalid', 'false');
  await expect(cp.locator('tr[data-var="GREETING"]')).toContainText('hello');
  expect(await groupVars(request, session, name)).toEqual({ GREETING: 'hello' });

  // A change made through the REST API shows in the open page within 3 s, without a reload.
  const added = await request.post(`${ENV}/addcontainerenvvars`, {
    form: { session, envName: name, nodeGroup: 'cp', vars: JSON.stringify({ FROM_API: '1' }) },
  });
  expect((await added.json()).result).toBe(0);
  await expect(cp.locator('tr[data-var="FROM_API"]')).toContainText('1', { timeout: 3_000 });

  // Change: the form takes the variable, focus goes to its value.
  await cp.getByRole('button', { name: 'Change GREETING' }).click();
  await expect(cp.getByRole('heading', { name: 'Change GREETING' })).toBeVisible();
  await expect(valueField).toBeFocused();
  await expect(valueField).toHaveValue('hello');
  await valueField.fill('bye');
  await cp.getByRole('button', { name: 'Save' }).click();
  await expect(cp.getByRole('status')).toHaveText('Saved GREETING.');
  await expect(cp.locator('tr[data-var="GREETING"]')).toContainText('bye');

  // Remove, behind a dialog that Escape closes and that gives focus back.
  const remove = cp.getByRole('button', { name: 'Remove FROM_API' });
  await remove.click();
  const dialog = page.getByRole('dialog', { name: 'Remove FROM_API' });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(remove).toBeFocused();
  await remove.click();
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await expect(dialog).toBeHidden();
  await expect(cp.getByRole('status')).toHaveText('Removed FROM_API.');
  await expect(cp.locator('tr[data-var="FROM_API"]')).toHaveCount(0);
  expect(await groupVars(request, session, name)).toEqual({ GREETING: 'bye' });

  // Other parts of the model follow the API too: groups.
  const grouped = await request.get(`${ENV}/setenvgroup`, { params: { session, envName: name, envGroup: 'prod' } });
  expect((await grouped.json()).result).toBe(0);
  await expect(page.getByTestId('env-groups')).toContainText('prod', { timeout: 3_000 });
});

test('the environment list filters by group', async ({ page, request }) => {
  const login = uniqueLogin('groups');
  await signUp(page, login, 'Group Owner');
  const session = await apiSession(request, login);
  const stamp = Date.now() % 1e8;
  const [prod, other] = [`prod-${stamp}`, `other-${stamp}`];
  await createEnv(request, session, prod, 'In prod');
  await createEnv(request, session, other, 'In no group');
  const grouped = await request.get(`${ENV}/setenvgroup`, { params: { session, envName: prod, envGroup: 'prod' } });
  expect((await grouped.json()).result).toBe(0);

  const prodRow = page.locator(`tr[data-env="${prod}"]`);
  const otherRow = page.locator(`tr[data-env="${other}"]`);
  await expect(prodRow.locator('.chip')).toHaveText('prod', { timeout: 3_000 });
  await expect(otherRow).toBeVisible();

  const filter = page.getByLabel('Group');
  await filter.selectOption('prod');
  await expect(prodRow).toBeVisible();
  await expect(otherRow).toHaveCount(0);
  await filter.selectOption({ label: 'All groups' });
  await expect(otherRow).toBeVisible();

  // After a reload the account's groups fill the filter from the first render.
  await page.reload();
  await hydrated(page);
  await page.getByLabel('Group').selectOption('prod');
  await expect(page.locator(`tr[data-env="${other}"]`)).toHaveCount(0);
  await expect(page.locator(`tr[data-env="${prod}"]`)).toBeVisible();
});
