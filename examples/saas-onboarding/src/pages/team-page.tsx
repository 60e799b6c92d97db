import { useState, type FormEvent, type ReactNode } from 'react';
import { useOnramp } from '@onramp/react';
import type { Session } from '../session.js';
import { useStoredList } from '../stored-list.js';

export function TeamPage({ session }: { session: Session }): ReactNode {
  const onramp = useOnramp();
  const [invited, addInvite] = useStoredList<string>(`acme-demo:team:${session.user.userId}`);
  const [email, setEmail] = useState('');

  const invite = (event: FormEvent) => {
    event.preventDefault();
    if (email.trim() === '') return;
    addInvite(email.trim());
    onramp.track('Teammate Invited', { invitee_role: 'member' });
    setEmail('');
  };

  return (
    <section aria-labelledby="team-title">
      <h1 id="team-title">Team</h1>
      <form className="row" onSubmit={invite} aria-label="Invite a teammate">
        <input
          id="invite-email"
          type="email"
          aria-label="Teammate's email"
          placeholder="teammate@example.com"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <button type="submit">Invite</button>
      </form>
      <ul className="list" aria-label="Team">
        <li>
          {session.user.name} ({session.user.role})
        </li>
        {invited.map((address, index) => (
          <li key={index}>{address} (invited)</li>
        ))}
      </ul>
    </section>
  );
}
