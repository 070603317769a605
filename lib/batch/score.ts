import { applyTransforms } from '../ml/features/apply';
import { selectRows } from '../ml/data/batch';
import type { MlModel } from '../ml/models/artifact';
import { predict } from '../ml/models/predict';
import { MlError } from '../ml/errors';
import type { CsvChunkRecords } from './csv';
import { checkRowsAgainstContract, contractFromTransforms, missingContractColumns } from './input-contract';

/** One scored chunk, columnar: accepted rows with their predictions, and the rows the contract rejected. */
export interface ScoredChunk {
  /** Input columns copied to the output, in order. */
  passthrough: string[];
  /** 1-based input row number of each accepted row. */
  rowNumbers: number[];
  /** passthrough column j of accepted row r: cells[j][r] (the input text; null when empty). */
  cells: Array<Array<string | null>>;
  task: 'classification' | 'regression';
  /** Classification: the predicted class label per accepted row; regression: the predicted value. */
  predictions: Array<string | number>;
  /** Class labels in probability order (classification). */
  classes: string[];
  /** accepted × classes, row-major (classification). */
  probabilities: Float32Array;
  rejects: Array<{ rowNumber: number; reason: string; row: Record<string, string | null> }>;
}

export class BatchInputError extends MlError {}

/** The passthrough columns of a job: those asked for (each must exist), or every input column. */
export function passthroughColumns(header: readonly string[], requested?: readonly string[]): string[] {
  if (!requested) return [...header];
  const unknown = requested.filter((c) => !header.includes(c));
  if (unknown.length > 0) {
    throw new BatchInputError({
      code: 'COLUMN_MISSING',
      message: `options.passthrough names column(s) the input does not have: ${unknown.join(', ')} (input columns: ${header.join(', ')}).`,
      details: { columns: unknown },
    });
  }
  return [...requested];
}

/** The input must have every raw column the model reads; otherwise every row would be scored on imputed values. */
export function assertInputColumns(model: MlModel, header: readonly string[]): void {
  if (!model.fitted) throw new BatchInputError({ code: 'INVALID_ARTIFACT', message: 'The model has no transforms.' });
  const missing = missingContractColumns(contractFromTransforms(model.fitted), header);
  if (missing.length > 0) {
    throw new BatchInputError({
      code: 'COLUMN_MISSING',
      message: `The input lacks column(s) the model needs: ${missing.join(', ')}. Input columns: ${header.join(', ')}.`,
      details: { columns: missing },
    });
  }
}

/** Scores one chunk: contract check, the registered transforms, the model; nothing here touches I/O. */
export function scoreChunk(args: {
  model: MlModel;
  records: CsvChunkRecords;
  firstRow: number;
  passthrough: readonly string[];
}): ScoredChunk {
  const { model, records, firstRow } = args;
  const fitted = model.fitted;
  if (!fitted) throw new BatchInputError({ code: 'INVALID_ARTIFACT', message: 'The model has no transforms.' });
  assertInputColumns(model, records.header);
  const width = records.header.length;
  const contract = contractFromTransforms(fitted);
  const wanted = contract.columns.map((c) => [c.name, records.header.indexOf(c.name)] as const);
  const rows: Array<Record<string, unknown>> = new Array(records.count);
  for (let r = 0; r < records.count; r++) {
    const row: Record<string, unknown> = {};
    for (const [name, at] of wanted) row[name] = records.fields[r * width + at];
    rows[r] = row;
  }
  const check = checkRowsAgainstContract(contract, rows);
  const accepted = check.accepted;
  const positions = args.passthrough.map((c) => records.header.indexOf(c));
  const cellOf = (r: number, at: number) => {
    const v = records.fields[r * width + at];
    return v === undefined || v === '' ? null : v;
  };
  const scored: ScoredChunk = {
    passthrough: [...args.passthrough],
    rowNumbers: accepted.map((r) => firstRow + r),
    cells: positions.map((at) => accepted.map((r) => cellOf(r, at))),
    task: fitted.task,
    predictions: [],
    classes: (fitted.label.classes ?? []).map(String),
    probabilities: new Float32Array(0),
    rejects: check.rejected.map(({ index, reason }) => ({
      rowNumber: firstRow + index,
      reason,
      row: Object.fromEntries(records.header.map((name, at) => [name, cellOf(index, at)])),
    })),
  };
  if (accepted.length === 0) return scored;
  const features = applyTransforms({ fitted, table: selectRows(check.table, accepted) });
  const out = predict({ model, x: features.features, rowCount: features.rowCount });
  if (out.task === 'classification') {
    scored.predictions = Array.from(out.classIndices, (c) => scored.classes[c] ?? String(c));
    scored.probabilities = out.probabilities;
  } else {
    scored.predictions = Array.from(out.values);
  }
  return withoutNonFinite(scored, (r) => ({
    rowNumber: scored.rowNumbers[r] as number,
    row: Object.fromEntries(records.header.map((name, at) => [name, cellOf(accepted[r] as number, at)])),
  }));
}

/**
 * Rows the model gave no finite prediction for (inputs far outside what it was trained on) are rejected, as the
 * predict route refuses them: a NaN must never reach an output as if it were a prediction.
 */
function withoutNonFinite(
  scored: ScoredChunk,
  describe: (r: number) => { rowNumber: number; row: Record<string, string | null> },
): ScoredChunk {
  const k = scored.classes.length;
  const bad = (r: number) => {
    if (scored.task === 'regression') return !Number.isFinite(scored.predictions[r] as number);
    for (let j = r * k; j < (r + 1) * k; j++) if (!Number.isFinite(scored.probabilities[j] as number)) return true;
    return false;
  };
  const keep: number[] = [];
  const dropped: ScoredChunk['rejects'] = [];
  for (let r = 0; r < scored.rowNumbers.length; r++) {
    if (!bad(r)) keep.push(r);
    else
      dropped.push({
        ...describe(r),
        reason: 'the model gave no finite prediction: inputs far outside its training range',
      });
  }
  if (dropped.length === 0) return scored;
  const probabilities = new Float32Array(keep.length * k);
  keep.forEach((r, i) => probabilities.set(scored.probabilities.subarray(r * k, (r + 1) * k), i * k));
  return {
    ...scored,
    rowNumbers: keep.map((r) => scored.rowNumbers[r] as number),
    cells: scored.cells.map((column) => keep.map((r) => column[r] ?? null)),
    predictions: keep.map((r) => scored.predictions[r] as string | number),
    probabilities: scored.task === 'classification' ? probabilities : scored.probabilities,
    rejects: [...scored.rejects, ...dropped].sort((a, b) => a.rowNumber - b.rowNumber),
  };
}
