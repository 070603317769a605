import { escapeIdentifier, escapeLiteral } from 'pg';

// Every name that comes from a definition goes through here before it reaches SQL text: identifiers are quoted
// (PostgreSQL's own rules, as pg-format's %I), literals escaped (%L). Values travel as bind parameters wherever
// the statement allows them (COPY does not).

export const ident = (name: string): string => escapeIdentifier(name);

export const qualified = (schema: string, table: string): string => `${ident(schema)}.${ident(table)}`;

export const literal = (value: string): string => escapeLiteral(value);

/** An interval of whole milliseconds as a SQL literal (the number is checked, never pasted as text). */
export function intervalMs(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`Invalid interval ${ms} ms`);
  return `interval '${ms} milliseconds'`;
}
