import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * User tokens prove to the stream (and decide) endpoints which user a browser
 * speaks for, as Intercom's identity verification does: the app's backend, which
 * knows who is logged in, signs the userId with the workspace's identity secret;
 * the browser only ever sees the signature, never the secret.
 *
 * token = lowercase hex of HMAC-SHA256(key = identitySecret, message = userId as UTF-8)
 *
 * How an app backend makes one (Node):
 *
 * ```js
 * import { createHmac } from 'node:crypto';
 *
 * // ONRAMP_IDENTITY_SECRET is the workspace's identity secret: keep it server-side.
 * const onrampToken = createHmac('sha256', process.env.ONRAMP_IDENTITY_SECRET)
 *   .update(user.id) // exactly the userId the app sends in identify/track
 *   .digest('hex');
 * // Render { userId: user.id, onrampToken } into the page, then in the browser:
 * // new EventSource(`${host}/client/v1/stream?writeKey=${writeKey}&userId=${userId}&token=${onrampToken}`)
 * ```
 *
 * Ruby: `OpenSSL::HMAC.hexdigest('sha256', secret, user_id)`; Python:
 * `hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()`.
 * The token does not expire: rotating the identity secret revokes all of them.
 */
export function signUserToken(userId: string, secret: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

const tokenPattern = /^[0-9a-fA-F]{64}$/;

/** Whether `token` is the signature of `userId`, compared in constant time. */
export function verifyUserToken(userId: string, token: string, secret: string): boolean {
  if (!tokenPattern.test(token)) return false;
  const expected = createHmac('sha256', secret).update(userId, 'utf8').digest();
  return timingSafeEqual(expected, Buffer.from(token, 'hex'));
}
