import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleIssue } from '../rules/rule.js';
import { compileContentList } from './compile-content.js';
import type { CompiledContent, RenderRequest, RenderResult } from './content.js';
import type { ContentItem } from './content-schema.js';

function compile(items: unknown[], defaultLocale = 'en') {
  const issues: RuleIssue[] = [];
  const content = compileContentList(items as ContentItem[], { defaultLocale }, issues);
  return { content, issues };
}

function compileOne(item: Record<string, unknown>, defaultLocale = 'en'): CompiledContent {
  const { content, issues } = compile([{ id: 'x', type: 'banner', ...item }], defaultLocale);
  assert.deepEqual(issues, []);
  return content.get('x') as CompiledContent;
}

const ada = { traits: { first_name: 'Ada' } };

function render(item: CompiledContent, request: Partial<RenderRequest>): RenderResult {
  return item.render({ locale: undefined, scope: ada, ...request });
}

describe('compileContentList: rendering', () => {
  it('renders every template leaf and passes other JSON values through', () => {
    const item = compileOne({
      fields: {
        title: 'Hi {{ traits.first_name }}',
        body: 'Plain <b>text</b>',
        cta: { label: 'Go, {{ traits.first_name }}', url: '/start', primary: true },
        order: 2,
        hidden: null,
        list: ['{{ traits.first_name | upcase }}', 1, false],
      },
    });
    assert.deepEqual(render(item, {}), {
      ok: true,
      fields: {
        title: 'Hi Ada',
        body: 'Plain <b>text</b>',
        cta: { label: 'Go, Ada', url: '/start', primary: true },
        order: 2,
        hidden: null,
        list: ['ADA', 1, false],
      },
      locale: 'en',
      usedFallback: false,
    });
  });

  it('escapes malicious trait values; raw does not', () => {
    const item = compileOne({
      fields: {
        title: 'Hi {{ traits.first_name }}',
        body: '<p title="{{ traits.q }}">{{ traits.q | raw }}</p>',
      },
    });
    const scope = {
      traits: { first_name: '<script>alert(1)</script>', q: '"><img src=x onerror=alert(1)>' },
    };
    assert.deepEqual(render(item, { scope }), {
      ok: true,
      fields: {
        title: 'Hi &lt;script&gt;alert(1)&lt;/script&gt;',
        body: '<p title="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;">"><img src=x onerror=alert(1)></p>',
      },
      locale: 'en',
      usedFallback: false,
    });
  });

  it('renders the fallback, without the data, when a template reads missing data', () => {
    const item = compileOne({
      fields: { title: 'Hi {{ traits.first_name }}', body: 'Welcome back' },
      locales: { fr: { title: 'Salut {{ traits.first_name }}' } },
      fallback: { title: 'Hi{{ traits.first_name }}!', body: 'Welcome' },
    });
    const expected = {
      ok: true,
      fields: { title: 'Hi!', body: 'Welcome' },
      locale: 'en',
      usedFallback: true,
    };
    assert.deepEqual(render(item, { scope: { traits: {} } }), expected);
    assert.deepEqual(render(item, { scope: {}, locale: 'fr' }), expected);
    assert.deepEqual(render(item, { scope: ada, locale: 'fr' }), {
      ok: true,
      fields: { title: 'Salut Ada', body: 'Welcome back' },
      locale: 'fr',
      usedFallback: false,
    });
  });

  it('fails with missing-data, naming the field, when there is no fallback', () => {
    const item = compileOne({
      fields: { title: 'Hello', steps: [{ title: 'Hi {{ traits.first_name }}' }] },
      locales: { 'fr-CA': { body: '{{ traits.city }}' } },
    });
    assert.deepEqual(render(item, { scope: {} }), {
      ok: false,
      code: 'missing-data',
      message: 'fields.steps.0.title: undefined variable: traits',
    });
    assert.deepEqual(render(item, { locale: 'fr-CA' }), {
      ok: false,
      code: 'missing-data',
      message: 'locales.fr-CA.body: undefined variable: traits.city',
    });
  });

  it('lets default, if and unless read missing data', () => {
    const item = compileOne({
      fields: {
        title: 'Hi {{ traits.last_name | default: "there" }}',
        body: '{% if traits.vip %}VIP{% else %}Welcome{% endif %}{% unless traits.x %}!{% endunless %}',
      },
    });
    assert.deepEqual(render(item, {}), {
      ok: true,
      fields: { title: 'Hi there', body: 'Welcome!' },
      locale: 'en',
      usedFallback: false,
    });
  });

  it('reads no prototype property of the data', () => {
    const item = compileOne({
      fields: { title: '{{ traits.constructor.name }}', body: '{{ traits.__proto__ }}' },
      fallback: { title: '[{{ traits.constructor.name }}]', body: '[{{ traits.__proto__ }}]' },
    });
    assert.deepEqual(render(item, {}), {
      ok: true,
      fields: { title: '[]', body: '[]' },
      locale: 'en',
      usedFallback: true,
    });
  });

  it('fails with render-error, fallback or not, when a template exceeds its limits', () => {
    const item = compileOne({
      fields: { title: 'Hi', body: '{% for i in (1..100000000) %}{{ i }}{% endfor %}' },
      fallback: { title: 'Hi' },
    });
    const started = performance.now();
    assert.deepEqual(render(item, {}), {
      ok: false,
      code: 'render-error',
      message: 'fields.body: memory alloc limit exceeded, line:1, col:1',
    });
    // Unbounded, the loop would render for minutes: seconds leave room for a loaded machine.
    assert.ok(performance.now() - started < 5000);
  });

  it('bounds the whole item, not each field', () => {
    const big = '{% assign r = (1..60000) %}ok';
    // One 60 000-element range fits the memory budget (the time budget may run out on a
    // loaded CI machine; that is a different limit), two do not.
    const one = render(compileOne({ fields: { title: big } }), {});
    if (one.ok) assert.deepEqual(one.fields, { title: 'ok' });
    else assert.equal(one.message, 'fields.title: template render limit exceeded');
    assert.deepEqual(render(compileOne({ fields: { title: big, body: big } }), {}), {
      ok: false,
      code: 'render-error',
      message: 'fields.body: memory alloc limit exceeded, line:1, col:1',
    });
  });

  it('never throws, whatever the data does', () => {
    const item = compileOne({ fields: { title: '{{ traits.x }}' } });
    const traits = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const result = render(item, { scope: { traits } });
    assert.equal(result.ok, false);
    assert.equal(result.ok ? '' : result.code, 'render-error');
    assert.match(result.ok ? '' : result.message, /^fields\.title: boom/);
  });

  it('returns new fields on every render', () => {
    const item = compileOne({ fields: { title: 'Hi', cta: { label: 'Go' }, list: [1] } });
    const first = render(item, {});
    assert.ok(first.ok);
    (first.fields.cta as Record<string, unknown>).label = 'changed';
    (first.fields.list as unknown[]).push(2);
    assert.deepEqual(render(item, {}), {
      ok: true,
      fields: { title: 'Hi', cta: { label: 'Go' }, list: [1] },
      locale: 'en',
      usedFallback: false,
    });
  });
});

