/**
 * Locale tags: canonical forms (Intl.getCanonicalLocales) and the fallback chain
 * a request walks, from the most specific tag to its language.
 */

/** Longer input is not a locale tag worth parsing. */
const maxTagLength = 100;

/** Tags seen lately and their canonical forms: Intl's parsing costs microseconds per call. */
const canonicalForms = new Map<string, string | null>();
/** The memo is emptied when it reaches this size (tags are few: an app's locales). */
const maxRemembered = 1000;

/**
 * The canonical form of a BCP 47 tag ("fr-ca" → "fr-CA", "zh-hant-tw" → "zh-Hant-TW");
 * undefined for anything else (not a string, empty, too long, not a valid tag). Never throws.
 */
export function canonicalLocale(tag: unknown): string | undefined {
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > maxTagLength) return undefined;
  const known = canonicalForms.get(tag);
  if (known !== undefined) return known ?? undefined;
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(tag)[0];
  } catch {
    canonical = undefined;
  }
  if (canonicalForms.size >= maxRemembered) canonicalForms.clear();
  canonicalForms.set(tag, canonical ?? null);
  return canonical;
}

/**
 * The tags to try for a canonical tag, most specific first: "zh-Hant-TW" →
 * ["zh-Hant-TW", "zh-Hant", "zh"]. Extensions and private use ("-u-…", "-x-…") are
 * dropped first.
 */
export function localeChain(tag: string): string[] {
  return [...rememberedChain(tag)];
}

/** Chains computed lately (every render walks one); bounded like canonicalForms. */
const chains = new Map<string, readonly string[]>();

/** localeChain, remembered: the same array for the same tag, not to be changed. */
export function rememberedChain(tag: string): readonly string[] {
  const known = chains.get(tag);
  if (known !== undefined) return known;
  const chain = Object.freeze(computeChain(tag));
  if (chains.size >= maxRemembered) chains.clear();
  chains.set(tag, chain);
  return chain;
}

function computeChain(tag: string): string[] {
  const subtags = tag.split('-');
  let end = subtags.findIndex((subtag, index) => index > 0 && subtag.length === 1);
  if (end === -1) end = subtags.length;
  const chain: string[] = [];
  for (; end > 0; end--) {
    if (subtags[end - 1] === '') continue;
    chain.push(subtags.slice(0, end).join('-'));
  }
  return chain;
}
