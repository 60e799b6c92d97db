import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalLocale, localeChain, rememberedChain } from './locale.js';

describe('canonicalLocale', () => {
  it('returns the canonical form of valid tags', () => {
    assert.equal(canonicalLocale('fr'), 'fr');
    assert.equal(canonicalLocale('fr-ca'), 'fr-CA');
    assert.equal(canonicalLocale('FR-CA'), 'fr-CA');
    assert.equal(canonicalLocale('zh-hant-tw'), 'zh-Hant-TW');
    assert.equal(canonicalLocale('pt-BR'), 'pt-BR');
    assert.equal(canonicalLocale('fr-ca'), 'fr-CA', 'the same answer when remembered');
    // More tags than the memo keeps: it starts over and still answers right.
    for (let i = 0; i < 1_500; i++) canonicalLocale(`en-x-t${i}`);
    assert.equal(canonicalLocale('FR-CA'), 'fr-CA');
  });

  it('returns undefined for anything else, without throwing', () => {
    for (const tag of [
      '',
      'x',
      'fr_CA',
      'not a locale',
      'en-',
      `en-${'a'.repeat(200)}`,
      42,
      null,
      undefined,
      {},
      ['fr'],
      { toString: () => 'fr' },
    ]) {
      assert.equal(canonicalLocale(tag), undefined, String(tag));
      assert.equal(canonicalLocale(tag), undefined, `${String(tag)}, asked again`);
    }
  });
});

describe('localeChain', () => {
  it('goes from the tag to its language', () => {
    assert.deepEqual(localeChain('zh-Hant-TW'), ['zh-Hant-TW', 'zh-Hant', 'zh']);
    assert.deepEqual(localeChain('fr-CA'), ['fr-CA', 'fr']);
    assert.deepEqual(localeChain('fr'), ['fr']);
  });

  it('drops extensions and private use first', () => {
    assert.deepEqual(localeChain('en-US-u-ca-buddhist'), ['en-US', 'en']);
    assert.deepEqual(localeChain('de-x-formal'), ['de']);
  });

  it('returns nothing for an empty tag', () => {
    assert.deepEqual(localeChain(''), []);
  });
});

describe('rememberedChain', () => {
  it('is localeChain, the same frozen array for the same tag, which callers of localeChain cannot change', () => {
    const first = rememberedChain('fr-CA');
    assert.deepEqual(first, ['fr-CA', 'fr']);
    assert.equal(rememberedChain('fr-CA'), first);
    assert.ok(Object.isFrozen(first));
    const copy = localeChain('fr-CA');
    copy.reverse();
    assert.deepEqual(rememberedChain('fr-CA'), ['fr-CA', 'fr']);
    assert.deepEqual(rememberedChain('zh-Hant-TW-x-private'), localeChain('zh-Hant-TW-x-private'));
  });
});
