// What a fault scenario can do while its run is in flight: wait for a point in the run, stop and restart stack
// servers on their old ports, kill and replace the training worker; every action lands on a timeline for the report.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from '../../../infra/stack/state';
import type { PipelineHarness } from '../../helpers/pipeline-harness';
import { restartService, stopService } from './service-control';

/** The training worker child processes of the suite: exactly one serves the training queue at a time. */
export class TrainingWorkers {
  private current: ChildProcess | undefined;
  private expectedExit = false;
  private spawned = 0;
  readonly unexpectedExits: string[] = [];

  constructor(private readonly h: PipelineHarness) {}

  start(): ChildProcess {
    const index = (this.spawned += 1);
    this.expectedExit = false;
    const child = this.h.spawnTrainingWorker(`reliability-training-${index}`);
    child.once('exit', (code, signal) => {
      if (this.current !== child || this.expectedExit) return;
      // A worker must survive outages by retrying, not by dying; keep the run going but report it.
      this.unexpectedExits.push(`worker ${index} exited (${signal ?? code})`);
      this.start();
    });
    this.current = child;
    return child;
  }

  async kill(): Promise<void> {
    const child = this.current;
    if (!child || child.exitCode !== null) return;
    this.expectedExit = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the current worker for good (no replacement), before the harness goes down. */
  async shutdown(): Promise<void> {
    await this.kill();
    this.current = undefined;
  }

  get pid(): number | undefined {
    return this.current?.pid;
  }
}

export class FaultContext {
  readonly timeline: string[] = [];
  private readonly t0 = Date.now();

  constructor(
    readonly h: PipelineHarness,
    readonly runId: string,
    readonly workers: TrainingWorkers,
  ) {}

  seconds(): number {
    return (Date.now() - this.t0) / 1000;
  }

  note(event: string): void {
    this.timeline.push(`t=${this.seconds().toFixed(1)}s ${event}`);
  }

  /** Polls until `probe` answers something, so a fault lands at a known point of the run. */
  async until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 600_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(25);
    }
  }

  /** Checkpointed epochs of one candidate in one attempt (any attempt when omitted). */
  async checkpointed(candidate: string, attempt?: number): Promise<number> {
    const query = this.h.deps.db('training_epochs').where({ run_id: this.runId, candidate, checkpointed: true });
    if (attempt !== undefined) query.where({ attempt });
    const row = await query.count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /**
   * Takes a server away for `downMs` counted from the stop request (SeaweedFS answers 500 from SIGTERM on, and takes
   * ~20 s to exit), then starts it again on the same ports and waits until it answers.
   */
  async outage(name: ServiceName, downMs: number): Promise<void> {
    const began = Date.now();
    this.note(`stopping ${name}`);
    const stopped = await stopService(name);
    this.note(`${name} stopped (pid ${stopped.state.pid} gone)`);
    await sleep(Math.max(0, downMs - (Date.now() - began)));
    this.note(`restarting ${name} on ports ${JSON.stringify(stopped.state.ports)}`);
    const state = await restartService(stopped);
    const samePorts = JSON.stringify(state.ports) === JSON.stringify(stopped.state.ports);
    this.note(
      `${name} answering again (pid ${state.pid}, same ports: ${samePorts}); unavailable ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
  }
}
