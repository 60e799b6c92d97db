/** @jsxRuntime automatic @jsxImportSource react */
import { useId, useRef, type CSSProperties, type ReactNode } from 'react';
import type { FlowStepView } from '@onramp/sdk';
import { useChecklist, type ChecklistState } from '../hooks/use-flow.js';
import { decodeEntities } from '../text/decode-entities.js';
import { asObject, ctaField, stringField } from '../text/fields.js';
import { classes } from './class-names.js';
import { FieldText } from './field-text.js';
import { DismissButton } from './message-view.js';
import { ProgressIndicator } from './progress-indicator.js';
import { useShownWhenVisible } from './use-shown.js';

export interface ChecklistProps {
  /** The placement whose checklist content to show. */
  placement: string;
  /** Show a "Mark done" button on steps to do (for steps the app cannot observe). */
  allowManualComplete?: boolean;
  /** Show a dismiss button (sends Content Dismissed: the checklist stays hidden). */
  dismissible?: boolean;
  /** Replace the rendering of one step (the list item stays ours). */
  renderStep?: (step: FlowStepView, checklist: ChecklistState) => ReactNode;
  /** Replace the whole rendering. */
  children?: (checklist: ChecklistState) => ReactNode;
  unsafeHtml?: boolean;
  className?: string;
  style?: CSSProperties;
}

const statusText: Record<FlowStepView['status'], string> = {
  done: 'done',
  skipped: 'skipped',
  dismissed: 'to do',
  todo: 'to do',
};

/**
 * A checklist: its title, a progress bar (required steps done, in percent), and the
 * flow's steps as a list, each done / skipped / to do, the current one marked
 * `aria-current="step"`. A step's action is `fields.actions[stepId] = { label, url }`;
 * optional steps to do get a Skip button. Progress is the server's: buttons send events
 * and the list updates when the decision stream pushes the new progress.
 */
export function Checklist(props: ChecklistProps): ReactNode {
  const checklist = useChecklist(props.placement);
  const ref = useRef<HTMLElement>(null);
  const titleId = useId();
  const { content } = checklist.placement;
  useShownWhenVisible(ref, content !== null, checklist.placement.shown);
  if (content === null || checklist.flow === undefined) return null;
  if (props.children !== undefined) return props.children(checklist);
  const title = stringField(content.fields, 'title');
  return (
    <section
      ref={ref}
      className={classes('onramp-placement', 'onramp-checklist', props.className)}
      style={props.style}
      aria-labelledby={title === undefined ? undefined : titleId}
      aria-label={title === undefined ? 'Checklist' : undefined}
      data-placement={props.placement}
      data-content={content.id}
    >
      <FieldText
        as="h2"
        className="onramp-title"
        id={titleId}
        value={title}
        unsafeHtml={props.unsafeHtml}
      />
      <ProgressIndicator
        value={checklist.percent}
        label={title === undefined ? 'Checklist progress' : `${decodeEntities(title)}: progress`}
      />
      <ol className="onramp-checklist__steps">
        {checklist.steps.map((step) => (
          <li
            key={step.id}
            className={classes('onramp-step', `onramp-step--${step.status}`)}
            data-step={step.id}
            data-status={step.status}
            aria-current={checklist.flow?.current === step.id ? 'step' : undefined}
          >
            {props.renderStep !== undefined ? (
              props.renderStep(step, checklist)
            ) : (
              <StepRow
                step={step}
                checklist={checklist}
                manual={props.allowManualComplete === true}
              />
            )}
          </li>
        ))}
      </ol>
      {props.dismissible === true && (
        <DismissButton onClick={checklist.placement.dismiss} label="Dismiss checklist" />
      )}
    </section>
  );
}

function StepRow(props: {
  step: FlowStepView;
  checklist: ChecklistState;
  manual: boolean;
}): ReactNode {
  const { step, checklist } = props;
  const open = step.status === 'todo' || step.status === 'dismissed';
  const name = decodeEntities(step.title ?? step.id);
  const actions = asObject(checklist.placement.content?.fields['actions']);
  const action = ctaField({ cta: actions?.[step.id] ?? null });
  return (
    <>
      <span className="onramp-step__check" aria-hidden="true" />
      <span className="onramp-step__title">{name}</span>
      <span className="onramp-visually-hidden">
        {` (${statusText[step.status]}${step.required ? '' : ', optional'})`}
      </span>
      {open && action?.url !== undefined && (
        <a className="onramp-step__action" href={action.url} onClick={checklist.placement.clicked}>
          {decodeEntities(action.label)}
        </a>
      )}
      {open && props.manual && (
        <button
          type="button"
          className="onramp-step__complete"
          aria-label={`Mark done: ${name}`}
          onClick={() => checklist.completeStep(step.id)}
        >
          Mark done
        </button>
      )}
      {open && !step.required && (
        <button
          type="button"
          className="onramp-step__skip"
          aria-label={`Skip: ${name}`}
          onClick={() => checklist.skipStep(step.id)}
        >
          Skip
        </button>
      )}
    </>
  );
}
