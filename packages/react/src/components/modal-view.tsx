/** @jsxRuntime automatic @jsxImportSource react */
import { useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { useFocusTrap } from '../dom/use-focus-trap.js';
import { useInertOutside } from '../dom/use-inert-outside.js';
import { stringField } from '../text/fields.js';
import { classes } from './class-names.js';
import { ContentBody, DismissButton, type ContentViewProps } from './message-view.js';
import { useShownWhenVisible } from './use-shown.js';

/**
 * A modal dialog: `role="dialog"`, `aria-modal`, labelled by its title and described by
 * its body; focus moves in and is trapped (Tab cycles), Escape or the backdrop dismiss,
 * and focus returns where it was when the dialog closes. Rendered in document.body;
 * while it is open, the rest of the body is `inert`.
 */
export function ModalView({ state, unsafeHtml, className, style }: ContentViewProps): ReactNode {
  const dialog = useRef<HTMLDivElement>(null);
  const backdrop = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const bodyId = useId();
  const open = state.content !== null;
  useInertOutside(backdrop, open);
  useFocusTrap(dialog, open, state.dismiss);
  useShownWhenVisible(dialog, open, state.shown);
  if (state.content === null || typeof document === 'undefined') return null;
  const { fields, id } = state.content;
  const title = stringField(fields, 'title');
  return createPortal(
    <div ref={backdrop} className="onramp-modal-backdrop" onClick={state.dismiss}>
      <div
        ref={dialog}
        className={classes('onramp-placement', 'onramp-modal', className)}
        style={style}
        role="dialog"
        aria-modal="true"
        aria-labelledby={title === undefined ? undefined : titleId}
        aria-label={title === undefined ? 'Message' : undefined}
        aria-describedby={stringField(fields, 'body') === undefined ? undefined : bodyId}
        tabIndex={-1}
        data-placement={state.placement}
        data-content={id}
        onClick={(event) => event.stopPropagation()}
      >
        <ContentBody state={state} titleId={titleId} bodyId={bodyId} unsafeHtml={unsafeHtml} />
        <DismissButton onClick={state.dismiss} label={`Close ${title ?? 'dialog'}`} />
      </div>
    </div>,
    document.body,
  );
}
