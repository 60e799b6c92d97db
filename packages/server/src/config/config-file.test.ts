import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, defaultConfig, parseConfig, settingsOf } from './config-file.js';
import { EnvError, readEngineEnv } from './env.js';

function issuesOf(text: string) {
  try {
    parseConfig(text, 'onramp.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues;
  }
  assert.fail('expected a ConfigError');
}

test('an empty config gets every default', () => {
  const config = defaultConfig();
  assert.equal(config.workspace.id, 'demo');
  const settings = settingsOf(config);
  assert.deepEqual(settings.profiles.windows, ['1h', '24h', '7d', '30d']);
  assert.equal(settings.profiles.sessionTimeout, '30m');
  assert.equal(settings.ingest.maxMessageBytes, 32 * 1024);
  assert.equal(settings.ingest.maxBatchBytes, 500 * 1024);
  assert.equal(settings.trackingPlan.mode, 'off');
});

test('errors name the file, line, column and field', () => {
  const issues = issuesOf(
    ['ingest:', '  dedupWindow: 0h', 'profiles:', '  windows: [1h, 2x]', '  colour: red'].join(
      '\n',
    ),
  );
  const byField = new Map(issues.map((issue) => [issue.field, issue]));
  assert.equal(byField.get('ingest.dedupWindow')?.line, 2);
  assert.match(byField.get('ingest.dedupWindow')?.message ?? '', /positive duration/);
  assert.equal(byField.get('profiles.windows.1')?.line, 4);
  assert.equal(byField.get('profiles.colour')?.line, 5);
  assert.equal(byField.get('profiles.colour')?.message, 'is not a known field');
  assert.ok(issues.every((issue) => issue.file === 'onramp.yaml'));
});

test('a bad enum lists the allowed values once', () => {
  const issues = issuesOf('trackingPlan:\n  mode: strict\n');
  assert.equal(issues.length, 1);
  assert.equal(issues[0]?.field, 'trackingPlan.mode');
  assert.equal(issues[0]?.message, 'must be one of: off, flag, reject');
  assert.equal(issues[0]?.line, 2);
});

test('a tracking-plan schema that does not compile is a config error naming the event', () => {
  const issues = issuesOf('trackingPlan:\n  events:\n    Signed Up:\n      type: objekt\n');
  assert.equal(issues[0]?.field, 'trackingPlan.events.Signed Up');
  assert.equal(issues[0]?.line, 3);
  assert.match(issues[0]?.message ?? '', /not a valid JSON Schema/);
});

test('YAML syntax errors and wrong types are reported, not thrown raw', () => {
  assert.equal(issuesOf('ingest: [unclosed\n')[0]?.field, '(yaml)');
  const [issue] = issuesOf('ingest:\n  maxMessageBytes: lots\n');
  assert.equal(issue?.field, 'ingest.maxMessageBytes');
  assert.match(issue?.message ?? '', /integer/);
  assert.equal(issuesOf('workspace:\n  id: "Not Valid!"\n')[0]?.field, 'workspace.id');
});

test('__proto__ in the config cannot pollute prototypes', () => {
  const issues = issuesOf('__proto__:\n  polluted: true\n');
  assert.ok(issues.length > 0);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('the environment is read, validated and frozen', () => {
  const env = readEngineEnv({
    PORT: '4100',
    ONRAMP_DATA_DIR: '/tmp/x',
    ONRAMP_DURABILITY: 'normal',
  });
  assert.equal(env.port, 4100);
  assert.equal(env.durability, 'normal');
  assert.equal(env.host, '0.0.0.0');
  assert.ok(Object.isFrozen(env));
  assert.throws(
    () => readEngineEnv({ PORT: 'eighty' }),
    (error: unknown) => {
      assert.ok(error instanceof EnvError);
      assert.match(error.message, /PORT/);
      return true;
    },
  );
  assert.throws(() => readEngineEnv({ ONRAMP_ADMIN_KEY: 'short' }), /ONRAMP_ADMIN_KEY/);
  assert.throws(() => readEngineEnv({ ONRAMP_DURABILITY: 'maybe' }), /ONRAMP_DURABILITY/);
  assert.equal(
    readEngineEnv({ PORT: '4100' }, { port: 0 }).port,
    0,
    'flags win over the environment',
  );
});
