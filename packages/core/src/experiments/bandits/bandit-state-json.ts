/**
 * Persistence: the state as JSON, counts keyed by arm (and segment) rather than by position,
 * so a state saved under one policy restores under a later one that added, removed or
 * reordered arms. Parsing accepts any value (JSON.parse's output) and names the field at fault.
 *
 *   { "version": 1,
 *     "global":   { "a": { "trials": 120, "successes": 7 }, "b": { … } },
 *     "segments": { "trial-users": { "a": { "trials": 40, "successes": 3 }, … } } }
 */
import type {
  ArmCountJson,
  ArmCounts,
  BanditIssue,
  BanditPolicy,
  BanditState,
  BanditStateJson,
} from './bandit-types.js';
import { createArmCounts, createBanditState, MAX_BANDIT_SEGMENTS } from './bandit-state.js';

function countsToJson(policy: BanditPolicy, counts: ArmCounts): Record<string, ArmCountJson> {
  // Object.fromEntries defines own properties: a key "__proto__" stays a plain key.
  return Object.fromEntries(
    policy.arms.map((arm, i) => [
      arm,
      { trials: counts.trials[i]!, successes: counts.successes[i]! },
    ]),
  );
}

/** The state as a JSON-ready object. */
export function serializeBanditState(state: BanditState): BanditStateJson {
  const { policy } = state;
  return {
    version: 1,
    global: countsToJson(policy, state.global),
    segments: Object.fromEntries(
      [...state.segments].map(([segment, counts]) => [segment, countsToJson(policy, counts)]),
    ),
  };
}

export type ParseBanditStateResult =
  { ok: true; state: BanditState; ignored: string[] } | { ok: false; issues: BanditIssue[] };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function checkFields(
  value: unknown,
  path: string,
  fields: string[],
  issues: BanditIssue[],
): value is Record<string, unknown> {
  if (!isRecord(value)) {
    issues.push({ path, message: 'must be an object' });
    return false;
  }
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) issues.push({ path: join(path, key), message: 'unknown field' });
  }
  return true;
}

function parseCounts(
  policy: BanditPolicy,
  counts: ArmCounts,
  value: unknown,
  path: string,
  issues: BanditIssue[],
  ignored: string[],
): void {
  if (!isRecord(value)) {
    issues.push({ path, message: 'must be an object keyed by arm' });
    return;
  }
  for (const [arm, entry] of Object.entries(value)) {
    const at = join(path, arm);
    if (!checkFields(entry, at, ['trials', 'successes'], issues)) continue;
    const { trials, successes } = entry;
    if (!isCount(trials)) issues.push({ path: `${at}.trials`, message: 'must be an integer ≥ 0' });
    else if (!isCount(successes)) {
      issues.push({ path: `${at}.successes`, message: 'must be an integer ≥ 0' });
    } else if (successes > trials) {
      issues.push({ path: `${at}.successes`, message: 'must not exceed trials' });
    } else {
      const index = policy.armIndex.get(arm);
      if (index === undefined) ignored.push(at);
      else {
        counts.trials[index] = trials;
        counts.successes[index] = successes;
        counts.totalTrials += trials;
      }
    }
  }
}

/**
 * Restores a state saved by serializeBanditState under `policy`. Counts of arms the policy
 * does not have, and segments when the policy is `per: global`, are left out and listed in
 * `ignored` (paths); arms the policy added start at zero.
 */
export function parseBanditState(policy: BanditPolicy, value: unknown): ParseBanditStateResult {
  const issues: BanditIssue[] = [];
  const ignored: string[] = [];
  if (!checkFields(value, '', ['version', 'global', 'segments'], issues))
    return { ok: false, issues };
  if (value.version !== 1) issues.push({ path: 'version', message: 'must be 1' });
  const state = createBanditState(policy);
  parseCounts(policy, state.global, value.global, 'global', issues, ignored);
  if (!isRecord(value.segments)) {
    issues.push({ path: 'segments', message: 'must be an object keyed by segment' });
  } else {
    const entries = Object.entries(value.segments);
    if (entries.length > MAX_BANDIT_SEGMENTS) {
      issues.push({
        path: 'segments',
        message: `must have at most ${MAX_BANDIT_SEGMENTS} segments`,
      });
    }
    for (const [segment, counts] of entries.slice(0, MAX_BANDIT_SEGMENTS)) {
      const parsed = createArmCounts(policy.arms.length);
      parseCounts(policy, parsed, counts, `segments.${segment}`, issues, ignored);
      if (policy.per === 'segment') state.segments.set(segment, parsed);
      else ignored.push(`segments.${segment}`);
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, state, ignored };
}
