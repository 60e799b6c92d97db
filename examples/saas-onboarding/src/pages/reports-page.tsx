import { useState, type ReactNode } from 'react';
import { useOnramp } from '@onramp/react';

/** Feature X of the demo: the third report run brings the reports tutorial. */
export function ReportsPage(): ReactNode {
  const onramp = useOnramp();
  const [runs, setRuns] = useState(0);

  const run = () => {
    setRuns((count) => count + 1);
    onramp.track('Feature Used', { feature: 'reports' });
  };

  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <p className="muted">Throughput, cycle time and open work across your projects.</p>
      <button id="run-report" type="button" onClick={run}>
        Run report
      </button>
      {runs > 0 && (
        <p role="status" data-testid="report-runs">
          {runs === 1 ? 'Report ready.' : `Report ready (${runs} runs this visit).`}
        </p>
      )}
    </section>
  );
}
