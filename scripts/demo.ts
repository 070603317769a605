// `npm run demo` (interim, until the ML pipeline lands): stack up, one workflow end to end, where to look.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { createStackCheckActivities } from '../activities/stack-check';
import { stackUp } from '../infra/stack';
import { connectClient, connectWorker } from '../infra/temporal-connection';
import { loadConfig } from '../lib/config';
import { createDb } from '../lib/db';
import { createArtifactStore } from '../lib/store';
import { stackCheck } from '../workflows/stack-check';

async function main(): Promise<void> {
  process.env.PG_PROVIDER ??= 'embedded';
  for (const r of await stackUp((m) => console.log(`  ${m}`))) console.log(`${r.service}: ${r.action}`);
  const config = loadConfig();
  const db = createDb({ url: config.database.url });
  const store = createArtifactStore(config.artifacts);
  await store.ensureReady();
  const connection = await connectWorker(config.temporal);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueues.orchestration,
    workflowsPath: require.resolve('../workflows'),
    activities: createStackCheckActivities({ db, store }),
  });
  const client = await connectClient(config.temporal);
  const workflowId = `demo-stack-check-${randomUUID().slice(0, 8)}`;
  const result = await worker.runUntil(
    client.workflow.execute(stackCheck, {
      taskQueue: config.taskQueues.orchestration,
      workflowId,
      args: [{ message: 'hello from npm run demo' }],
    }),
  );
  console.log(`\nworkflow ${workflowId} completed: ${JSON.stringify(result)}`);
  console.log(`See it in the Temporal Web UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${workflowId}`);
  await db.destroy();
  await connection.close();
  await client.connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
