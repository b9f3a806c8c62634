import { expect, test } from '@playwright/test';
import { PASSWORD, signUp, uniqueLogin } from './helpers';

test('an environment stopped through the REST API shows stopped within 3 seconds', async ({ page, request }) => {
  const login = uniqueLogin('envs');
  await signUp(page, login, 'Env Owner');
  await expect(page.getByText('No environments yet')).toBeVisible();

  // A script signs in through the API and creates and stops an environment.
  const signin = await request.post('/1.0/users/authentication/rest/signin', { form: { login, password: PASSWORD } });
  const session = (await signin.json()).session as string;
  const name = `e2e-${Date.now() % 1e8}`;
  const created = await request.post('/1.0/environment/control/rest/createenvironment', {
    form: {
      session,
      env: JSON.stringify({ shortdomain: name, displayName: 'From the API' }),
      nodes: JSON.stringify([{ nodeType: 'nginx' }, { nodeType: 'tomcat', count: 2 }]),
    },
  });
  expect((await created.json()).result).toBe(0);

  const row = page.locator(`tr[data-env="${name}"]`);
  await expect(row).toBeVisible({ timeout: 3_000 });
  await expect(row.locator('.badge')).toHaveText('Running');
  await expect(row).toContainText('From the API');
  await expect(row.locator('td').nth(2)).toHaveText('3');

  const stopped = await request.get(`/1.0/environment/control/rest/stopenv?envName=${name}&session=${session}`);
  expect(await stopped.json()).toEqual({ result: 0 });
  await expect(row.locator('.badge')).toHaveText('Stopped', { timeout: 3_000 });

  // The dashboard's own buttons.
  await row.getByRole('button', { name: `Start ${name}` }).click();
  await expect(row.locator('.badge')).toHaveText('Running');
  const info = await request.get(`/1.0/environment/control/rest/getenvinfo?envName=${name}&session=${session}`);
  expect((await info.json()).env.status).toBe(1);
  await expect(row.getByRole('button', { name: `Start ${name}` })).toBeDisabled();
  await row.getByRole('button', { name: `Stop ${name}` }).click();
  await expect(row.locator('.badge')).toHaveText('Stopped');
});

test('New environment form creates one, and errors show in place', async ({ page }) => {
  await signUp(page, uniqueLogin('newenv'), 'Form User');
  await page.getByRole('button', { name: 'New environment' }).click();
  const form = page.getByRole('form', { name: 'New environment' });
  await form.getByLabel('Name', { exact: true }).fill('Bad Name!');
  await form.getByRole('button', { name: 'Create environment' }).click();
  // The server's refusal, worded by the dashboard (not the REST API's "invalid parameter").
  await expect(form.getByRole('alert')).toContainText('an environment name is 3 to 33 characters');

  const name = `form-${Date.now() % 1e8}`;
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Display name').fill('Made in the form');
  await form.getByRole('button', { name: '+ Add node' }).click();
  await form.getByLabel('Node 3 type').selectOption('redis');
  await form.getByLabel('Node 2 count').fill('2');
  await form.getByRole('button', { name: 'Create environment' }).click();
  const row = page.locator(`tr[data-env="${name}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText('Made in the form');
  await expect(row.locator('td').nth(2)).toHaveText('4');
  await expect(form).toBeHidden();
});
