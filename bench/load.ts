// `npm run bench:load`: 200 concurrent small pipeline runs (2 tiny candidates, self-approving, no monitor) against
// in-process workers on one machine; prints runs/min, p50/p95 run duration, activity queue waits and failures (exit 1
// if any). Runs on a private stack so it neither loads nor fills the shared one.
// Env: LOAD_RUNS (default 200), DATABASE_POOL_MAX, ORCHESTRATION_ACTIVITY_CONCURRENCY, TRAINING_CONCURRENCY.
import { isolateStack } from '../test/reliability/lib/isolate';

const dataDir = isolateStack('load');

// Everything else reads MLOPS_DATA_DIR when first loaded: import it only now (tsx maps the .js name to the .ts file).
import('./lib-scale/load-bench.js')
  .then(({ runLoadBench }) => runLoadBench(dataDir))
  .then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
