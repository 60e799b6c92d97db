import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, digestRules, parseConfig } from '../config/config-file.js';

const yaml = [
  'content:',
  '  - { id: welcome, type: banner, fields: { title: Welcome } }',
  '  - { id: welcome-b, type: banner, fields: { title: Hello } }',
  'placements:',
  '  - { id: banner, default: welcome }',
  'experiments:',
  '  - id: welcome-test',
  '    status: running',
  '    placement: banner',
  '    variants:',
  '      - { id: control, weight: 50 }',
  '      - { id: friendly, weight: 50, content: { item: welcome-b } }',
  '    metrics:',
  '      - { id: activated, type: conversion, event: Project Created, within: 7d }',
].join('\n');

function issuesOf(text: string) {
  try {
    parseConfig(text, 'onramp.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((issue) => [issue.file, issue.field, issue.line]);
  }
  assert.fail('expected a ConfigError');
}

test('a config file holds experiments, with defaults filled, and they change its digest', () => {
  const config = parseConfig(yaml, 'onramp.yaml');
  assert.deepEqual(
    [config.experiments[0]?.traffic, config.experiments[0]?.metrics[0]?.role],
    [100, 'primary'],
  );
  const withoutExperiments = yaml.slice(0, yaml.indexOf('experiments:'));
  assert.notEqual(digestRules(config), digestRules(parseConfig(withoutExperiments, 'a.yaml')));
  assert.equal(
    digestRules(parseConfig('experiments: []', 'a.yaml')),
    digestRules(parseConfig('{}', 'b.yaml')),
  );
});

test('errors in experiments name the file, line and field', () => {
  assert.deepEqual(issuesOf(yaml.replace('weight: 50 }', 'weight: 40 }')), [
    ['onramp.yaml', 'experiments.0.variants', 10],
  ]);
  assert.deepEqual(issuesOf(yaml.replace('item: welcome-b', 'item: nope')), [
    ['onramp.yaml', 'experiments.0.variants.1.content.item', 12],
  ]);
  assert.deepEqual(issuesOf(`${yaml}\n    colour: red`), [
    ['onramp.yaml', 'experiments.0.colour', 15],
  ]);
  assert.deepEqual(issuesOf(yaml.replace('within: 7d', 'within: soon')), [
    ['onramp.yaml', 'experiments.0.metrics.0.within', 14],
  ]);
});
