import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { resolveTool } from '../../infra/tools/resolve';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/pipeline/readable';

/**
 * Temporal's time-skipping test server, from TEMPORAL_TEST_SERVER / PATH / .tools (installed if missing), with the
 * pipeline's search attributes registered (the server refuses upserts of unknown ones, as a real one does).
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const tool = await resolveTool('temporal-test-server');
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: tool.path } },
  });
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.client.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, keyword])),
  });
  return env;
}
