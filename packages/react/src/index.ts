// @onramp/react: the provider, hooks and components over an @onramp/sdk client.
// The public API is what this file exports; docs/react.md documents each entry.

export { OnrampProvider, type OnrampProviderProps } from './provider/onramp-provider.js';
export { useOnramp, useDecisions, type DecisionsState } from './provider/use-onramp.js';
export { usePlacement, type PlacementState } from './hooks/use-placement.js';
export { useFlow, useChecklist, type FlowState, type ChecklistState } from './hooks/use-flow.js';
export { useFlag, useFlagDetails, type FlagDetails } from './hooks/use-flag.js';

export { Placement, type PlacementProps } from './components/placement.js';
export { Checklist, type ChecklistProps } from './components/checklist.js';
export { Tour, type TourProps } from './components/tour.js';
export { ProgressIndicator, type ProgressIndicatorProps } from './components/progress-indicator.js';
export { MilestoneBadge, type MilestoneBadgeProps } from './components/milestone-badge.js';
export { ContextualTooltip, type ContextualTooltipProps } from './components/contextual-tooltip.js';

export { onrampStyles, OnrampStyles } from './styles/default-styles.js';
export { decodeEntities } from './text/decode-entities.js';
export { waitForElement } from './dom/wait-for-element.js';
