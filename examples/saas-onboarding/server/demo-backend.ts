import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The demo app's "backend": the part of a real SaaS that knows who is signed in. It
 * signs the Onramp user token (HMAC-SHA256 of the userId under the workspace's identity
 * secret, docs/realtime.md section 1), so the browser can read that user's decisions and
 * nobody else's. The identity secret stays here; the browser gets the token only.
 *
 *   GET  /api/config  → { onrampHost, writeKey }
 *   POST /api/signup  { name, email, role, referralCode? } → { user, token }
 */
export interface DemoBackendOptions {
  writeKey: string;
  identitySecret: string;
  /** Where the browser reaches the engine; default: the page's host name on enginePort. */
  engineUrl?: string;
  enginePort: number;
}

export const roles = ['admin', 'member', 'manager'] as const;
export type Role = (typeof roles)[number];

export interface DemoUser {
  userId: string;
  name: string;
  email: string;
  role: Role;
  /** The code this user signed up with, if any. */
  referredBy?: string;
  /** The code this user can share. */
  referralCode: string;
}

export type Next = (error?: unknown) => void;

const maxBody = 4096;
const emailPattern = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{1,63}$/;
const codePattern = /^[A-Za-z0-9-]{2,40}$/;
const signupFields = new Set(['name', 'email', 'role', 'referralCode']);

/** A connect-style middleware (Vite's dev and preview servers use it); other paths go to next. */
export function createDemoBackend(options: DemoBackendOptions) {
  return (request: IncomingMessage, response: ServerResponse, next: Next): void => {
    const path = (request.url ?? '').split('?')[0];
    if (path === '/api/config' && request.method === 'GET') {
      send(response, 200, {
        onrampHost: engineUrlFor(request, options),
        writeKey: options.writeKey,
      });
    } else if (path === '/api/signup' && request.method === 'POST') {
      readBody(request).then(
        (text) => signUp(response, text, options.identitySecret),
        (error: Error) => send(response, 413, { error: error.message }),
      );
    } else if (path?.startsWith('/api/')) {
      send(response, 404, { error: `no route ${request.method ?? ''} ${path}` });
    } else next();
  };
}

/** The user token of docs/realtime.md: lowercase hex HMAC-SHA256 of the userId. */
export function signUserToken(userId: string, identitySecret: string): string {
  return createHmac('sha256', identitySecret).update(userId, 'utf8').digest('hex');
}

/** One user per email address: signing up again with it is signing in. */
export function userIdFor(email: string): string {
  return `user-${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 16)}`;
}

/** The code a user shares: whoever signs up with it (the referral path) gets the benefits. */
export function referralCodeFor(userId: string): string {
  return `ACME-${userId.slice(5, 11).toUpperCase()}`;
}

function signUp(response: ServerResponse, text: string, secret: string): void {
  const parsed = parseSignup(text);
  if ('error' in parsed) {
    send(response, 400, parsed);
    return;
  }
  const userId = userIdFor(parsed.email);
  const user: DemoUser = {
    userId,
    name: parsed.name,
    email: parsed.email,
    role: parsed.role,
    ...(parsed.referralCode === undefined ? {} : { referredBy: parsed.referralCode }),
    referralCode: referralCodeFor(userId),
  };
  send(response, 200, { user, token: signUserToken(userId, secret) });
}

interface Signup {
  name: string;
  email: string;
  role: Role;
  referralCode?: string;
}

/** Validates the sign-up form: every field named on error, unknown fields refused. */
export function parseSignup(text: string): Signup | { error: string; field: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: 'the body must be JSON', field: 'body' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { error: 'the body must be a JSON object', field: 'body' };
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !signupFields.has(key));
  if (unknown !== undefined) return { error: 'is not a known field', field: unknown };
  const { name, email, role, referralCode } = fields;
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) {
    return { error: 'must be a name of 1 to 100 characters', field: 'name' };
  }
  if (typeof email !== 'string' || !emailPattern.test(email.trim())) {
    return { error: 'must be an email address', field: 'email' };
  }
  if (typeof role !== 'string' || !(roles as readonly string[]).includes(role)) {
    return { error: `must be one of: ${roles.join(', ')}`, field: 'role' };
  }
  const code = typeof referralCode === 'string' ? referralCode.trim() : referralCode;
  if (code !== undefined && code !== '' && (typeof code !== 'string' || !codePattern.test(code))) {
    return { error: 'must be 2 to 40 letters, digits or dashes', field: 'referralCode' };
  }
  return {
    name: name.trim(),
    email: email.trim(),
    role: role as Role,
    ...(typeof code === 'string' && code !== '' ? { referralCode: code.toUpperCase() } : {}),
  };
}

function engineUrlFor(request: IncomingMessage, options: DemoBackendOptions): string {
  if (options.engineUrl !== undefined) return options.engineUrl;
  const host = request.headers.host ?? 'localhost';
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return `http://${hostname || 'localhost'}:${options.enginePort}`;
}

/** The body as text; over maxBody it is read to the end (so the answer can be sent) and refused. */
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBody) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBody) reject(new Error(`the body must be at most ${maxBody} bytes`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
