import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Liquid } from 'liquidjs';
import { compileTemplate, renderTemplate } from './liquid.js';

// The fast path must render exactly as liquidjs does (same options as ours), for
// every template it takes: compared on random templates and random data.

const reference = new Liquid({
  outputEscape: 'escape',
  strictVariables: true,
  lenientIf: true,
  strictFilters: true,
  ownPropertyOnly: true,
  jsTruthy: false,
});

const text = fc.string({ maxLength: 12 }).map((s) => s.replace(/[{}%]/g, ''));
const key = fc.constantFrom('a', 'b', 'name', 'x y', 'constructor', '__proto__', 'toString');
const path = fc
  .array(key, { minLength: 1, maxLength: 3 })
  .map((keys) =>
    keys
      .map((k, i) =>
        i === 0 ? (/^[a-z]+$/.test(k) ? k : 'a') : /^[a-z]+$/.test(k) ? `.${k}` : `["${k}"]`,
      )
      .join(''),
  );
const output = fc
  .tuple(
    path,
    fc.option(
      text.map((s) => s.replace(/["\\]/g, '')),
      { nil: undefined },
    ),
  )
  .map(([p, fallback]) =>
    fallback === undefined ? `{{ ${p} }}` : `{{ ${p} | default: "${fallback}" }}`,
  );
const template = fc
  .array(fc.oneof(text, output), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join(''));
const leaf = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('', '<b>"x" & \'y\'</b>', 'é'),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const data = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('object')),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
})).object;

function expected(source: string, scope: object, strict: boolean) {
  try {
    const text = reference.parseAndRenderSync(source, scope, { strictVariables: strict });
    return { ok: true, text };
  } catch (error) {
    const cause = (error as { originalError?: Error }).originalError;
    if (cause?.name === 'InternalUndefinedVariableError') {
      return { ok: false, code: 'missing-data', message: cause.message };
    }
    return { ok: false, code: 'render-error' };
  }
}

describe('fast-path templates', () => {
  it('render exactly as liquidjs does', () => {
    fc.assert(
      fc.property(template, data, fc.boolean(), (source, scope, strict) => {
        const compiled = compileTemplate(source);
        const actual = renderTemplate(compiled, scope, { strict });
        const wanted = expected(source, scope, strict);
        if (!wanted.ok && wanted.code === 'render-error') return;
        assert.deepEqual(
          actual.ok
            ? { ok: true, text: actual.text }
            : { ok: false, code: actual.code, message: actual.message },
          wanted,
          source,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('takes text and simple outputs, and leaves everything else to liquidjs', () => {
    const fast = (source: string) => compileTemplate(source).fast !== undefined;
    assert.equal(fast('Hi {{ traits.first_name | default: "there" }}!'), true);
    assert.equal(fast('{{ user.userId }} {{ traits["a b"] }}'), true);
    assert.equal(fast('{{ traits.name | upcase }}'), false);
    assert.equal(fast('{{ traits.name | escape }}'), false);
    assert.equal(fast('{{ traits.name | raw }}'), false);
    assert.equal(fast('{{ traits.tags.size }}'), false);
    assert.equal(fast('{% if traits.x %}y{% endif %}'), false);
    assert.equal(fast('{{ traits.n | default: 3 }}'), false);
  });

  it('hands objects, arrays and huge strings to liquidjs, which renders them as it always did', () => {
    const compiled = compileTemplate('{{ traits.v }}');
    for (const value of [{ a: 1 }, ['a', '<b>'], 'x'.repeat(20_000)]) {
      const scope = { traits: { v: value } };
      const actual = renderTemplate(compiled, scope, { strict: true });
      assert.deepEqual(
        actual.ok ? actual.text : actual,
        expected('{{ traits.v }}', scope, true).text,
      );
    }
  });
});
