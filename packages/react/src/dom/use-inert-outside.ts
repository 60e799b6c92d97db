import { useEffect, type RefObject } from 'react';

/** How many open dialogs made each element inert (the attribute goes when none does). */
const holds = new WeakMap<Element, number>();
const skipped = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'LINK', 'META', 'NOSCRIPT']);

/**
 * While active: every other child of `document.body` (the app's root, other portals)
 * is `inert`, so neither pointer, keyboard nor assistive technology reaches the page
 * behind a modal dialog. `keep` is the dialog's own top element in the body. Elements
 * the page made inert itself are left alone; with dialogs open over one another, the
 * page comes back when the last one closes.
 */
export function useInertOutside(keep: RefObject<HTMLElement | null>, active: boolean): void {
  useEffect(() => {
    const kept = keep.current;
    if (!active || kept === null || typeof document === 'undefined') return;
    const made: Element[] = [];
    for (const element of Array.from(document.body.children)) {
      if (element === kept || element.contains(kept) || skipped.has(element.tagName)) continue;
      const count = holds.get(element);
      if (count === undefined && element.hasAttribute('inert')) continue; // the page's own
      holds.set(element, (count ?? 0) + 1);
      element.setAttribute('inert', '');
      made.push(element);
    }
    return () => {
      for (const element of made) {
        const count = (holds.get(element) ?? 1) - 1;
        if (count > 0) {
          holds.set(element, count);
        } else {
          holds.delete(element);
          element.removeAttribute('inert');
        }
      }
    };
  }, [keep, active]);
}
