/**
 * The decide part of a config version: content, placements, flows and content
 * settings, as published with the rules (docs/decisions/0020).
 */
import type {
  ContentItem,
  ContentSettings,
  PlacementDefinition,
} from '../content/content-schema.js';
import type { FlowDefinition } from '../flows/flow-schema.js';

export interface DecideConfig {
  content?: readonly ContentItem[];
  placements?: readonly PlacementDefinition[];
  flows?: readonly FlowDefinition[];
  /** Defaults filled (defaultLocale "en") when absent. */
  contentSettings?: ContentSettings;
}
