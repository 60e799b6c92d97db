import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClientMessage } from './decision-socket-message.js';

const fieldsOf = (text: string): string[] => {
  const parsed = parseClientMessage(text);
  assert.equal(parsed.ok, false, text);
  return parsed.ok ? [] : parsed.errors.map((error) => error.field);
};

test('accepts a context change and keeps only the fields given', () => {
  const parsed = parseClientMessage(
    JSON.stringify({
      type: 'context',
      placements: ['hero'],
      locale: 'fr-CA',
      url: 'https://app.example.com/x',
      context: { plan: { tier: 'pro' } },
      flows: true,
    }),
  );
  assert.deepEqual(parsed, {
    ok: true,
    change: {
      placements: ['hero'],
      locale: 'fr-CA',
      url: 'https://app.example.com/x',
      context: { plan: { tier: 'pro' } },
      flows: true,
    },
  });
  assert.deepEqual(parseClientMessage('{"type":"context"}'), { ok: true, change: {} });
});

test('names every field at fault', () => {
  assert.deepEqual(fieldsOf(''), ['message']);
  assert.deepEqual(fieldsOf('null'), ['message']);
  assert.deepEqual(fieldsOf('"context"'), ['message']);
  assert.deepEqual(fieldsOf('{}'), ['type']);
  assert.deepEqual(fieldsOf('{"type":"context","placements":["ok",3,""]}'), [
    'placements.1',
    'placements.2',
  ]);
  assert.deepEqual(fieldsOf(JSON.stringify({ type: 'context', placements: Array(51).fill('a') })), [
    'placements',
  ]);
  assert.deepEqual(fieldsOf('{"type":"context","locale":"","url":5,"context":[],"flows":1}'), [
    'locale',
    'url',
    'context',
    'flows',
  ]);
  const message = parseClientMessage('{"type":"x","other":1}');
  assert.ok(
    !message.ok && message.message === 'other: is not a known field; type: must be "context"',
  );
});

test('refuses __proto__ keys at any depth without touching a prototype', () => {
  assert.deepEqual(fieldsOf('{"__proto__":{"polluted":1},"type":"context"}'), ['__proto__']);
  assert.deepEqual(fieldsOf('{"type":"context","context":{"a":[{"__proto__":{"polluted":1}}]}}'), [
    'context.a.0.__proto__',
  ]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // constructor and prototype are plain data once parsed: allowed.
  assert.equal(parseClientMessage('{"type":"context","context":{"constructor":1}}').ok, true);
});

test('refuses deep nesting and stops at 20 errors', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 9; i++) deep = { a: deep };
  assert.deepEqual(fieldsOf(JSON.stringify({ type: 'context', context: deep })), [
    'context.a.a.a.a.a.a.a.a',
  ]);
  let deeper = '1';
  for (let i = 0; i < 5000; i++) deeper = `{"a":${deeper}}`;
  assert.equal(fieldsOf(`{"type":"context","context":${deeper}}`).length, 1);
  const many = JSON.stringify({ type: 'context', placements: Array(50).fill(1) });
  assert.equal(fieldsOf(many).length, 20);
});
