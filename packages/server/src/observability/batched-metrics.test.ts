import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { BatchedCounter, BatchedHistogram } from './batched-metrics.js';
import { createSeededRandom } from '@onramp/core';

/**
 * The exposition text with sums to 12 significant digits: the batched sum adds
 * the same values in another order (floating point).
 */
async function text(registry: Registry): Promise<string> {
  return (await registry.metrics()).replace(
    /^(\S+_sum(?:\{[^}]*\})?) (\S+)$/gm,
    (_line, name: string, value: string) => `${name} ${Number(value).toPrecision(12)}`,
  );
}

const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** The same metrics, plain prom-client and batched, each in its own registry. */
function pair() {
  const plain = new Registry();
  const batched = new Registry();
  const config = (registry: Registry) => ({
    counter: {
      name: 'c_total',
      help: 'c',
      labelNames: ['placement', 'reason'],
      registers: [registry],
    },
    bare: { name: 'b_total', help: 'b', registers: [registry] },
    histogram: { name: 'h_seconds', help: 'h', buckets, registers: [registry] },
  });
  const p = config(plain);
  const b = config(batched);
  return {
    plain,
    batched,
    p: {
      counter: new Counter(p.counter),
      bare: new Counter(p.bare),
      histogram: new Histogram(p.histogram),
    },
    b: {
      counter: new BatchedCounter(b.counter),
      bare: new BatchedCounter(b.bare),
      histogram: new BatchedHistogram(b.histogram),
    },
  };
}

describe('batched metrics', () => {
  it('expose exactly what plain prom-client metrics expose for the same calls, scrape after scrape', async () => {
    const { plain, batched, p, b } = pair();
    const random = createSeededRandom(7);
    const children = new Map<string, ReturnType<BatchedCounter['labels']>>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5000; i++) {
        const placement = ['banner', 'sidebar', 'checklist'][Math.floor(random() * 3)] as string;
        const reason = ['rule', 'flow', 'default'][Math.floor(random() * 3)] as string;
        const how = random();
        if (how < 0.4) {
          p.counter.labels(placement, reason).inc();
          const key = `${placement}/${reason}`;
          let child = children.get(key);
          if (child === undefined) children.set(key, (child = b.counter.labels(placement, reason)));
          child.inc();
        } else if (how < 0.6) {
          p.counter.inc({ placement, reason }, 2);
          b.counter.inc({ placement, reason }, 2);
        } else if (how < 0.7) {
          p.bare.inc();
          b.bare.inc();
        } else {
          p.bare.inc(3);
          b.bare.inc(3);
        }
        // Values on, between and beyond the bounds.
        const value = random() < 0.1 ? (buckets[i % buckets.length] as number) : random() * 1.5;
        p.histogram.observe(value);
        b.histogram.observe(value);
      }
      assert.equal(await text(batched), await text(plain), `round ${round}`);
    }
    const [got, want] = [await b.histogram.get(), await p.histogram.get()];
    assert.deepEqual(
      got.values.filter((value) => value.metricName !== 'h_seconds_sum'),
      want.values.filter((value) => value.metricName !== 'h_seconds_sum'),
    );
  });

  it('show nothing observed as prom-client does, and reset', async () => {
    const { plain, batched, p, b } = pair();
    assert.equal(await text(batched), await text(plain));
    p.histogram.observe(0.2);
    b.histogram.observe(0.2);
    b.counter.labels('banner', 'rule').inc();
    b.counter.reset();
    b.histogram.reset();
    p.histogram.reset();
    assert.equal(await text(batched), await text(plain));
  });

  it('refuse what prom-client refuses: negative or non-finite values, unknown labels', () => {
    const { b } = pair();
    assert.throws(() => b.bare.inc(-1), /decrease/);
    assert.throws(() => b.bare.inc(Number.NaN), TypeError);
    assert.throws(() => b.counter.inc({ placement: 'x', nope: 'y' } as never), /nope/);
    assert.throws(() => b.histogram.observe(Number.POSITIVE_INFINITY), TypeError);
  });
});
