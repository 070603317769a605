import { Redis } from 'ioredis';
import { newestPerEntity, writeOrder, type OnlineStore, type OnlineValue } from './types';

// Each value is one string: its 40-digit write order, then the JSON payload. Reads are a single MGET; writes a
// script that compares orders on the server, so concurrent or replayed writers can never put an older row back.
const WRITE_NEWER = `
local written = 0
for i, key in ipairs(KEYS) do
  local value = ARGV[i]
  local current = redis.call('GET', key)
  if (not current) or string.sub(current, 1, 40) <= string.sub(value, 1, 40) then
    redis.call('SET', key, value)
    written = written + 1
  end
end
return written`;

const ORDER_LENGTH = 40;
const WRITE_CHUNK = 500;

export function createRedisOnlineStore(options: { url: string; prefix: string }): OnlineStore {
  const redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 3, enableAutoPipelining: true });
  // Errors surface on the commands that fail; without a listener ioredis would also print them.
  redis.on('error', () => undefined);
  const keyOf = (view: string, entityKey: string) => `${options.prefix}:${view}:${entityKey}`;
  const writeNewer = (keys: string[], values: string[]) =>
    redis.eval(WRITE_NEWER, keys.length, ...keys, ...values) as Promise<number>;

  return {
    kind: 'redis',

    async write(view, rows) {
      let written = 0;
      const batch = newestPerEntity(rows);
      for (let start = 0; start < batch.length; start += WRITE_CHUNK) {
        const chunk = batch.slice(start, start + WRITE_CHUNK);
        const payload = (r: (typeof chunk)[number]) =>
          writeOrder(r) + JSON.stringify({ e: r.eventTime, c: r.created, v: r.values });
        written += await writeNewer(
          chunk.map((r) => keyOf(view, r.entityKey)),
          chunk.map(payload),
        );
      }
      return { written };
    },

    async read(view, entityKeys) {
      if (entityKeys.length === 0) return [];
      const values = await redis.mget(entityKeys.map((k) => keyOf(view, k)));
      return values.map((v): OnlineValue | undefined => {
        if (v === null) return undefined;
        const parsed = JSON.parse(v.slice(ORDER_LENGTH)) as { e: string; c: string | null; v: OnlineValue['values'] };
        return { eventTime: parsed.e, created: parsed.c, values: parsed.v };
      });
    },

    async clear(view) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${options.prefix}:${view}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    },

    async ping() {
      await redis.ping();
    },

    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
