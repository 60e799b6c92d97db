/** @jsxRuntime automatic @jsxImportSource react */
import { useId, type CSSProperties, type ReactNode } from 'react';
import { useFlow } from '../hooks/use-flow.js';
import { classes } from './class-names.js';

export interface ProgressIndicatorProps {
  /** Progress in percent (0–100); or give `flow` to show that flow's percent. */
  value?: number;
  flow?: string;
  /** The accessible name of the progress bar; default "Progress". */
  label?: string;
  /** Show "NN%" next to the bar; default true. */
  showValue?: boolean;
  className?: string;
  style?: CSSProperties;
}

/** A progress bar (`role="progressbar"` with aria-valuenow/min/max and a label). */
export function ProgressIndicator(props: ProgressIndicatorProps): ReactNode {
  if (props.flow !== undefined) return <FlowProgress {...props} flow={props.flow} />;
  return <ProgressBar {...props} value={props.value ?? 0} />;
}

function FlowProgress(props: ProgressIndicatorProps & { flow: string }): ReactNode {
  const { percent } = useFlow(props.flow);
  return <ProgressBar {...props} value={percent} />;
}

function ProgressBar(props: ProgressIndicatorProps & { value: number }): ReactNode {
  const id = useId();
  const value = Math.max(0, Math.min(100, Math.round(props.value)));
  const label = props.label ?? 'Progress';
  return (
    <div className={classes('onramp-progress', props.className)} style={props.style}>
      <span className="onramp-visually-hidden" id={id}>
        {label}
      </span>
      <div
        className="onramp-progress__track"
        role="progressbar"
        aria-labelledby={id}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
        aria-valuetext={`${value}%`}
      >
        <div className="onramp-progress__bar" style={{ width: `${value}%` }} />
      </div>
      {props.showValue !== false && (
        <span className="onramp-progress__value" aria-hidden="true">
          {value}%
        </span>
      )}
    </div>
  );
}
