import { migrateLatest } from '../../../infra/migrations';
import { startRedisServer, type RunningRedis } from '../../../infra/stack/redis';
import { createPostgresOnlineStore } from '../../../lib/featurestore/online/postgres';
import { createRedisOnlineStore } from '../../../lib/featurestore/online/redis';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';
import { describeOnlineStoreContract } from '../contracts/online-store.contract';

let database: TestDatabase | undefined;
describeOnlineStoreContract(
  'postgres',
  async () => {
    database = await createTestDatabase();
    await migrateLatest(database.db);
    return createPostgresOnlineStore(database.db);
  },
  async () => {
    await database?.drop();
  },
);

// A real Redis server on a free port, from the tool bootstrap: never skipped.
let redis: RunningRedis | undefined;
describeOnlineStoreContract(
  'redis',
  async () => {
    redis = await startRedisServer();
    return createRedisOnlineStore({ url: redis.url, prefix: 'test:fs' });
  },
  async () => {
    await redis?.stop();
  },
);
