import type { FeatureType } from '../definitions';
import { intervalMs } from '../sql';
import { canonicalTimeSql } from '../time';
import type { StagedView } from './stage';
import { ENTITY_TABLE } from './entity-frame';

export interface JoinPlanView {
  staged: StagedView;
  /** Entity-table key column (k<i>) for each of the view's join keys, in the view's order. */
  entityKeys: string[];
}

/** A feature column of the result as text: numbers as PostgreSQL prints them exactly, booleans as true/false. */
function asText(expression: string, type: FeatureType): string {
  switch (type) {
    case 'bool':
      return `case when ${expression} then 'true' when not ${expression} then 'false' end`;
    case 'timestamp':
      return canonicalTimeSql(expression);
    default:
      return `(${expression})::text`;
  }
}

/**
 * The point-in-time join as one query: for each entity row and view, the latest staged row of the same keys with an
 * event time at or before the row's time, no older than the TTL, and (with a created-time column) already written at
 * that time; ties go to the later write, then to the row later in the source. Nothing after the row's time is ever
 * visible. Rows come out in the entity dataframe's order.
 */
export function pointInTimeJoinSql(args: { passthrough: number; views: JoinPlanView[] }): string {
  const select: string[] = [];
  for (let i = 0; i < args.passthrough; i++) select.push(`e.c${i}`);
  const laterals: string[] = [];
  args.views.forEach((v, vi) => {
    const { staged } = v;
    const alias = `v${vi}`;
    staged.features.forEach((f, fi) => select.push(asText(`${alias}.f${fi}`, f.type)));
    const conditions = v.entityKeys.map((k, ki) => `s.k${ki} = e.${k}`);
    conditions.push('s._ts <= e._ts');
    if (staged.ttlMs !== undefined) conditions.push(`s._ts >= e._ts - ${intervalMs(staged.ttlMs)}`);
    if (staged.hasCreated) conditions.push('(s._created is null or s._created <= e._ts)');
    const columns = staged.features.map((_, fi) => `s.f${fi}`).join(', ');
    laterals.push(
      `left join lateral (select ${columns} from ${staged.table} s where ${conditions.join(' and ')} ` +
        `order by s._ts desc, s._created desc nulls last, s._row desc limit 1) ${alias} on true`,
    );
  });
  return `select ${select.join(', ')} from ${ENTITY_TABLE} e ${laterals.join(' ')} order by e._eid`;
}
