/** @jsxRuntime automatic @jsxImportSource react */
import { useEffect, useId, useState, type CSSProperties, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { waitForElement } from '../dom/wait-for-element.js';
import { classes } from './class-names.js';

export interface ContextualTooltipProps {
  /** CSS selector of the element the tooltip points at; it may appear later. */
  target: string;
  children?: ReactNode;
  /** Called by the close button and Escape; no close button without it. */
  onClose?: () => void;
  /** Called once the target is found and the tooltip is on screen. */
  onShow?: () => void;
  /** How long to wait for the target before giving up (nothing renders); default 10 000 ms. */
  waitMs?: number;
  /** Where, relative to the target; default bottom. */
  side?: 'top' | 'bottom';
  closeLabel?: string;
  className?: string;
  style?: CSSProperties;
}

/**
 * A tooltip anchored to an element of the page: `role="tooltip"`, referenced by the
 * target's `aria-describedby`, positioned (fixed) next to it and kept there on scroll
 * and resize. Waits for the target with a MutationObserver.
 */
export function ContextualTooltip(props: ContextualTooltipProps): ReactNode {
  const id = useId();
  const anchor = useTarget(props.target, props.waitMs ?? 10_000);
  const position = useAnchorPosition(anchor, props.side ?? 'bottom');
  const { onClose, onShow } = props;
  useEffect(() => {
    if (anchor === null) return;
    const previous = anchor.getAttribute('aria-describedby');
    anchor.setAttribute('aria-describedby', previous === null ? id : `${previous} ${id}`);
    onShow?.();
    return () => {
      if (previous === null) anchor.removeAttribute('aria-describedby');
      else anchor.setAttribute('aria-describedby', previous);
    };
  }, [anchor, id, onShow]);
  useEffect(() => {
    if (anchor === null || onClose === undefined) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [anchor, onClose]);
  if (anchor === null || position === null) return null;
  return createPortal(
    <div
      className={classes(
        'onramp-tooltip',
        `onramp-tooltip--${props.side ?? 'bottom'}`,
        props.className,
      )}
      style={{ position: 'fixed', ...position, ...props.style }}
    >
      <div role="tooltip" id={id} className="onramp-tooltip__body">
        {props.children}
      </div>
      {onClose !== undefined && (
        <button
          type="button"
          className="onramp-dismiss"
          aria-label={props.closeLabel ?? 'Dismiss tip'}
          onClick={onClose}
        >
          <span aria-hidden="true">×</span>
        </button>
      )}
    </div>,
    document.body,
  );
}

function useTarget(selector: string, waitMs: number): Element | null {
  const [anchor, setAnchor] = useState<Element | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    void waitForElement(selector, { timeoutMs: waitMs, signal: abort.signal }).then((element) => {
      if (!abort.signal.aborted) setAnchor(element);
    });
    return () => {
      abort.abort();
      setAnchor(null);
    };
  }, [selector, waitMs]);
  // The target may leave the page (a route change): then the tooltip goes too.
  return anchor !== null && anchor.isConnected ? anchor : null;
}

function useAnchorPosition(anchor: Element | null, side: 'top' | 'bottom'): CSSProperties | null {
  const [position, setPosition] = useState<CSSProperties | null>(null);
  useEffect(() => {
    if (anchor === null) return setPosition(null);
    let frame = 0;
    const update = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const rect = anchor.getBoundingClientRect();
        setPosition(
          side === 'bottom'
            ? { top: rect.bottom + 8, left: rect.left }
            : { top: rect.top - 8, left: rect.left, transform: 'translateY(-100%)' },
        );
      });
    };
    update();
    window.addEventListener('scroll', update, true);
    window.addEventListener('resize', update);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('scroll', update, true);
      window.removeEventListener('resize', update);
    };
  }, [anchor, side]);
  return position;
}
