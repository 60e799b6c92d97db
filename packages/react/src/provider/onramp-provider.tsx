/** @jsxRuntime automatic @jsxImportSource react */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createOnramp } from '@onramp/sdk';
import type { OnrampClient, OnrampOptions, SubscribeOptions } from '@onramp/sdk';
import { createDecisionStore } from './decision-store.js';
import { OnrampContext } from './onramp-context.js';

export interface OnrampProviderProps {
  /** A client the app created with `createOnramp` (the app keeps it and closes it). */
  client?: OnrampClient;
  /** Or options: the provider creates the client, and closes it when it unmounts. */
  options?: OnrampOptions;
  /** Placements to stream; every placement of the config when absent. */
  placements?: string[];
  /** Also stream every flow's progress (for useFlow); default true. */
  flows?: boolean;
  /** Flags to stream for useFlag: true (the default) every flag, a list, or false none. */
  flags?: boolean | string[];
  locale?: string;
  /** Page URL for `context.page` (templates, `when`); the current location in browsers. */
  url?: string;
  children?: ReactNode;
}

/**
 * Makes a client and its decision stream available to the hooks and components below.
 * It subscribes once, for the placements given (or all) and the flags, and re-subscribes
 * only when `placements`, `flows`, `flags`, `locale` or `url` change.
 */
export function OnrampProvider(props: OnrampProviderProps): ReactNode {
  const client = useClient(props.client, props.options);
  const { placements, flows = true, flags = true, locale, url } = props;
  const key = JSON.stringify([placements ?? null, flows, flags, locale ?? null, url ?? null]);
  const store = useMemo(() => {
    const options: SubscribeOptions = { flows, flags: Array.isArray(flags) ? [...flags] : flags };
    if (placements !== undefined) options.placements = [...placements];
    if (locale !== undefined) options.locale = locale;
    if (url !== undefined) options.url = url;
    return createDecisionStore(client, options);
    // `key` stands for the subscription options' values; arrays compare by content.
  }, [client, key]);
  useEffect(() => store.start(), [store]);
  const value = useMemo(() => ({ client, store }), [client, store]);
  return <OnrampContext.Provider value={value}>{props.children}</OnrampContext.Provider>;
}

/**
 * The given client, or one created from options and closed on unmount. Under StrictMode
 * React unmounts and remounts once: the closed client is then replaced by a new one.
 */
function useClient(given: OnrampClient | undefined, options: OnrampOptions | undefined) {
  const [owned, setOwned] = useState<OnrampClient | null>(() =>
    given === undefined && options !== undefined ? createOnramp(options) : null,
  );
  const closed = useRef(false);
  const optionsRef = useRef(options);
  optionsRef.current = options;
  useEffect(() => {
    if (owned === null) return;
    let current = owned;
    if (closed.current && optionsRef.current !== undefined) {
      closed.current = false;
      current = createOnramp(optionsRef.current);
      setOwned(current);
      return;
    }
    return () => {
      closed.current = true;
      void current.close();
    };
  }, [owned]);
  const client = given ?? owned;
  if (client === null) throw new Error('OnrampProvider needs a `client` or `options`.');
  return client;
}
