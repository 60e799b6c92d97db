import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ConfigError,
  behaviourOf,
  canonicalJson,
  defaultConfig,
  digestRules,
  parseConfig,
  rulesOf,
  settingsOf,
  type ConfigIssue,
} from './config-file.js';
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

describe('rules', () => {
  const ruleYaml = (rule: string[]) =>
    [
      'rules:',
      '  - id: welcome',
      '    trigger: { type: event, event: Signed Up }',
      '    actions:',
      '      - { type: decide, placement: banner, content: welcome }',
      '  - id: second',
      ...rule.map((line) => `    ${line}`),
    ].join('\n');
  const only = (text: string) => {
    const issues = issuesOf(text);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]?.file, 'onramp.yaml');
    return issues[0] as ConfigIssue;
  };
  const decide = ['actions:', '  - type: decide', '    placement: banner', '    content: tips'];

  test('valid rules load with defaults, settings and a stable digest', () => {
    const text = [
      ruleYaml(['trigger: { type: inactive, for: 5m }', ...decide]),
      'ruleSettings:',
      '  fatigue: { max: 3, per: 1d }',
    ].join('\n');
    const config = parseConfig(text, 'onramp.yaml');
    const { rules, settings } = rulesOf(config);
    assert.deepEqual(
      rules.map((rule) => rule.id),
      ['welcome', 'second'],
    );
    assert.equal(rules[0]?.enabled, true);
    assert.equal(rules[0]?.priority, 0);
    assert.equal(settings.defaultTimezone, 'UTC');
    assert.deepEqual(settings.fatigue, { max: 3, per: '1d' });
    const digest = digestRules(config);
    assert.match(digest, /^[0-9a-f]{64}$/);
    const reordered = parseConfig(
      `# a comment\n${text.replace('{ max: 3, per: 1d }', '{ per: 1d, max: 3 }')}\n`,
      'x.yaml',
    );
    assert.equal(digestRules(reordered), digest, 'comments and key order do not count');
    const spelledOut = parseConfig(`${text}\n  defaultTimezone: UTC\n`, 'x.yaml');
    assert.equal(digestRules(spelledOut), digest, 'a default spelled out does not count');
    const changed = parseConfig(text.replace('for: 5m', 'for: 6m'), 'x.yaml');
    assert.notEqual(digestRules(changed), digest);
    assert.deepEqual(defaultConfig().rules, []);
  });

  test('an unknown operator names the file, line, column and operator', () => {
    const issue = only(
      ruleYaml([
        'trigger: { type: condition }',
        'condition:',
        '  traits.plan: { $like: pro }',
        ...decide,
      ]),
    );
    assert.equal(issue.file, 'onramp.yaml');
    assert.equal(issue.field, 'rules.1.condition.traits.plan.$like');
    assert.equal(issue.line, 9);
    assert.equal(issue.column, 22);
    assert.match(issue.message, /operator/i);
  });

  test('an operand of the wrong type names the operator', () => {
    const issue = only(
      ruleYaml([
        'trigger: { type: condition }',
        'condition:',
        '  traits.plan:',
        '    $in: pro',
        ...decide,
      ]),
    );
    assert.equal(issue.field, 'rules.1.condition.traits.plan.$in');
    assert.equal(issue.line, 10);
    assert.equal(issue.column, 9);
  });

  test('an unknown path names the path', () => {
    const issue = only(
      ruleYaml(['trigger: { type: condition }', 'condition:', '  trait.plan: pro', ...decide]),
    );
    assert.equal(issue.field, 'rules.1.condition.trait.plan');
    assert.equal(issue.line, 9);
    assert.equal(issue.column, 7);
  });

  test('an unknown action type is one line listing the action types', () => {
    const issue = only(
      ruleYaml([
        'trigger: { type: condition }',
        'actions:',
        '  - type: show',
        '    placement: banner',
      ]),
    );
    assert.equal(issue.field, 'rules.1.actions.0.type');
    assert.equal(issue.line, 9);
    assert.equal(issue.column, 9);
    assert.equal(
      issue.message,
      'unknown action type "show"; must be one of: decide, clearDecision, setTrait, unsetTrait, emit, advanceFlow, message',
    );
  });

  test('a known action type reports its own fields only', () => {
    const issue = only(
      ruleYaml([
        'trigger: { type: condition }',
        'actions:',
        '  - type: decide',
        '    placement: banner',
      ]),
    );
    assert.equal(issue.field, 'rules.1.actions.0.content');
    assert.equal(issue.message, 'is required');
    assert.equal(issue.line, 9);
  });

  test('a bad duration names the trigger field', () => {
    const issue = only(ruleYaml(['trigger:', '  type: inactive', '  for: 5 minutes', ...decide]));
    assert.equal(issue.field, 'rules.1.trigger.for');
    assert.equal(issue.line, 9);
    assert.equal(issue.column, 7);
    assert.match(issue.message, /positive duration/);
  });

  test('a bad trigger: unknown type, or a missing field of its type', () => {
    const unknown = only(ruleYaml(['trigger: { type: sometimes }', ...decide]));
    assert.equal(unknown.field, 'rules.1.trigger.type');
    assert.equal(unknown.line, 7);
    assert.equal(unknown.column, 16);
    assert.match(
      unknown.message,
      /^unknown trigger type "sometimes"; must be one of: event, condition, segment, inactive, delay, localTime$/,
    );
    const missing = only(ruleYaml(['trigger: { type: delay, event: Signed Up }', ...decide]));
    assert.equal(missing.field, 'rules.1.trigger.delay');
    assert.equal(missing.message, 'is required');
    assert.equal(missing.line, 7);
    const localTime = only(ruleYaml(['trigger: { type: localTime, at: "9:00" }', ...decide]));
    assert.equal(localTime.field, 'rules.1.trigger.at');
    assert.match(localTime.message, /HH:MM/);
  });

  test('rule settings are checked by the compiler too, under ruleSettings', () => {
    const issue = only(
      [
        ruleYaml(['trigger: { type: condition }', 'condition: { traits.plan: pro }', ...decide]),
        'ruleSettings:',
        '  defaultTimezone: Mars/Olympus',
      ].join('\n'),
    );
    assert.equal(issue.field, 'ruleSettings.defaultTimezone');
    assert.equal(issue.line, 14);
    assert.equal(issue.column, 3);
    assert.match(issue.message, /unknown timezone "Mars\/Olympus"/);
  });

  test('duplicate rule ids and __proto__ in a condition are refused', () => {
    const duplicate = issuesOf(
      ruleYaml(['trigger: { type: condition }', ...decide]).replace('id: second', 'id: welcome'),
    );
    assert.ok(
      duplicate.some((issue) => issue.field.startsWith('rules.1')),
      JSON.stringify(duplicate),
    );
    const proto = issuesOf(
      ruleYaml([
        'trigger: { type: condition }',
        'condition:',
        '  __proto__: { polluted: 1 }',
        ...decide,
      ]),
    );
    assert.ok(
      proto.some((issue) => issue.field.startsWith('rules.1.condition')),
      JSON.stringify(proto),
    );
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

describe('segments, cohorts and clusterings', () => {
  const text = [
    'segments:',
    '  - id: admins',
    '    condition: { traits.role: admin }',
    'cohorts:',
    '  - id: engagement',
    '    metric: engagement',
    '    bands: [{ id: top, percent: 20 }, { id: rest, percent: 80 }]',
    'clusterings:',
    '  - id: behaviour',
    '    features: [events.Feature Used, sessions.count]',
  ].join('\n');

  test('load with defaults and change the digest; configs without them keep theirs', () => {
    const config = parseConfig(text, 'onramp.yaml');
    assert.equal(config.cohorts[0]?.minPopulation, 20);
    assert.equal(config.clusterings[0]?.normalization, 'zscore');
    assert.deepEqual(config.clusterings[0]?.k, { min: 2, max: 8 });
    assert.notEqual(digestRules(config), digestRules(defaultConfig()));
    // The digest of a config without segments is what it was before they existed:
    // sha256 of the canonical rules and rule settings alone.
    const plain = defaultConfig();
    const before = createHash('sha256')
      .update(canonicalJson({ rules: plain.rules, ruleSettings: plain.ruleSettings }))
      .digest('hex');
    assert.equal(digestRules(plain), before);
  });

  test('a bad segment condition, cohort band or metric names the file, line and field', () => {
    const issues = issuesOf(
      text
        .replace('traits.role: admin', 'trait.role: admin')
        .replace('percent: 80', 'percent: 70')
        .replace('sessions.count', 'sessions.bogus'),
    );
    assert.deepEqual(
      issues.map((issue) => [issue.field, issue.line]),
      [
        ['segments.0.condition.trait.role', 3],
        ['cohorts.0.bands', 7],
        ['clusterings.0.features.1', 10],
      ],
    );
  });

  test('a rule triggered by an unknown segment is refused', () => {
    const issues = issuesOf(
      [
        text,
        'rules:',
        '  - id: r',
        '    trigger: { type: segment, segment: admin }',
        '    actions: [{ type: emit, event: X }]',
      ].join('\n'),
    );
    assert.deepEqual(
      issues.map((issue) => issue.field),
      ['rules.0.trigger.segment'],
    );
  });
});

describe('content, placements, flows and content settings', () => {
  const text = [
    'content:',
    '  - id: welcome',
    '    type: banner',
    '    fields:',
    '      title: "Hi {{ traits.name | default: \'there\' }}"',
    '    locales:',
    '      fr: { title: Salut }',
    'placements:',
    '  - id: home-banner',
    '    default: welcome',
    'flows:',
    '  - id: setup',
    '    placement: home-banner',
    '    steps:',
    '      - id: invite',
    '        content: welcome',
    '        completion: { event: Teammate Invited }',
    'contentSettings:',
    '  consentCategory: personalization',
  ].join('\n');

  test('load with defaults, reach the config version and change the digest', () => {
    const config = parseConfig(text, 'onramp.yaml');
    const behaviour = behaviourOf(config);
    assert.deepEqual(
      behaviour.content.map((item) => item.id),
      ['welcome'],
    );
    assert.deepEqual(behaviour.placements, [{ id: 'home-banner', default: 'welcome' }]);
    assert.deepEqual(behaviour.flows[0]?.steps[0], {
      id: 'invite',
      content: 'welcome',
      completion: { event: 'Teammate Invited' },
      required: true,
      priority: 0,
    });
    assert.deepEqual(behaviour.contentSettings, {
      defaultLocale: 'en',
      consentCategory: 'personalization',
    });
    assert.deepEqual(behaviourOf(defaultConfig()).contentSettings, { defaultLocale: 'en' });
    const digest = digestRules(config);
    assert.notEqual(digest, digestRules(defaultConfig()));
    const retitled = parseConfig(text.replace('Salut', 'Bonjour'), 'onramp.yaml');
    assert.notEqual(digestRules(retitled), digest, 'a content edit alone changes the digest');
    const resettled = parseConfig(`${text}\n  defaultLocale: fr`, 'onramp.yaml');
    assert.notEqual(digestRules(resettled), digest, 'a content settings edit changes it too');
  });

  test('a config without them keeps the digest it had before they existed', () => {
    const plain = defaultConfig();
    const before = createHash('sha256')
      .update(canonicalJson({ rules: plain.rules, ruleSettings: plain.ruleSettings }))
      .digest('hex');
    const spelledOut = parseConfig(
      'content: []\nplacements: []\nflows: []\ncontentSettings: { defaultLocale: en }\n',
      'onramp.yaml',
    );
    assert.equal(digestRules(plain), before);
    assert.equal(digestRules(spelledOut), before, 'empty lists and default settings do not count');
  });

  test('schema errors name the file, line, column and field', () => {
    const issues = issuesOf(
      text
        .replace('    type: banner', '    type: billboard\n    colour: red')
        .replace('    default: welcome', '    default: "not an id!"')
        .replace('completion: { event: Teammate Invited }', 'completion: { when: later }')
        .replace('  consentCategory: personalization', '  defaultLocale: "en_GB"'),
    );
    assert.deepEqual(
      issues.map((issue) => [issue.field, issue.line, issue.column]),
      [
        ['content.0.colour', 4, 5],
        ['content.0.type', 3, 5],
        ['placements.0.default', 11, 5],
        ['flows.0.steps.0.completion', 18, 9],
        ['contentSettings.defaultLocale', 20, 3],
      ],
      JSON.stringify(issues),
    );
    assert.ok(issues.every((issue) => issue.file === 'onramp.yaml'));
    assert.equal(issues[0]?.message, 'is not a known field');
    assert.match(issues[1]?.message ?? '', /must be one of: message, banner, tooltip/);
    const unknownTop = issuesOf('contentSetting: { defaultLocale: fr }\n');
    assert.deepEqual(
      unknownTop.map((issue) => [issue.field, issue.line]),
      [['contentSetting', 1]],
    );
  });

  test('a placement default naming missing content is a compile error with its line', () => {
    const issues = issuesOf(text.replace('    default: welcome', '    default: farewell'));
    assert.deepEqual(
      issues.map((issue) => [issue.field, issue.line]),
      [['placements.0.default', 10]],
      JSON.stringify(issues),
    );
  });

  test('__proto__ in content fields cannot pollute prototypes', () => {
    const proto = text.replace('      title:', '      __proto__: { polluted: 1 }\n      title:');
    try {
      parseConfig(proto, 'onramp.yaml');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
    }
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('__proto__ in content fields is refused, naming the field', () => {
    const proto = text.replace('      title:', '      __proto__: { polluted: 1 }\n      title:');
    const issues = issuesOf(proto);
    assert.ok(
      issues.some((issue) => issue.field.startsWith('content.0.fields')),
      JSON.stringify(issues),
    );
  });
});
