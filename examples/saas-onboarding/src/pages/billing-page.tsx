import { useState, type ReactNode } from 'react';
import { useOnramp } from '@onramp/react';
import type { Session } from '../session.js';

export function BillingPage({ session }: { session: Session }): ReactNode {
  const onramp = useOnramp();
  const [done, setDone] = useState(false);
  if (session.user.role !== 'admin') {
    return (
      <section aria-labelledby="billing-title">
        <h1 id="billing-title">Billing</h1>
        <p className="muted">Your workspace's admins manage billing.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="billing-title">
      <h1 id="billing-title">Billing</h1>
      <p className="muted">Team plan, billed monthly.</p>
      <button
        type="button"
        disabled={done}
        onClick={() => {
          setDone(true);
          onramp.track('Billing Configured', { plan: 'team' });
        }}
      >
        {done ? 'Billing is set up' : 'Set up billing'}
      </button>
    </section>
  );
}
