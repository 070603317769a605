import type { Parameter } from '../data/types';

// Run parameters as the pipeline declares them (GET /v1/pipelines/{name}): what a form field starts with, and what
// the typed text becomes before it is sent.

export type Value = string | number | boolean;

export function initialValue(p: Parameter): string | boolean {
  if (p.type === 'boolean') return p.default === true;
  return p.default === undefined ? '' : String(p.default);
}

/** The value to send, or a message saying why the input is not one. */
export function parseParameter(p: Parameter, raw: string | boolean): { value?: Value; error?: string } {
  if (p.type === 'boolean') return { value: Boolean(raw) };
  const text = String(raw).trim();
  if (text === '') return p.default === undefined ? { error: 'required' } : { value: p.default };
  if (p.type === 'string') {
    if (p.enum && !p.enum.map(String).includes(text)) return { error: `one of ${p.enum.join(', ')}` };
    return { value: text };
  }
  const n = Number(text);
  if (!Number.isFinite(n)) return { error: 'a number' };
  if (p.type === 'integer' && !Number.isInteger(n)) return { error: 'a whole number' };
  if (p.min !== undefined && n < p.min) return { error: `at least ${p.min}` };
  if (p.max !== undefined && n > p.max) return { error: `at most ${p.max}` };
  if (p.enum && !p.enum.map(Number).includes(n)) return { error: `one of ${p.enum.join(', ')}` };
  return { value: n };
}
