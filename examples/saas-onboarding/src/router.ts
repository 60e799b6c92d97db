import { useEffect, useSyncExternalStore } from 'react';

// A router small enough to read in one go: the path lives in history, links to our own
// origin are handled here (so content's call-to-action links, plain <a href>, stay in the app).

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(): void {
  for (const listener of listeners) listener();
}

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  notify();
}

/** The current path (without the query). */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}

/** Handles clicks on same-origin links and the back button, for the life of the app. */
export function useLinkInterception(): void {
  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (!(link instanceof HTMLAnchorElement) || link.target !== '') return;
      const url = new URL(link.href);
      if (url.origin !== location.origin) return;
      event.preventDefault();
      navigate(url.pathname + url.search);
    };
    addEventListener('popstate', notify);
    document.addEventListener('click', onClick);
    return () => {
      removeEventListener('popstate', notify);
      document.removeEventListener('click', onClick);
    };
  }, []);
}
