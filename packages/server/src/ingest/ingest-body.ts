import { promisify } from 'node:util';
import { brotliDecompress, unzip, type ZlibOptions } from 'node:zlib';
import { OnrampError } from '../http/errors.js';

// ---- body decoding -----------------------------------------------------------------------------

const unzipAsync = promisify<Buffer, ZlibOptions, Buffer>(unzip);
const brotliAsync = promisify<Buffer, ZlibOptions, Buffer>(brotliDecompress);

export async function decodeBody(
  raw: Buffer,
  encoding: string | undefined,
  limit: number,
): Promise<Buffer> {
  const name = encoding?.trim().toLowerCase();
  if (name === undefined || name === '' || name === 'identity') return raw;
  const inflate =
    name === 'gzip' || name === 'x-gzip' || name === 'deflate'
      ? unzipAsync
      : name === 'br'
        ? brotliAsync
        : undefined;
  if (inflate === undefined) {
    throw new OnrampError(
      'ONR_UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding "${encoding}" is not supported; use gzip, deflate or br.`,
    );
  }
  try {
    return await inflate(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new OnrampError('ONR_PAYLOAD_TOO_LARGE', `Body inflates to more than ${limit} bytes.`, [
        { field: 'body', message: `inflates to more than ${limit} bytes` },
      ]);
    }
    throw new OnrampError('ONR_INVALID_JSON', `Body is not valid ${name} data.`, [
      { field: 'body', message: (error as Error).message },
    ]);
  }
}

/**
 * JSON.parse never writes through `__proto__` (it defines own keys), so parsing
 * cannot pollute prototypes; the core validator rejects such keys with their path.
 */
export function parseJson(body: Buffer): unknown {
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (error) {
    if (text.trim() === '') {
      throw new OnrampError('ONR_INVALID_JSON', 'Body is empty.', [
        { field: 'body', message: 'is empty' },
      ]);
    }
    const reason = (error as Error).message;
    const position = /position \d+/.test(reason) ? -1 : jsonErrorPosition(text);
    const message = position === -1 ? reason : `${reason} (at position ${position})`;
    throw new OnrampError('ONR_INVALID_JSON', 'Body is not valid JSON.', [
      { field: 'body', message },
    ]);
  }
}

/**
 * Offset of the first syntax error in text, or -1 when it is valid JSON. Only runs
 * after JSON.parse failed, because V8 leaves the position out of some messages.
 * Iterative, so deep nesting cannot overflow the stack.
 */
export function jsonErrorPosition(text: string): number {
  const n = text.length;
  const stack: boolean[] = []; // true: inside an object
  let i = 0;
  const skipSpace = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++;
  };
  const scanString = (): boolean => {
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        i++;
        const escaped = text[i];
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) return false;
          i += 4;
        } else if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) {
          return false;
        }
      }
    }
    return false;
  };
  const scanNumber = (): boolean => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (match === null) return false;
    i += match[0].length;
    return true;
  };
  let expectValue = true;
  for (;;) {
    skipSpace();
    if (expectValue) {
      const c = text[i];
      if (c === '{' || c === '[') {
        i++;
        skipSpace();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          expectValue = false;
          continue;
        }
        stack.push(c === '{');
        if (c === '{') {
          if (text[i] !== '"' || !scanString()) return i;
          skipSpace();
          if (text[i] !== ':') return i;
          i++;
        }
        continue;
      }
      const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
      if (literal !== undefined) i += literal.length;
      else if (c === '"' ? !scanString() : !scanNumber()) return i;
      expectValue = false;
      continue;
    }
    if (stack.length === 0) return i < n ? i : -1;
    const inObject = stack[stack.length - 1] as boolean;
    if (text[i] === ',') {
      i++;
      if (inObject) {
        skipSpace();
        if (text[i] !== '"' || !scanString()) return i;
        skipSpace();
        if (text[i] !== ':') return i;
        i++;
      }
      expectValue = true;
    } else if (text[i] === (inObject ? '}' : ']')) {
      i++;
      stack.pop();
    } else {
      return i;
    }
  }
}
