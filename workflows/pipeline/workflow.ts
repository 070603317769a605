import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  condition,
  isCancellation,
  log,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  AbtOutput,
  EvaluateOutput,
  FeaturesOutput,
  IngestOutput,
  LoadSpecOutput,
  RegisterOutput,
  RunStatusInput,
  RunTrigger,
  TrainOutput,
  ValidateOutput,
} from '../../activities/pipeline-io';
import { modelMonitor, monitorWorkflowId, stopMonitor } from '../monitor/workflow';
import { dataActivities, ingest, light, trainingActivities } from './activities';
import {
  approveUpdate,
  rejectUpdate,
  statusQuery,
  trainingProgressSignal,
  type ApprovalDecision,
  type ApprovalRequest,
  type PipelineStatus,
  type RunOutcome,
} from './messages';
import { chooseBest, durationMs, evaluateGate, metricDirection } from './policy';

/** An activity failure wraps the real error: the deepest cause carries the message users need (e.g. the
 * validation summary). */
function rootCauseMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

export interface PipelineInput {
  pipeline: string;
  params?: Record<string, unknown>;
  trigger?: RunTrigger;
}

export interface PipelineResult {
  outcome: RunOutcome;
  runId: string;
  model?: string;
  version?: number;
  best?: string;
  metrics?: Record<string, number>;
  message: string;
}

/**
 * One run of an ML pipeline: phase 0 (dev) ingest → validate → features → ABT → train → evaluate → report;
 * phase 1 (staging) gate → register → deploy to staging → smoke test → human approval;
 * phase 2 (production) promote → deploy to production → start monitoring.
 */
