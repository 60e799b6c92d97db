/** @jsxRuntime automatic @jsxImportSource react */
import type { CSSProperties, ReactNode } from 'react';
import { usePlacement, type PlacementState } from '../hooks/use-placement.js';
import { Checklist } from './checklist.js';
import { MessageView } from './message-view.js';
import { ModalView } from './modal-view.js';
import { TooltipView } from './tooltip-view.js';
import { Tour, type TourProps } from './tour.js';

export interface PlacementProps {
  /** The placement id (a slot of the config: `banner`, `sidebar`, `checklist`…). */
  id: string;
  /**
   * Custom rendering: called with the placement's state whenever it changes (also when
   * there is nothing to show: check `content`). Call `shown()` when the content is on
   * screen; the built-in views do it for you.
   */
  children?: (placement: PlacementState) => ReactNode;
  /** Rendered while the decision stream has not answered yet. */
  loading?: ReactNode;
  /** Rendered when there is nothing to show. */
  fallback?: ReactNode;
  /** UNSAFE: render text fields as HTML (see FieldText). Off by default. */
  unsafeHtml?: boolean;
  /** For tour content: options of <Tour>. */
  tour?: Omit<TourProps, 'placement'>;
  className?: string;
  style?: CSSProperties;
}

/**
 * What a placement shows, rendered by content type: banner, message and offer as a
 * region with title, body, call to action and dismiss button; modal as an accessible
 * dialog; tooltip next to `fields.target`; checklist and tour with <Checklist> and
 * <Tour>. Fields are rendered as text.
 */
export function Placement(props: PlacementProps): ReactNode {
  const state = usePlacement(props.id);
  if (props.children !== undefined) return props.children(state);
  if (state.loading) return props.loading ?? null;
  const view = {
    state,
    unsafeHtml: props.unsafeHtml,
    className: props.className,
    style: props.style,
  };
  switch (state.content?.type) {
    case undefined:
      return props.fallback ?? null;
    case 'modal':
      return <ModalView {...view} />;
    case 'tooltip':
      return <TooltipView {...view} />;
    case 'checklist':
      return (
        <Checklist
          placement={props.id}
          unsafeHtml={props.unsafeHtml}
          className={props.className}
          style={props.style}
        />
      );
    case 'tour':
      return <Tour {...props.tour} placement={props.id} />;
    default:
      return <MessageView {...view} />;
  }
}
