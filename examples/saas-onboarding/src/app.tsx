import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { OnrampProvider, OnrampStyles } from '@onramp/react';
import type { OnrampClient } from '@onramp/sdk';
import { Shell } from './shell.js';
import { SignUpPage } from './pages/sign-up-page.js';
import { navigate, useLinkInterception, usePath } from './router.js';
import { saveSession, type Session } from './session.js';

export interface AppProps {
  client: OnrampClient;
  initialSession: Session | null;
}

/** The demo app: sign-up for visitors, the product for signed-in users, Onramp around both. */
export function App({ client, initialSession }: AppProps): ReactNode {
  useLinkInterception();
  const path = usePath();
  const [session, setSession] = useState(initialSession);

  useEffect(() => {
    client.page(undefined, { path });
  }, [client, path]);

  const onSignedUp = useCallback(
    (next: Session) => {
      const { user, token } = next;
      saveSession(next);
      // The token lets this browser read this user's decisions (and only theirs).
      client.identify(
        user.userId,
        {
          name: user.name,
          first_name: user.name.split(/\s+/)[0] ?? user.name,
          email: user.email,
          role: user.role,
          referralCode: user.referralCode,
          ...(user.referredBy === undefined ? {} : { referredBy: user.referredBy }),
        },
        { token },
      );
      client.track('Signed Up', {
        role: user.role,
        ...(user.referredBy === undefined ? {} : { referral_code: user.referredBy }),
      });
      setSession(next);
      navigate('/');
    },
    [client],
  );

  const onSignOut = useCallback(() => {
    saveSession(null);
    client.reset(); // a new anonymous visitor: the stream forgets the user's decisions
    setSession(null);
    navigate('/signup');
  }, [client]);

  return (
    <OnrampProvider client={client}>
      <OnrampStyles />
      {session === null ? (
        <SignUpPage path={path} onSignedUp={onSignedUp} />
      ) : (
        <Shell session={session} path={path} onSignOut={onSignOut} />
      )}
    </OnrampProvider>
  );
}
