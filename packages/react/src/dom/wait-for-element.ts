export interface WaitForElementOptions {
  /** Give up after this many milliseconds (resolves null); default 5000. */
  timeoutMs?: number;
  /** Stop waiting (resolves null). */
  signal?: AbortSignal;
  /** Where to look; the document by default. */
  root?: Document | Element;
}

/**
 * The first element matching `selector`, as soon as it is in the DOM: now, or when a
 * MutationObserver sees it added (or an attribute change makes it match). Resolves
 * null on timeout, abort, or an invalid selector.
 */
export function waitForElement(
  selector: string,
  options: WaitForElementOptions = {},
): Promise<Element | null> {
  const root = options.root ?? document;
  const find = (): Element | null => {
    try {
      return root.querySelector(selector);
    } catch {
      return null; // an invalid selector never matches
    }
  };
  const found = find();
  if (found !== null || options.signal?.aborted === true) return Promise.resolve(found);
  return new Promise((resolve) => {
    const done = (element: Element | null) => {
      observer.disconnect();
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(element);
    };
    const onAbort = () => done(null);
    const observer = new MutationObserver(() => {
      const element = find();
      if (element !== null) done(element);
    });
    const target = root instanceof Document ? root.documentElement : root;
    observer.observe(target, { childList: true, subtree: true, attributes: true });
    const timer = setTimeout(() => done(null), options.timeoutMs ?? 5000);
    options.signal?.addEventListener('abort', onAbort);
  });
}
