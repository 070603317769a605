import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTool } from '../../infra/tools/resolve';

/** Temporal's time-skipping test server, from TEMPORAL_TEST_SERVER / PATH / .tools (installed if missing). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const tool = await resolveTool('temporal-test-server');
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: tool.path } },
  });
}
