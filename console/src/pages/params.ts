import type { Parameter } from '../data/types';

// Run parameters as the pipeline declares them (GET /v1/pipelines/{name}): what a form field starts with, and what
// the typed text becomes before it is sent. The API checks every value again against the declaration; this only
// saves a round trip for the obvious mistakes.

export type Value = string | number | boolean;

export function initialValue(p: Parameter): string | boolean {
  if (p.type === 'boolean') return p.default === true;
  return p.default === null ? '' : String(p.default);
}

/** The value to send (undefined: leave the parameter at its default), or why the input is not one. */
export function parseParameter(p: Parameter, raw: string | boolean): { value?: Value; error?: string } {
  if (p.type === 'boolean') return { value: Boolean(raw) };
  const text = String(raw).trim();
  if (text === '') return {};
  if (p.enum && !p.enum.map(String).includes(text)) return { error: `one of ${p.enum.join(', ')}` };
  if (p.type === 'string') return { value: text };
  if (p.type === 'duration') {
    return /^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(text) ? { value: text } : { error: "a duration such as '30m' or '2h'" };
  }
  const n = Number(text);
  if (!Number.isFinite(n)) return { error: 'a number' };
  if (p.type === 'integer' && !Number.isInteger(n)) return { error: 'a whole number' };
  if (typeof p.min === 'number' && n < p.min) return { error: `at least ${p.min}` };
  if (typeof p.max === 'number' && n > p.max) return { error: `at most ${p.max}` };
  return { value: n };
}
