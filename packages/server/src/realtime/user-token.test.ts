import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signUserToken, verifyUserToken } from './user-token.js';

const secret = 'workspace-identity-secret';

test('a token is the hex HMAC-SHA256 of the userId, as an app backend computes it', () => {
  const expected = createHmac('sha256', secret).update('user-1').digest('hex');
  assert.equal(signUserToken('user-1', secret), expected);
  assert.match(signUserToken('user-1', secret), /^[0-9a-f]{64}$/);
});

test('verifies the token of the same user and secret', () => {
  assert.equal(verifyUserToken('user-1', signUserToken('user-1', secret), secret), true);
  assert.equal(verifyUserToken('üser ✓', signUserToken('üser ✓', secret), secret), true);
  assert.equal(
    verifyUserToken('user-1', signUserToken('user-1', secret).toUpperCase(), secret),
    true,
  );
});

test("refuses another user's token, another secret's token and malformed tokens", () => {
  const token = signUserToken('user-1', secret);
  assert.equal(verifyUserToken('user-2', token, secret), false);
  assert.equal(verifyUserToken('user-1', signUserToken('user-1', 'other-secret'), secret), false);
  assert.equal(verifyUserToken('user-1', '', secret), false);
  assert.equal(verifyUserToken('user-1', token.slice(0, 63), secret), false);
  assert.equal(verifyUserToken('user-1', `${token}00`, secret), false);
  assert.equal(verifyUserToken('user-1', `${token.slice(0, 63)}g`, secret), false);
});
