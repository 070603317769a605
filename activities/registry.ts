import { ApplicationFailure } from '@temporalio/activity';
import { recordAudit } from '../lib/audit';
import { decisionSignatureProblem } from '../lib/governance/approval';
import { recordLineage } from '../lib/metadata/artifacts';
import type { FittedTransforms } from '../lib/ml/features/types';
import { modelKind } from '../lib/ml/models/registry';
import { signatureFromTransforms, type ModelSignature } from '../lib/ml/signature';
import { modelNameOf } from '../lib/pipeline/load';
import {
  deployToSlot,
  ensureModel,
  promoteToProduction,
  registerModelVersion as registerVersion,
  setStage,
  undeployVersion,
} from '../lib/registry';
import type { ActivityDeps } from './deps';
import type {
  DecisionRecord,
  DeployInput,
  RegisterInput,
  RegisterOutput,
  StageChangeInput,
  StoredObject,
} from './pipeline-io';
import { runStep } from './step-context';

/**
 * The worker's own check before anything reaches production: a human approval the API signed for this run, by the
 * actor it names. Neither Temporal access nor a tampered history can get a version promoted without one.
 */
export function assertApproved(
  deps: Pick<ActivityDeps, 'config'>,
  input: { runId: string; actor: string; decision?: DecisionRecord },
): void {
  const decision = input.decision;
  const problem = !decision
    ? 'no approval decision was given'
    : decision.decision !== 'approved' || decision.source !== 'human'
      ? `the decision is "${decision.decision}" by ${decision.source === 'timeout' ? 'timeout' : decision.by}, not a human approval`
      : decision.by !== input.actor
        ? `the decision was made by ${decision.by}, not ${input.actor}`
        : decisionSignatureProblem(decision, { runId: input.runId }, deps.config.governance.approval.verifyKeys);
  if (problem) {
    throw ApplicationFailure.create({
      type: 'DecisionNotAuthentic',
      message: `Refusing to put run ${input.runId}'s version into production: ${problem}.`,
      nonRetryable: true,
    });
  }
}

function objectRef(o: StoredObject) {
  return { key: o.key, uri: o.uri, sha256: o.sha256, artifactId: o.artifactId };
}

/** What model this version is: its kind (as the registry of kinds describes it) and the hyperparameters used. */
function candidateLineage(input: RegisterInput) {
  const candidate = input.spec.candidates.find((c) => c.name === input.trained.candidate);
  if (!candidate) return null;
  const kind = modelKind(candidate.kind);
  return {
    name: candidate.name,
    kind: kind.name,
    artifactVersion: kind.artifactVersion,
    capabilities: kind.capabilities,
    hyperparameters: candidate.hyperparameters,
  };
}

/** The signature the features step stored in the transform; reconstructed from the transform when it has none. */
async function signatureOf(deps: ActivityDeps, input: RegisterInput): Promise<ModelSignature> {
  const bytes = await deps.store.getBytes(input.features.transform.key);
  const fitted = JSON.parse(bytes.toString('utf8')) as FittedTransforms;
  return fitted.signature ?? signatureFromTransforms(fitted);
}

/** Model registry and deployment-slot writes (orchestration worker). All idempotent on run + step. */
export function createRegistryActivities(deps: ActivityDeps) {
  return {
    async registerModelVersion(input: RegisterInput): Promise<RegisterOutput> {
      return runStep(
        deps,
        'register',
        async (ctx) => {
          const modelName = modelNameOf(input.spec);
          await ensureModel(deps.db, { name: modelName, task: input.spec.task, description: input.spec.description });
          const { version, created } = await registerVersion(deps.db, {
            modelName,
            runId: input.runId,
            candidate: input.trained.candidate,
            metrics: input.evaluation.metrics,
            modelArtifactId: input.trained.model.artifactId,
            transformArtifactId: input.features.transform.artifactId,
            signature: await signatureOf(deps, input),
            lineage: {
              pipeline: input.spec.name,
              specHash: input.specHash,
              codeVersion: input.codeVersion,
              trigger: input.trigger,
              rawDataset: objectRef(input.raw.raw),
              abt: { table: input.abt.table, rows: input.abt.rows },
              transform: objectRef(input.features.transform),
              model: objectRef(input.trained.model),
              referenceProfile: objectRef(input.features.referenceProfile),
              evaluation: objectRef(input.evaluation.evaluation),
              backend: input.trained.backend,
              epochsRun: input.trained.epochsRun,
              candidate: candidateLineage(input),
            },
          });
          // The model was trained on the ABT, which came from the raw data through the transform.
          await recordLineage(deps.db, {
            fromId: input.features.transform.artifactId,
            toId: input.trained.model.artifactId,
            relation: 'uses_transform',
            runId: input.runId,
          });
          ctx.log.info({ model: modelName, version: version.version, created }, 'model version registered');
          return { modelName, versionId: version.id, version: version.version, created };
        },
        (r) => ({ details: { model: r.modelName, version: r.version, created: r.created } }),
      );
    },

    async deployModelVersion(input: DeployInput): Promise<void> {
      await runStep(deps, `deploy-${input.slot}`, async () => {
        if (input.slot === 'production') assertApproved(deps, input);
        const current = await setStage(deps.db, {
          versionId: input.versionId,
          toStage: input.slot === 'staging' ? 'staging' : 'production',
          actor: input.actor,
          reason: `deployed to the ${input.slot} slot by run ${input.runId}`,
          idempotencyKey: `${input.runId}:stage:${input.slot}`,
        });
        await deployToSlot(deps.db, {
          modelName: current.model_name,
          slot: input.slot,
          versionId: input.versionId,
          actor: input.actor,
          runId: input.runId,
        });
      });
    },

    async promoteModelVersion(input: StageChangeInput): Promise<void> {
      await runStep(deps, 'promote', async () => {
        assertApproved(deps, input);
        const version = await promoteToProduction(deps.db, {
          versionId: input.versionId,
          actor: input.actor,
          reason: input.reason,
          idempotencyKey: `${input.runId}:promote`,
        });
        await recordAudit(deps.db, {
          actor: input.actor,
          action: 'approve',
          target: `model:${version.model_name}:v${version.version}`,
          reason: input.reason,
          details: { runId: input.runId, decidedAt: input.decidedAt, signer: input.decision?.signer },
          keyId: input.decision?.keyId,
          idempotencyKey: `${input.runId}:approve`,
        });
      });
    },

    async archiveModelVersion(input: StageChangeInput): Promise<void> {
      await runStep(deps, 'archive', async () => {
        const version = await setStage(deps.db, {
          versionId: input.versionId,
          toStage: 'archived',
          actor: input.actor,
          reason: `rejected: ${input.reason}`,
          idempotencyKey: `${input.runId}:archive`,
        });
        // A rejected version leaves the staging slot: it must not be served any more (an empty slot answers 404).
        await undeployVersion(deps.db, {
          versionId: input.versionId,
          actor: input.actor,
          reason: `rejected: ${input.reason}`,
          idempotencyKey: `${input.runId}:undeploy`,
        });
        await recordAudit(deps.db, {
          actor: input.actor,
          action: 'reject',
          target: `model:${version.model_name}:v${version.version}`,
          reason: input.reason,
          details: { runId: input.runId, decidedAt: input.decidedAt },
          idempotencyKey: `${input.runId}:reject`,
        });
      });
    },
  };
}

export type RegistryActivities = ReturnType<typeof createRegistryActivities>;
