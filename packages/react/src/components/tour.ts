import { useEffect, useRef, type ReactNode } from 'react';
import type { Config } from 'driver.js';
import { usePlacement } from '../hooks/use-placement.js';
import { prefersReducedMotion } from '../dom/use-reduced-motion.js';
import { useOnramp } from '../provider/use-onramp.js';
import { runTour, type RunningTour } from '../tour/run-tour.js';
import { tourStartIndex, tourSteps } from '../tour/tour-steps.js';

export interface TourProps {
  /** The placement whose tour content to run. */
  placement: string;
  /** How long a step waits for its target element to appear; default 5000 ms. */
  waitForTargetMs?: number;
  /** A target still missing after the wait: `unanchored` (default) shows the step centered; `skip` skips it. */
  missingTarget?: 'skip' | 'unanchored';
  /** driver.js options (popoverClass, overlayColor, button texts…); steps and hooks are ours. */
  driverConfig?: Config;
  onFinish?: () => void;
  onDismiss?: () => void;
}

/**
 * A product tour, run with driver.js, for tour content in a placement. When the tour
 * names a flow, it starts at the first step whose flow step is not done and each Next
 * completes that flow step on the server, so it resumes where it stopped, on any
 * device. Closing it sends Content Dismissed. Renders nothing itself (driver.js draws
 * the overlay and popovers in document.body).
 */
export function Tour(props: TourProps): ReactNode {
  const client = useOnramp();
  const state = usePlacement(props.placement);
  const running = useRef<{ key: string; tour: RunningTour } | null>(null);
  const latest = useRef({ props, state });
  latest.current = { props, state };
  const content = state.content?.type === 'tour' ? state.content : null;
  const key = content === null ? null : `${content.id}\u0000${content.variant ?? ''}`;

  useEffect(() => {
    if (key === null || running.current?.key === key) return;
    const { props: p, state: s } = latest.current;
    const { decision, content: c } = s;
    if (decision === undefined || c === null) return;
    const steps = tourSteps(c.fields);
    const start = tourStartIndex(steps, c.checklist);
    if (steps.length === 0 || start === -1) return;
    const tour = runTour({
      client,
      decision,
      steps,
      flow: c.checklist,
      start,
      waitForTargetMs: p.waitForTargetMs ?? 5000,
      missingTarget: p.missingTarget ?? 'unanchored',
      animate: !prefersReducedMotion(),
      ...(p.driverConfig !== undefined && { driverConfig: p.driverConfig }),
      onShown: () => latest.current.state.shown(),
      onDismiss: () => {
        latest.current.state.dismiss();
        latest.current.props.onDismiss?.();
      },
      onFinish: () => latest.current.props.onFinish?.(),
    });
    running.current = { key, tour };
  }, [client, key]);

  // The tour stops when its content goes (dismissed elsewhere, another decision) or on unmount.
  useEffect(() => {
    return () => {
      running.current?.tour.stop();
      running.current = null;
    };
  }, [key]);
  return null;
}
