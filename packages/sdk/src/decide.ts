// POST {host}/client/v1/decide: what one user should see in each placement (docs/decide.md).
import { errorOf, networkError, OnrampError } from './errors.js';
import { pageContext } from './environment.js';
import type { Identity } from './identity.js';
import { toJsonObject } from './safe-json.js';
import type { CategoryPreferences, DecideOptions, DecideResult, JsonObject } from './types.js';

export interface DecideRequest {
  host: string;
  writeKey: string;
  fetch: typeof fetch;
  identity: Identity;
  consent: CategoryPreferences;
}

/** Who is asking, as the client routes want it: userId + token, or anonymousId alone. */
export function credentialsOf(identity: Identity): JsonObject {
  if (identity.userId === null) return { anonymousId: identity.anonymousId };
  if (identity.token === null) {
    throw new OnrampError(
      0,
      'ONR_SDK_NO_TOKEN',
      `No user token for userId "${identity.userId}": pass identify(userId, traits, { token }) with the token your backend signed.`,
      [{ field: 'token', message: 'is required with userId' }],
    );
  }
  return { userId: identity.userId, token: identity.token };
}

export async function decide(
  request: DecideRequest,
  placements: string[] | undefined,
  options: DecideOptions = {},
): Promise<DecideResult> {
  const context = toJsonObject(options.context, 'context');
  if (!context.ok) throw context.error;
  const page = pageContext();
  if (page !== undefined && context.value['page'] === undefined) {
    context.value['page'] = { url: page['url'] ?? '', path: page['path'] ?? '' };
  }
  if (Object.keys(request.consent).length > 0 && context.value['consent'] === undefined) {
    context.value['consent'] = { categoryPreferences: request.consent };
  }
  const body: JsonObject = { writeKey: request.writeKey, ...credentialsOf(request.identity) };
  if (placements !== undefined) body['placements'] = placements;
  if (options.locale !== undefined) body['locale'] = options.locale;
  if (options.flows !== undefined) body['flows'] = options.flows;
  if (options.flags !== undefined) body['flags'] = options.flags;
  if (Object.keys(context.value).length > 0) body['context'] = context.value;

  let response: Response;
  try {
    // text/plain: a simple request, no CORS preflight; the engine parses it as JSON.
    response = await request.fetch(`${request.host}/client/v1/decide`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw networkError(error);
  }
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as DecideResult;
}
