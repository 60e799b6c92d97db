// Who the SDK speaks for: a persisted anonymousId, and the signed-in user with their token.
import { uuid } from './environment.js';
import { parseOr } from './safe-json.js';
import type { StorageLike } from './types.js';

export interface Identity {
  readonly anonymousId: string;
  readonly userId: string | null;
  readonly token: string | null;
  /** Sets the user; a new userId without a token forgets the old token. True when it changed. */
  setUser(userId: string, token: string | undefined): boolean;
  /** Sign-out: a new anonymousId, no user. */
  reset(): void;
}

export function createIdentity(options: {
  storage: StorageLike;
  prefix: string;
  userId: string | undefined;
  token: string | undefined;
}): Identity {
  const { storage, prefix } = options;
  const write = (key: string, value: string | null) => {
    try {
      if (value === null) storage.removeItem(prefix + key);
      else storage.setItem(prefix + key, value);
    } catch {
      // Storage unavailable: the ids live for this page only.
    }
  };
  let anonymousId = storage.getItem(`${prefix}anonymousId`) ?? '';
  if (anonymousId === '') {
    anonymousId = uuid();
    write('anonymousId', anonymousId);
  }
  const stored = parseOr<{ userId?: unknown; token?: unknown }>(
    storage.getItem(`${prefix}user`),
    {},
  );
  let userId = typeof stored.userId === 'string' ? stored.userId : null;
  let token = typeof stored.token === 'string' ? stored.token : null;
  const saveUser = () => write('user', userId === null ? null : JSON.stringify({ userId, token }));

  const identity: Identity = {
    get anonymousId() {
      return anonymousId;
    },
    get userId() {
      return userId;
    },
    get token() {
      return token;
    },
    setUser(nextUser, nextToken) {
      const nextTokenValue = nextToken ?? (nextUser === userId ? token : null);
      if (nextUser === userId && nextTokenValue === token) return false;
      userId = nextUser;
      token = nextTokenValue;
      saveUser();
      return true;
    },
    reset() {
      userId = null;
      token = null;
      anonymousId = uuid();
      write('anonymousId', anonymousId);
      saveUser();
    },
  };
  if (options.userId !== undefined) identity.setUser(options.userId, options.token);
  return identity;
}
