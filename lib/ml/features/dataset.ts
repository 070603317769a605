import { selectRows } from '../data/batch';
import type { Table } from '../data/types';
import { applyTransforms } from './apply';
import { encodeLabels } from './labels';
import type { FittedTransforms } from './types';

/** Model-ready arrays: `x` is rowCount × featureCount row-major; `y` holds class indices or regression targets. */
export interface Dataset {
  x: Float32Array;
  y: Int32Array | Float32Array;
  rowCount: number;
  featureCount: number;
}

/** Applies the fitted transforms and label encoder to the given rows of a table (all rows by default). */
export function buildDataset(args: { fitted: FittedTransforms; table: Table; rows?: ArrayLike<number> }): Dataset {
  const table = args.rows ? selectRows(args.table, args.rows) : args.table;
  const { features, rowCount, featureNames } = applyTransforms({ fitted: args.fitted, table });
  return { x: features, y: encodeLabels({ fitted: args.fitted, table }), rowCount, featureCount: featureNames.length };
}
