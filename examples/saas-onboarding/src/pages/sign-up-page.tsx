import { useState, type FormEvent, type ReactNode } from 'react';
import { Placement } from '@onramp/react';
import { signUp, type Role, type Session } from '../session.js';

export interface SignUpPageProps {
  path: string;
  onSignedUp: (session: Session) => void;
}

/** The referral path: /invite/<code>, or ?ref=<code>, fills in the referral code. */
export function referralCodeOf(path: string, search: string): string {
  const match = /^\/invite\/([A-Za-z0-9-]{2,40})$/.exec(path);
  return match?.[1] ?? new URLSearchParams(search).get('ref') ?? '';
}

export function SignUpPage({ path, onSignedUp }: SignUpPageProps): ReactNode {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const referral = referralCodeOf(path, location.search);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    setBusy(true);
    setError(null);
    signUp({
      name: text('name'),
      email: text('email'),
      role: text('role') as Role,
      ...(text('referralCode') === '' ? {} : { referralCode: text('referralCode') }),
    }).then(onSignedUp, (failure: Error) => {
      setError(failure.message);
      setBusy(false);
    });
  };

  return (
    <div className="signup">
      <h1>Acme Projects</h1>
      <p className="lead">Plan projects, follow them with reports, bring your team.</p>
      {/* Visitors get personalized content too: the welcome placement's default. */}
      <Placement id="welcome" />
      <form onSubmit={submit} aria-label="Sign up">
        <label>
          Name
          <input name="name" autoComplete="name" required maxLength={100} />
        </label>
        <label>
          Work email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Role
          <select name="role" defaultValue="member">
            <option value="admin">Admin: I set up the workspace</option>
            <option value="manager">Manager: I run projects</option>
            <option value="member">Member: I work on projects</option>
          </select>
        </label>
        <label>
          Referral code (optional)
          <input name="referralCode" defaultValue={referral} pattern="[A-Za-z0-9\-]{2,40}" />
        </label>
        {error !== null && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign up
        </button>
      </form>
    </div>
  );
}
