// The demo, end to end: the real engine with the demo's config (the 5-minute inactivity
// rule shortened to 6 s), the app built with Vite and served with its backend, and
// Debian's Chromium driven by playwright-core. The scenarios run in order, as one
// person's first minutes in the app, with a second person in another browser context.
// Screenshots: artifacts/screenshots/saas-onboarding/ (see the README).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { referralCodeFor, userIdFor } from '../server/demo-backend.js';
import { startDemoHarness, type DemoHarness } from './demo-harness.js';
import {
  checklistProgress,
  leaksOf,
  placement,
  recordEngineRequests,
  screenshot,
  signUp,
  watchForText,
  type Person,
} from './demo-page.js';

const idleAfterMs = 6000;
const ada: Person = { name: 'Ada Lovelace', email: 'ada@example.com', role: 'admin' };
const adaId = userIdFor(ada.email);
// Bob comes by Ada's referral link.
const bob: Person = {
  name: 'Bob Marley',
  email: 'bob@example.com',
  role: 'member',
  via: `/invite/${referralCodeFor(adaId)}`,
};
/** Text only Ada's content has: her name, her id, the tutorial her reports bring. */
const adaOnly = ['Ada', ada.email, adaId, 'Get more from reports', 'all set'];

describe('SaaS onboarding demo in Chromium', () => {
  let harness: DemoHarness;
  let adaContext: BrowserContext;
  let bobContext: BrowserContext;
  let adaPage: Page;
  let bobPage: Page;
  let adaRequests: URL[];
  let bobRequests: URL[];
  /** When Ada last did something (her events can only be later). */
  let adaActiveAt = 0;

  before(async () => {
    harness = await startDemoHarness({ idleAfter: `${idleAfterMs}ms` });
    // Reduced motion: no transitions, so screenshots show the final state.
    const options = { viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' as const };
    adaContext = await harness.browser.newContext(options);
    bobContext = await harness.browser.newContext(options);
    adaPage = await adaContext.newPage();
    bobPage = await bobContext.newPage();
    adaRequests = recordEngineRequests(adaPage, harness.engine.url);
    bobRequests = recordEngineRequests(bobPage, harness.engine.url);
    await watchForText(bobPage, adaOnly);
    // Bob is signed up and connected the whole time Ada works: nothing of hers may reach him.
    await signUp(bobPage, harness.appUrl, bob);
  });

  after(async () => {
    await harness?.close();
  });

  it('a new user signs up as an admin and sees the admin welcome', async () => {
    await signUp(adaPage, harness.appUrl, ada);
    const welcome = placement(adaPage, 'welcome');
    await welcome.and(adaPage.locator('[data-content="admin-welcome"]')).waitFor();
    assert.match(await welcome.innerText(), /Welcome, Ada: your team is waiting/);
    assert.match(await welcome.innerText(), /As an admin, start by inviting your teammates/);
    // The admin variant of the checklist: invite comes before the project, billing is optional.
    const steps = placement(adaPage, 'checklist').locator('[data-step]');
    await checklistProgress(adaPage).and(adaPage.locator('[aria-valuenow="33"]')).waitFor();
    assert.deepEqual(
      await steps.evaluateAll((items) => items.map((item) => item.getAttribute('data-step'))),
      ['profile', 'invite', 'project', 'billing'],
    );
    await screenshot(adaPage, '01-admin-welcome');
  });

  it('using reports three times brings the tutorial, pushed to the open page', async () => {
    await adaPage.locator('#nav-reports').click();
    await adaPage.evaluate('window.__sameDocument = true');
    const streamsBefore = adaRequests.filter((url) => url.pathname.endsWith('/stream')).length;
    const runReport = adaPage.getByRole('button', { name: 'Run report' });
    for (let run = 0; run < 3; run++) await runReport.click();
    const tutorial = placement(adaPage, 'tutorial');
    await tutorial.getByRole('heading', { name: 'Get more from reports' }).waitFor();
    assert.equal(await tutorial.getAttribute('role'), 'dialog');
    // Same document (no reload), no decide call, no new stream: the decision was pushed.
    assert.equal(await adaPage.evaluate('window.__sameDocument'), true);
    assert.equal(adaRequests.filter((url) => url.pathname === '/client/v1/decide').length, 0);
    assert.equal(
      adaRequests.filter((url) => url.pathname.endsWith('/stream')).length,
      streamsBefore,
    );
    await screenshot(adaPage, '02-reports-tutorial');
    adaActiveAt = Date.now();
    await tutorial.getByRole('button', { name: /^Close/ }).click();
    await tutorial.waitFor({ state: 'detached' });
  });

  it('an idle user gets the help modal', async () => {
    const help = placement(adaPage, 'help');
    await help.getByRole('heading', { name: 'Need a hand?' }).waitFor({ timeout: 20_000 });
    const waited = Date.now() - adaActiveAt;
    assert.ok(waited >= idleAfterMs, `the help came after ${waited} ms of quiet`);
    assert.equal(await help.getAttribute('role'), 'dialog');
    await screenshot(adaPage, '03-help-modal');
    await help.getByRole('button', { name: /^Close/ }).click();
    await help.waitFor({ state: 'detached' });
  });

  it('completing the checklist takes the progress to 100 %', async () => {
    const checklist = placement(adaPage, 'checklist');
    await checklist.getByRole('link', { name: 'Invite someone' }).click();
    await adaPage.locator('#invite-email').fill('grace@example.com');
    await adaPage.getByRole('button', { name: 'Invite', exact: true }).click();
    await checklist.locator('[data-step="invite"][data-status="done"]').waitFor();
    await checklist.getByRole('link', { name: 'Create a project' }).click();
    await adaPage.getByRole('button', { name: 'New project' }).click();
    await checklistProgress(adaPage).and(adaPage.locator('[aria-valuenow="100"]')).waitFor();
    // Onboarding complete: the rule's banner, the milestone badge, the progress in the top bar.
    await adaPage.getByRole('status').filter({ hasText: 'Completed!' }).waitFor();
    const topProgress = adaPage.getByRole('progressbar', { name: 'Onboarding progress' });
    assert.equal(await topProgress.getAttribute('aria-valuenow'), '100');
    await adaPage.locator('#nav-dashboard').click();
    await placement(adaPage, 'welcome').getByText('You are all set, Ada!').waitFor();
    await screenshot(adaPage, '04-checklist-complete');
  });

  it('the product tour resumes on another device where it was left', async () => {
    await adaPage.getByRole('button', { name: 'Take the tour' }).click();
    const popover = adaPage.locator('.driver-popover');
    await popover.getByText('Everything you work on lives here.').waitFor();
    await popover.getByRole('button', { name: 'Next' }).click();
    await popover.getByText('See how the work is going.').waitFor();
    await screenshot(adaPage, '05-product-tour');
    await popover.getByRole('button', { name: 'Close' }).click();
    await popover.waitFor({ state: 'detached' });
    // Another device: a new browser with Ada's session (her userId and token) only.
    const session = await adaPage.evaluate('localStorage.getItem("acme-demo:session")');
    const device = await harness.browser.newContext({
      storageState: {
        cookies: [],
        origins: [
          {
            origin: harness.appUrl,
            localStorage: [{ name: 'acme-demo:session', value: String(session) }],
          },
        ],
      },
    });
    const other = await device.newPage();
    await other.goto(harness.appUrl);
    await other.getByRole('button', { name: 'Take the tour' }).click();
    const resumed = other.locator('.driver-popover');
    await resumed.getByText('See how the work is going.').waitFor();
    assert.match(await resumed.innerText(), /2 of 4/);
    await device.close();
  });

  it("a second user in another browser context never sees the first user's content", async () => {
    // Bob's own content: the member welcome, the referral benefits, the member checklist.
    const welcome = placement(bobPage, 'welcome');
    await welcome.getByText('Welcome aboard, Bob!').waitFor();
    const offer = placement(bobPage, 'offer');
    await offer.getByText(`Referral code ${referralCodeFor(adaId)} applied`).waitFor();
    assert.match(await offer.innerText(), /Your gift: a free month of the Team plan\./);
    await checklistProgress(bobPage).and(bobPage.locator('[aria-valuenow="33"]')).waitFor();
    assert.equal(await placement(bobPage, 'tutorial').count(), 0);
    assert.deepEqual(await leaksOf(bobPage), [], "Bob's page showed Ada's content");
    // Every call Bob's browser made to the engine was for Bob.
    const bobId = userIdFor(bob.email);
    const named = bobRequests.map((url) => url.searchParams.get('userId')).filter(Boolean);
    assert.ok(named.length > 0 && named.every((id) => id === bobId), named.join(', '));
    // And the engine refuses him Ada's decisions, even with the right write key.
    const { writeKey } = harness.engine.workspace;
    const token = await bobPage.evaluate(
      'JSON.parse(localStorage.getItem("acme-demo:session")).token',
    );
    const url = `${harness.engine.url}/client/v1/decide?writeKey=${writeKey}&userId=${adaId}&token=${String(token)}`;
    const status = await bobPage.evaluate(
      `fetch(${JSON.stringify(url)}).then((response) => response.status)`,
    );
    assert.equal(status, 403);
    await screenshot(bobPage, '06-second-user');
  });
});
