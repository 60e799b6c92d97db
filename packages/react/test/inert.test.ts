import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { useRef } from 'react';
import { createPortal } from 'react-dom';
import { useInertOutside } from '../src/dom/use-inert-outside.js';
import { h, installDom, render } from './support/dom.js';

// The page behind a modal dialog is inert while it is open (ModalView uses the hook;
// browser.test.ts checks it on a real modal in Chromium).

function Dialog({ id, open }: { id: string; open: boolean }) {
  const top = useRef<HTMLDivElement>(null);
  useInertOutside(top, open);
  return createPortal(h('div', { ref: top, id }, h('button', null, id)), document.body);
}

describe('useInertOutside', () => {
  let restore: () => void;
  before(() => ({ restore } = installDom()));
  after(() => restore());

  it('makes the rest of the body inert while open, and only that', async () => {
    const app = document.createElement('main');
    const ownInert = document.createElement('aside');
    ownInert.setAttribute('inert', '');
    const script = document.createElement('script');
    document.body.append(app, ownInert, script);
    const view = await render(h(Dialog, { id: 'one', open: true }));
    const inert = (element: Element | null) => element?.hasAttribute('inert') ?? false;
    try {
      assert.equal(inert(app), true, "the app's root");
      assert.equal(inert(view.container), true, 'the container React renders into');
      assert.equal(inert(document.getElementById('one')), false, 'the dialog itself');
      assert.equal(inert(script), false, 'a script is left alone');
      await view.rerender(h(Dialog, { id: 'one', open: false }));
      assert.equal(inert(app), false, 'back when it closes');
      assert.equal(inert(view.container), false);
      assert.equal(inert(ownInert), true, 'what the page made inert itself stays inert');
    } finally {
      await view.unmount();
      app.remove();
      ownInert.remove();
      script.remove();
    }
  });

  it('with one dialog over another, the page comes back when the last one closes', async () => {
    const app = document.createElement('main');
    document.body.append(app);
    const first = await render(h(Dialog, { id: 'first', open: true }));
    const second = await render(h(Dialog, { id: 'second', open: true }));
    const inert = (element: Element | null) => element?.hasAttribute('inert') ?? false;
    try {
      assert.equal(inert(app), true);
      assert.equal(inert(document.getElementById('first')), true, 'the first, under the second');
      assert.equal(inert(document.getElementById('second')), false);
      await first.rerender(h(Dialog, { id: 'first', open: false }));
      assert.equal(inert(app), true, 'the second is still open');
      await second.unmount();
      assert.equal(inert(app), false);
      assert.equal(inert(document.getElementById('first')), false);
    } finally {
      await first.unmount();
      app.remove();
    }
  });
});
