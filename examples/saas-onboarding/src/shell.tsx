import type { ReactNode } from 'react';
import { MilestoneBadge, Placement, ProgressIndicator, useOnramp } from '@onramp/react';
import { BillingPage } from './pages/billing-page.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { HelpPage } from './pages/help-page.js';
import { ProjectsPage } from './pages/projects-page.js';
import { ReportsPage } from './pages/reports-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { TeamPage } from './pages/team-page.js';
import type { Session } from './session.js';

const pages = [
  { path: '/', id: 'nav-dashboard', label: 'Dashboard' },
  { path: '/projects', id: 'nav-projects', label: 'Projects' },
  { path: '/reports', id: 'nav-reports', label: 'Reports' },
  { path: '/team', id: 'nav-team', label: 'Team' },
  { path: '/billing', id: 'nav-billing', label: 'Billing' },
  { path: '/settings', id: 'nav-settings', label: 'Settings' },
];

export interface ShellProps {
  session: Session;
  path: string;
  onSignOut: () => void;
}

/** The signed-in app: navigation, the current page, and Onramp's placements around it. */
export function Shell({ session, path, onSignOut }: ShellProps): ReactNode {
  const onramp = useOnramp();
  const { user } = session;
  return (
    <div className="shell">
      <header className="topbar">
        <strong className="brand">Acme Projects</strong>
        <nav aria-label="Main">
          {pages.map((page) => (
            <a
              key={page.path}
              id={page.id}
              href={page.path}
              aria-current={page.path === path ? 'page' : undefined}
            >
              {page.label}
            </a>
          ))}
        </nav>
        <ProgressIndicator
          flow="getting-started"
          label="Onboarding progress"
          className="topbar-progress"
        />
        <button type="button" className="ghost" onClick={() => onramp.track('Tour Requested')}>
          Take the tour
        </button>
        <span className="who" data-testid="who">
          {user.name} · {user.role}
        </span>
        <button type="button" className="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <div className="layout">
        <main>{pageFor(path, session)}</main>
        <aside>
          <div id="checklist">
            <Placement id="checklist" />
          </div>
          <MilestoneBadge flow="getting-started" />
          <Placement id="tips" />
        </aside>
      </div>
      {/* Placements with no place of their own: modals, the tooltip of the next step, the tour. */}
      <Placement id="tutorial" />
      <Placement id="help" />
      <Placement id="hints" />
      <Placement id="tour" />
    </div>
  );
}

function pageFor(path: string, session: Session): ReactNode {
  switch (path) {
    case '/':
      return <DashboardPage session={session} />;
    case '/projects':
      return <ProjectsPage session={session} />;
    case '/reports':
      return <ReportsPage />;
    case '/team':
      return <TeamPage session={session} />;
    case '/billing':
      return <BillingPage session={session} />;
    case '/settings':
      return <SettingsPage session={session} />;
    case '/help':
      return <HelpPage />;
    default:
      return <p>Page not found.</p>;
  }
}
