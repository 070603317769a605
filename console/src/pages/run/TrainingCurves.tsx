import { useMemo } from 'react';
import { useTraining } from '../../data/queries';
import type { Run, Training } from '../../data/types';
import { LineChart, type Series } from '../../components/LineChart';
import { fmtNumber } from '../../components/format';
import { Empty, ErrorNotice } from '../../components/ui';

interface Progress {
  epochsDone?: number;
  totalEpochs?: number;
  resumedFromEpoch?: number;
}

function CandidateChart({ candidate }: { candidate: Training['candidates'][number] }) {
  const { x, series } = useMemo(() => {
    const pts = candidate.points;
    const lines: Series[] = [{ label: 'loss', values: pts.map((p) => p.loss) }];
    if (pts.some((p) => p.valLoss !== null))
      lines.push({ label: 'val_loss', values: pts.map((p) => p.valLoss), dashed: true });
    return { x: pts.map((p) => p.epoch), series: lines };
  }, [candidate]);
  return (
    <LineChart
      title={`${candidate.candidate}: loss per epoch`}
      x={x}
      series={series}
      xLabel="epoch"
      yLabel="loss"
      height={220}
      integerX
    />
  );
}

export function TrainingCurves({ run }: { run: Run }) {
  const live = run.status === 'running';
  const { data, error } = useTraining(run.runId, `${run.status}:${run.phase}`, live);
  const progress = (run.progress.training ?? {}) as Record<string, Progress>;
  return (
    <>
      <ErrorNotice error={error} />
      {Object.keys(progress).length > 0 ? (
        <div className="progress-list">
          {Object.entries(progress).map(([candidate, p]) => {
            const share = p.totalEpochs ? Math.min(1, (p.epochsDone ?? 0) / p.totalEpochs) : 0;
            return (
              <div key={candidate} className="progress-row">
                <span className="mono">{candidate}</span>
                <progress max={1} value={share} aria-label={`${candidate} training progress`} />
                <span className="muted">
                  {p.epochsDone ?? 0}/{p.totalEpochs ?? '?'} epochs
                  {p.resumedFromEpoch ? ` (resumed at ${p.resumedFromEpoch})` : ''}
                </span>
              </div>
            );
          })}
        </div>
      ) : null}
      {data && data.candidates.length > 0 ? (
        <div className="chart-grid">
          {data.candidates.map((c) => (
            <CandidateChart key={c.candidate} candidate={c} />
          ))}
        </div>
      ) : (
        <Empty>No epoch finished yet.</Empty>
      )}
    </>
  );
}

export function CandidateMetrics({ run }: { run: Run }) {
  const candidates = Object.keys(run.metrics);
  const names = [...new Set(candidates.flatMap((c) => Object.keys(run.metrics[c] ?? {})))].sort();
  if (candidates.length === 0) return <Empty>No candidate evaluated yet.</Empty>;
  return (
    <div className="table-wrap">
      <table aria-label="Test metrics per candidate">
        <thead>
          <tr>
            <th>Candidate</th>
            {names.map((n) => (
              <th key={n}>{n}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {candidates.map((c) => (
            <tr key={c} className={c === run.best ? 'best' : undefined}>
              <td>
                {c}
                {c === run.best ? <span className="badge badge-ok">best</span> : null}
              </td>
              {names.map((n) => (
                <td key={n} className="num">
                  {fmtNumber(run.metrics[c]?.[n])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
