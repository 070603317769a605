import { disposeModel } from '../../lib/ml';
import { getDeployment } from '../../lib/registry';
import { loadServableVersion, predictWith } from '../../lib/serving/model-server';
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

function mismatchesOf(
  live: ReturnType<typeof predictWith>,
  rows: Array<{ rowId: number }>,
  offline: Map<number, OfflinePrediction>,
  classes: string[],
): string[] {
  const mismatches: string[] = [];
  live.forEach((p, i) => {
    const rowId = rows[i]?.rowId as number;
    const expected = offline.get(rowId) as OfflinePrediction;
    if (expected.value !== undefined) {
      if (!close(Number(p.prediction), expected.value))
        mismatches.push(`row ${rowId}: ${p.prediction} ≠ ${expected.value}`);
      return;
    }
    const label = classes[expected.classIndex as number];
    const probabilitiesMatch = classes.every((c, k) =>
      close(p.probabilities?.[c] ?? Number.NaN, expected.probabilities?.[k] ?? 0),
    );
    if (String(p.prediction) !== label || !probabilitiesMatch)
      mismatches.push(`row ${rowId}: served ${String(p.prediction)}, offline ${label}`);
  });
  return mismatches;
}

/**
 * Loads the version exactly as the prediction service does (registry → artefact → SHA-256 → model with its embedded
 * transforms), sends raw sample rows, and requires the answers to equal the offline evaluation's predictions for the
 * same rows: this catches train/serve skew and damaged artefacts before anyone approves the version. The version is
 * pinned (not "whatever the slot holds"), so a concurrent run deploying to the same slot cannot fail this test.
 */
export async function smokeTestDeployment(
  deps: ActivityDeps,
  ctx: StepContext,
  input: SmokeTestInput,
): Promise<SmokeTestOutput> {
  const readJson = async <T>(key: string) => JSON.parse((await deps.store.getBytes(key)).toString('utf8')) as T;
  const evaluation = await readJson<{ classes: string[]; offline: OfflinePrediction[] }>(input.evaluation.key);
  const sample = await readJson<Array<{ rowId: number; row: Record<string, unknown> }>>(input.servingSample.key);
  const offline = new Map(evaluation.offline.map((p) => [p.rowId, p]));
  const rows = sample.filter((s) => offline.has(s.rowId)).slice(0, input.rows);
  if (rows.length === 0) {
    return {
      passed: false,
      checkedRows: 0,
      mismatches: 0,
      servedVersion: 0,
      message: 'Smoke test had no sample rows to send.',
    };
  }
  const servable = await loadServableVersion(deps, input.versionId);
  try {
    const live = predictWith(
      servable.model,
      rows.map((r) => r.row),
    );
    const mismatches = mismatchesOf(live, rows, offline, evaluation.classes);
    const slot = await getDeployment(deps.db, input.modelName, input.slot);
    const slotNote =
      slot && slot.model_version_id !== input.versionId
        ? ` (the ${input.slot} slot now holds version id ${slot.model_version_id}, deployed by ${slot.deployed_by})`
        : '';
    const passed = mismatches.length === 0;
    const message = passed
      ? `${rows.length} live predictions of v${servable.version} equal the offline ones${slotNote}.`
      : `${mismatches.length} of ${rows.length} live predictions differ from the offline evaluation: ${mismatches.slice(0, 5).join('; ')}`;
    ctx.log.info({ passed, rows: rows.length, mismatches: mismatches.length }, message);
    return {
      passed,
      checkedRows: rows.length,
      mismatches: mismatches.length,
      servedVersion: servable.version,
      message,
    };
  } finally {
    disposeModel(servable.model);
  }
}
