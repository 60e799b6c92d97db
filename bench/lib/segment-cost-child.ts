// A child process of the segments suite: one segment configuration, measured in
// a V8 of its own, so that the other configuration's code and garbage do not
// change its figures. `node --expose-gc --import tsx segment-cost-child.ts '<json>'`;
// requests and answers over the IPC channel (segment-cost.ts drives it).
import { benchNow } from './generated-profiles.js';
import { benchSegments } from './segment-definitions.js';
import { createSegmentStream } from './segment-events.js';
import { measureMembershipMemory } from './segment-memory.js';
import { compileSegmentSet, runStreamPass, type StreamPass } from './segment-processor.js';

export interface CostChildConfig {
  segments: number;
  profiles: number;
  warmupProfiles: number;
  chunk: number;
  flushEvery: number;
}

export type CostRequest = {
  id: number;
  type: 'warmup' | 'round' | 'round-dropped' | 'memory' | 'exit';
};

/** What a round reports (the profiles stay in the child). */
export type RoundResult = Omit<StreamPass, 'profiles'> & { membershipsPerProfile: number };

export type CostAnswer = { id: number; result: unknown } | { id: number; error: string };

const config = JSON.parse(process.argv[2] ?? '{}') as CostChildConfig;
const definitions = benchSegments(config.segments);
const rules = compileSegmentSet(definitions);
const stream = createSegmentStream(config.profiles, benchNow);
const warmup = createSegmentStream(config.warmupProfiles, benchNow, 5);
const options = { chunk: config.chunk, flushEvery: config.flushEvery };
let last: StreamPass | undefined;

async function answer(request: CostRequest): Promise<unknown> {
  switch (request.type) {
    case 'warmup':
      return summarize(await runStreamPass(rules, warmup, options));
    case 'round':
      globalThis.gc?.();
      last = await runStreamPass(rules, stream, options);
      return summarize(last);
    case 'round-dropped':
      globalThis.gc?.();
      return summarize(await runStreamPass(rules, stream, { ...options, dropEmitted: true }));
    case 'memory': {
      const profiles = last?.profiles ?? (await runStreamPass(rules, stream, options)).profiles;
      last = undefined;
      return measureMembershipMemory(
        profiles,
        definitions.map((segment) => segment.id),
      );
    }
    case 'exit':
      setImmediate(() => process.exit(0));
      return null;
  }
}

function summarize(pass: StreamPass): RoundResult {
  const { profiles, ...figures } = pass;
  let memberships = 0;
  for (const profile of profiles) memberships += profile.segments?.length ?? 0;
  return { ...figures, membershipsPerProfile: memberships / Math.max(1, profiles.length) };
}

process.on('message', (request: CostRequest) => {
  answer(request).then(
    (result) => process.send?.({ id: request.id, result } satisfies CostAnswer),
    (error: unknown) =>
      process.send?.({ id: request.id, error: (error as Error).stack ?? String(error) }),
  );
});
process.send?.({ id: 0, result: 'ready' } satisfies CostAnswer);
