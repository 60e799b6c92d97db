import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../packages/server/src/config/config-file.js';
import { verifyUserToken } from '../packages/server/src/realtime/user-token.js';
import { measureDecide, decideOptionsFromEnv } from './decide.js';
import { Cleanup } from './lib/cleanup.js';
import { decideBenchConfig, liveContentOf, livePlacement } from './lib/decide-config.js';
import {
  histogramCount,
  histogramDelta,
  quantileBound,
  readHistogram,
} from './lib/decide-metrics.js';
import { benchUserId, seedHistoryOf } from './lib/decide-seed.js';
import { decideBodies } from './lib/decide-throughput.js';
import { liveContentIn, ToggleTracker } from './lib/decide-toggles.js';

describe('decide benchmark config and data', () => {
  it('is a valid config of 10 placements, 30+ templated items in 2 locales, a 5-step flow and 20+ decide rules', () => {
    const config = parseConfig(JSON.stringify(decideBenchConfig()), 'decide-bench');
    assert.equal(config.placements.length, 10);
    assert.ok(config.content.length >= 30);
    assert.ok(
      config.content.every((item) => item.type === 'tour' || item.locales?.fr !== undefined),
    );
    assert.ok(
      config.content.filter((item) => JSON.stringify(item.fields).includes('traits.first_name'))
        .length >= 20,
    );
    assert.equal(config.flows[0]?.steps.length, 5);
    assert.ok(config.content.some((item) => item.type === 'checklist' && item.flow !== undefined));
    const deciding = config.rules.filter((rule) => rule.actions.some((a) => a.type === 'decide'));
    assert.ok(deciding.length >= 20, `${deciding.length} decide rules`);
  });

  it('seeds deterministic, ordered histories with an identify per user', () => {
    const now = Date.UTC(2026, 0, 10);
    const history = seedHistoryOf(7, now);
    assert.deepEqual(seedHistoryOf(7, now), history);
    assert.ok(history.length >= 4 && history.length <= 30);
    assert.equal(history.filter((message) => message.type === 'identify').length, 1);
    assert.ok(history.every((message) => message.userId === benchUserId(7)));
    const times = history.map((message) => Date.parse(message.timestamp as string));
    assert.ok(times.every((time, i) => i === 0 || time > (times[i - 1] as number)));
    assert.ok((times.at(-1) as number) < now);
    assert.equal(new Set(history.map((message) => message.messageId)).size, history.length);
  });

  it('signs the user token of each browser body', () => {
    const [server] = decideBodies(2);
    assert.deepEqual(Object.keys(JSON.parse(server as string)), [
      'userId',
      'placements',
      'context',
    ]);
    const secret = 'a-secret-of-at-least-16-chars';
    const body = JSON.parse(
      decideBodies(3, { writeKey: 'wk', identitySecret: secret })[2] as string,
    );
    assert.equal(body.userId, benchUserId(2));
    assert.equal(body.writeKey, 'wk');
    assert.ok(verifyUserToken(body.userId, body.token, secret));
    assert.ok(!verifyUserToken(benchUserId(1), body.token, secret));
  });
});

describe('toggle matching', () => {
  it('alternates contents, allows two in flight, and resolves coalesced pushes', () => {
    const tracker = new ToggleTracker();
    tracker.prime(undefined);
    assert.equal(tracker.nextSide(), 'a');
    tracker.sent('a', 100, false);
    assert.equal(tracker.nextSide(), 'b');
    tracker.sent('b', 110, true);
    assert.equal(tracker.nextSide(), undefined);
    // Both changes in one push: both reflected; only the measured one is a sample.
    assert.deepEqual(tracker.pushed(liveContentOf('b'), 115), [5]);
    assert.equal(tracker.pending(), 0);
    assert.equal(tracker.nextSide(), 'a');
    tracker.sent('a', 200, true);
    tracker.sent('b', 210, true);
    assert.deepEqual(tracker.pushed(liveContentOf('a'), 204), [4]);
    assert.equal(tracker.pending(true), 1);
    // A push of an unrelated content resolves nothing.
    assert.deepEqual(tracker.pushed('other', 205), []);
    assert.deepEqual(tracker.pushed(liveContentOf('b'), 219), [9]);
  });

  it('starts from the content a stream opened with', () => {
    const tracker = new ToggleTracker();
    assert.equal(tracker.isPrimed, false);
    tracker.prime(liveContentOf('a'));
    assert.equal(tracker.nextSide(), 'b');
  });

  it("reads the live placement's content from a pushed message", () => {
    const message = (decisions: unknown) => JSON.stringify({ full: false, decisions });
    const live = { [livePlacement]: { content: { id: 'live-b' } } };
    assert.equal(liveContentIn(message(live), livePlacement), 'live-b');
    assert.equal(
      liveContentIn(message({ [livePlacement]: { content: null } }), livePlacement),
      undefined,
    );
    assert.equal(liveContentIn(message({ [livePlacement]: null }), livePlacement), undefined);
    assert.equal(liveContentIn(message({ banner: {} }), livePlacement), null);
    const inherited = `{"decisions":{"__proto__":{"${livePlacement}":{"content":{"id":"live-a"}}}}}`;
    assert.equal(liveContentIn(inherited, livePlacement), null);
    assert.throws(() => liveContentIn('not json', livePlacement), SyntaxError);
  });
});

