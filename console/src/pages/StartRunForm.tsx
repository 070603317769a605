import { useState } from 'react';
import { enc, post } from '../data/client';
import { useAction } from '../data/queries';
import type { Parameter, Pipeline, StartedRun } from '../data/types';
import { ErrorNotice } from '../components/ui';
import { initialValue, parseParameter, type Value } from './params';

function Field({
  p,
  value,
  onChange,
  error,
}: {
  p: Parameter;
  value: string | boolean;
  onChange(v: string | boolean): void;
  error?: string;
}) {
  const id = `param-${p.name}`;
  let input;
  if (p.type === 'boolean') {
    input = (
      <input
        id={id}
        name={p.name}
        type="checkbox"
        checked={Boolean(value)}
        onChange={(e) => onChange(e.target.checked)}
      />
    );
  } else if (p.enum) {
    input = (
      <select id={id} name={p.name} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {p.enum.map((o) => (
          <option key={String(o)}>{String(o)}</option>
        ))}
      </select>
    );
  } else {
    const numeric = p.type === 'integer' || p.type === 'number';
    input = (
      <input
        id={id}
        name={p.name}
        type={numeric ? 'number' : 'text'}
        step={p.type === 'integer' ? 1 : numeric ? 'any' : undefined}
        min={typeof p.min === 'number' ? p.min : undefined}
        max={typeof p.max === 'number' ? p.max : undefined}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>
        <span className="mono">{p.name}</span>{' '}
        <span className="muted">
          ({p.type}
          {p.min !== null || p.max !== null ? `, ${p.min ?? '…'} to ${p.max ?? '…'}` : ''})
        </span>
      </label>
      {input}
      {p.description ? <small>{p.description}</small> : null}
      {p.paths.length ? <small className="muted">sets {p.paths.join(', ')}</small> : null}
      {error ? <small className="error-text">must be {error}</small> : null}
    </div>
  );
}

/**
 * The start-run form, built from the parameters the pipeline declares (GET /v1/pipelines/{name}); the run is started
 * with those flat names only, as the API accepts them. One Idempotency-Key per form, so a double submit starts one run.
 */
export function StartRunForm({ pipeline, onStarted }: { pipeline: Pipeline; onStarted(runId: string): void }) {
  const [values, setValues] = useState<Record<string, string | boolean>>(() =>
    Object.fromEntries(pipeline.parameters.map((p) => [p.name, initialValue(p)])),
  );
  const [idempotencyKey] = useState(() => `console-${crypto.randomUUID()}`);
  const [touched, setTouched] = useState(false);
  const parsed = pipeline.parameters.map((p) => ({ p, ...parseParameter(p, values[p.name] ?? '') }));
  const invalid = parsed.some((r) => r.error);
  const start = useAction(
    (params: Record<string, Value>) =>
      post<StartedRun>(`/v1/pipelines/${enc(pipeline.name)}/runs`, { params }, { 'idempotency-key': idempotencyKey }),
    [['runs']],
  );
  return (
    <form
      className="form-grid"
      noValidate
      aria-label={`Start a ${pipeline.name} run`}
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        if (invalid) return;
        // Fields left empty are not sent: the run then gets the parameter's default.
        const params = Object.fromEntries(
          parsed.filter((r) => r.value !== undefined).map((r) => [r.p.name, r.value as Value]),
        );
        start.mutate(params, { onSuccess: (run) => onStarted(run.runId) });
      }}
    >
      {pipeline.parameters.length === 0 ? (
        <p className="muted">This pipeline declares no run parameters: a run uses its spec as it is.</p>
      ) : (
        parsed.map(({ p, error }) => (
          <Field
            key={p.name}
            p={p}
            value={values[p.name] ?? ''}
            error={touched ? error : undefined}
            onChange={(v) => setValues({ ...values, [p.name]: v })}
          />
        ))
      )}
      <ErrorNotice error={start.error} />
      <div className="button-row">
        <button type="submit" className="primary" disabled={start.isPending}>
          {start.isPending ? 'Starting…' : `Start a ${pipeline.name} run`}
        </button>
      </div>
    </form>
  );
}
