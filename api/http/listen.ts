import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * Listens, or rejects with a message naming the address: a port already taken (another API, another user's
 * stack) must stop this process loudly, never leave it running while clients talk to someone else's server.
 */
export function listenOrFail(app: RequestListener, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app).listen(port, host);
    const onError = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? `${host}:${port} is already in use (another API or program listens there): stop it, or set API_PORT`
          : `${host}:${port}: ${err.message}`;
      reject(new Error(`The API could not listen on ${why}.`));
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}