describe('engine histograms', () => {
  const text = (counts: number[]) =>
    ['0.001', '0.005', '0.01', '+Inf']
      .map((le, i) => `onramp_x_seconds_bucket{le="${le}"} ${counts[i]}`)
      .concat('onramp_x_seconds_count 0', 'onramp_x_seconds_bucket_other{le="1"} 99')
      .join('\n');

  it('reads buckets, subtracts runs and bounds quantiles', () => {
    const before = readHistogram(text([1, 2, 2, 2]), 'onramp_x_seconds');
    const after = readHistogram(text([51, 150, 198, 202]), 'onramp_x_seconds');
    assert.equal(before.size, 4);
    const delta = histogramDelta(before, after);
    assert.equal(histogramCount(delta), 200);
    assert.equal(quantileBound(delta, 0.25), 0.001);
    assert.equal(quantileBound(delta, 0.5), 0.005);
    assert.equal(quantileBound(delta, 0.98), 0.01);
    assert.equal(quantileBound(delta, 0.99), Infinity);
    assert.ok(Number.isNaN(quantileBound(new Map(), 0.5)));
    assert.throws(() => quantileBound(delta, 1.5), RangeError);
    assert.equal(
      readHistogram('garbage\nonramp_x_seconds_bucket{le="a"} 3', 'onramp_x_seconds').size,
      0,
    );
  });
});

describe('decide benchmark, tiny run', () => {
  it('reads its knobs and refuses bad ones', () => {
    const options = decideOptionsFromEnv({ BENCH_DECIDE_USERS: '50', BENCH_SECONDS: '3' });
    assert.equal(options.users, 50);
    assert.equal(options.throughput.seconds, 3);
    assert.equal(options.push.streams, 200);
    assert.throws(() => decideOptionsFromEnv({ BENCH_DECIDE_CONNECTIONS: '-1' }), /positive/);
    assert.throws(() => decideOptionsFromEnv({ BENCH_PUSH_RATE: 'x' }), /positive/);
  });

  it('measures decide against the bare peer and pushed decisions on a real engine', async () => {
    const cleanup = new Cleanup();
    try {
      const report = await measureDecide(
        {
          users: 40,
          throughput: {
            connections: 4,
            warmupSeconds: 0.2,
            seconds: 0.5,
            pacedRate: 200,
            pacedSeconds: 0.5,
          },
          push: {
            streams: 5,
            eventsPerSecond: 500,
            toggleShare: 0.2,
            batchMs: 10,
            warmupSeconds: 0.2,
            seconds: 0.6,
          },
        },
        () => undefined,
        cleanup,
      );
      assert.deepEqual(report.errors, []);
      const { figures } = report;
      for (const key of [
        'decide_ratio_vs_bare_fastify',
        'decide_rps',
        'decide_bare_fastify_rps',
        'decide_token_rps',
        'decide_p50_ms',
        'decide_p99_ms',
        'decide_paced_p99_ms',
        'decide_answer_bytes',
        'decision_push_p50_ms',
        'decision_push_p99_ms',
        'decision_push_events_per_s',
        'decision_push_samples',
        'decision_push_floor_p50_ms',
        'decision_push_floor_p99_ms',
      ]) {
        assert.ok((figures[key] ?? 0) > 0, `${key} = ${figures[key]}`);
      }
      assert.ok((figures.decide_p50_ms ?? 0) <= (figures.decide_p99_ms ?? 0));
      assert.ok((figures.decide_ratio_vs_bare_fastify ?? 0) < 10);
      assert.ok((figures.decision_push_p99_ms ?? 0) < 5000);
      assert.ok(
        (figures.decision_push_floor_p50_ms ?? 0) <= (figures.decision_push_floor_p99_ms ?? 0),
      );
      assert.ok(report.rows.some((row) => row.measurement.includes('harness floor')));
      assert.ok(report.rows.some((row) => row.target !== undefined));
    } finally {
      assert.deepEqual(await cleanup.releaseAll(), []);
    }
  });
});
