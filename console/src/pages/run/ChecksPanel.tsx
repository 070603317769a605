import { useChecks } from '../../data/queries';
import type { Run } from '../../data/types';
import { fmtValue } from '../../components/format';
import { Badge, Empty, ErrorNotice } from '../../components/ui';

export function GatePanel({ run }: { run: Run }) {
  const { data, error } = useChecks(
    run.runId,
    `${run.status}:${run.phase}:${run.step ?? ''}`,
    run.status === 'running',
  );
  const gate = data?.gate;
  if (error) return <ErrorNotice error={error} />;
  if (!gate) return <Empty>The run has not reached the evaluation gate.</Empty>;
  return (
    <div data-testid="gate">
      <p>
        <Badge value={gate.passed ? 'passed' : 'failed'} tone={gate.passed ? 'ok' : 'bad'} /> {gate.summary}
      </p>
      <ul className="checks">
        {gate.checks.map((c) => (
          <li key={c.check} className={c.passed ? 'check-ok' : 'check-bad'}>
            <span className="mono">{c.check}</span>: {c.detail}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ValidationPanel({ run }: { run: Run }) {
  const { data, error } = useChecks(
    run.runId,
    `${run.status}:${run.phase}:${run.step ?? ''}`,
    run.status === 'running',
  );
  const v = data?.validation;
  if (error) return <ErrorNotice error={error} />;
  if (!v) return <Empty>The data has not been validated yet.</Empty>;
  return (
    <div data-testid="validation">
      <p>
        <Badge value={v.passed ? 'passed' : 'failed'} tone={v.passed ? 'ok' : 'bad'} /> {v.summary}
      </p>
      <p className="muted">
        {v.rowsRead} rows read, {v.rowsAccepted} accepted, {v.rowsQuarantined} quarantined; {v.passedChecks} checks
        passed, {v.failedChecks.length} failed.
      </p>
      {v.failedChecks.length > 0 ? (
        <div className="table-wrap">
          <table aria-label="Failed checks">
            <thead>
              <tr>
                <th>Check</th>
                <th>Severity</th>
                <th>Failed</th>
                <th>Expected</th>
                <th>Observed</th>
                <th>Samples (line: value)</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {v.failedChecks.map((c) => (
                <tr key={c.id}>
                  <td className="mono">{c.id}</td>
                  <td>
                    <Badge value={c.severity} tone={c.severity === 'error' ? 'bad' : 'warn'} />
                  </td>
                  <td className="num">{c.failedCount}</td>
                  <td>{fmtValue(c.expected)}</td>
                  <td>{fmtValue(c.observed)}</td>
                  <td className="mono wrap">{c.samples.map((s) => `${s.line}: ${fmtValue(s.value)}`).join('; ')}</td>
                  <td className="wrap">{c.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {v.quarantineSample.length > 0 ? (
        <>
          <h3>Quarantined rows (first {v.quarantineSample.length})</h3>
          <div className="table-wrap">
            <table aria-label="Quarantined rows">
              <thead>
                <tr>
                  <th>Line</th>
                  <th>Why</th>
                  <th>Row</th>
                </tr>
              </thead>
              <tbody>
                {v.quarantineSample.map((q) => (
                  <tr key={q.line}>
                    <td className="num">{q.line}</td>
                    <td className="wrap">{q.reasons.map((r) => r.message).join('; ')}</td>
                    <td className="mono wrap">{JSON.stringify(q.row)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}
