import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { AppConfig } from '../lib/config';
import { dataConverterFor } from './codec';

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

/** A client that encrypts payloads when the configuration sets a key (the same converter the workers use). */
export async function connectClient(
  config: AppConfig['temporal'],
  extra: Partial<ConstructorParameters<typeof Client>[0]> = {},
) {
  const connection = await Connection.connect(connectionOptions(config));
  return new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFor(config), ...extra });
}

export async function connectWorker(config: AppConfig['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}
