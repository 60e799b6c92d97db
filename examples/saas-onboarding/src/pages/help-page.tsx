import type { ReactNode } from 'react';

export function HelpPage(): ReactNode {
  return (
    <section aria-labelledby="help-title">
      <h1 id="help-title">Getting started guide</h1>
      <ol>
        <li>Create a project for the work you are planning.</li>
        <li>Invite the people you work with.</li>
        <li>Run a report to see how it is going.</li>
      </ol>
    </section>
  );
}
