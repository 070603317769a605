// `npm run reliability:scale-out`: the scale-out check at full size on a private stack. Two orchestration and two
// training workers (processes) share the task queues; SCALE_OUT_RUNS runs (default 12) start together; one worker of
// each kind is SIGKILLed while they train. Prints the timeline and every check per run; exits 1 if any fails.
import { isolateStack } from './lib/isolate';

const dataDir = isolateStack('scale-out');

// Everything else reads MLOPS_DATA_DIR when first loaded: import it only now (tsx maps the .js name to the .ts file).
import('./lib/scale-out-suite.js')
  .then(({ runScaleOutSuite }) => runScaleOutSuite(dataDir))
  .then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