describe('compileContentList: locales and variants', () => {
  const localized = () =>
    compileOne({
      fields: { title: 'Hello', body: 'Body', cta: { label: 'Go', url: '/go' }, list: ['a', 'b'] },
      locales: {
        fr: { title: 'Bonjour', body: 'Corps', cta: { label: 'Aller' }, list: ['x'] },
        'fr-ca': { title: 'Allo' },
        'zh-Hant': { title: '你好' },
      },
    });

  it('walks the chain fr-CA → fr → default, field by field', () => {
    const item = localized();
    assert.deepEqual(item.locales, ['fr', 'fr-CA', 'zh-Hant']);
    assert.deepEqual(render(item, { locale: 'fr-CA' }), {
      ok: true,
      fields: { title: 'Allo', body: 'Corps', cta: { label: 'Aller', url: '/go' }, list: ['x'] },
      locale: 'fr-CA',
      usedFallback: false,
    });
    const french = {
      title: 'Bonjour',
      body: 'Corps',
      cta: { label: 'Aller', url: '/go' },
      list: ['x'],
    };
    assert.deepEqual(render(item, { locale: 'fr-FR' }), {
      ok: true,
      fields: french,
      locale: 'fr',
      usedFallback: false,
    });
    assert.deepEqual(render(item, { locale: 'fr' }), {
      ok: true,
      fields: french,
      locale: 'fr',
      usedFallback: false,
    });
    assert.deepEqual(render(item, { locale: 'zh-Hant-TW' }), {
      ok: true,
      fields: { title: '你好', body: 'Body', cta: { label: 'Go', url: '/go' }, list: ['a', 'b'] },
      locale: 'zh-Hant',
      usedFallback: false,
    });
  });

  it('uses the default fields and locale when nothing matches', () => {
    const item = localized();
    const english = {
      ok: true,
      fields: { title: 'Hello', body: 'Body', cta: { label: 'Go', url: '/go' }, list: ['a', 'b'] },
      locale: 'en',
      usedFallback: false,
    };
    assert.deepEqual(render(item, { locale: 'de-DE' }), english);
    assert.deepEqual(render(item, { locale: 'zh' }), english);
    assert.deepEqual(render(item, { locale: undefined }), english);
  });

  it('treats an unmatched request as one for the default locale', () => {
    const item = compileOne(
      { fields: { title: 'Hallo' }, locales: { 'de-AT': { title: 'Servus' } } },
      'de-at',
    );
    const austrian = {
      ok: true,
      fields: { title: 'Servus' },
      locale: 'de-AT',
      usedFallback: false,
    };
    assert.deepEqual(render(item, { locale: undefined }), austrian);
    assert.deepEqual(render(item, { locale: 'fr' }), austrian);
    assert.deepEqual(render(item, { locale: 'de' }), austrian);
    const plain = compileOne(
      { fields: { title: 'Hallo' }, locales: { fr: { title: 'Salut' } } },
      'de-AT',
    );
    assert.deepEqual(render(plain, { locale: 'es' }), {
      ok: true,
      fields: { title: 'Hallo' },
      locale: 'de-AT',
      usedFallback: false,
    });
  });

  const withVariants = () =>
    compileOne({
      fields: { title: 'A title', body: 'A body' },
      locales: { fr: { title: 'Titre A', body: 'Corps A' }, 'fr-CA': { body: 'Corps A (CA)' } },
      variants: [
        {
          id: 'b',
          fields: { title: 'B title' },
          locales: { fr: { title: 'Titre B' }, de: { title: 'Titel B' } },
        },
        { id: 'c', fields: { body: 'C body' } },
      ],
    });

  it('lays a variant over the item at each level, the most specific locale winning', () => {
    const item = withVariants();
    assert.deepEqual(item.variants, ['b', 'c']);
    assert.deepEqual(item.locales, ['fr', 'fr-CA', 'de']);
    const cases: [RenderRequest['locale'], string | undefined, Record<string, string>, string][] = [
      [undefined, 'b', { title: 'B title', body: 'A body' }, 'en'],
      ['fr', 'b', { title: 'Titre B', body: 'Corps A' }, 'fr'],
      ['fr-CA', 'b', { title: 'Titre B', body: 'Corps A (CA)' }, 'fr-CA'],
      ['de', 'b', { title: 'Titel B', body: 'A body' }, 'de'],
      ['fr-CA', 'c', { title: 'Titre A', body: 'Corps A (CA)' }, 'fr-CA'],
      [undefined, 'c', { title: 'A title', body: 'C body' }, 'en'],
    ];
    for (const [locale, variant, fields, used] of cases) {
      assert.deepEqual(
        render(item, { locale, variant }),
        { ok: true, fields, locale: used, variant, usedFallback: false },
        `${locale} ${variant}`,
      );
    }
  });

  it('renders the item itself for no variant or an unknown one', () => {
    const item = withVariants();
    const own = { ok: true, fields: { title: 'Titel B' }, locale: 'de', usedFallback: false };
    assert.notDeepEqual(render(item, { locale: 'de' }), own);
    for (const variant of [undefined, 'z', '__proto__', 'constructor']) {
      assert.deepEqual(render(item, { locale: 'de', variant }), {
        ok: true,
        fields: { title: 'A title', body: 'A body' },
        locale: 'en',
        usedFallback: false,
      });
    }
  });

  it('describes the item', () => {
    const { content } = compile([
      { id: 'list', type: 'checklist', flow: 'setup', fields: { title: 'Setup' } },
      { id: 'tip', type: 'tooltip', fields: { target: '#save', body: 'Save' } },
    ]);
    const list = content.get('list') as CompiledContent;
    assert.deepEqual(
      [list.id, list.type, list.flow, list.locales, list.variants],
      ['list', 'checklist', 'setup', [], []],
    );
    const tip = content.get('tip') as CompiledContent;
    assert.deepEqual([tip.type, tip.flow], ['tooltip', undefined]);
    assert.equal(tip.definition.id, 'tip');
  });
});

