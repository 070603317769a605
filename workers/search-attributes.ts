import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from '../lib/logging';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/pipeline/readable';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/**
 * Checks (and adds, where the connection may) the search attributes the pipeline workflow sets. A missing one would
 * make every run fail at its first upsert, so a worker that cannot add them refuses to start, saying what to run.
 */
export async function ensureSearchAttributes(client: Client, namespace: string, log: Logger): Promise<void> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).filter((name) => !(name in (customAttributes ?? {})));
  if (missing.length === 0) return;
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
    });
    log.info({ added: missing }, 'search attributes registered');
  } catch (err) {
    // Another worker starting at the same time may have added them first.
    const again = await client.connection.operatorService.listSearchAttributes({ namespace });
    if (missing.every((name) => name in (again.customAttributes ?? {}))) return;
    const commands = missing
      .map((name) => `temporal operator search-attribute create -n ${namespace} --name ${name} --type Keyword`)
      .join('; ');
    throw new Error(
      `Search attributes ${missing.join(', ')} are not registered on namespace ${namespace} and this worker may not add them (${(err as Error).message}). Run: ${commands}`,
    );
  }
}
