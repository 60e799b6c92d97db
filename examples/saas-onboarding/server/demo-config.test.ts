import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDemoConfig } from './demo-config.js';

describe('demo config', () => {
  it('loads onramp.yaml, whose help waits 5 minutes of inactivity', () => {
    const config = loadDemoConfig();
    assert.equal(config.workspace.id, 'demo');
    const help = config.rules.find((rule) => rule.id === 'inactive-help');
    assert.deepEqual(help?.trigger, { type: 'inactive', for: '5m' });
  });

  it('shortens every inactive trigger when asked, and leaves the other rules alone', () => {
    const base = loadDemoConfig();
    const short = loadDemoConfig({ idleAfter: '3s' });
    const inactive = short.rules.filter((rule) => rule.trigger.type === 'inactive');
    assert.ok(inactive.length > 0);
    for (const rule of inactive) assert.deepEqual(rule.trigger, { type: 'inactive', for: '3s' });
    const others = (config: typeof base) =>
      config.rules.filter((rule) => rule.trigger.type !== 'inactive');
    assert.deepEqual(others(short), others(base));
  });

  it('refuses an idle time that is not a duration', () => {
    for (const idleAfter of ['', 'soon', '5 minutes', '-1s', '0s']) {
      assert.throws(() => loadDemoConfig({ idleAfter }), /idleAfter/, idleAfter);
    }
  });
});
