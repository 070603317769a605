import { randomUUID } from 'node:crypto';
import type { OnlineRow, OnlineStore } from '../../../lib/featurestore/online';
import { entityKeyOf } from '../../../lib/featurestore/values';

/** The online store's semantics, the same for every adapter (PostgreSQL, Redis). */
export function describeOnlineStoreContract(
  name: string,
  open: () => Promise<OnlineStore>,
  close: () => Promise<void>,
) {
  describe(`online store contract: ${name}`, () => {
    let store: OnlineStore;
    const view = () => `contract_${randomUUID().slice(0, 8)}`;
    const row = (key: string, eventTime: string, values: OnlineRow['values'], created: string | null = null) => ({
      entityKey: entityKeyOf([key]),
      eventTime,
      created,
      values,
    });
    const T1 = '2024-01-01T00:00:00.000000Z';
    const T2 = '2024-01-02T00:00:00.000000Z';
    const T3 = '2024-01-03T00:00:00.000001Z';

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
      await close();
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('returns undefined for unknown keys, in the order asked, duplicates included', async () => {
      const v = view();
      await store.write(v, [row('a', T1, { x: 1 })]);
      const got = await store.read(v, [entityKeyOf(['b']), entityKeyOf(['a']), entityKeyOf(['b']), entityKeyOf(['a'])]);
      expect(got.map((g) => g?.values.x)).toEqual([undefined, 1, undefined, 1]);
      expect(await store.read(v, [])).toEqual([]);
    });

    it('round-trips every value type and the event and created times exactly', async () => {
      const v = view();
      const values = {
        int: 9007199254740991,
        float: -0.1,
        text: 'quote " comma , newline \n ünïcødé',
        empty: '',
        yes: true,
        no: false,
        none: null,
        when: '2023-12-31T23:59:59.999999Z',
      };
      await store.write(v, [row('k', T3, values, T2)]);
      const [got] = await store.read(v, [entityKeyOf(['k'])]);
      expect(got).toEqual({ eventTime: T3, created: T2, values });
    });

    it('keeps the newest row: older writes are ignored, equal ones replayed, created time breaks event-time ties', async () => {
      const v = view();
      const key = entityKeyOf(['k']);
      expect(await store.write(v, [row('k', T2, { x: 2 })])).toEqual({ written: 1 });
      expect(await store.write(v, [row('k', T1, { x: 1 })])).toEqual({ written: 0 });
      expect((await store.read(v, [key]))[0]?.values).toEqual({ x: 2 });
      // Replaying the same batch (a retried activity) applies it again and changes nothing.
      expect(await store.write(v, [row('k', T2, { x: 2 })])).toEqual({ written: 1 });
      expect((await store.read(v, [key]))[0]?.values).toEqual({ x: 2 });
      await store.write(v, [row('k', T2, { x: 22 }, T3)]);
      await store.write(v, [row('k', T2, { x: 21 }, T2)]);
      expect((await store.read(v, [key]))[0]).toEqual({ eventTime: T2, created: T3, values: { x: 22 } });
      await store.write(v, [row('k', T3, { x: 3 })]);
      expect((await store.read(v, [key]))[0]?.values).toEqual({ x: 3 });
    });

    it('keeps the newest of several rows for one entity in one batch, whatever their order', async () => {
      const v = view();
      await store.write(v, [row('k', T2, { x: 2 }), row('k', T3, { x: 3 }), row('k', T1, { x: 1 })]);
      expect((await store.read(v, [entityKeyOf(['k'])]))[0]?.values).toEqual({ x: 3 });
    });

    it('keeps views apart and clears one view only', async () => {
      const [a, b] = [view(), view()];
      await store.write(a, [row('k', T1, { x: 'a' })]);
      await store.write(b, [row('k', T1, { x: 'b' })]);
      expect((await store.read(a, [entityKeyOf(['k'])]))[0]?.values.x).toBe('a');
      await store.clear(a);
      expect(await store.read(a, [entityKeyOf(['k'])])).toEqual([undefined]);
      expect((await store.read(b, [entityKeyOf(['k'])]))[0]?.values.x).toBe('b');
    });

    it('writes and reads thousands of entities per call, with composite keys', async () => {
      const v = view();
      const rows = Array.from({ length: 5000 }, (_, i) => ({
        entityKey: entityKeyOf([String(i % 100), `store-${i}`]),
        eventTime: T1,
        created: null,
        values: { i },
      }));
      expect(await store.write(v, rows)).toEqual({ written: 5000 });
      const keys = rows.map((r) => r.entityKey).reverse();
      const got = await store.read(v, keys);
      expect(got.map((g) => g?.values.i)).toEqual(rows.map((r) => r.values.i).reverse());
    });
  });
}
