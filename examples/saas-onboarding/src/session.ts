// The signed-in user, as the demo backend returned it at sign-up, kept in localStorage.
// A real app keeps this in its own session; what matters to Onramp is the userId and the
// token the backend signed for it.

export type Role = 'admin' | 'member' | 'manager';

export interface DemoUser {
  userId: string;
  name: string;
  email: string;
  role: Role;
  referredBy?: string;
  referralCode: string;
}

export interface Session {
  user: DemoUser;
  token: string;
}

export interface SignupForm {
  name: string;
  email: string;
  role: Role;
  referralCode?: string;
}

const key = 'acme-demo:session';

export function loadSession(): Session | null {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(key) ?? 'null');
    if (typeof value !== 'object' || value === null) return null;
    const session = value as Partial<Session>;
    if (typeof session.token !== 'string' || typeof session.user?.userId !== 'string') return null;
    return session as Session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session === null) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(session));
}

/** POST /api/signup: the demo backend validates the form and signs the user token. */
export async function signUp(form: SignupForm): Promise<Session> {
  const response = await fetch('/api/signup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(form),
  });
  const body = (await response.json()) as Session | { error: string; field?: string };
  if ('error' in body)
    throw new Error(body.field === undefined ? body.error : `${body.field}: ${body.error}`);
  return body;
}

export interface DemoConfig {
  onrampHost: string;
  writeKey: string;
}

/** GET /api/config: where the engine is and the workspace's write key (both public). */
export async function fetchDemoConfig(): Promise<DemoConfig> {
  const response = await fetch('/api/config');
  if (!response.ok) throw new Error(`GET /api/config: ${response.status}`);
  return (await response.json()) as DemoConfig;
}
