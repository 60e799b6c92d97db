import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileTemplate,
  maxTemplateLength,
  RenderBudget,
  renderTemplate,
  TemplateSyntaxError,
  type TemplateRenderResult,
} from './liquid.js';

const scope = {
  traits: {
    first_name: 'Ada',
    script: '<script>alert(1)</script>',
    attribute: '"onerror=alert(1)',
    quote: "it's & <b>",
    plan: 'pro',
    seats: 3,
    tags: ['a', 'b'],
  },
};

function render(source: string, strict = true, data: object = scope): TemplateRenderResult {
  return renderTemplate(compileTemplate(source), data, { strict });
}

function text(source: string, strict = true, data: object = scope): string {
  const result = render(source, strict, data);
  assert.ok(result.ok, `expected ${source} to render, got ${JSON.stringify(result)}`);
  return result.text;
}

function syntaxError(source: string): string {
  try {
    compileTemplate(source);
  } catch (error) {
    assert.ok(error instanceof TemplateSyntaxError);
    return error.message;
  }
  assert.fail(`expected ${source} not to compile`);
}

describe('renderTemplate', () => {
  it('renders variables and filters', () => {
    assert.equal(text('Hi {{ traits.first_name }}!'), 'Hi Ada!');
    assert.equal(text('{{ traits.seats | plus: 1 }} seats'), '4 seats');
    assert.equal(text('{{ traits.tags | join: ", " }}'), 'a, b');
    assert.equal(text('{% if traits.plan == "pro" %}Pro{% else %}Free{% endif %}'), 'Pro');
  });

  it('returns plain text as it is, markup included', () => {
    const template = compileTemplate('<b>Welcome</b> & {enjoy}');
    assert.equal(template.parts, null);
    assert.deepEqual(renderTemplate(template, scope, { strict: true }), {
      ok: true,
      text: '<b>Welcome</b> & {enjoy}',
    });
  });

  it('HTML-escapes data by default; raw opts out', () => {
    assert.equal(text('{{ traits.script }}'), '&lt;script&gt;alert(1)&lt;/script&gt;');
    assert.equal(text('<img alt="{{ traits.attribute }}">'), '<img alt="&#34;onerror=alert(1)">');
    assert.equal(text('{{ traits.quote }}'), 'it&#39;s &amp; &lt;b&gt;');
    assert.equal(text('{{ traits.script | upcase }}'), '&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;');
    assert.equal(text('{{ traits.script | raw }}'), '<script>alert(1)</script>');
    assert.equal(text('{{ "a,b" | split: "," | join: "<" }}'), 'a&lt;b');
  });

  it('fails with missing-data on a missing variable when strict', () => {
    assert.deepEqual(render('Hi {{ traits.last_name }}'), {
      ok: false,
      code: 'missing-data',
      message: 'undefined variable: traits.last_name',
    });
    assert.deepEqual(render('{% for t in traits.missing %}{{ t }}{% endfor %}'), {
      ok: false,
      code: 'missing-data',
      message: 'undefined variable: traits.missing',
    });
    assert.deepEqual(render('{{ nobody.knows }}'), {
      ok: false,
      code: 'missing-data',
      message: 'undefined variable: nobody',
    });
  });

  it('accepts missing data under default, if and unless', () => {
    assert.equal(text('Hi {{ traits.last_name | default: "there" }}'), 'Hi there');
    assert.equal(text('Hi {{ profile.name | default: "there" }}'), 'Hi there');
    assert.equal(text('{% if traits.vip %}VIP{% else %}regular{% endif %}'), 'regular');
    assert.equal(text('{% unless traits.vip %}not VIP{% endunless %}'), 'not VIP');
    assert.equal(text('{% if traits.vip == true %}VIP{% endif %}.'), '.');
  });

  it('renders missing variables as empty when not strict', () => {
    assert.equal(text('Hi {{ traits.last_name }}!', false), 'Hi !');
    assert.equal(text('[{{ nobody.knows }}]', false, {}), '[]');
  });

  it('reads no prototype property', () => {
    for (const source of [
      '{{ traits.constructor }}',
      '{{ traits.constructor.name }}',
      '{{ traits.__proto__ }}',
      '{{ traits["__proto__"] }}',
      '{{ traits.toString }}',
      '{{ traits.hasOwnProperty }}',
      '{{ constructor.name }}',
      '{{ traits.tags.constructor }}',
    ]) {
      const result = render(source);
      assert.equal(result.ok, false, source);
      assert.equal(result.ok ? '' : result.code, 'missing-data', source);
      assert.equal(text(source, false), '', source);
    }
    assert.equal(text('{{ traits.tags | map: "constructor" | join: "," }}'), ',');
  });

  it('stops huge loops and allocations with a render-error, quickly', () => {
    for (const source of [
      '{% for i in (1..100000000) %}{{ i }}{% endfor %}',
      '{% for i in (1..999999) %}{% endfor %}',
      '{% for i in (1..999) %}{% for j in (1..999) %}{% endfor %}{% endfor %}',
      '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}',
      '{{ "abc" | slice: 0, 100000000 }}',
    ]) {
      const started = performance.now();
      const result = render(source);
      const elapsed = performance.now() - started;
      assert.equal(result.ok, false, source);
      assert.equal(result.ok ? '' : result.code, 'render-error', source);
      assert.match(result.ok ? '' : result.message, /limit exceeded/);
      assert.ok(elapsed < 1000, `${source} took ${elapsed} ms`);
    }
  });

  it('shares one budget across the renders given it', () => {
    const loop = compileTemplate('{% assign r = (1..60000) %}ok');
    const budget = new RenderBudget();
    assert.deepEqual(renderTemplate(loop, scope, { strict: true, budget }), {
      ok: true,
      text: 'ok',
    });
    const second = renderTemplate(loop, scope, { strict: true, budget });
    assert.equal(second.ok ? '' : second.message, 'memory alloc limit exceeded, line:1, col:1');
    assert.deepEqual(renderTemplate(loop, scope, { strict: true }), { ok: true, text: 'ok' });
  });

  it('does not change the scope it is given', () => {
    const data = { traits: { tags: ['b', 'a'] } };
    assert.equal(text('{{ traits.tags | sort | join }}{% assign traits = 1 %}', true, data), 'a b');
    assert.deepEqual(data, { traits: { tags: ['b', 'a'] } });
  });
});

