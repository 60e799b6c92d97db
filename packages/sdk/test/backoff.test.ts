import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { backoffDelay, isRetryable, retryAfterMs } from '../src/backoff.js';
import { SDK_VERSION } from '../src/environment.js';
import { readFileSync } from 'node:fs';

describe('backoff', () => {
  it('stays within [cap/2, cap] where the cap doubles up to the maximum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, min, extra, random) => {
          const max = min + extra;
          const cap = Math.min(max, min * 2 ** (attempt - 1));
          const delay = backoffDelay(attempt, { minDelayMs: min, maxDelayMs: max }, () => random);
          return delay >= Math.floor(cap / 2) && delay <= Math.ceil(cap);
        },
      ),
    );
  });

  it('reads Retry-After as seconds or a date, and ignores nonsense', () => {
    const now = Date.UTC(2026, 0, 1);
    assert.equal(retryAfterMs('7', now), 7000);
    assert.equal(retryAfterMs(new Date(now + 30_000).toUTCString(), now), 30_000);
    assert.equal(retryAfterMs(new Date(now - 30_000).toUTCString(), now), 0);
    assert.equal(retryAfterMs('999999999', now), 3_600_000, 'capped at an hour');
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs('-5', now), undefined);
    assert.equal(retryAfterMs(null, now), undefined);
  });

  it('retries network errors, 408, 429 and 5xx only', () => {
    assert.deepEqual(
      [0, 200, 400, 401, 403, 404, 408, 413, 429, 500, 503].filter(isRetryable),
      [0, 408, 429, 500, 503],
    );
  });

  it('sends the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    assert.equal(SDK_VERSION, pkg.version);
  });
});
