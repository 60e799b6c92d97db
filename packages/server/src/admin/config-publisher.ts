import { RuleVersionConflictError, issuePath, type RuleConfigVersion } from '@onramp/core';
import type { Engine, RulesDraft } from '../engine/engine.js';
import { asRuleError, versionConflict, wholeSet, type FieldOf } from './rules-requests.js';

/** The parts of a config version an edit may replace; absent parts stay as they are. */
export type ConfigParts = Pick<
  RulesDraft,
  | 'rules'
  | 'settings'
  | 'segments'
  | 'cohorts'
  | 'clusterings'
  | 'content'
  | 'placements'
  | 'flows'
  | 'contentSettings'
  | 'flags'
  | 'experiments'
>;

/** Computes the new parts from the current version; may throw an OnrampError (404, 409…). */
export type ConfigEdit = (current: RuleConfigVersion) => ConfigParts;

export interface PublishOptions {
  /** Publish only if the current version is this one (else 409 ONR_VERSION_CONFLICT). */
  base?: number;
  note?: string;
  /** Names the request field of each compiler issue (default: its place in the rule set). */
  fieldOf?: FieldOf;
}

/** Publishes an edit of a workspace's current config version through the admin API. */
export type ConfigPublisher = (
  workspaceId: string,
  edit: ConfigEdit,
  options: PublishOptions,
) => Promise<RuleConfigVersion>;

/**
 * Publishes edits of the current version. Edits of one workspace through the admin
 * API (rules, segments, content…: one publisher serves them all) run one
 * at a time; one that loses a race with another publisher (the config file) is
 * recomputed on the newer version, unless the caller named its base version.
 */
export function createConfigPublisher(engine: Pick<Engine, 'rules'>): ConfigPublisher {
  const queues = new Map<string, Promise<unknown>>();
  const attempt = async (
    workspaceId: string,
    edit: ConfigEdit,
    options: PublishOptions,
  ): Promise<RuleConfigVersion> => {
    for (let retry = 0; ; retry++) {
      const current = engine.rules.current(workspaceId);
      if (options.base !== undefined && options.base !== current.version) {
        throw versionConflict(new RuleVersionConflictError(options.base, current.version));
      }
      const draft: RulesDraft = {
        ...edit(current),
        source: 'api',
        baseVersion: current.version,
        ...(options.note === undefined ? {} : { note: options.note }),
      };
      try {
        return await engine.rules.publish(workspaceId, draft);
      } catch (error) {
        if (error instanceof RuleVersionConflictError) {
          if (options.base === undefined && retry < 3) continue;
          throw versionConflict(error);
        }
        throw asRuleError(error, options.fieldOf ?? wholeSet);
      }
    }
  };
  return (workspaceId, edit, options) => {
    const previous = queues.get(workspaceId) ?? Promise.resolve();
    const next = previous.then(() => attempt(workspaceId, edit, options));
    const settled = next.catch(() => undefined);
    queues.set(workspaceId, settled);
    void settled.then(() => {
      if (queues.get(workspaceId) === settled) queues.delete(workspaceId);
    });
    return next;
  };
}

/** A list of definitions in the config version edited through its own routes. */
export type ListPart = 'segments' | 'cohorts' | 'clusterings' | 'content' | 'placements' | 'flows';

/**
 * Names compiler issues of a part from the request body: `segments.2.condition…`
 * for a whole-part body, and the bare field (`condition.traits.plan`) for the one
 * definition a single-definition body holds (`one` gives its index). Issues of
 * other parts keep their place in the config (`rules.0.condition…`,
 * `placements.1.default` for a placement that names deleted content).
 */
export function partField(part: ListPart, one?: () => number): FieldOf {
  const root = `(${part})`;
  return (path) => {
    const [first, index, ...rest] = path;
    if (first === root && one !== undefined && index === one() && rest.length > 0) {
      return rest.join('.');
    }
    return issuePath(path);
  };
}

/**
 * Names compiler issues of the content settings from a body that is the settings
 * object itself (`defaultLocale`); issues elsewhere keep their place in the config.
 */
export const contentSettingsField: FieldOf = (path) => {
  const [first, ...rest] = path;
  return first === '(contentSettings)' && rest.length > 0 ? rest.join('.') : issuePath(path);
};
