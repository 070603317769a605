// Audit row 15: docker-compose ran production mode with default credentials and a superuser database user. Now every
// secret comes from .env, the services connect as least-privileged roles, and production refuses defaults.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT, assertProductionReady, loadConfig } from '../../lib/config';

type Compose = {
  services: Record<string, { environment?: Record<string, string> | string[] }>;
  'x-app-env': Record<string, string>;
};

describe('security: deployment defaults', () => {
  const text = readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
  const compose = parseYaml(text) as Compose;

  it('row 15: docker-compose holds no credential; each one is required from .env', () => {
    for (const secret of ['mlops-local', 'mlops-local-secret', 'POSTGRES_PASSWORD: mlops', ':mlops@']) {
      expect(text).not.toContain(secret);
    }
    for (const name of [
      'POSTGRES_PASSWORD',
      'MLOPS_DB_PASSWORD',
      'MLOPS_READER_PASSWORD',
      'TEMPORAL_DB_PASSWORD',
      'S3_ACCESS_KEY',
      'S3_SECRET_KEY',
      'APPROVAL_SIGNING_KEY',
      'APPROVAL_VERIFY_KEYS',
    ]) {
      expect(text).toMatch(new RegExp(`\\$\\{${name}:\\?`));
    }
  });

  it('row 15: the services connect as the application and read-only roles, never as the superuser', () => {
    const env = compose['x-app-env'];
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/mlops_app:/);
    expect(env.DATA_SOURCE_DATABASE_URL).toMatch(/^postgres:\/\/mlops_reader:/);
    const init = readFileSync(join(PROJECT_ROOT, 'infra', 'docker', 'postgres-init.sh'), 'utf8');
    expect(init).toMatch(/CREATE ROLE mlops_app LOGIN NOSUPERUSER/);
    expect(init).toMatch(/CREATE ROLE mlops_reader LOGIN NOSUPERUSER/);
    expect(init).toMatch(/GRANT USAGE ON SCHEMA sources TO mlops_reader/);
    // Only the API holds the signing key.
    const holders = Object.entries(compose.services)
      .filter(([, s]) => JSON.stringify(s.environment ?? {}).includes('APPROVAL_SIGNING_KEY'))
      .map(([name]) => name);
    expect(holders).toEqual(['api']);
  });

  it('row 15: docker-compose refuses to start without .env, and accepts a complete one (docker-compose config)', () => {
    const found = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
    if (found.status !== 0) {
      // Without the tool, the YAML checks above still hold; say so rather than pass silently.
      process.stdout.write('docker-compose is not installed: `docker-compose config` not run\n');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'mlops-compose-'));
    try {
      cpSync(join(PROJECT_ROOT, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
      mkdirSync(join(dir, 'infra', 'docker'), { recursive: true });
      cpSync(join(PROJECT_ROOT, 'infra', 'docker'), join(dir, 'infra', 'docker'), { recursive: true });
      const missing = spawnSync('docker-compose', ['config', '-q'], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      });
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toMatch(/set .* in \.env/);
      const example = readFileSync(join(PROJECT_ROOT, '.env.example'), 'utf8').replace(/=$/gm, '=x');
      writeFileSync(join(dir, '.env'), example);
      execFileSync('docker-compose', ['config', '-q'], { cwd: dir, env: { PATH: process.env.PATH } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('row 15: NODE_ENV=production refuses default credentials and missing approval keys', () => {
    const production = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://mlops:mlops@db:5432/mlops',
      S3_ACCESS_KEY: 'mlops-local',
      S3_SECRET_KEY: 'mlops-local-secret',
    });
    expect(() => assertProductionReady(production, 'api')).toThrow(
      /DATABASE_URL uses a default or empty password; S3_ACCESS_KEY \/ S3_SECRET_KEY are the development defaults; APPROVAL_SIGNING_KEY is not set/,
    );
    const proper = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://mlops_app:Str0ng-and-long@db:5432/mlops',
      S3_ACCESS_KEY: 'AKIA-real',
      S3_SECRET_KEY: 'a-real-secret',
      APPROVAL_SIGNING_KEY: `k1:${'a'.repeat(64)}`,
    });
    expect(() => assertProductionReady(proper, 'api')).not.toThrow();
    expect(() => assertProductionReady(proper, 'worker')).not.toThrow();
  });
});
