import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, digestRules, parseConfig } from '../config/config-file.js';

const flagsYaml = [
  'flags:',
  '  - key: new-checkout',
  '    type: boolean',
  '    variants: { on: true, off: false }',
  '    defaultVariant: off',
  '    rules:',
  '      - when: { traits.plan: pro }',
  '        variant: on',
  '      - rollout:',
  '          - { variant: on, weight: 20 }',
].join('\n');

function issuesOf(text: string) {
  try {
    parseConfig(text, 'onramp.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  assert.fail('expected a ConfigError');
}

test('a config file holds flags, with defaults filled, and they change its digest', () => {
  const config = parseConfig(flagsYaml, 'onramp.yaml');
  assert.equal(config.flags.length, 1);
  assert.equal(config.flags[0]?.enabled, true);
  assert.notEqual(digestRules(config), digestRules(parseConfig('{}', 'empty.yaml')));
  assert.equal(
    digestRules(parseConfig('flags: []', 'a.yaml')),
    digestRules(parseConfig('{}', 'b.yaml')),
  );
});

test('errors in flags name the file, line and field', () => {
  const wrongValue = issuesOf(flagsYaml.replace('on: true, off: false', 'on: "yes", off: false'));
  assert.deepEqual(
    wrongValue.map((issue) => [issue.file, issue.field, issue.line]),
    [['onramp.yaml', 'flags.0.variants.on', 4]],
  );
  const badCondition = issuesOf(flagsYaml.replace('traits.plan: pro', 'colour: red'));
  assert.deepEqual(
    badCondition.map((issue) => [issue.field, issue.line]),
    [['flags.0.rules.0.when.colour', 7]],
  );
  const tooMuch = issuesOf(flagsYaml.replace('weight: 20', 'weight: 120'));
  assert.equal(tooMuch[0]?.field, 'flags.0.rules.1.rollout.0.weight');
  const unknownField = issuesOf(`${flagsYaml}\n    colour: red`);
  assert.equal(unknownField[0]?.field, 'flags.0.colour');
});
