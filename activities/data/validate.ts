import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ApplicationFailure } from '@temporalio/activity';
import { recordLineage } from '../../lib/metadata/artifacts';
import { lookupStepCache, stepCacheKey, storeStepCache } from '../../lib/metadata/step-cache';
import {
  LabelCodeCollector,
  createValidator,
  encodeLabelCodes,
  readRecordBatches,
  schemaFromExpectations,
  type ExpectationsSpec,
  type TableSchema,
} from '../../lib/ml';
import { readingOptionsOf } from '../../lib/ml/data/reading-spec';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import { registerStoredArtifact, storeArtifact } from '../artifacts';
import type { ActivityDeps } from '../deps';
import type { IngestOutput, StoredObject, ValidateOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';

/**
 * The spec's expectations plus what the rest of the spec implies: every feature column and the label must be
 * present, and the label must be valid for the task.
 */
export function effectiveExpectations(spec: PipelineSpec): ExpectationsSpec {
  const columns = { ...spec.expectations.columns };
  for (const feature of spec.features.features) {
    const name = typeof feature === 'string' ? feature : feature.column;
    columns[name] = { ...columns[name], required: true } as ExpectationsSpec['columns'][string];
  }
  const label = spec.expectations.label ?? { column: spec.features.label };
  columns[spec.features.label] = {
    ...columns[spec.features.label],
    required: true,
    nullable: false,
  } as ExpectationsSpec['columns'][string];
  return { ...spec.expectations, columns, label: { ...label, task: spec.task } };
}

/** Cache identity of validation: the raw bytes, how they are read (csv or jsonl) and what decides the verdict. */
export function validationCacheKey(spec: PipelineSpec, raw: Pick<IngestOutput, 'raw' | 'format'>): string {
  return stepCacheKey('validate', raw.raw.sha256, {
    format: raw.format,
    expectations: effectiveExpectations(spec),
    // Absent (so earlier keys hold) when the spec declares no tokens, formats or derived columns.
    reading: readingOptionsOf(spec.data),
  });
}

interface CachedValidation {
  passed: boolean;
  summary: string;
  rowCount: number;
  quarantinedRows: number;
  schema: TableSchema;
  report: Omit<StoredObject, 'artifactId' | 'uri'>;
  quarantine?: Omit<StoredObject, 'artifactId' | 'uri'>;
  labelCodes?: Omit<StoredObject, 'artifactId' | 'uri'>;
}

async function fromCache(deps: ActivityDeps, ctx: StepContext, cached: CachedValidation): Promise<ValidateOutput> {
  const report = await registerStoredArtifact(deps, ctx, {
    ...cached.report,
    name: 'report.json',
    kind: 'validation_report',
  });
  const quarantine = cached.quarantine
    ? await registerStoredArtifact(deps, ctx, { ...cached.quarantine, name: 'quarantine.jsonl', kind: 'quarantine' })
    : undefined;
  const labelCodes = cached.labelCodes
    ? await registerStoredArtifact(deps, ctx, { ...cached.labelCodes, name: 'label-codes.bin', kind: 'split' })
    : undefined;
  return { ...cached, report, quarantine, labelCodes, cached: true };
}

/**
 * Streams the raw data through the validator: bounded memory, quarantined rows spooled to a JSONL file. For
 * classification it also keeps the label of every accepted row as a one-byte class code, so the features step can
 * split the data without another pass over it.
 */
export async function validateDataset(
  deps: ActivityDeps,
  ctx: StepContext,
  input: { spec: PipelineSpec; raw: IngestOutput },
): Promise<ValidateOutput> {
  const { spec, raw } = input;
  const cacheKey = validationCacheKey(spec, raw);
  const hit = await lookupStepCache<CachedValidation>(deps.db, cacheKey);
  if (hit) return fromCache(deps, ctx, hit.outputs);

  const expectations = effectiveExpectations(spec);
  const reading = readingOptionsOf(spec.data);
  const formats = Object.fromEntries(
    Object.entries(reading?.columns ?? {}).flatMap(([name, c]) => (c.format ? [[name, c.format]] : [])),
  );
  const validator = createValidator({ expectations, formats });
  const labels = spec.task === 'classification' ? new LabelCodeCollector() : undefined;
  const spoolPath = join(tmpdir(), `mlops-quarantine-${randomUUID()}.jsonl`);
  const spool = createWriteStream(spoolPath);
  let rows = 0;
  try {
    const stream = await deps.store.get(raw.raw.key);
    const schema = schemaFromExpectations(expectations);
    const batches = readRecordBatches({ stream, format: raw.format, schema, reading });
    for await (const batch of batches) {
      const { quarantined, acceptedRows } = validator.consume(batch);
      // A label column absent from the file fails validation (it is required); nothing to collect then.
      const labelColumn = batch.columns[spec.features.label];
      if (labelColumn) labels?.add(labelColumn, acceptedRows);
      for (const q of quarantined) {
        if (!spool.write(`${JSON.stringify(q)}\n`)) await once(spool, 'drain');
      }
      rows += batch.rowCount;
      ctx.heartbeat({ rowsValidated: rows });
    }
    spool.end();
    await once(spool, 'finish');
    const report = validator.finish();
    const prefix = `derived/validate/${cacheKey}`;
    const reportObject = await storeArtifact(deps, ctx, {
      key: `${prefix}/report.json`,
      body: JSON.stringify({ runId: ctx.runId, raw: raw.raw, expectations, ...report }, null, 2),
      name: 'report.json',
      kind: 'validation_report',
      contentType: 'application/json',
      metadata: { passed: report.passed },
    });
    await recordLineage(deps.db, {
      fromId: raw.raw.artifactId,
      toId: reportObject.artifactId,
      relation: 'validated',
      runId: ctx.runId,
    });
    const quarantine =
      report.rowsQuarantined > 0
        ? await storeArtifact(deps, ctx, {
            key: `${prefix}/quarantine.jsonl`,
            body: createReadStream(spoolPath),
            name: 'quarantine.jsonl',
            kind: 'quarantine',
            contentType: 'application/x-ndjson',
            metadata: { rows: report.rowsQuarantined },
          })
        : undefined;
    ctx.log.info({ passed: report.passed, rows: report.rowsRead, quarantined: report.rowsQuarantined }, report.summary);
    if (!report.passed) {
      // Permanent: the same bytes fail the same way on every attempt. The raw data stays in the lake.
      throw ApplicationFailure.create({
        type: 'DataValidationFailed',
        message: report.summary,
        nonRetryable: true,
        details: [{ report: reportObject.uri, failedChecks: report.checks.filter((c) => !c.passed).map((c) => c.id) }],
      });
    }
    const labelCodes = labels
      ? await storeArtifact(deps, ctx, {
          key: `${prefix}/label-codes.bin`,
          body: Buffer.from(encodeLabelCodes(labels.finish())),
          name: 'label-codes.bin',
          kind: 'split',
          metadata: { rows: labels.rows },
        })
      : undefined;
    const output: CachedValidation = {
      passed: report.passed,
      summary: report.summary,
      rowCount: report.rowsRead,
      quarantinedRows: report.rowsQuarantined,
      schema: report.schema,
      report: strip(reportObject),
      quarantine: quarantine ? strip(quarantine) : undefined,
      labelCodes: labelCodes ? strip(labelCodes) : undefined,
    };
    await storeStepCache(deps.db, { cacheKey, step: 'validate', producerRunId: ctx.runId, outputs: output });
    return { ...output, report: reportObject, quarantine, labelCodes, cached: false };
  } finally {
    spool.destroy();
    await rm(spoolPath, { force: true });
  }
}

function strip(o: StoredObject): Omit<StoredObject, 'artifactId' | 'uri'> {
  return { key: o.key, sha256: o.sha256, size: o.size };
}
