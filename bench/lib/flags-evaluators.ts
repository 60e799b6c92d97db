import { isDeepStrictEqual } from 'node:util';
import { GrowthBookClient, type UserContext } from '@growthbook/growthbook';
import { InMemStorageProvider, Unleash, type Context } from 'unleash-client';
import {
  compileFlags,
  createProfile,
  evaluateFlag,
  type CompiledFlagSet,
  type FlagContext,
  type JsonValue,
} from '@onramp/core';
import type { BenchFlag, BenchUser } from './flags-catalogue.js';
import {
  createHandwrittenFlags,
  onrampBucketing,
  unleashBucketing,
  type HandwrittenFlag,
} from './flags-handwritten.js';
import { growthbookFeature, onrampFlag, unleashToggle } from './flags-peers.js';

/** The evaluation time of the flags benchmark. */
export const flagsBenchNow = Date.UTC(2026, 5, 15, 12);

/** One evaluator over the benchmark's users and flags. */
export interface FlagEvaluator {
  name: string;
  /** The value of flag `flag` for user `user` (indexes). */
  value(user: number, flag: number): JsonValue;
  /** Evaluates every flag for users [0, count): a checksum of the values (see signature). */
  pass(count: number): number;
  close?(): void;
}

/** A cheap number from a value, the same for every evaluator, so passes cannot be skipped. */
export function signature(value: JsonValue | undefined): number {
  if (value === true) return 1;
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number') return value;
  return typeof value === 'object' && value !== null ? 3 : 0;
}

export function onrampEvaluator(flags: readonly BenchFlag[], users: readonly BenchUser[]) {
  const set: CompiledFlagSet = compileFlags(flags.map(onrampFlag)).flags;
  const keys = flags.map((flag) => flag.key);
  const contexts: FlagContext[] = users.map(({ id, ...traits }) => {
    const profile = createProfile(id, flagsBenchNow);
    profile.userId = id;
    profile.traits = { ...traits };
    return { profile, now: flagsBenchNow, targetingKey: id };
  });
  const evaluator: FlagEvaluator = {
    name: 'Onramp',
    value: (user, flag) =>
      evaluateFlag(set, keys[flag] as string, contexts[user] as FlagContext).value,
    pass: (count) => {
      let sum = 0;
      for (let u = 0; u < count; u++) {
        const context = contexts[u] as FlagContext;
        for (let f = 0; f < keys.length; f++) {
          sum += signature(evaluateFlag(set, keys[f] as string, context).value);
        }
      }
      return sum;
    },
  };
  return evaluator;
}

export function handwrittenEvaluator(
  flags: readonly BenchFlag[],
  users: readonly BenchUser[],
  bucketing: 'onramp' | 'unleash' = 'onramp',
): FlagEvaluator {
  const byKey = createHandwrittenFlags(
    bucketing === 'onramp' ? onrampBucketing() : unleashBucketing(),
  );
  const functions = flags.map((flag) => {
    const fn = byKey[flag.key];
    if (fn === undefined) throw new Error(`no hand-written function for flag ${flag.key}`);
    return fn;
  });
  return {
    name: bucketing === 'onramp' ? 'plain functions' : 'plain functions (Unleash hashing)',
    value: (user, flag) => (functions[flag] as HandwrittenFlag)(users[user] as BenchUser),
    pass: (count) => {
      let sum = 0;
      for (let u = 0; u < count; u++) {
        const user = users[u] as BenchUser;
        for (let f = 0; f < functions.length; f++)
          sum += signature((functions[f] as HandwrittenFlag)(user));
      }
      return sum;
    },
  };
}

/** GrowthBook's GrowthBookClient (evaluation is synchronous once the payload is set). */
export function growthbookEvaluator(
  flags: readonly BenchFlag[],
  users: readonly BenchUser[],
): FlagEvaluator {
  const client = new GrowthBookClient({});
  client.initSync({
    payload: {
      features: Object.fromEntries(flags.map((flag) => [flag.key, growthbookFeature(flag)])),
    },
  });
  const keys = flags.map((flag) => flag.key);
  const contexts: UserContext[] = users.map((user) => ({ attributes: { ...user } }));
  return {
    name: 'GrowthBook',
    value: (user, flag) =>
      client.evalFeature(keys[flag] as string, contexts[user] as UserContext).value as JsonValue,
    pass: (count) => {
      let sum = 0;
      for (let u = 0; u < count; u++) {
        const context = contexts[u] as UserContext;
        for (let f = 0; f < keys.length; f++) {
          sum += signature(client.evalFeature(keys[f] as string, context).value as JsonValue);
        }
      }
      return sum;
    },
    close: () => client.destroy(),
  };
}

/** unleash-client offline: bootstrapped toggles, no refresh, no metrics, no server. */
export async function unleashEvaluator(
  flags: readonly BenchFlag[],
  users: readonly BenchUser[],
): Promise<FlagEvaluator> {
  const unleash = new Unleash({
    appName: 'onramp-bench',
    url: 'http://127.0.0.1:9/unleash-is-not-called/',
    refreshInterval: 0,
    disableMetrics: true,
    skipInstanceCountWarning: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: { data: flags.map(unleashToggle) as never },
  });
  const errors: Error[] = [];
  unleash.on('error', (error: Error) => errors.push(error));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`unleash not ready: ${errors[0]?.message}`)),
      5000,
    );
    unleash.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const keys = flags.map((flag) => flag.key);
  const booleans = flags.map((flag) => flag.type === 'boolean');
  // Variant name → value; "disabled" (no strategy served) → the off or default variant.
  const values = flags.map((flag) => {
    const map = new Map<string, JsonValue>(Object.entries(flag.variants) as [string, JsonValue][]);
    const fallback =
      flag.enabled === false ? (flag.offVariant ?? flag.defaultVariant) : flag.defaultVariant;
    map.set('disabled', flag.variants[fallback] as JsonValue);
    return map;
  });
  const contexts: Context[] = users.map(({ id, companySize, ...rest }) => ({
    userId: id,
    properties: { ...rest, companySize: String(companySize) },
  }));
  const evaluate = (flag: number, context: Context): JsonValue => {
    const key = keys[flag] as string;
    if (booleans[flag]) return unleash.isEnabled(key, context);
    return (values[flag] as Map<string, JsonValue>).get(
      unleash.getVariant(key, context).name,
    ) as JsonValue;
  };
  return {
    name: 'unleash-client',
    value: (user, flag) => evaluate(flag, contexts[user] as Context),
    pass: (count) => {
      let sum = 0;
      for (let u = 0; u < count; u++) {
        const context = contexts[u] as Context;
        for (let f = 0; f < keys.length; f++) sum += signature(evaluate(f, context));
      }
      return sum;
    },
    close: () => unleash.destroy(),
  };
}

/** Pairs (user, flag) on which `actual` differs from `expected`, described; at most `limit`. */
export function findDisagreements(
  expected: FlagEvaluator,
  actual: FlagEvaluator,
  users: number,
  flags: readonly BenchFlag[],
  limit = 5,
): { count: number; first: string[] } {
  let count = 0;
  const first: string[] = [];
  for (let u = 0; u < users; u++) {
    for (let f = 0; f < flags.length; f++) {
      const want = expected.value(u, f);
      const got = actual.value(u, f);
      if (isDeepStrictEqual(want, got)) continue;
      count++;
      if (first.length < limit) {
        first.push(
          `${actual.name}: user ${u}, ${flags[f]?.key}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`,
        );
      }
    }
  }
  return { count, first };
}
