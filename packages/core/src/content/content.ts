/**
 * The content runtime contract: a content item compiled once per config version
 * (every template parsed, locales and variants merged ahead of time), rendered per
 * decision. Rendering never throws: a failure is a result the caller reports.
 */
import type { JsonObject } from '../json/json.js';
import type { ContentItem, ContentType } from './content-schema.js';

/**
 * What templates read. Built by decide for one profile and request:
 * `traits`, `user` ({ userId, anonymousId, profileId }), `segments`, `metrics`,
 * `flow` (the step's flow view, for flow content), `checklist`, `variables`
 * (the rule's decide variables), `context` (the request's), `locale`, `placement`.
 * Without consent for personalization, only `context`, `locale` and `placement`.
 */
export type TemplateScope = Readonly<Record<string, unknown>>;

export interface RenderRequest {
  /** Requested locale tag, canonical (Intl.getCanonicalLocales); undefined: the default locale. */
  locale: string | undefined;
  /** Variant id; undefined or unknown: the item's own fields. */
  variant?: string;
  scope: TemplateScope;
}

/** Why a render failed; the placement then falls back to its default content. */
export type RenderErrorCode = 'missing-data' | 'render-error';

export type RenderResult =
  | {
      ok: true;
      /** The rendered fields: every template string replaced by its output (HTML-escaped). */
      fields: JsonObject;
      /** The locale whose fields were used most specifically ("fr-CA", "fr", or the default locale). */
      locale: string;
      /** The variant rendered, when one was. */
      variant?: string;
      /** True when a template read missing data and the item's `fallback` fields were rendered. */
      usedFallback: boolean;
    }
  | { ok: false; code: RenderErrorCode; message: string };

export interface CompiledContent {
  readonly id: string;
  readonly type: ContentType;
  /** Checklist: the flow it shows. */
  readonly flow?: string;
  readonly definition: ContentItem;
  /** The locale tags it has fields for, canonical, besides the default. */
  readonly locales: readonly string[];
  readonly variants: readonly string[];
  /** Never throws. */
  render(request: RenderRequest): RenderResult;
}

/** A placement compiled for decide. */
export interface CompiledPlacement {
  readonly id: string;
  /** Default content id, when it has one. */
  readonly defaultContent?: string;
  /** Allowed content types; undefined: any. */
  readonly types?: ReadonlySet<ContentType>;
}
