/**
 * `$regex` patterns are compiled once, at config time, and only if they cannot
 * backtrack catastrophically:
 * - at most MAX_PATTERN_LENGTH characters;
 * - valid JavaScript syntax, flags among `$options` "i", "m", "s" (no "g"/"y":
 *   test() must be stateless);
 * - no nested quantifiers (star height ≤ 1) and at most MAX_QUANTIFIERS
 *   quantifiers, as checked by safe-regex2 (fastify's maintained checker), which
 *   rules out the exponential cases such as (a+)+ and (x+x+)+y;
 * - no backreferences (\1, \k<name>), which no linear bound covers.
 * What remains is at worst polynomial in the tested string, whose length the
 * ingest limits bound (maxMessageBytes); regexes run on strings only.
 */
import safeRegex from 'safe-regex2';

export const MAX_PATTERN_LENGTH = 256;
export const MAX_QUANTIFIERS = 10;
const allowedFlags = /^[ims]*$/;
const backreference = /\\(?:[1-9]|k<)/;

/** The compiled regex, or the reason it is refused. */
export function compileSafeRegex(
  pattern: string,
  options: string,
): { regex: RegExp; flags: string } | { error: string } {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { error: `pattern longer than ${MAX_PATTERN_LENGTH} characters` };
  }
  if (!allowedFlags.test(options) || new Set(options).size !== options.length) {
    return { error: `unsupported $options "${options}" (allowed: i, m, s)` };
  }
  const flags = [...options].sort().join('');
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, flags);
  } catch (error) {
    return { error: `invalid regular expression: ${(error as Error).message}` };
  }
  if (backreference.test(stripClasses(pattern))) {
    return { error: 'backreferences are not allowed (they can backtrack catastrophically)' };
  }
  if (!safeRegex(pattern, { limit: MAX_QUANTIFIERS })) {
    return {
      error: `pattern can backtrack catastrophically (nested quantifiers or more than ${MAX_QUANTIFIERS} quantifiers)`,
    };
  }
  return { regex, flags };
}

/** The pattern without escaped backslashes and character classes, so that \\1 and [\1] are no backreferences. */
function stripClasses(pattern: string): string {
  return pattern.replace(/\\\\/g, '').replace(/\[(?:\\.|[^\]\\])*\]/g, '[]');
}
