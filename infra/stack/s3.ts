import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as MinioClient } from 'minio';
import { DATA_DIR } from '../../lib/config/paths';
import { resolveTool } from '../tools/resolve';
import { choosePort, runsProgram, spawnDetached, stopProcess } from './processes';
import type { StackService } from './service';
import { LOG_DIR, STACK_DIR, type ServiceState } from './state';

// Local-only defaults; a real deployment sets its own through the environment.
const ACCESS_KEY = process.env.S3_ACCESS_KEY ?? 'mlops-local';
const SECRET_KEY = process.env.S3_SECRET_KEY ?? 'mlops-local-secret';
const BUCKET = process.env.S3_BUCKET ?? 'mlops';

function clientFor(state: ServiceState): MinioClient {
  const url = new URL(state.env.S3_ENDPOINT ?? '');
  return new MinioClient({
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    useSSL: url.protocol === 'https:',
    accessKey: state.env.S3_ACCESS_KEY ?? ACCESS_KEY,
    secretKey: state.env.S3_SECRET_KEY ?? SECRET_KEY,
    region: process.env.S3_REGION ?? 'us-east-1',
    pathStyle: true,
  });
}

function writeIdentities(): string {
  const file = join(STACK_DIR, 's3-identities.json');
  mkdirSync(STACK_DIR, { recursive: true });
  const identities = {
    identities: [
      {
        name: 'mlops',
        credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
        actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
      },
    ],
  };
  writeFileSync(file, JSON.stringify(identities), { mode: 0o600 });
  return file;
}

export const s3Service: StackService = {
  name: 's3',
  startTimeoutMs: 60_000,

  external() {
    const endpoint = process.env.S3_ENDPOINT;
    if (!endpoint) return undefined;
    const env = { S3_ENDPOINT: endpoint, S3_ACCESS_KEY: ACCESS_KEY, S3_SECRET_KEY: SECRET_KEY, S3_BUCKET: BUCKET };
    return { name: 's3', owned: false, ports: {}, env, urls: { s3: endpoint } };
  },

  async start({ taken, log, previousPorts }) {
    const tool = await resolveTool('weed', log);
    const ports = {
      s3: await choosePort(previousPorts?.s3 ?? 18333, taken),
      master: await choosePort(previousPorts?.master ?? 19333, taken),
      volume: await choosePort(previousPorts?.volume ?? 18080, taken),
      filer: await choosePort(previousPorts?.filer ?? 18888, taken),
      masterGrpc: await choosePort(previousPorts?.masterGrpc ?? 29333, taken),
      volumeGrpc: await choosePort(previousPorts?.volumeGrpc ?? 28080, taken),
      filerGrpc: await choosePort(previousPorts?.filerGrpc ?? 28888, taken),
      s3Grpc: await choosePort(previousPorts?.s3Grpc ?? 28333, taken),
    };
    const dataDir = join(DATA_DIR, 's3');
    mkdirSync(dataDir, { recursive: true });
    const args = [
      'server',
      `-dir=${dataDir}`,
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-master.port=${ports.master}`,
      `-master.port.grpc=${ports.masterGrpc}`,
      // Small volumes: a development data lake should not grow in 30 GB steps.
      '-master.volumeSizeLimitMB=256',
      `-volume.port=${ports.volume}`,
      `-volume.port.grpc=${ports.volumeGrpc}`,
      '-filer',
      `-filer.port=${ports.filer}`,
      `-filer.port.grpc=${ports.filerGrpc}`,
      '-s3',
      `-s3.port=${ports.s3}`,
      `-s3.port.grpc=${ports.s3Grpc}`,
      `-s3.config=${writeIdentities()}`,
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
    ];
    const child = spawnDetached(tool.path, args, { logFile: join(LOG_DIR, 's3.log'), cwd: dataDir });
    const endpoint = `http://127.0.0.1:${ports.s3}`;
    return {
      name: 's3',
      owned: true,
      pid: child.pid,
      program: tool.path,
      ports,
      env: { S3_ENDPOINT: endpoint, S3_ACCESS_KEY: ACCESS_KEY, S3_SECRET_KEY: SECRET_KEY, S3_BUCKET: BUCKET },
      urls: { s3: endpoint, filer: `http://127.0.0.1:${ports.filer}` },
      logFile: child.logFile,
      startedAt: new Date().toISOString(),
      details: { binary: `${tool.path} (${tool.source})`, dataDir },
    };
  },

  async check(state) {
    await clientFor(state).listBuckets();
  },

  async provision(state) {
    const client = clientFor(state);
    const bucket = state.env.S3_BUCKET ?? BUCKET;
    if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket);
  },

  async stop(state) {
    if (state.pid && state.program && runsProgram(state.pid, state.program)) await stopProcess(state.pid);
  },
};
