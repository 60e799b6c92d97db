import { driver, type Config, type DriveStep, type PopoverDOM } from 'driver.js';
import type { Decision, FlowView, OnrampClient } from '@onramp/sdk';
import { waitForElement } from '../dom/wait-for-element.js';
import { sendStepCompleted } from '../hooks/flow-actions.js';
import { decodeEntities } from '../text/decode-entities.js';
import { passedSteps, type TourStep } from './tour-steps.js';

export interface RunTourOptions {
  client: OnrampClient;
  decision: Decision;
  steps: readonly TourStep[];
  /** The tour's flow progress (`content.checklist`), when the tour names a flow. */
  flow: FlowView | undefined;
  start: number;
  /** How long a step waits for its target to appear. */
  waitForTargetMs: number;
  /** A target still missing after the wait: skip the step, or show it centered. */
  missingTarget: 'skip' | 'unanchored';
  animate: boolean;
  driverConfig?: Config;
  /** The first step is on screen. */
  onShown(): void;
  /** Closed by the person (close button, Escape): the caller sends Content Dismissed. */
  onDismiss(): void;
  /** Every step done: Content Completed was sent. */
  onFinish(): void;
}

export interface RunningTour {
  /** Ends the tour without sending anything (the component unmounts). */
  stop(): void;
}

/**
 * Drives a tour with driver.js. Each step waits for its target (MutationObserver, then
 * skip or show unanchored); Next completes the step's flow step on the server
 * (`Content Completed` with the decision's track, `flow` and `step`), so the tour
 * resumes there on any device; closing it is a dismissal. Texts are set as text.
 */
export function runTour(options: RunTourOptions): RunningTour {
  const { steps, client, decision } = options;
  const flowId = options.flow?.flow;
  const passed = passedSteps(steps, options.flow);
  const targets: (Element | undefined)[] = [];
  const abort = new AbortController();
  let current = -1;
  let ended = false;

  const tour = driver({
    animate: options.animate,
    allowClose: true,
    showProgress: steps.length > 1,
    popoverClass: 'onramp-tour',
    overlayClickBehavior: () => {}, // a stray click must not dismiss the tour for good
    ...options.driverConfig,
    steps: steps.map((step, index) => driveStep(step, () => targets[index])),
    onNextClick: () => void next(),
    onPrevClick: () => void go(current - 1, -1),
    onDestroyStarted: () => end(options.onDismiss),
  });

  async function go(index: number, direction: 1 | -1): Promise<void> {
    let i = index;
    while (direction === 1 && i < steps.length && passed[i] === true) i++;
    if (i >= steps.length) return finish();
    if (i < 0 || ended) return;
    const target = await waitForElement(steps[i]!.target, {
      timeoutMs: options.waitForTargetMs,
      signal: abort.signal,
    });
    if (ended) return;
    if (target === null && options.missingTarget === 'skip') {
      return i + direction < 0 ? undefined : go(i + direction, direction);
    }
    targets[i] = target ?? undefined;
    current = i;
    if (tour.isActive()) tour.moveTo(i);
    else {
      tour.drive(i);
      options.onShown();
    }
  }

  function next(): Promise<void> {
    const step = steps[current];
    if (step?.step !== undefined && flowId !== undefined && passed[current] !== true) {
      sendStepCompleted(client, flowId, step.step, decision);
    }
    passed[current] = true;
    return go(current + 1, 1);
  }

  function finish(): void {
    if (ended) return;
    client.interaction('completed', decision);
    end(options.onFinish);
  }

  function end(then: () => void): void {
    if (ended) return;
    ended = true;
    abort.abort();
    tour.destroy();
    then();
  }

  void go(options.start, 1);
  return {
    stop() {
      ended = true;
      abort.abort();
      if (tour.isActive()) tour.destroy();
    },
  };
}

function driveStep(step: TourStep, target: () => Element | undefined): DriveStep {
  return {
    // driver.js shows the popover centered when the element function returns nothing.
    element: target as () => Element,
    popover: {
      // Placeholders: driver.js writes these as HTML; onPopoverRender replaces them with text.
      ...(step.title !== undefined && { title: '…' }),
      ...(step.body !== undefined && { description: '…' }),
      onPopoverRender: (popover: PopoverDOM) => {
        if (step.title !== undefined) popover.title.textContent = decodeEntities(step.title);
        if (step.body !== undefined) popover.description.textContent = decodeEntities(step.body);
      },
    },
  };
}
