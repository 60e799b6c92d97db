/**
 * The decide contract: what a profile should see in each placement, and why.
 * decide() is a pure function of (profile state, config version, request
 * context) and never throws: a template that fails falls back to the
 * placement's default and the failure is reported in the result (docs/decide.md).
 */
import type { JsonObject } from '../json/json.js';
import type { RenderErrorCode } from '../content/content.js';
import type { ContentType } from '../content/content-schema.js';
import type { FlowView } from '../flows/flow.js';

/** Where a decision came from, in the order decide tries them. */
export const decisionSources = ['rule', 'flow', 'experiment', 'default', 'none'] as const;
export type DecisionSource = (typeof decisionSources)[number];

/** Why a higher source was passed over and the default (or nothing) shown instead. */
export const fallbackReasons = [
  'no-consent',
  'missing-data',
  'render-error',
  'unknown-content',
  'wrong-type',
] as const;
export type FallbackReason = (typeof fallbackReasons)[number];

/** "Why am I seeing this": every decision carries one. */
export type DecisionReason =
  | {
      type: 'rule';
      rule: string;
      /** Config version the rule decided under. */
      version: number;
      priority: number;
      /** When the decision was made (epoch ms). */
      at: number;
      /** The segment or band whose entry or exit fired the rule. */
      segment?: string;
      variant?: string;
    }
  | { type: 'flow'; flow: string; step: string; variant?: string }
  | { type: 'experiment'; experiment: string; variant: string }
  | { type: 'default'; fallback?: FallbackReason }
  | { type: 'none'; fallback?: FallbackReason };

/** Rendered content, ready for the page. */
export interface RenderedContent {
  id: string;
  type: ContentType;
  /** The locale used ("fr-CA", "fr" or the default locale). */
  locale: string;
  variant?: string;
  fields: JsonObject;
  /** Checklist content: its flow's progress, step titles rendered. */
  checklist?: FlowView;
}

/** Properties to send with the interaction events (Content Shown…) for this decision. */
export interface InteractionProperties {
  placement: string;
  content: string;
  variant?: string;
  rule?: string;
  flow?: string;
  step?: string;
  /** Set when an experiment chose the content: its id; `variant` is then the experiment's variant. */
  experiment?: string;
}

export interface Decision {
  placement: string;
  /** null: nothing to show. */
  content: RenderedContent | null;
  reason: DecisionReason;
  /** What went wrong with the higher source, when the default was shown instead. */
  error?: { code: FallbackReason; message: string; content?: string };
  /** Until when this decision stands without any event (a TTL, a dismissal that ends). */
  validUntil?: number;
  /** Undefined when content is null. */
  track?: InteractionProperties;
}

export interface DecideRequest {
  /** Placement ids, checked by the caller against the config. */
  placements: readonly string[];
  /** The request context (`context.*` in templates and decide-time conditions). */
  context: JsonObject;
  /** Canonical locale tag from the request; else the profile's, else the default. */
  locale?: string;
  /** Whether to include every flow's view in the result. */
  flows: boolean;
  now: number;
  /** Consent preferences sent with the request; they win over the profile's. */
  consent?: Readonly<Record<string, boolean>>;
  /** The workspace consent policy's `whenUnknown`. */
  consentWhenUnknown: 'allow' | 'deny';
  /**
   * Without a profile: the id decide was asked for (anonymousId, else userId), hashed
   * by experiments as the profile's first event will make it (docs/experiments.md).
   */
  experimentKey?: string;
}

/** A template failure, for the host to log and count. */
export interface TemplateFailure {
  placement: string;
  content: string;
  code: RenderErrorCode;
  message: string;
}

export interface DecideResult {
  decisions: Record<string, Decision>;
  flows?: Record<string, FlowView>;
  /** Whether personalization was allowed (consent). */
  personalized: boolean;
  /** The earliest validUntil of the decisions: re-decide then even without events. */
  validUntil?: number;
  failures: TemplateFailure[];
}
