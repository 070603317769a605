// `npm run bench:etl-scale`: a generated churn-like CSV (3M rows, and 1M to show memory does not grow with it) through
// the real ingest → validate → features → ABT activities, each stage in its own process; rows/s and peak RSS per stage
// beside `psql \copy` of the same file into the same database. Runs on a private stack (own PostgreSQL and S3), so
// the 3M-row lake object and ABT go away with it. Env: ETL_SCALE_ROWS (default 1000000,3000000), PSQL.
import { isolateStack } from '../test/reliability/lib/isolate';

const dataDir = isolateStack('etl-scale');

// Everything else reads MLOPS_DATA_DIR when first loaded: import it only now (tsx maps the .js name to the .ts file).
import('./lib-scale/etl-scale-main.js')
  .then(({ runEtlScale }) => runEtlScale(dataDir))
  .then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
