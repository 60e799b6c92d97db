/** @jsxRuntime automatic @jsxImportSource react */
import { useEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { useFlow } from '../hooks/use-flow.js';
import { classes } from './class-names.js';

export interface MilestoneBadgeProps {
  flow: string;
  /** Percentages that earn a badge; default [25, 50, 75, 100]. 100 is the flow's completion. */
  milestones?: number[];
  /** How long the badge stays (ms); 0 keeps it. Default 5000. */
  durationMs?: number;
  /**
   * The badge's text, from the milestone crossed and the flow's percent then; default
   * "33% done" (the percent, which may be past the milestone) … "Completed!".
   */
  label?: (milestone: number, percent: number) => string;
  /** Replace the badge's rendering. */
  children?: (milestone: number) => ReactNode;
  className?: string;
  style?: CSSProperties;
}

/**
 * The highest milestone crossed going from `previous` to `current` percent, if any.
 * Milestones already reached before (at load) do not count again.
 */
export function crossedMilestone(
  previous: number,
  current: number,
  milestones: readonly number[],
): number | undefined {
  let crossed: number | undefined;
  for (const milestone of milestones) {
    if (previous < milestone && current >= milestone) crossed = Math.max(crossed ?? 0, milestone);
  }
  return crossed;
}

/**
 * A badge that appears when the flow's progress reaches a milestone while the user is
 * here (not for progress made before the page loaded). It sits in a polite live region
 * (`role="status"`), so screen readers announce it.
 */
export function MilestoneBadge(props: MilestoneBadgeProps): ReactNode {
  const { flow, percent, completed } = useFlow(props.flow);
  const milestones = props.milestones ?? [25, 50, 75, 100];
  const previous = useRef<number | undefined>(undefined);
  const [reached, setReached] = useState<{ milestone: number; percent: number } | undefined>(
    undefined,
  );
  const milestone = reached?.milestone;
  const value = completed ? 100 : percent;
  useEffect(() => {
    if (flow === undefined) return;
    const before = previous.current;
    previous.current = value;
    if (before === undefined) return;
    const crossed = crossedMilestone(before, value, milestones);
    if (crossed !== undefined) setReached({ milestone: crossed, percent: value });
    // `milestones` is read when progress changes; a new array each render is fine.
  }, [flow, value]);
  const durationMs = props.durationMs ?? 5000;
  useEffect(() => {
    if (milestone === undefined || durationMs === 0) return;
    const timer = setTimeout(() => setReached(undefined), durationMs);
    return () => clearTimeout(timer);
  }, [milestone, durationMs]);
  const label =
    props.label ?? ((m: number, percent: number) => (m >= 100 ? 'Completed!' : `${percent}% done`));
  return (
    <div
      role="status"
      className={classes(
        'onramp-milestone',
        milestone !== undefined && 'onramp-milestone--active',
        props.className,
      )}
      style={props.style}
      data-milestone={milestone}
    >
      {milestone !== undefined &&
        (props.children !== undefined ? (
          props.children(milestone)
        ) : (
          <span className="onramp-milestone__badge">{label(milestone, reached?.percent ?? 0)}</span>
        ))}
    </div>
  );
}
