import type { FeatureType } from './definitions';
import { parseEventTime } from './time';

export type FeatureValue = number | string | boolean | null;

export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

const TRUE = new Set(['true', 't', '1', 'yes', 'y']);
const FALSE = new Set(['false', 'f', '0', 'no', 'n']);

function describe(raw: unknown): string {
  return JSON.stringify(typeof raw === 'string' ? raw.slice(0, 60) : raw) ?? String(raw);
}

/**
 * A cell of a CSV or a JSON value, as the feature's type: null for empty or missing. Throws ValueError naming the
 * expected type; callers add the line and column.
 */
export function toFeatureValue(raw: unknown, type: FeatureType): FeatureValue {
  if (raw === null || raw === undefined || raw === '') return null;
  switch (type) {
    case 'string':
      if (typeof raw === 'object') throw new ValueError(`${describe(raw)} is not a string`);
      return String(raw);
    case 'int': {
      const n = typeof raw === 'number' ? raw : /^\s*[+-]?\d+\s*$/.test(String(raw)) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw new ValueError(`${describe(raw)} is not an integer within ±2^53`);
      return n;
    }
    case 'float': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) throw new ValueError(`${describe(raw)} is not a finite number`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const text = String(raw).trim().toLowerCase();
      if (TRUE.has(text)) return true;
      if (FALSE.has(text)) return false;
      throw new ValueError(`${describe(raw)} is not a boolean (true/false, 1/0, yes/no)`);
    }
    case 'timestamp':
      if (typeof raw !== 'string') throw new ValueError(`${describe(raw)} is not a timestamp string`);
      try {
        return parseEventTime(raw);
      } catch (err) {
        throw new ValueError((err as Error).message);
      }
  }
}

/** The canonical text of a join-key value: int keys lose signs of formatting ('007' → '7'), string keys are kept. */
export function normalizeKey(raw: unknown, type: 'string' | 'int'): string {
  if (raw === null || raw === undefined || raw === '') throw new ValueError('the entity key is empty');
  if (typeof raw === 'object') throw new ValueError(`${describe(raw)} is not a key value`);
  if (type === 'string') return String(raw);
  const text = String(raw).trim();
  if (!/^[+-]?\d+$/.test(text)) throw new ValueError(`${describe(raw)} is not an integer key`);
  return BigInt(text).toString();
}

/** One string per entity instance, the same in the offline and the online store (JSON of the key values). */
export function entityKeyOf(values: readonly string[]): string {
  return JSON.stringify(values);
}

/** PostgreSQL type of a feature type (staging tables, the online store's jsonb keeps JSON values). */
export const PG_TYPE: Record<FeatureType, string> = {
  int: 'bigint',
  float: 'double precision',
  string: 'text',
  bool: 'boolean',
  timestamp: 'timestamptz',
};
