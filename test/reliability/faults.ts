// `npm run reliability:faults`: the churn pipeline survives a Temporal restart, 30 s PostgreSQL and S3 outages and five
// SIGKILLs of its training worker, each compared with an undisturbed run; exits 1 if any check fails.
// It runs on a private stack (own Temporal, PostgreSQL and SeaweedFS on free ports) so that stopping servers never
// touches the shared stack other test runs use. Env: FAULTS_ONLY=id,id (see lib/fault-scenarios.ts), FAULTS_KEEP=1,
// FAULTS_SEED, FAULTS_OUTAGE_MS, FAULTS_TEMPORAL_DOWN_MS.
import { isolateStack } from './lib/isolate';

const dataDir = isolateStack('faults');

// Everything else reads MLOPS_DATA_DIR when first loaded: import it only now (tsx maps the .js name to the .ts file).
import('./lib/fault-suite.js')
  .then(({ runFaultSuite }) => runFaultSuite(dataDir))
  .then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
