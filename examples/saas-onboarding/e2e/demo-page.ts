import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { screenshotDir } from './demo-harness.js';

export interface Person {
  name: string;
  email: string;
  role: 'admin' | 'member' | 'manager';
  /** Signs up through this path instead of /signup: the referral path is /invite/<code>. */
  via?: string;
}

/** Fills the demo's sign-up form and waits for the signed-in app. */
export async function signUp(page: Page, appUrl: string, person: Person): Promise<void> {
  await page.goto(`${appUrl}${person.via ?? '/signup'}`);
  const form = page.getByRole('form', { name: 'Sign up' });
  await form.getByLabel('Name').fill(person.name);
  await form.getByLabel('Work email').fill(person.email);
  await form.getByLabel('Role').selectOption(person.role);
  await form.getByRole('button', { name: 'Sign up' }).click();
  await page.getByTestId('who').waitFor();
}

/** What a placement renders (the React components mark it with data-placement). */
export function placement(page: Page, id: string): Locator {
  return page.locator(`[data-placement="${id}"]`);
}

/** The checklist's progress bar. */
export function checklistProgress(page: Page): Locator {
  return placement(page, 'checklist').getByRole('progressbar');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Every request the page makes to the engine, in order (method, path and query). */
export function recordEngineRequests(page: Page, engineUrl: string): URL[] {
  const seen: URL[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.port === new URL(engineUrl).port) seen.push(url);
  });
  return seen;
}

/**
 * Records, from the first paint on, whether the page ever shows one of `needles` (text of
 * someone else's content). Read the result with `leaksOf`.
 */
export async function watchForText(page: Page, needles: string[]): Promise<void> {
  await page.addInitScript(`(() => {
    const needles = ${JSON.stringify(needles)};
    const found = (window.__onrampLeaks = []);
    const check = () => {
      const text = document.body ? document.body.innerText : '';
      for (const needle of needles) if (text.includes(needle) && !found.includes(needle)) found.push(needle);
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
  })();`);
}

export async function leaksOf(page: Page): Promise<string[]> {
  return page.evaluate('window.__onrampLeaks ?? []') as Promise<string[]>;
}
