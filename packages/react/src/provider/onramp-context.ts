import { createContext } from 'react';
import type { OnrampClient } from '@onramp/sdk';
import type { DecisionStore } from './decision-store.js';

export interface OnrampContextValue {
  client: OnrampClient;
  store: DecisionStore;
}

export const OnrampContext = createContext<OnrampContextValue | null>(null);