describe('compileContentList: problems', () => {
  it('reports every problem of every item, with its path', () => {
    const { content, issues } = compile([
      { id: 'a', type: 'banner', fields: { title: 'Hi {{ x | shout }}' } },
      { id: 'a', type: 'banner', fields: { title: 'Again' } },
      {
        id: 'b',
        type: 'banner',
        fields: { title: 'Hello' },
        locales: {
          'fr-CA': { body: '{% if x %}' },
          fr_CA: { title: 'x' },
          'fr-ca': { title: 'y' },
        },
        fallback: { title: '{{ x' },
        variants: [
          { id: 'v', fields: { title: '{% for %}' }, locales: { de: { title: '{{ y | nope }}' } } },
          { id: 'v', fields: { title: 'dup' } },
          { id: 'constructor' },
        ],
      },
      { id: 'constructor', type: 'banner', fields: { title: 'x' } },
      { id: 'c', type: 'popup', fields: { title: 'x' } },
      'not an item',
    ]);
    assert.deepEqual(issues, [
      {
        path: ['(content)', 0, 'fields', 'title'],
        message: 'invalid template: undefined filter: shout, line:1, col:4',
      },
      { path: ['(content)', 1, 'id'], message: 'duplicate content id "a"' },
      {
        path: ['(content)', 2, 'locales', 'fr-CA', 'body'],
        message: 'invalid template: tag {% if x %} not closed, line:1, col:1',
      },
      {
        path: ['(content)', 2, 'locales', 'fr_CA'],
        message: 'invalid locale tag "fr_CA"; a BCP 47 tag such as "fr-CA"',
      },
      {
        path: ['(content)', 2, 'locales', 'fr-ca'],
        message: 'locale "fr-ca" is the same as "fr-CA"',
      },
      {
        path: ['(content)', 2, 'fallback', 'title'],
        message: 'invalid template: output "{{ x" not closed, line:1, col:1',
      },
      {
        path: ['(content)', 2, 'variants', 0, 'fields', 'title'],
        message: 'invalid template: illegal tag: {% for %}, line:1, col:1',
      },
      {
        path: ['(content)', 2, 'variants', 0, 'locales', 'de', 'title'],
        message: 'invalid template: undefined filter: nope, line:1, col:1',
      },
      { path: ['(content)', 2, 'variants', 1, 'id'], message: 'duplicate variant id "v"' },
      {
        path: ['(content)', 2, 'variants', 2, 'id'],
        message: '"constructor" is not allowed as an id',
      },
      { path: ['(content)', 3, 'id'], message: '"constructor" is not allowed as an id' },
      {
        path: ['(content)', 4, 'type'],
        message:
          'unknown content type "popup"; one of message, banner, tooltip, modal, checklist, tour, offer',
      },
      { path: ['(content)', 5], message: 'must be an object' },
    ]);
    assert.deepEqual([...content.keys()], ['a', 'b']);
    assert.deepEqual((content.get('b') as CompiledContent).variants, ['v']);
  });

  it('reports structure that the schema should have caught', () => {
    const { issues } = compile([
      { id: '', type: 'banner', fields: { title: 'x' } },
      { type: 'banner', fields: { title: 'x' } },
      { id: 'd', type: 'banner', fields: { title: 'x' }, locales: ['fr'], variants: {} },
      {
        id: 'e',
        type: 'banner',
        fields: { title: 'x' },
        variants: [null, { id: 'w', fields: [] }],
      },
      { id: 'f', type: 'banner', fields: { title: 'x' }, locales: { fr: 'Bonjour' } },
    ]);
    assert.deepEqual(issues, [
      { path: ['(content)', 0, 'id'], message: 'missing content id' },
      { path: ['(content)', 1, 'id'], message: 'missing content id' },
      { path: ['(content)', 2, 'locales'], message: 'must be an object: locale tag → fields' },
      { path: ['(content)', 2, 'variants'], message: 'must be a list of variants' },
      { path: ['(content)', 3, 'variants', 0], message: 'must be an object' },
      { path: ['(content)', 3, 'variants', 1, 'fields'], message: 'must be an object of fields' },
      { path: ['(content)', 4, 'locales', 'fr'], message: 'must be an object of fields' },
    ]);
    const notAList = compile('items' as unknown as unknown[]);
    assert.deepEqual(notAList.issues, [
      { path: ['(content)'], message: 'must be a list of content items' },
    ]);
    assert.equal(notAList.content.size, 0);
  });
});
