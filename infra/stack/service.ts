import type { ServiceName, ServiceState } from './state';

export interface StartContext {
  /** Ports already chosen in this `up`, so that two services never pick the same one. */
  taken: Set<number>;
  log: (message: string) => void;
  /** The ports this service had last time (preferred over the defaults when free). */
  previousPorts?: Record<string, number>;
}

/** One server of the local stack. Every method is safe to call again (up twice, down twice). */
export interface StackService {
  name: ServiceName;
  /** The service as given from outside (an env var such as DATABASE_URL), or undefined when we run our own. */
  external(): ServiceState | undefined;
  start(ctx: StartContext): Promise<ServiceState>;
  /** Resolves when the service answers a real request; throws with the reason otherwise. */
  check(state: ServiceState): Promise<void>;
  /** Creates what clients expect to exist (namespace, database, bucket); idempotent. */
  provision(state: ServiceState): Promise<void>;
  stop(state: ServiceState): Promise<void>;
  /** How long start-up may take before we report failure. */
  startTimeoutMs: number;
}
