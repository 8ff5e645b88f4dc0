/** The console's sign-in as a person does it, for the browser tests: tenant, email, password. */
import type { Page } from 'playwright-core';

export async function signIn(page: Page, base: string, who: { tenant: string; email: string; password: string }): Promise<void> {
  await page.goto(`${base}/#/migrations`);
  await page.getByTestId('login-tenant').fill(who.tenant);
  await page.getByTestId('login-email').fill(who.email);
  await page.getByTestId('login-password').fill(who.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('whoami').waitFor();
}
