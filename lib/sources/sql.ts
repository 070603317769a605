import { loadModule, parseSync } from 'libpg-query';
import { DataError } from '../ml/errors';

// A `postgres` data source is a table or view name, or ONE SELECT statement. The statement is parsed by
// PostgreSQL's own parser (libpg-query) and walked: anything that writes, locks, or is more than one statement is
// refused before a connection is opened. The read-only role and READ ONLY transaction it then runs in are the
// second line of defence, not the first.

/** `table`, `schema.table` (unquoted identifiers; quoted when the COPY is built). */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/;

const FORBIDDEN_NODES: Record<string, string> = {
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
  intoClause: 'SELECT INTO',
  lockingClause: 'a locking clause (FOR UPDATE/SHARE)',
};

let loaded: Promise<void> | undefined;

function refused(message: string, details: Record<string, unknown> = {}): DataError {
  return new DataError({ code: 'SOURCE_REFUSED', message, details });
}

function forbiddenIn(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = forbiddenIn(item);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof node !== 'object' || node === null) return undefined;
  for (const [key, value] of Object.entries(node)) {
    const name = FORBIDDEN_NODES[key];
    if (name && value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) return name;
    const found = forbiddenIn(value);
    if (found) return found;
  }
  return undefined;
}

/** Throws a SOURCE_REFUSED DataError unless `sql` is exactly one plain SELECT (CTEs and subqueries included). */
export async function assertSingleSelect(sql: string, where = 'data.source.query'): Promise<void> {
  loaded ??= loadModule();
  await loaded;
  let tree: { stmts?: Array<{ stmt: Record<string, unknown> }> };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (err) {
    throw refused(`${where} is not valid SQL: ${(err as Error).message}. Give one SELECT statement.`);
  }
  const statements = tree.stmts ?? [];
  if (statements.length !== 1) {
    throw refused(`${where} must be exactly one SELECT statement (found ${statements.length}).`, {
      statements: statements.length,
    });
  }
  const [kind] = Object.keys((statements[0] as { stmt: Record<string, unknown> }).stmt);
  if (kind !== 'SelectStmt') {
    throw refused(`${where} must be a SELECT statement, not ${kind?.replace(/Stmt$/, '') ?? 'this'}.`);
  }
  const forbidden = forbiddenIn(statements[0]);
  if (forbidden) throw refused(`${where} may only read: it contains ${forbidden}.`);
}

/** `schema.table` → `"schema"."table"`. */
export function quoteTableName(name: string): string {
  if (!TABLE_NAME.test(name)) {
    throw refused(`data.source.table ${JSON.stringify(name)} is not a table name: use table or schema.table.`);
  }
  return name
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}