describe('compileTemplate', () => {
  it('reports bad syntax and unknown filters with line and column', () => {
    assert.equal(
      syntaxError('Hi\n{{ traits.name | shout }}'),
      'undefined filter: shout, line:2, col:1',
    );
    assert.equal(
      syntaxError('{% if traits.x %}open'),
      'tag {% if traits.x %} not closed, line:1, col:1',
    );
    assert.equal(
      syntaxError('a {{ traits.x }'),
      'output "{{ traits.x }" not closed, line:1, col:3',
    );
    assert.equal(syntaxError('{% frobnicate %}'), 'tag "frobnicate" not found, line:1, col:1');
  });

  it('refuses tags that read files or write into the scope', () => {
    for (const tag of ['include', 'render', 'layout']) {
      assert.equal(
        syntaxError(`x\n {% ${tag} "header" %}`),
        `the "${tag}" tag is not available in content templates, line:2, col:2`,
      );
    }
    assert.equal(
      syntaxError('{% increment counter %}'),
      'the "increment" tag is not available in content templates, line:1, col:1',
    );
    assert.match(syntaxError('{% decrement counter %}'), /"decrement" tag is not available/);
  });

  it('refuses templates longer than the limit', () => {
    assert.equal(compileTemplate('x'.repeat(maxTemplateLength)).source.length, maxTemplateLength);
    assert.equal(
      syntaxError(`{{ a }}${'x'.repeat(maxTemplateLength)}`),
      'template is longer than 10000 characters',
    );
  });

  it('refuses what is not a string', () => {
    assert.equal(syntaxError(42 as unknown as string), 'template must be a string');
  });
});
