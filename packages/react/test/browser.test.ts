import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { startEngine, type TestEngine } from './support/engine.js';
import { startFixtureSite, type FixtureSite } from './support/browser.js';

// The tour (driver.js needs layout), keyboard and focus in Chromium, against the real engine.

let engine: TestEngine;
let site: FixtureSite;
before(async () => {
  [engine, site] = await Promise.all([startEngine(), startFixtureSite()]);
});
after(async () => {
  await site?.close();
  await engine?.server.close();
});

async function open(
  userId: string,
  extra: Record<string, string> = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await site.browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  const query = new URLSearchParams({
    host: engine.server.url,
    writeKey: engine.server.workspace.writeKey,
    userId,
    token: engine.token(userId),
    ...extra,
  });
  await page.goto(`${site.url}?${query}`);
  return { context, page };
}

const popoverTitle = (page: Page) => page.locator('.driver-popover-title').textContent();

async function flowSteps(userId: string): Promise<Record<string, string>> {
  await engine.server.engine.flush();
  const profile = await engine.server.engine.getProfile(engine.server.workspace.id, { userId });
  return Object.fromEntries(
    Object.keys(profile?.flows['tour-flow']?.done ?? {}).map((s) => [s, 'done']),
  );
}

describe('<Tour> in Chromium', () => {
  it('resumes at the right step in a second browser for the same user', async () => {
    const first = await open('tess');
    await first.page.locator('.driver-popover').waitFor();
    assert.equal(await popoverTitle(first.page), 'Search');
    assert.equal(await first.page.locator('#search').getAttribute('aria-expanded'), 'true');
    await first.page.locator('.driver-popover-next-btn').click();
    assert.equal(await waitForText(first.page, 'Create'), 'Create');
    assert.deepEqual(await waitForSteps('tess', 1), { search: 'done' });
    await first.context.close();

    const second = await open('tess');
    await second.page.locator('.driver-popover').waitFor();
    assert.equal(await popoverTitle(second.page), 'Create', 'resumed after the done step');
    assert.equal(
      await second.page.locator('.driver-popover-progress-text').textContent(),
      '2 of 3',
    );
    await second.context.close();
  });

  it('waits for a step whose target appears late, then finishes and completes the flow', async () => {
    await completeSteps('lena', ['search', 'create']);
    const { context, page } = await open('lena', { waitMs: '10000' });
    await page.waitForTimeout(300); // the stream answered long before: the tour waits for #late
    assert.equal(await page.locator('.driver-popover').count(), 0);
    await page.evaluate(() => {
      const late = document.createElement('section');
      late.id = 'late';
      late.textContent = 'Reports';
      document.body.append(late);
    });
    assert.equal(await waitForText(page, 'Reports'), 'Reports');
    assert.equal(await page.locator('#late').getAttribute('aria-expanded'), 'true', 'anchored');
    await page.locator('.driver-popover-next-btn').click(); // the last step: Done
    await page.locator('.driver-popover').waitFor({ state: 'detached' });
    assert.deepEqual(await waitForSteps('lena', 3), {
      search: 'done',
      create: 'done',
      reports: 'done',
    });
    // Two completions sent by the test, then the last step's and the whole tour's.
    assert.equal((await interactions('lena', 'tour', 'completed', 4))?.['completed'], 4);
    await context.close();
  });

  it('shows a step unanchored when its target never comes; Escape closes and dismisses', async () => {
    await completeSteps('uma', ['search', 'create']);
    const { context, page } = await open('uma', { waitMs: '200' });
    assert.equal(await waitForText(page, 'Reports'), 'Reports');
    assert.equal(await page.locator('#driver-dummy-element').count(), 1, 'centered, no anchor');
    await page.keyboard.press('Escape');
    await page.locator('.driver-popover').waitFor({ state: 'detached' });
    assert.equal((await interactions('uma', 'tour', 'dismissed', 1))?.['dismissed'], 1);
    await context.close();
  });

  it('keeps focus in a modal: Tab cycles, Escape dismisses and focus returns', async () => {
    const { context, page } = await open('max', { tour: 'off' });
    await page.locator('#opener').focus();
    await engine.send([{ type: 'track', userId: 'max', event: 'Feature Used' }]);
    const dialog = page.getByRole('dialog', { name: 'Reports tutorial' });
    await dialog.waitFor();
    assert.equal(await dialog.getAttribute('aria-modal'), 'true');
    const rootInert = () => page.evaluate(() => document.getElementById('root')?.inert);
    assert.equal(await rootInert(), true, 'the page behind the dialog is inert');
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? '');
    const label = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    assert.equal(await focused(), 'Watch', 'first focusable element');
    await page.keyboard.press('Tab');
    assert.equal(await label(), 'Close Reports tutorial');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Watch', 'Tab wraps inside the dialog');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await label(), 'Close Reports tutorial', 'Shift+Tab wraps too');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await rootInert(), false, 'and no longer once it is closed');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'opener');
    assert.equal((await interactions('max', 'tutorial', 'dismissed', 1))?.['dismissed'], 1);
    await context.close();
  });
});

async function completeSteps(userId: string, steps: string[]): Promise<void> {
  const track = { placement: 'tour', content: 'tour', flow: 'tour-flow' };
  await engine.send(
    steps.map((step) => ({
      type: 'track',
      userId,
      event: 'Content Completed',
      properties: { ...track, step },
    })),
  );
}

/** The content's interaction counts once `kind` reached `count` (or after 5 s). */
async function interactions(userId: string, content: string, kind: string, count: number) {
  for (let i = 0; i < 100; i++) {
    const counts = await engine.interactions(userId, content);
    if (Number(counts?.[kind] ?? 0) >= count) return counts;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return engine.interactions(userId, content);
}

async function waitForText(page: Page, text: string): Promise<string | null> {
  await page.locator('.driver-popover-title', { hasText: text }).waitFor();
  return popoverTitle(page);
}

async function waitForSteps(userId: string, count: number): Promise<Record<string, string>> {
  for (let i = 0; i < 100; i++) {
    const steps = await flowSteps(userId);
    if (Object.keys(steps).length >= count) return steps;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return flowSteps(userId);
}
