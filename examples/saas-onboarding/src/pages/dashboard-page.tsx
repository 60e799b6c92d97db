import type { ReactNode } from 'react';
import { Placement } from '@onramp/react';
import type { Session } from '../session.js';

export function DashboardPage({ session }: { session: Session }): ReactNode {
  return (
    <section aria-labelledby="dashboard-title">
      <h1 id="dashboard-title">Dashboard</h1>
      {/* Role-based welcome (and "all set" once the checklist is done). */}
      <Placement id="welcome" />
      {/* Referral benefits, for people who signed up with a code. */}
      <Placement id="offer" />
      <div className="cards">
        <a className="card" href="/projects">
          <strong>Projects</strong>
          <span>Plan the work</span>
        </a>
        <a className="card" href="/reports">
          <strong>Reports</strong>
          <span>See how it goes</span>
        </a>
        <a className="card" href="/team">
          <strong>Team</strong>
          <span>{session.user.role === 'member' ? 'Your teammates' : 'Invite people'}</span>
        </a>
      </div>
    </section>
  );
}
