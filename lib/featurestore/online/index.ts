import type { Db } from '../../db';
import type { FeatureStoreConfig } from '../config';
import { createPostgresOnlineStore } from './postgres';
import { createRedisOnlineStore } from './redis';
import type { OnlineStore } from './types';

export * from './types';

/** The configured online store: PostgreSQL (the metadata database) by default, Redis when FEATURE_ONLINE_STORE=redis. */
export function createOnlineStore(config: FeatureStoreConfig, db: Db): OnlineStore {
  return config.online.kind === 'redis' ? createRedisOnlineStore(config.online) : createPostgresOnlineStore(db);
}
