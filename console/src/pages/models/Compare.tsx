import { useVersion } from '../../data/queries';
import type { VersionInfo } from '../../data/types';
import { fmtNumber } from '../../components/format';
import { ErrorNotice, Loading } from '../../components/ui';

const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'mse', 'log_loss', 'loss']);

function lineageFacts(v: VersionInfo): Record<string, string> {
  const l = v.lineage as {
    specHash?: string;
    codeVersion?: string;
    trigger?: { kind?: string };
    rawDataset?: { sha256?: string };
    abt?: { rows?: number };
    backend?: string;
    epochsRun?: number;
  };
  return {
    candidate: v.candidate,
    stage: v.stage,
    run: v.runId,
    'spec hash': l.specHash?.slice(0, 12) ?? '—',
    'code version': l.codeVersion ?? '—',
    trigger: l.trigger?.kind ?? '—',
    'raw data sha256': l.rawDataset?.sha256?.slice(0, 12) ?? '—',
    'ABT rows': String(l.abt?.rows ?? '—'),
    backend: l.backend ?? '—',
    'epochs run': String(l.epochsRun ?? '—'),
  };
}

/** Two versions side by side: metrics with the change (green when better), then what they were built from. */
export function CompareVersions({ model, a, b }: { model: string; a: number; b: number }) {
  const left = useVersion(model, a);
  const right = useVersion(model, b);
  if (left.error || right.error) return <ErrorNotice error={left.error ?? right.error} />;
  if (!left.data || !right.data) return <Loading what="versions" />;
  const [va, vb] = [left.data, right.data];
  const metrics = [...new Set([...Object.keys(va.metrics), ...Object.keys(vb.metrics)])].sort();
  const fa = lineageFacts(va);
  const fb = lineageFacts(vb);
  return (
    <div className="table-wrap">
      <table aria-label={`Compare v${a} and v${b}`}>
        <thead>
          <tr>
            <th />
            <th>v{va.version}</th>
            <th>v{vb.version}</th>
            <th>change</th>
          </tr>
        </thead>
        <tbody>
          {metrics.map((m) => {
            const x = va.metrics[m];
            const y = vb.metrics[m];
            const delta = x !== undefined && y !== undefined ? y - x : undefined;
            const better =
              delta === undefined || delta === 0 ? undefined : LOWER_IS_BETTER.has(m) ? delta < 0 : delta > 0;
            return (
              <tr key={m}>
                <th>{m}</th>
                <td className="num">{fmtNumber(x, 4)}</td>
                <td className="num">{fmtNumber(y, 4)}</td>
                <td className={`num ${better === undefined ? '' : better ? 'ok-text' : 'error-text'}`}>
                  {delta === undefined ? '—' : `${delta > 0 ? '+' : ''}${fmtNumber(delta, 4)}`}
                </td>
              </tr>
            );
          })}
          {Object.keys(fa).map((k) => (
            <tr key={k} className={fa[k] !== fb[k] ? 'differs' : undefined}>
              <th>{k}</th>
              <td className="mono">{fa[k]}</td>
              <td className="mono">{fb[k]}</td>
              <td>{fa[k] !== fb[k] ? 'differs' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
