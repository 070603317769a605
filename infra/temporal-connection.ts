import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { AppConfig } from '../lib/config';

function tlsOptions(config: AppConfig['temporal']): ConnectionOptions['tls'] {
  if (!config.tls) return config.apiKey ? true : undefined;
  const { certPath, keyPath, caPath, serverName } = config.tls;
  return {
    serverNameOverride: serverName,
    serverRootCACertificate: caPath ? readFileSync(caPath) : undefined,
    clientCertPair: certPath && keyPath ? { crt: readFileSync(certPath), key: readFileSync(keyPath) } : undefined,
  };
}

/** Options shared by the client (API, CLI, tests) and the workers' native connection. */
export function connectionOptions(config: AppConfig['temporal']): ConnectionOptions & NativeConnectionOptions {
  return { address: config.address, tls: tlsOptions(config), apiKey: config.apiKey };
}

export async function connectClient(
  config: AppConfig['temporal'],
  extra: Partial<ConstructorParameters<typeof Client>[0]> = {},
) {
  const connection = await Connection.connect(connectionOptions(config));
  return new Client({ connection, namespace: config.namespace, ...extra });
}

export async function connectWorker(config: AppConfig['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}
