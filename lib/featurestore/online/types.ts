import type { FeatureValue } from '../values';

/** One entity's latest values of a view, as materialization writes them. */
export interface OnlineRow {
  /** entityKeyOf(join key values). */
  entityKey: string;
  /** Canonical event time of the source row the values come from. */
  eventTime: string;
  /** Canonical write time of that row, when the view declares one. */
  created: string | null;
  values: Record<string, FeatureValue>;
}

export type OnlineValue = Omit<OnlineRow, 'entityKey'>;

/**
 * The online store: the latest feature values per view and entity, read at prediction time. Every adapter has the
 * same semantics, checked by test/integration/featurestore/online-store.contract.ts.
 */
export interface OnlineStore {
  readonly kind: 'postgres' | 'redis';
  /**
   * Newer wins: a row replaces the stored one only when its (event time, created time) is not older, so replaying a
   * batch, or writing batches out of order, always ends in the same state. Returns how many rows were applied.
   */
  write(view: string, rows: OnlineRow[]): Promise<{ written: number }>;
  /** One round trip for any number of keys; results in the order of the keys, undefined where nothing is stored. */
  read(view: string, entityKeys: string[]): Promise<Array<OnlineValue | undefined>>;
  /** Removes every entity of one view. */
  clear(view: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Order of a row for "newer wins": digits only (event time, then created time), equal-length strings. */
export function writeOrder(row: Pick<OnlineRow, 'eventTime' | 'created'>): string {
  const digits = (t: string | null) => (t ? t.replace(/\D/g, '') : '0'.repeat(20));
  return `${digits(row.eventTime)}${digits(row.created)}`;
}

/** Several rows for one entity in a batch: keep the newest (the last of equals, as a later write would). */
export function newestPerEntity(rows: OnlineRow[]): OnlineRow[] {
  const newest = new Map<string, OnlineRow>();
  for (const row of rows) {
    const kept = newest.get(row.entityKey);
    if (!kept || writeOrder(kept) <= writeOrder(row)) newest.set(row.entityKey, row);
  }
  return [...newest.values()];
}
