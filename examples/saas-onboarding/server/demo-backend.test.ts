import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { verifyUserToken } from '@onramp/server';
import { createDemoBackend, userIdFor } from './demo-backend.js';

const identitySecret = 'is_demo-backend-test-secret';

describe('demo backend', () => {
  let server: Server;
  let base: string;

  before(async () => {
    const backend = createDemoBackend({
      writeKey: 'wk_test-key',
      identitySecret,
      enginePort: 4321,
    });
    server = createServer((request, response) =>
      backend(request, response, () => {
        response.writeHead(418).end('next');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const signup = (body: string) =>
    fetch(`${base}/api/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('tells the browser where the engine is (the page host name, the engine port) and the write key', async () => {
    const response = await fetch(`${base}/api/config`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      onrampHost: 'http://127.0.0.1:4321',
      writeKey: 'wk_test-key',
    });
  });

  it('signs up a user with a token the engine accepts for that userId only', async () => {
    const response = await signup(
      JSON.stringify({
        name: ' Ada Lovelace ',
        email: 'Ada@Example.com',
        role: 'admin',
        referralCode: 'acme-12',
      }),
    );
    assert.equal(response.status, 200);
    const { user, token } = (await response.json()) as {
      user: Record<string, string>;
      token: string;
    };
    assert.equal(user['userId'], userIdFor('ada@example.com'));
    assert.equal(user['name'], 'Ada Lovelace');
    assert.equal(user['role'], 'admin');
    assert.equal(user['referredBy'], 'ACME-12');
    assert.match(user['referralCode'] ?? '', /^ACME-[0-9A-F]{6}$/);
    assert.ok(verifyUserToken(user['userId'] ?? '', token, identitySecret));
    assert.ok(!verifyUserToken(userIdFor('bob@example.com'), token, identitySecret));
  });

  it('gives the same user to the same email, whatever its case and spaces', () => {
    assert.equal(userIdFor(' ADA@example.com'), userIdFor('ada@example.com'));
    assert.notEqual(userIdFor('ada@example.com'), userIdFor('bob@example.com'));
  });

  it('refuses bad sign-ups, naming the field', async () => {
    const good = { name: 'Ada', email: 'ada@example.com', role: 'admin' };
    const cases: [string, string][] = [
      ['{"name":', 'body'],
      ['[1,2]', 'body'],
      ['null', 'body'],
      ['"text"', 'body'],
      [JSON.stringify({ ...good, colour: 'red' }), 'colour'],
      ['{"__proto__":{"admin":true},"name":"Ada","email":"a@b.co","role":"admin"}', '__proto__'],
      [JSON.stringify({ ...good, name: 42 }), 'name'],
      [JSON.stringify({ ...good, name: '   ' }), 'name'],
      [JSON.stringify({ ...good, name: 'x'.repeat(101) }), 'name'],
      [JSON.stringify({ ...good, email: 'not-an-email' }), 'email'],
      [JSON.stringify({ ...good, email: ['ada@example.com'] }), 'email'],
      [JSON.stringify({ ...good, role: 'owner' }), 'role'],
      [JSON.stringify({ ...good, role: undefined }), 'role'],
      [JSON.stringify({ ...good, referralCode: 'has spaces' }), 'referralCode'],
      [JSON.stringify({ ...good, referralCode: 7 }), 'referralCode'],
      [JSON.stringify({ ...good, referralCode: 'x'.repeat(41) }), 'referralCode'],
    ];
    for (const [body, field] of cases) {
      const response = await signup(body);
      assert.equal(response.status, 400, body);
      const answer = (await response.json()) as { field: string; error: string };
      assert.equal(answer.field, field, body);
      assert.ok(answer.error.length > 0);
    }
  });

  it('accepts an empty referral code as none', async () => {
    const body = { name: 'Bob', email: 'bob@example.com', role: 'member', referralCode: '' };
    const response = await signup(JSON.stringify(body));
    assert.equal(response.status, 200);
    const { user } = (await response.json()) as { user: Record<string, unknown> };
    assert.equal('referredBy' in user, false);
  });

  it('refuses a body over 4 KB, and answers', async () => {
    const response = await signup(JSON.stringify({ name: 'x'.repeat(5000) }));
    assert.equal(response.status, 413);
  });

  it('answers 404 for other /api routes and passes everything else on', async () => {
    assert.equal((await fetch(`${base}/api/nope`)).status, 404);
    assert.equal((await fetch(`${base}/api/signup`)).status, 404); // GET
    const other = await fetch(`${base}/projects`);
    assert.equal(other.status, 418);
    assert.equal(await other.text(), 'next');
  });
});
