import { createElement, type ReactNode } from 'react';

/**
 * The default stylesheet: every rule reads `--onramp-*` custom properties, so a theme
 * sets a few variables (on :root or any ancestor) instead of overriding rules. Motion
 * is off under `prefers-reduced-motion: reduce`.
 */
export const onrampStyles = `
:root {
  --onramp-font: inherit;
  --onramp-color-text: #1f2328;
  --onramp-color-muted: #59636e;
  --onramp-color-bg: #ffffff;
  --onramp-color-border: #d1d9e0;
  --onramp-color-accent: #0969da;
  --onramp-color-accent-text: #ffffff;
  --onramp-color-done: #1a7f37;
  --onramp-color-backdrop: rgb(0 0 0 / 0.45);
  --onramp-radius: 8px;
  --onramp-spacing: 12px;
  --onramp-shadow: 0 8px 24px rgb(0 0 0 / 0.16);
  --onramp-z-index: 10000;
  --onramp-duration: 160ms;
}
.onramp-placement, .onramp-tooltip, .onramp-milestone__badge {
  font-family: var(--onramp-font); color: var(--onramp-color-text);
  background: var(--onramp-color-bg); border: 1px solid var(--onramp-color-border);
  border-radius: var(--onramp-radius); box-sizing: border-box;
}
.onramp-placement { position: relative; padding: var(--onramp-spacing); padding-right: calc(var(--onramp-spacing) * 3); }
.onramp-banner { border-left: 4px solid var(--onramp-color-accent); }
.onramp-offer { border-color: var(--onramp-color-accent); }
.onramp-title { font-size: 1em; font-weight: 600; margin: 0 0 4px; }
.onramp-body { margin: 0 0 8px; color: var(--onramp-color-muted); }
.onramp-image { max-width: 100%; border-radius: calc(var(--onramp-radius) / 2); }
.onramp-cta {
  display: inline-block; padding: 6px 12px; border: 0; border-radius: calc(var(--onramp-radius) / 2);
  background: var(--onramp-color-accent); color: var(--onramp-color-accent-text);
  font: inherit; text-decoration: none; cursor: pointer;
}
.onramp-dismiss {
  position: absolute; top: 6px; right: 6px; width: 28px; height: 28px; border: 0;
  border-radius: 50%; background: transparent; color: var(--onramp-color-muted);
  font-size: 18px; line-height: 1; cursor: pointer;
}
.onramp-cta:focus-visible, .onramp-dismiss:focus-visible, .onramp-checklist button:focus-visible,
.onramp-step__action:focus-visible {
  outline: 2px solid var(--onramp-color-accent); outline-offset: 2px;
}
.onramp-modal-backdrop {
  position: fixed; inset: 0; display: grid; place-items: center;
  background: var(--onramp-color-backdrop); z-index: var(--onramp-z-index);
}
.onramp-modal { width: min(480px, calc(100vw - 32px)); box-shadow: var(--onramp-shadow); }
.onramp-modal, .onramp-milestone__badge { animation: onramp-in var(--onramp-duration) ease-out; }
.onramp-tooltip {
  z-index: var(--onramp-z-index); max-width: 320px; padding: var(--onramp-spacing);
  padding-right: calc(var(--onramp-spacing) * 3); box-shadow: var(--onramp-shadow);
}
.onramp-tooltip__body p { margin: 0; }
.onramp-progress { display: flex; align-items: center; gap: 8px; margin: 8px 0; }
.onramp-progress__track {
  flex: 1; height: 8px; border-radius: 4px; overflow: hidden; background: var(--onramp-color-border);
}
.onramp-progress__bar {
  height: 100%; background: var(--onramp-color-accent); transition: width var(--onramp-duration) ease-out;
}
.onramp-progress__value { font-size: 0.875em; color: var(--onramp-color-muted); }
.onramp-checklist__steps { list-style: none; margin: 0; padding: 0; }
.onramp-step { display: flex; align-items: center; gap: 8px; padding: 6px 0; }
.onramp-step__check {
  width: 16px; height: 16px; flex: none; border-radius: 50%; border: 2px solid var(--onramp-color-border);
}
.onramp-step--done .onramp-step__check { background: var(--onramp-color-done); border-color: var(--onramp-color-done); }
.onramp-step--done .onramp-step__title, .onramp-step--skipped .onramp-step__title {
  color: var(--onramp-color-muted); text-decoration: line-through;
}
.onramp-step[aria-current='step'] .onramp-step__title { font-weight: 600; }
.onramp-step__title { flex: 1; }
.onramp-step__skip, .onramp-step__complete {
  border: 0; background: transparent; color: var(--onramp-color-accent); font: inherit; cursor: pointer;
}
.onramp-step__action { color: var(--onramp-color-accent); }
.onramp-milestone__badge {
  display: inline-block; padding: 4px 10px; border-color: var(--onramp-color-done);
  color: var(--onramp-color-done); font-weight: 600;
}
.onramp-visually-hidden {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
@keyframes onramp-in { from { opacity: 0; transform: translateY(4px); } }
@media (prefers-reduced-motion: reduce) {
  .onramp-placement, .onramp-tooltip, .onramp-progress__bar, .onramp-milestone__badge,
  .onramp-modal { animation: none; transition: none; }
}
`;

/** Injects the default stylesheet (`<style data-onramp>`); render it once, near the root. */
export function OnrampStyles(props: { nonce?: string }): ReactNode {
  return createElement('style', { 'data-onramp': '', nonce: props.nonce }, onrampStyles);
}
