import { useEffect, type RefObject } from 'react';

/**
 * Calls `shown` once the element is on screen: at its first intersection with the
 * viewport where IntersectionObserver exists, else when mounted. The placement's
 * `shown()` itself sends only once per content.
 */
export function useShownWhenVisible(
  element: RefObject<Element | null>,
  visible: boolean,
  shown: () => void,
): void {
  useEffect(() => {
    const target = element.current;
    if (!visible) return;
    if (target === null || typeof IntersectionObserver !== 'function') {
      shown();
      return;
    }
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((entry) => entry.isIntersecting)) return;
      observer.disconnect();
      shown();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [element, visible, shown]);
}
