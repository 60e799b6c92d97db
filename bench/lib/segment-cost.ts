import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.js';
import type {
  CostAnswer,
  CostChildConfig,
  CostRequest,
  RoundResult,
} from './segment-cost-child.js';
import type { MembershipMemory } from './segment-memory.js';
import { percentile } from './stats.js';

export interface SegmentCostOptions {
  /** The two configurations compared, e.g. [10, 200]. */
  sizes: readonly [small: number, large: number];
  /** People in the measured stream (30 events each, fewer for those who stop early). */
  profiles: number;
  /** People in the warm-up stream. */
  warmupProfiles: number;
  /** Measured rounds (the median counts), interleaved between the two configurations. */
  rounds: number;
  chunk: number;
  flushEvery: number;
  /** Each child writes a V8 CPU profile into `<dir>/<segments>-segments/` (node --cpu-prof). */
  cpuProfileDir?: string;
}

export interface ConfigCost {
  segments: number;
  /** Median over the rounds of processor time per ingested event. */
  usPerEvent: number;
  /** Each round's µs per ingested event. */
  rounds: number[];
  ingested: number;
  /** Log entries applied per ingested event (the rest are Segment Entered / Exited). */
  appliedPerEvent: number;
  changesPerEvent: number;
  timersPerEvent: number;
  membershipsPerProfile: number;
  errors: number;
}

export interface SegmentCost {
  small: ConfigCost;
  large: ConfigCost;
  /** large.usPerEvent / small.usPerEvent */
  ratio: number;
  /**
   * The same stream with the Segment Entered / Exited events dropped instead of
   * applied: the cost of the ingested events alone.
   */
  smallDropped: ConfigCost;
  largeDropped: ConfigCost;
  ratioDropped: number;
  /** Memory of the large configuration's memberships. */
  memory: MembershipMemory;
}

const childScript = fileURLToPath(new URL('./segment-cost-child.ts', import.meta.url));

/**
 * Per-event processing cost with `sizes[0]` and `sizes[1]` segments configured:
 * each configuration in a child process of its own (segment-cost-child.ts), both
 * over the same generated stream; a warm-up pass each, then `rounds` rounds,
 * interleaved (one pass of the small, one of the large…) so that a change of the
 * machine's load hits both; the median round. Then as many rounds with the
 * emitted Segment Entered / Exited events dropped, to tell their share; then the
 * memory of the large configuration's memberships, in its child (from its last
 * full round).
 */
export async function measureSegmentCost(
  options: SegmentCostOptions,
  log: (message: string) => void,
  cleanup?: Cleanup,
): Promise<SegmentCost> {
  const base = {
    profiles: options.profiles,
    warmupProfiles: options.warmupProfiles,
    chunk: options.chunk,
    flushEvery: options.flushEvery,
  };
  const start = (segments: number) =>
    CostChild.start(
      { ...base, segments },
      options.cpuProfileDir === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDirOf(options.cpuProfileDir, segments)}`],
      cleanup,
    );
  // Started together: most of a child's start is loading and compiling, on two cores.
  const [small, large] = await Promise.allSettled([
    start(options.sizes[0]),
    start(options.sizes[1]),
  ]);
  if (small.status === 'rejected' || large.status === 'rejected') {
    for (const child of [small, large]) if (child.status === 'fulfilled') await child.value.stop();
    throw small.status === 'rejected' ? small.reason : (large as PromiseRejectedResult).reason;
  }
  return measureWith(small.value, large.value, options, log);
}

async function measureWith(
  small: CostChild,
  large: CostChild,
  options: SegmentCostOptions,
  log: (message: string) => void,
): Promise<SegmentCost> {
  const children = [small, large] as const;
  try {
    for (const child of children) {
      log(`segments: warming up ${child.config.segments} segments`);
      await child.ask('warmup');
    }
    const rounds = async (type: 'round' | 'round-dropped') => {
      const results: RoundResult[][] = [[], []];
      for (let round = 0; round < options.rounds; round++) {
        for (const [index, child] of children.entries()) {
          const result = (await child.ask(type)) as RoundResult;
          results[index]?.push(result);
          log(
            `segments: ${type === 'round' ? 'round' : 'round, emitted events dropped,'} ${round + 1}/${options.rounds}, ${child.config.segments} segments: ${((result.ms * 1000) / result.ingested).toFixed(1)} µs/event`,
          );
        }
      }
      return children.map((child, index) =>
        summarizeRounds(child.config.segments, results[index] ?? []),
      ) as [ConfigCost, ConfigCost];
    };
    const [smallCost, largeCost] = await rounds('round');
    const [smallDropped, largeDropped] = await rounds('round-dropped');
    const memory = (await large.ask('memory')) as MembershipMemory;
    return {
      small: smallCost,
      large: largeCost,
      ratio: largeCost.usPerEvent / smallCost.usPerEvent,
      smallDropped,
      largeDropped,
      ratioDropped: largeDropped.usPerEvent / smallDropped.usPerEvent,
      memory,
    };
  } finally {
    // Both exit (and write their CPU profiles) before the figures are read.
    await Promise.all(children.map((child) => child.stop()));
  }
}

/** Where the child measuring `segments` segments writes its CPU profile. */
export function cpuProfileDirOf(dir: string, segments: number): string {
  return join(dir, `${segments}-segments`);
}

function summarizeRounds(segments: number, rounds: readonly RoundResult[]): ConfigCost {
  const first = rounds[0];
  if (first === undefined) throw new Error('no measured round');
  const perEvent = rounds.map((round) => (round.ms * 1000) / round.ingested);
  return {
    segments,
    usPerEvent: percentile(perEvent, 50),
    rounds: perEvent,
    ingested: first.ingested,
    appliedPerEvent: first.applied / first.ingested,
    changesPerEvent: first.changes / first.ingested,
    timersPerEvent: first.timers / first.ingested,
    membershipsPerProfile: first.membershipsPerProfile,
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
  };
}

/** One child process and its request/answer channel. */
class CostChild {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private exited: Error | undefined;

  private constructor(
    readonly config: CostChildConfig,
    private readonly child: ChildProcess,
    private readonly release: () => Promise<void>,
  ) {
    child.on('message', (message: CostAnswer) => {
      const waiter = this.waiting.get(message.id);
      if (waiter === undefined) return;
      this.waiting.delete(message.id);
      if ('error' in message) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`segments child exited (${signal ?? code})`);
      for (const waiter of this.waiting.values()) waiter.reject(this.exited);
      this.waiting.clear();
    });
  }

  static async start(
    config: CostChildConfig,
    nodeArgs: readonly string[],
    cleanup?: Cleanup,
  ): Promise<CostChild> {
    const child = fork(childScript, [JSON.stringify(config)], {
      execArgv: ['--expose-gc', ...nodeArgs, '--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const release =
      cleanup?.add(async () => kill(), kill) ??
      (async () => {
        kill();
      });
    const instance = new CostChild(config, child, release);
    // The child announces itself (id 0) once the stream and the segments are built.
    await new Promise<void>((resolve, reject) => {
      instance.waiting.set(0, { resolve: () => resolve(), reject });
    });
    return instance;
  }

  ask(type: CostRequest['type']): Promise<unknown> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, type } satisfies CostRequest);
    });
  }

  async stop(): Promise<void> {
    if (this.exited === undefined) {
      const gone = new Promise((resolve) => this.child.once('exit', resolve));
      await this.ask('exit').catch(() => undefined);
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    }
    await this.release();
  }
}
