// The Helm chart (infra/helm/mlops-pipelines): `helm lint --strict`, then `helm template` with each ci/*-values.yaml
// piped into infra/helm/validate-manifests.py (kubernetes-validate's strict schemas, plus KEDA's kinds). npm test
// hands over the tools it resolved (HELM_BIN, KUBERNETES_VALIDATE_BIN); run alone, this resolves them itself.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../../../lib/config/paths';
import { resolveTool } from '../../../infra/tools/resolve';

const CHART = join(PROJECT_ROOT, 'infra', 'helm', 'mlops-pipelines');
const VALIDATOR = join(PROJECT_ROOT, 'infra', 'helm', 'validate-manifests.py');
const KUBE_VERSION = '1.31.0';
const VALUES = readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml'));

// Rendered YAML is untyped: the assertions below walk it freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = any;
type Manifest = { kind: string; metadata: { name: string }; spec?: Yaml } & Record<string, Yaml>;

let helm = '';
let python = '';

beforeAll(async () => {
  helm = process.env.HELM_BIN ?? (await resolveTool('helm')).path;
  const validate = process.env.KUBERNETES_VALIDATE_BIN ?? (await resolveTool('kubernetes-validate')).path;
  // The validator imports kubernetes_validate: run it with the interpreter that package was installed for.
  python =
    readFileSync(validate, 'utf8')
      .split('\n')[0]
      ?.replace(/^#!\s*/, '') ?? 'python3';
}, 15 * 60_000);

function run(command: string, args: string[], input?: string) {
  const result = spawnSync(command, args, { input, encoding: 'utf8', cwd: PROJECT_ROOT, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function template(valuesFile: string, extra: string[] = []) {
  return run(helm, [
    'template',
    'mlops',
    CHART,
    '--kube-version',
    KUBE_VERSION,
    '-f',
    join(CHART, 'ci', valuesFile),
    ...extra,
  ]);
}

function validate(manifests: string) {
  return run(python, [VALIDATOR, '--kubernetes-version', KUBE_VERSION], manifests);
}

function render(valuesFile: string): Manifest[] {
  const out = template(valuesFile);
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  return parseAllDocuments(out.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

const containersOf = (m: Manifest) => (m.spec?.template?.spec?.containers ?? []) as Array<Record<string, Yaml>>;

describe('Helm chart', () => {
  it('has values files to check', () => {
    expect(VALUES).toEqual(
      expect.arrayContaining(['default-values.yaml', 'gpu-tls-keda-values.yaml', 'hpa-values.yaml']),
    );
  });

  it.each(VALUES)('lints clean with %s', (file) => {
    const out = run(helm, ['lint', '--strict', CHART, '--kube-version', KUBE_VERSION, '-f', join(CHART, 'ci', file)]);
    expect(out.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(out.status).toBe(0);
  });

  it.each(VALUES)('renders manifests that pass strict schema validation with %s', (file) => {
    const rendered = template(file);
    expect(rendered.status).toBe(0);
    const result = validate(rendered.stdout);
    expect(result.stdout).toMatch(/\d+ resources, 0 failed/);
    expect(result.status).toBe(0);
  });

  it('runs every container as non-root on a read-only root filesystem, with secrets only by reference', () => {
    for (const file of VALUES) {
      for (const m of render(file).filter((r) => r.kind === 'Deployment')) {
        expect(m.spec?.template?.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
        for (const c of containersOf(m)) {
          expect(c.securityContext).toMatchObject({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          });
          expect(c.resources?.requests).toBeDefined();
          expect(c.resources?.limits).toBeDefined();
          expect(c.livenessProbe).toBeDefined();
          for (const env of c.env as Array<{ name: string; value?: string; valueFrom?: Record<string, Yaml> }>) {
            // TLS key and certificates are files of a mounted Secret volume; everything else by secretKeyRef.
            const mountedFile = env.value?.startsWith('/etc/temporal-tls/') === true;
            if (mountedFile) {
              const volumes = m.spec?.template?.spec?.volumes as Array<{ name: string; secret?: unknown }>;
              expect(volumes.find((v) => v.name === 'temporal-tls')?.secret).toBeDefined();
            } else if (/KEY|SECRET|PASSWORD|DATABASE_URL/.test(env.name)) {
              expect({ name: env.name, ref: env.valueFrom?.secretKeyRef?.name }).toEqual({
                name: env.name,
                ref: 'mlops-secrets',
              });
            }
          }
        }
      }
    }
  });

  it('schedules the GPU pool on GPU nodes and scales each worker on its own task queue', () => {
    const manifests = render('gpu-tls-keda-values.yaml');
    const gpu = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name.endsWith('training-gpu'));
    expect(gpu?.spec?.template?.spec?.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(gpu?.spec?.template?.spec?.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    const worker = containersOf(gpu as Manifest)[0] as Record<string, Yaml>;
    expect(worker.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(worker.env).toEqual(
      expect.arrayContaining([
        { name: 'TASK_QUEUE_TRAINING', value: 'training-gpu' },
        { name: 'TFJS_BACKEND', value: 'tensorflow' },
      ]),
    );
    const scaled = manifests.filter((m) => m.kind === 'ScaledObject');
    expect(scaled.map((s) => s.spec?.triggers[0].metadata.taskQueue).sort()).toEqual([
      'mlops-orchestration',
      'mlops-training',
      'training-gpu',
    ]);
    const gpuScaler = scaled.find((s) => s.metadata.name.endsWith('training-gpu'));
    expect(gpuScaler?.spec).toMatchObject({ minReplicaCount: 0, scaleTargetRef: { name: gpu?.metadata.name } });
    expect(gpuScaler?.spec?.triggers[0]).toMatchObject({
      type: 'temporal',
      metadata: { enableTLS: 'true', queueTypes: 'activity' },
      authenticationRef: { name: 'mlops-mlops-pipelines-temporal' },
    });
    const auth = manifests.find((m) => m.kind === 'TriggerAuthentication');
    expect(auth?.spec?.secretTargetRef.map((r: { parameter: string }) => r.parameter)).toEqual([
      'apiKey',
      'cert',
      'key',
      'ca',
    ]);
    // A scaled Deployment leaves its replica count to the autoscaler.
    expect(gpu?.spec?.replicas).toBeUndefined();
  });

  it('uses HPAs on the external backlog metric when autoscaling.mode is hpa', () => {
    const manifests = render('hpa-values.yaml');
    expect(manifests.some((m) => m.kind === 'ScaledObject')).toBe(false);
    const hpas = manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec?.metrics[0].external.metric.selector.matchLabels.task_queue).sort()).toEqual([
      'mlops-orchestration',
      'mlops-training',
    ]);
  });

  it('refuses to render without the Secret, naming it', () => {
    const out = run(helm, ['template', 'mlops', CHART, '--kube-version', KUBE_VERSION]);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/secrets\.existingSecret is required/);
  });

  it('the validator fails misspelt fields, in built-in kinds and in KEDA triggers', () => {
    const good = template('default-values.yaml').stdout;
    const typoDeployment = good.replace('terminationGracePeriodSeconds:', 'terminationGracePeriodSecond:');
    const bad = validate(typoDeployment);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/ERROR Deployment\/mlops-mlops-pipelines-orchestration: .*terminationGracePeriodSecond/);
    const typoTrigger = good.replace('targetQueueSize:', 'targetQueueSise:');
    const badTrigger = validate(typoTrigger);
    expect(badTrigger.status).toBe(1);
    expect(badTrigger.stdout).toMatch(/ERROR ScaledObject\/.*targetQueueSise/);
    const unknownKind = validate('apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n');
    expect(unknownKind.stdout).toMatch(/no schema for .*Widget/);
    expect(unknownKind.status).toBe(1);
  });
});
