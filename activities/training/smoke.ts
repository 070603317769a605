import { createModelServer } from '../../lib/serving/model-server';
import type { ActivityDeps } from '../deps';
import type { SmokeTestInput, SmokeTestOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';

interface OfflinePrediction {
  rowId: number;
  classIndex?: number;
  probabilities?: number[];
  value?: number;
}

const TOLERANCE = 1e-4;

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Loads the slot exactly as the prediction service does (registry → artefact → SHA-256 → model with its embedded
 * transforms), sends raw sample rows, and requires the answers to equal the offline evaluation's predictions for
 * the same rows: this catches train/serve skew and damaged artefacts before anyone approves the version.
 */
export async function smokeTestDeployment(deps: ActivityDeps, ctx: StepContext, input: SmokeTestInput): Promise<SmokeTestOutput> {
  const evaluation = JSON.parse((await deps.store.getBytes(input.evaluation.key)).toString('utf8')) as {
    classes: string[];
    offline: OfflinePrediction[];
  };
  const sample = JSON.parse((await deps.store.getBytes(input.servingSample.key)).toString('utf8')) as Array<{
    rowId: number;
    row: Record<string, unknown>;
  }>;
  const offline = new Map(evaluation.offline.map((p) => [p.rowId, p]));
  const rows = sample.filter((s) => offline.has(s.rowId)).slice(0, input.rows);
  if (rows.length === 0) {
    return { passed: false, checkedRows: 0, mismatches: 0, servedVersion: 0, message: 'Smoke test had no sample rows to send.' };
  }
  const server = createModelServer({ db: deps.db, store: deps.store, log: ctx.log });
  try {
    await server.refresh(input.modelName, input.slot);
    const result = await server.predict({ model: input.modelName, slot: input.slot, rows: rows.map((r) => r.row) });
    if (result.versionId !== input.versionId) {
      return {
        passed: false,
        checkedRows: 0,
        mismatches: 0,
        servedVersion: result.version,
        message: `The ${input.slot} slot serves version id ${result.versionId}, expected ${input.versionId}.`,
      };
    }
    const mismatches: string[] = [];
    result.predictions.forEach((live, i) => {
      const expected = offline.get(rows[i]?.rowId as number) as OfflinePrediction;
      if (expected.value !== undefined) {
        if (!close(Number(live.prediction), expected.value)) mismatches.push(`row ${rows[i]?.rowId}: ${live.prediction} ≠ ${expected.value}`);
        return;
      }
      const expectedLabel = evaluation.classes[expected.classIndex as number];
      const probsMatch = evaluation.classes.every((c, k) => close(live.probabilities?.[c] ?? Number.NaN, expected.probabilities?.[k] ?? 0));
      if (String(live.prediction) !== expectedLabel || !probsMatch) {
        mismatches.push(`row ${rows[i]?.rowId}: served ${String(live.prediction)}, offline ${expectedLabel}`);
      }
    });
    const passed = mismatches.length === 0;
    const message = passed
      ? `${rows.length} live predictions from the ${input.slot} slot (v${result.version}) equal the offline ones.`
      : `${mismatches.length} of ${rows.length} live predictions differ from the offline evaluation: ${mismatches.slice(0, 5).join('; ')}`;
    ctx.log.info({ passed, rows: rows.length, mismatches: mismatches.length }, message);
    return { passed, checkedRows: rows.length, mismatches: mismatches.length, servedVersion: result.version, message };
  } finally {
    await server.close();
  }
}