export async function mlPipeline(input: PipelineInput): Promise<PipelineResult> {
  const runId = workflowInfo().workflowId;
  const state: PipelineStatus = {
    pipeline: input.pipeline,
    runId,
    phase: 'dev',
    status: 'running',
    step: 'load spec',
    stepsDone: [],
    cacheHits: [],
    progress: { training: {} },
    metrics: {},
    approval: { required: true, approvers: [] },
    artifacts: {},
  };
  let decision: ApprovalDecision | undefined;

  setHandler(statusQuery, () => state);
  setHandler(trainingProgressSignal, (p) => {
    state.progress.training[p.candidate] = p;
  });
  // Typed refusals, so that callers (the API) can answer 409 / 403 / 400 without parsing messages.
  const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });
  const validateDecision = ({ by, reason }: ApprovalRequest) => {
    if (state.status !== 'waiting_approval' || decision) {
      throw refuse(
        'NotWaitingForApproval',
        `Run ${runId} is not waiting for approval (status: ${state.status}, step: ${state.step})`,
      );
    }
    if (!by?.trim()) throw refuse('InvalidApprovalRequest', 'The approver identity ("by") is required');
    if (!reason?.trim()) throw refuse('InvalidApprovalRequest', 'A reason is required for the audit trail');
    if (state.approval.approvers.length > 0 && !state.approval.approvers.includes(by)) {
      throw refuse(
        'NotAnApprover',
        `${by} may not decide on this run; approvers are: ${state.approval.approvers.join(', ')}`,
      );
    }
  };
  const decide =
    (kind: 'approved' | 'rejected') =>
    async ({ by, reason }: ApprovalRequest) => {
      decision = { decision: kind, by, reason, at: new Date().toISOString(), source: 'human' };
      const v = state.modelVersion;
      return { decision: kind, model: v?.model ?? '', version: v?.version ?? 0 };
    };
  setHandler(approveUpdate, decide('approved'), { validator: validateDecision });
  setHandler(rejectUpdate, decide('rejected'), { validator: validateDecision });

  const enter = (step: string) => {
    if (state.step && state.step !== step && !state.stepsDone.includes(state.step)) state.stepsDone.push(state.step);
    state.step = step;
    // The SDK adds workflowId, runId and workflowType to every workflow log line (and drops them on replay).
    log.info('pipeline step', { runId, phase: state.phase, step });
  };
  const record = (update: Omit<RunStatusInput, 'runId'>) => light.recordRunStatus({ runId, ...update });

  try {
    const loaded: LoadSpecOutput = await light.loadPipelineSpec({
      pipeline: input.pipeline,
      params: input.params ?? {},
    });
    const { spec, specHash } = loaded;
    const modelName = spec.model ?? spec.name;
    state.approval.approvers = spec.approval.approvers;
    await record({
      pipeline: spec.name,
      specHash,
      trigger: input.trigger?.kind ?? 'manual',
      params: input.params ?? {},
      status: 'running',
      phase: 'dev',
    });

    // ---- Phase 0: dev ----
    enter('ingest');
    const raw: IngestOutput = await ingest.ingestRawData({ runId, pipeline: spec.name, source: spec.data.source });
    state.artifacts.raw = raw.raw.uri;
    if (raw.alreadyInLake) state.cacheHits.push('ingest');
    const data = dataActivities(raw.raw.size);

    enter('validate');
    const validation: ValidateOutput = await data.validateDataset({ runId, spec, raw });
    state.progress.rowsValidated = validation.rowCount;
    state.artifacts.validationReport = validation.report.uri;
    if (validation.cached) state.cacheHits.push('validate');

    enter('features');
    const features: FeaturesOutput = await data.fitFeatures({ runId, spec, raw, validation });
    state.artifacts.transform = features.transform.uri;
    if (features.cached) state.cacheHits.push('features');

    enter('abt');
    const abt: AbtOutput = await data.buildAnalyticBaseTable({ runId, spec, raw, validation, features });
    state.progress.abtRows = abt.rows;
    state.artifacts.abt = `postgres:${abt.table}`;
    if (abt.cached) state.cacheHits.push('abt');

    enter('train');
    const queue = loaded.trainingTaskQueue;
    const trained: TrainOutput[] = await Promise.all(
      spec.candidates.map((c) =>
        trainingActivities(spec, queue, `train:${c.name}`).trainCandidate({
          runId,
          spec,
          candidate: c.name,
          abt,
          features,
        }),
      ),
    );

    enter('evaluate');
    const evaluations: EvaluateOutput[] = await Promise.all(
      trained.map((t) =>
        trainingActivities(spec, queue, `evaluate:${t.candidate}`).evaluateCandidate({
          runId,
          spec,
          candidate: t.candidate,
          model: t.model,
          abt,
          features,
        }),
      ),
    );
    for (const e of evaluations) state.metrics[e.candidate] = e.metrics;
    const direction = metricDirection(spec.evaluation.primaryMetric, spec.evaluation.direction);
    const best = chooseBest(evaluations, spec.evaluation.primaryMetric, direction);
    state.best = best.candidate;
    const bestTrained = trained.find((t) => t.candidate === best.candidate) as TrainOutput;
    const bestEvaluation = evaluations.find((e) => e.candidate === best.candidate) as EvaluateOutput;

    enter('report');
    const report = await light.writeRunReport({
      runId,
      spec,
      specHash,
      raw,
      validation,
      features,
      abt,
      trained,
      evaluations,
      best: best.candidate,
    });
    state.artifacts.reportJson = report.json.uri;
    state.artifacts.reportCsv = report.csv.uri;
    // Optional: results recorded by older workers (histories replayed after an upgrade) carry no HTML/XLSX.
    if (report.html) state.artifacts.reportHtml = report.html.uri;
    if (report.xlsx) state.artifacts.reportXlsx = report.xlsx.uri;

    // ---- Phase 1: staging ----
    state.phase = 'staging';
    await record({ phase: 'staging', summary: { best: best.candidate, metrics: state.metrics } });
    enter('gate');
    const baseline = await trainingActivities(spec, queue, 'evaluate:production').evaluateProductionModel({
      runId,
      spec,
      raw,
      validation,
      features,
    });
    const gate = evaluateGate({
      metrics: best.metrics,
      thresholds: spec.evaluation.thresholds,
      primaryMetric: spec.evaluation.primaryMetric,
      direction,
      minImprovement: spec.evaluation.minImprovement,
      production:
        baseline.metrics && baseline.version !== undefined
          ? { version: baseline.version, metrics: baseline.metrics }
          : undefined,
    });
    await record({ summary: { gate } });
    if (!gate.passed) {
      return await finish('gate_failed', gate.summary, { best: best.candidate, metrics: best.metrics });
    }

    enter('register');
    const registered: RegisterOutput = await light.registerModelVersion({
      runId,
      trigger: input.trigger ?? { kind: 'manual' },
      spec,
      specHash,
      codeVersion: loaded.codeVersion,
      raw,
      features,
      abt,
      trained: bestTrained,
      evaluation: bestEvaluation,
    });
    state.modelVersion = { model: modelName, version: registered.version, versionId: registered.versionId };

    enter('deploy staging');
    await light.deployModelVersion({
      runId,
      modelName,
      versionId: registered.versionId,
      slot: 'staging',
      actor: `pipeline:${runId}`,
    });

    enter('smoke test');
    const smoke = await trainingActivities(spec, queue, 'smoke-test:staging').smokeTestDeployment({
      runId,
      modelName,
      versionId: registered.versionId,
      slot: 'staging',
      evaluation: bestEvaluation.evaluation,
      servingSample: features.servingSample,
      rows: spec.deployment.smokeTestRows,
    });
    if (!smoke.passed) {
      throw ApplicationFailure.create({ type: 'SmokeTestFailed', message: smoke.message, nonRetryable: true });
    }

    enter('approval');
    const timeoutMs = durationMs(spec.approval.timeout);
    state.status = 'waiting_approval';
    state.approval.deadline = new Date(Date.now() + timeoutMs).toISOString();
    await record({ status: 'waiting_approval' });
    const decided = await condition(() => decision !== undefined, timeoutMs);
    if (!decided) {
      const kind = spec.approval.onTimeout === 'approve' ? 'approved' : 'rejected';
      decision = {
        decision: kind,
        by: 'system:approval-timeout',
        reason: `No decision within ${spec.approval.timeout}: the spec's onTimeout is "${spec.approval.onTimeout}"`,
        at: new Date().toISOString(),
        source: 'timeout',
      };
    }
    const final = decision as ApprovalDecision;
    state.approval.decision = final;
    state.status = 'running';
    await record({ status: 'running', summary: { approval: final } });

    if (final.decision === 'rejected') {
      enter('archive');
      await light.archiveModelVersion({
        runId,
        versionId: registered.versionId,
        actor: final.by,
        reason: final.reason,
        decidedAt: final.at,
      });
      return await finish(
        'rejected',
        `Version ${registered.version} of ${modelName} was rejected by ${final.by}: ${final.reason}`,
        {
          best: best.candidate,
          metrics: best.metrics,
          version: registered.version,
        },
      );
    }

    // ---- Phase 2: production ----
    state.phase = 'production';
    await record({ phase: 'production' });
    enter('promote');
    await light.promoteModelVersion({
      runId,
      versionId: registered.versionId,
      actor: final.by,
      reason: final.reason,
      decidedAt: final.at,
    });
    enter('deploy production');
    await light.deployModelVersion({
      runId,
      modelName,
      versionId: registered.versionId,
      slot: 'production',
      actor: final.by,
    });

    if (spec.monitoring.enabled) {
      enter('start monitoring');
      if (baseline.runId) {
        await stopMonitor(monitorWorkflowId(baseline.runId), `superseded by v${registered.version} (run ${runId})`);
      }
      const monitor = await startChild(modelMonitor, {
        workflowId: monitorWorkflowId(runId),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            pipeline: spec.name,
            params: input.params,
            model: modelName,
            version: registered.version,
            versionId: registered.versionId,
          },
        ],
      });
      state.artifacts.monitor = monitor.workflowId;
    }
    return await finish(
      'succeeded',
      `Version ${registered.version} of ${modelName} is in production (approved by ${final.by})`,
      {
        best: best.candidate,
        metrics: best.metrics,
        version: registered.version,
      },
    );
  } catch (err) {
    const outcome: RunOutcome = isCancellation(err) ? 'cancelled' : 'failed';
    state.status = outcome;
    state.error = rootCauseMessage(err);
    // Record the failure even when the run is being cancelled.
    await CancellationScope.nonCancellable(() => record({ status: outcome, error: state.error, ended: true }));
    throw err;
  }

  async function finish(
    outcome: RunOutcome,
    message: string,
    extra: { best?: string; metrics?: Record<string, number>; version?: number },
  ): Promise<PipelineResult> {
    enter('done');
    state.status = outcome;
    await record({ status: outcome, ended: true, summary: { outcome, message } });
    return { outcome, runId, model: state.modelVersion?.model, message, ...extra };
  }
}
