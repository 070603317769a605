import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { createStackCheckActivities } from '../../activities/stack-check';
import { connectClient, connectWorker } from '../../infra/temporal-connection';
import { loadConfig } from '../../lib/config';
import { createDb } from '../../lib/db';
import { S3ArtifactStore } from '../../lib/store';
import { stackCheck } from '../../workflows/stack-check';

describe('a workflow running an activity on the real Temporal dev server', () => {
  const config = loadConfig();
  const db = createDb({ url: config.database.url, poolMax: 2 });
  const store = new S3ArtifactStore(config.s3);
  afterAll(() => db.destroy());

  it('completes, and its activity wrote to S3 and read from PostgreSQL', async () => {
    const taskQueue = `smoke-${randomUUID()}`;
    const connection = await connectWorker(config.temporal);
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('../../workflows/stack-check'),
      activities: createStackCheckActivities({ db, store }),
    });
    const client = await connectClient(config.temporal);
    const workflowId = `smoke-${randomUUID()}`;
    try {
      const result = await worker.runUntil(
        client.workflow.execute(stackCheck, { taskQueue, workflowId, args: [{ message: 'hello stack' }] }),
      );
      expect(result.workflowId).toBe(workflowId);
      expect(new Date(result.databaseTime).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect((await store.getBytes(result.key)).toString()).toBe('hello stack');
      expect((await store.stat(result.key))?.sha256).toBe(result.sha256);
      const described = await client.workflow.getHandle(workflowId).describe();
      expect(described.status.name).toBe('COMPLETED');
    } finally {
      await client.connection.close();
      await connection.close();
    }
  });
});
