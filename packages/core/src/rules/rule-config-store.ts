import type { FlagDefinition } from '../flags/flag-schema.js';
import type { ExperimentDefinition } from '../experiments/experiment-schema.js';
import type { RuleDefinition, RuleSettings } from './rule-schema.js';
import type {
  ClusteringDefinition,
  CohortDefinition,
  SegmentDefinition,
} from '../segments/segment-schema.js';
import type {
  ContentItem,
  ContentSettings,
  PlacementDefinition,
} from '../content/content-schema.js';
import type { FlowDefinition } from '../flows/flow-schema.js';

/**
 * One published version of a workspace's behaviour config: rules, rule settings,
 * segments, cohorts and clustering jobs (docs/decisions/0016), content,
 * placements, flows and content settings (docs/decisions/0020), published together.
 * Versions start at 1 and never change.
 */
export interface RuleConfigVersion {
  workspaceId: string;
  version: number;
  rules: RuleDefinition[];
  settings: RuleSettings;
  /** Absent in versions published before segments existed: none. */
  segments?: SegmentDefinition[];
  cohorts?: CohortDefinition[];
  clusterings?: ClusteringDefinition[];
  /** Absent in versions published before content existed: none. */
  content?: ContentItem[];
  placements?: PlacementDefinition[];
  flows?: FlowDefinition[];
  /** Absent in versions published before content existed: the defaults (defaultLocale "en"). */
  contentSettings?: ContentSettings;
  /** Absent in versions published before flags existed: none. */
  flags?: FlagDefinition[];
  /** Absent in versions published before experiments existed: none. */
  experiments?: ExperimentDefinition[];
  createdAt: number;
  /** Who published it: the config file (with its digest) or the admin API. */
  source: 'file' | 'api';
  /** sha256 of the config file's rules section, for source "file". */
  fileDigest?: string;
  note?: string;
}

export class RuleVersionConflictError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`rule config is at version ${actual}, not ${expected}`);
    this.name = 'RuleVersionConflictError';
  }
}

/** The history of each workspace's rule config; append-only. */
export interface RuleConfigStore {
  latest(workspaceId: string): Promise<RuleConfigVersion | undefined>;
  get(workspaceId: string, version: number): Promise<RuleConfigVersion | undefined>;
  /** Newest first, metadata and rules included. */
  list(
    workspaceId: string,
    options: { before?: number; limit: number },
  ): Promise<RuleConfigVersion[]>;
  /** Appends `version`; it must be latest + 1, else RuleVersionConflictError (nothing written). */
  append(version: RuleConfigVersion): Promise<void>;
  close(): Promise<void>;
}
