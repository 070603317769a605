import { activityInfo } from '@temporalio/activity';
import type { Db } from '../lib/db';
import type { ArtifactStore } from '../lib/store';

export interface StackCheckResult {
  key: string;
  sha256: string;
  databaseTime: string;
  workflowId: string;
}

export function createStackCheckActivities({ db, store }: { db: Db; store: ArtifactStore }) {
  return {
    async recordStackCheck({ message }: { message: string }): Promise<StackCheckResult> {
      const workflowId = activityInfo().workflowExecution?.workflowId ?? 'standalone';
      const key = `stack-check/${workflowId}.txt`;
      const info = await store.put(key, message, { contentType: 'text/plain' });
      const { rows } = (await db.raw('select now() as now')) as { rows: Array<{ now: Date }> };
      return { key, sha256: info.sha256, databaseTime: rows[0]?.now.toISOString() ?? '', workflowId };
    },
  };
}

export type StackCheckActivities = ReturnType<typeof createStackCheckActivities>;
