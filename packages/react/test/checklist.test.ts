import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { act } from 'react';
import { Checklist, MilestoneBadge, OnrampProvider, Placement, useFlow } from '../src/index.js';
import { h, render, waitFor } from './support/dom.js';
import { engineSuite } from './support/suite.js';

// Checklists, flows, milestones, modals and tooltips against the real SDK and engine, in jsdom.

const suite = engineSuite();
const { clientFor } = suite;

const progressOf = (root: Element) =>
  root.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow');
const statuses = (root: Element) =>
  [...root.querySelectorAll('li.onramp-step')].map(
    (li) => `${li.getAttribute('data-step')}:${li.getAttribute('data-status')}`,
  );

describe('<Checklist> and useFlow', () => {
  it('shows progress and reaches 100 % as steps are completed, skipped and done elsewhere', async () => {
    await suite.engine.send([{ type: 'track', userId: 'kim', event: 'App Opened' }]);
    const client = clientFor('kim');
    const flowSeen: number[] = [];
    function FlowProbe() {
      const { percent, current } = useFlow('start');
      flowSeen.push(percent);
      return h('output', { 'data-current': current?.id ?? '' }, String(percent));
    }
    const view = await render(
      h(
        OnrampProvider,
        { client },
        h(Checklist, { placement: 'checklist', allowManualComplete: true }),
        h(FlowProbe),
        h(MilestoneBadge, { flow: 'start', milestones: [50, 100], durationMs: 0 }),
      ),
    );
    const list = await waitFor(
      () => view.container.querySelector('.onramp-checklist'),
      'checklist',
    );
    assert.equal(list.querySelector('h2')?.textContent, 'Getting started');
    assert.equal(progressOf(list), '0');
    assert.deepEqual(statuses(list), ['create:todo', 'invite:todo', 'billing:todo']);
    assert.equal(
      list.querySelector('li[aria-current="step"]')?.getAttribute('data-step'),
      'create',
    );
    assert.equal(list.querySelectorAll('.onramp-step__skip').length, 1, 'only the optional step');
    assert.equal(view.container.querySelector('.onramp-milestone')?.textContent, '');

    // Done elsewhere: the app's backend reports the project.
    await suite.engine.send([{ type: 'track', userId: 'kim', event: 'Project Created' }]);
    await waitFor(() => progressOf(list) === '50', 'create done');
    assert.equal(view.container.querySelector('.onramp-milestone__badge')?.textContent, '50% done');
    assert.equal(view.container.querySelector('output')?.getAttribute('data-current'), 'invite');

    // Skip the optional step, mark invite done from the checklist.
    const button = (selector: string) => list.querySelector<HTMLButtonElement>(selector);
    assert.equal(button('.onramp-step__skip')?.getAttribute('aria-label'), 'Skip: Set up billing');
    await act(async () => button('li[data-step="billing"] .onramp-step__skip')?.click());
    await act(async () => button('li[data-step="invite"] .onramp-step__complete')?.click());
    await client.flush();
    await waitFor(() => progressOf(list) === '100', 'every required step done');
    assert.deepEqual(statuses(list), ['create:done', 'invite:done', 'billing:skipped']);
    assert.equal(
      view.container.querySelector('.onramp-milestone__badge')?.textContent,
      'Completed!',
    );
    assert.equal(view.container.querySelector('output')?.textContent, '100');
    assert.ok(flowSeen.includes(50));
    const profile = await suite.engine.server.engine.getProfile(suite.engine.server.workspace.id, {
      userId: 'kim',
    });
    assert.equal(typeof profile?.flows['start']?.completedAt, 'string');
    await view.unmount();
  });

  it('opens a modal as an accessible dialog; Escape dismisses it and gives focus back', async () => {
    const client = clientFor('mo');
    const opener = document.createElement('button');
    document.body.append(opener);
    opener.focus();
    const view = await render(h(OnrampProvider, { client }, h(Placement, { id: 'modal' })));
    await waitFor(() => client.getDecisions()['modal'] !== undefined, 'first decisions');
    assert.equal(document.querySelector('[role="dialog"]'), null);
    await suite.engine.send([{ type: 'track', userId: 'mo', event: 'Feature Used' }]);
    const dialog = await waitFor(() => document.querySelector('[role="dialog"]'), 'the modal');
    assert.equal(dialog.getAttribute('aria-modal'), 'true');
    const title = document.getElementById(dialog.getAttribute('aria-labelledby') ?? '');
    assert.equal(title?.textContent, 'Reports tutorial');
    const body = document.getElementById(dialog.getAttribute('aria-describedby') ?? '');
    assert.equal(body?.textContent, 'Learn reports in 2 minutes.');
    assert.ok(dialog.contains(document.activeElement), 'focus moved into the dialog');
    await act(async () => {
      document.activeElement?.dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }),
      );
    });
    assert.equal(document.querySelector('[role="dialog"]'), null);
    assert.equal(document.activeElement, opener, 'focus returned');
    await client.flush();
    assert.equal((await suite.engine.interactions('mo', 'tutorial'))?.['dismissed'], 1);
    assert.equal((await suite.engine.interactions('mo', 'tutorial'))?.['shown'], 1);
    opener.remove();
    await view.unmount();
  });

  it('anchors a tooltip to its target once the target appears, described by it', async () => {
    await suite.engine.send([{ type: 'track', userId: 'tia', event: 'App Opened' }]);
    const client = clientFor('tia');
    const view = await render(h(OnrampProvider, { client }, h(Placement, { id: 'sidebar' })));
    await waitFor(() => client.getDecisions()['sidebar']?.content?.id === 'new-tip', 'tip');
    assert.equal(document.querySelector('[role="tooltip"]'), null, 'waits for #new-project');
    const target = document.createElement('button');
    target.id = 'new-project';
    document.body.append(target);
    const tip = await waitFor(() => document.querySelector('[role="tooltip"]'), 'the tooltip');
    assert.equal(tip.textContent, 'Create your first project here.');
    assert.equal(target.getAttribute('aria-describedby'), tip.id);
    await client.flush();
    assert.equal((await suite.engine.interactions('tia', 'new-tip'))?.['shown'], 1);
    await act(async () => {
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    assert.equal(document.querySelector('[role="tooltip"]'), null);
    assert.equal(target.getAttribute('aria-describedby'), null, 'the target is left as it was');
    target.remove();
    await view.unmount();
  });
});
