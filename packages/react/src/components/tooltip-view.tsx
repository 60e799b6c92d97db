/** @jsxRuntime automatic @jsxImportSource react */
import type { ReactNode } from 'react';
import { stringField, textField } from '../text/fields.js';
import { ContextualTooltip } from './contextual-tooltip.js';
import { FieldText } from './field-text.js';
import type { ContentViewProps } from './message-view.js';

/** Tooltip content: its `body` (and `title`) next to the element `fields.target` selects. */
export function TooltipView(props: ContentViewProps & { waitMs?: number }): ReactNode {
  const { state } = props;
  if (state.content === null) return null;
  const { fields } = state.content;
  const target = textField(fields, 'target');
  if (target === undefined) return null;
  const title = stringField(fields, 'title');
  const label = textField(fields, 'title');
  return (
    <ContextualTooltip
      target={target}
      onClose={state.dismiss}
      onShow={state.shown}
      className={props.className}
      style={props.style}
      closeLabel={label === undefined ? 'Dismiss tip' : `Dismiss ${label}`}
      {...(props.waitMs !== undefined && { waitMs: props.waitMs })}
    >
      <FieldText as="strong" className="onramp-title" value={title} unsafeHtml={props.unsafeHtml} />
      <FieldText
        as="p"
        className="onramp-body"
        value={stringField(fields, 'body')}
        unsafeHtml={props.unsafeHtml}
      />
    </ContextualTooltip>
  );
}
