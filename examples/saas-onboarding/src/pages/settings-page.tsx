import type { ReactNode } from 'react';
import type { Session } from '../session.js';

/** The user's own referral link: the referral path of another sign-up. */
export function SettingsPage({ session }: { session: Session }): ReactNode {
  const { user } = session;
  const link = `${location.origin}/invite/${user.referralCode}`;
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{user.name}</dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Role</dt>
        <dd>{user.role}</dd>
        <dt>Onramp userId</dt>
        <dd>
          <code>{user.userId}</code>
        </dd>
        {user.referredBy !== undefined && (
          <>
            <dt>Referred with</dt>
            <dd>{user.referredBy}</dd>
          </>
        )}
      </dl>
      <h2>Invite a friend</h2>
      <p>
        Share <code data-testid="referral-link">{link}</code>: whoever signs up with it gets a free
        month of the Team plan.
      </p>
    </section>
  );
}
