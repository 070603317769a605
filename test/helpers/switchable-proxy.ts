import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server that can be switched off: while down it drops every connection at once,
 * as a crashed or restarting receiver would, without giving its port away (tests never assume a port stays free).
 */
export interface SwitchableProxy {
  port: number;
  up: boolean;
  /** Connections dropped while down. */
  refused: number;
  close(): Promise<void>;
}

export async function startSwitchableProxy(
  targetPort: number,
  options: { up?: boolean } = {},
): Promise<SwitchableProxy> {
  const sockets = new Set<Socket>();
  const state = { up: options.up ?? true, refused: 0 };
  const server: Server = createServer((client) => {
    if (!state.up) {
      state.refused += 1;
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get up() {
      return state.up;
    },
    set up(value: boolean) {
      state.up = value;
    },
    get refused() {
      return state.refused;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
