import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { DATA_DIR } from '../../lib/config/paths';
import { resolveTool } from '../tools/resolve';
import { choosePort, runsProgram, spawnDetached, stopProcess } from './processes';
import type { StackService } from './service';
import { LOG_DIR } from './state';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/pipeline/readable';

export const TEMPORAL_NAMESPACE = process.env.TEMPORAL_NAMESPACE ?? 'mlops';

/** Every search attribute the workflows set (workflows/pipeline/readable.ts), as start-dev flags. */
export const SEARCH_ATTRIBUTES = SEARCH_ATTRIBUTE_KEYS.map((key) => `${key.name}=Keyword`);

async function describeNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
}

export const temporalService: StackService = {
  name: 'temporal',
  startTimeoutMs: 90_000,

  external() {
    const address = process.env.TEMPORAL_ADDRESS;
    if (!address) return undefined;
    const ui = process.env.TEMPORAL_UI_URL;
    return {
      name: 'temporal',
      owned: false,
      ports: {},
      env: { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE, ...(ui ? { TEMPORAL_UI_URL: ui } : {}) },
      urls: { grpc: address, ...(ui ? { ui } : {}) },
    };
  },

  async start({ taken, log, previousPorts }) {
    const tool = await resolveTool('temporal', log);
    const port = await choosePort(previousPorts?.grpc ?? 17233, taken);
    const uiPort = await choosePort(previousPorts?.ui ?? port + 1000, taken);
    const httpPort = await choosePort(previousPorts?.http ?? port + 10, taken);
    const metricsPort = await choosePort(previousPorts?.metrics ?? port + 30, taken);
    const dbDir = join(DATA_DIR, 'temporal');
    mkdirSync(dbDir, { recursive: true });
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--http-port',
      String(httpPort),
      '--metrics-port',
      String(metricsPort),
      '--db-filename',
      join(dbDir, 'temporal.db'),
      '--namespace',
      TEMPORAL_NAMESPACE,
      '--log-level',
      'warn',
      '--ui-disable-news-fetch',
      ...SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', a]),
      ...(process.env.TEMPORAL_UI_CODEC_ENDPOINT
        ? ['--ui-codec-endpoint', process.env.TEMPORAL_UI_CODEC_ENDPOINT]
        : []),
    ];
    const child = spawnDetached(tool.path, args, { logFile: join(LOG_DIR, 'temporal.log') });
    const address = `127.0.0.1:${port}`;
    const ui = `http://127.0.0.1:${uiPort}`;
    return {
      name: 'temporal',
      owned: true,
      pid: child.pid,
      program: tool.path,
      ports: { grpc: port, ui: uiPort, http: httpPort, metrics: metricsPort },
      env: { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE, TEMPORAL_UI_URL: ui },
      urls: { grpc: address, ui, metrics: `http://127.0.0.1:${metricsPort}/metrics` },
      logFile: child.logFile,
      startedAt: new Date().toISOString(),
      details: { binary: `${tool.path} (${tool.source})`, db: join(dbDir, 'temporal.db') },
    };
  },

  async check(state) {
    await describeNamespace(state.env.TEMPORAL_ADDRESS ?? '', state.env.TEMPORAL_NAMESPACE ?? TEMPORAL_NAMESPACE);
  },

  async provision() {
    // The dev server creates the namespace and search attributes from its flags; an external server is the
    // operator's to provision (see README, "Use your own Temporal").
  },

  async stop(state) {
    if (state.pid && state.program && runsProgram(state.pid, state.program)) await stopProcess(state.pid);
  },
};
