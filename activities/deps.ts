import type { AppConfig } from '../lib/config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logging';
import type { ArtifactStore } from '../lib/store';

/** What every activity factory receives; workers build it once at start-up. */
export interface ActivityDeps {
  db: Db;
  store: ArtifactStore;
  log: Logger;
  config: AppConfig;
  /** git commit (or package version) of the code running the step, recorded in lineage. */
  codeVersion: string;
}
