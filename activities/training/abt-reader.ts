import type { Db } from '../../lib/db';
import type { Dataset } from '../../lib/ml';
import { abtFeatureColumns } from '../data/abt';
import { SPLIT_CODES, type SplitName } from '../data/clean-rows';

export interface AbtSplit extends Dataset {
  rowIds: Int32Array;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Reads one split of the ABT as model-ready arrays (x row-major float32, y class index or target), in row order.
 * Columns come from the same naming function that wrote them, so training sees exactly the fitted features.
 */
export async function readAbtSplit(
  db: Db,
  input: { table: string; featureNames: string[]; split: SplitName; classification: boolean },
): Promise<AbtSplit> {
  const columns = abtFeatureColumns(input.featureNames);
  const table = input.table.split('.').map(quoteIdent).join('.');
  const sql = `select row_id, y, ${columns.map(quoteIdent).join(', ')} from ${table} where split = ? order by row_id`;
  const { rows } = (await db.raw(sql, [SPLIT_CODES[input.split]])) as { rows: Array<Record<string, number>> };
  const width = columns.length;
  const x = new Float32Array(rows.length * width);
  const y = input.classification ? new Int32Array(rows.length) : new Float32Array(rows.length);
  const rowIds = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    rowIds[i] = Number(row.row_id);
    y[i] = Number(row.y);
    for (let j = 0; j < width; j += 1) x[i * width + j] = Number(row[columns[j] as string]);
  });
  return { x, y, rowCount: rows.length, featureCount: width, rowIds };
}
