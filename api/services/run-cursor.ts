import type { RunSearch, RunSearchRow, RunSort } from '../../lib/metadata/run-search';
import { ApiError } from '../http/errors';

// Keyset cursors of run listings: the last row's sort value and run id, and which sort they belong to (a cursor
// from one sort is refused by another instead of skipping rows). Cursors from before sorting carry no sort: started.

function sortKey(sort: RunSort): string {
  return sort.kind === 'started' ? 'started' : `metric:${sort.metric}`;
}

export function encodeRunCursor(row: Pick<RunSearchRow, 'sort_value' | 'run_id'>, sort: RunSort): string {
  return Buffer.from(JSON.stringify([row.sort_value, row.run_id, sortKey(sort)]), 'utf8').toString('base64url');
}

function invalid(message: string): ApiError {
  return new ApiError(400, 'INVALID_CURSOR', `query.cursor ${message}: start again without it.`, {
    issues: [{ path: 'query.cursor', message: 'invalid cursor' }],
  });
}

export function decodeRunCursor(cursor: string, sort: RunSort): NonNullable<RunSearch['after']> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a cursor this API returned');
  }
  if (!Array.isArray(value) || typeof value[1] !== 'string') throw invalid('is not a cursor this API returned');
  const [position, runId, key = 'started'] = value as [unknown, string, unknown];
  if (key !== sortKey(sort)) throw invalid(`belongs to another sort order (${String(key)})`);
  if (position !== null && typeof position !== 'number') throw invalid('is not a cursor this API returned');
  if (position === null && sort.kind === 'started') throw invalid('is not a cursor this API returned');
  return { value: position, runId };
}

/** One page of a search that fetched limit + 1 rows, with the cursor of the next page. */
export function pageOf<T extends RunSearchRow>(rows: T[], limit: number, sort: RunSort) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? encodeRunCursor(last, sort) : null };
}
