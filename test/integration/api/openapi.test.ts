import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import request from 'supertest';
import { testKey } from '../../helpers/keys';
import { payloadToJson } from '../../../infra/codec';
import { PROJECT_ROOT } from '../../../lib/config/paths';
import { applyDefinitions } from '../../../lib/featurestore/registry';
import { insertChannel } from '../../../lib/notify';
import { loadPipelineSpec } from '../../../lib/pipeline/store';
import { recordRunDefinition } from '../../../lib/tracking/record';
import { eventually, startApiHarness, type ApiHarness, type Holder } from './harness';
import { validate, type Schema } from './json-schema';
import { promoteAndDeploy, registerTinyModel } from './model-fixture';
import { storeMonitoringWindow, storeRunReport, storeValidationReport } from './report-fixture';

interface Operation {
  operationId: string;
  security: unknown[];
  parameters: Array<{ name: string; in: string }>;
  requestBody?: unknown;
  'x-required-role'?: string;
  'x-also-allowed-roles'?: string[];
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
/** A small valid spec for applyPipeline: the churn example under another name. */
const docPipelineYaml = readFileSync(join(PROJECT_ROOT, 'pipelines', 'churn.yaml'), 'utf8').replace(
  /^name: churn$/m,
  'name: churn-doc',
);
const docDefinitions = {
  entities: [{ name: 'doc_entity', joinKeys: ['id'] }],
  featureViews: [
    {
      name: 'doc_view',
      owner: 'docs',
      entities: ['doc_entity'],
      source: { kind: 'file', path: 'pipelines/data/features/customer_profile.csv' },
      features: [{ name: 'tenure_months', type: 'int' }],
    },
  ],
};

interface Example {
  holder?: Holder;
  params?: Record<string, string | number>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
}

describe('every path in /openapi.json exists and answers as documented', () => {
  let h: ApiHarness;
  let doc: Document;
  const ids: Record<string, string> = {};
  const suffix = randomBytes(3).toString('hex');

  beforeAll(async () => {
    // Encryption on, so that the codec endpoints answer with their success body too.
    h = await startApiHarness({ env: { PAYLOAD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` } });
    const startRun = async () =>
      (await request(h.app).post('/v1/pipelines/churn/runs').set(h.auth('operator')).send({})).body.runId as string;
    [ids.approveRun, ids.rejectRun, ids.cancelRun] = [await startRun(), await startRun(), await startRun()];
    for (const runId of [ids.approveRun, ids.rejectRun]) {
      await eventually(
        async () =>
          (await request(h.app).get(`/v1/runs/${runId}`).set(h.auth('viewer'))).body.status === 'waiting_approval',
        30_000,
        'approval',
      );
    }
    const v1 = await registerTinyModel(h, { model: 'tiny', runId: 'doc-run-1' });
    const v2 = await registerTinyModel(h, { model: 'tiny', runId: 'doc-run-2' });
    await promoteAndDeploy(h, { model: 'tiny', versionId: v1.id });
    await promoteAndDeploy(h, { model: 'tiny', versionId: v2.id });
    const predicted = await request(h.app)
      .post('/v1/predict/tiny')
      .set(h.auth('predictor'))
      .send({ rows: [{ x: 1, colour: 'red' }] });
    ids.requestId = predicted.body.requestId;
    for (const name of ['kept', 'deleted']) {
      const res = await request(h.app)
        .post('/v1/schedules')
        .set(h.auth('operator'))
        .send({ scheduleId: `doc-${name}-${suffix}`, pipeline: 'churn', interval: '1d', paused: true });
      ids[name] = res.body.scheduleId;
    }
    ids.keyId = (await testKey(h.database.db, 'to-revoke', 'viewer')).id;
    for (const name of ['channel', 'channelDeleted']) {
      const channel = await insertChannel(h.db, {
        name: `doc-${name}`,
        kind: 'webhook',
        config: { url: 'http://127.0.0.1:9/unreachable' },
        events: ['run_failed'],
        pipelines: [],
        enabled: true,
        createdBy: 'test',
      });
      ids[name] = String(channel.id);
    }
    await storeRunReport(h, ids.approveRun as string);
    await storeValidationReport(h, ids.approveRun as string);
    const { spec } = await loadPipelineSpec(h.database.db, { pipeline: 'churn' });
    await recordRunDefinition(h.database.db, { runId: ids.approveRun as string, spec, codeVersion: 'test' });
    ids.alertId = String((await storeMonitoringWindow(h, { model: 'tiny', versionId: v1.id, version: 1 })).alertId);
    await applyDefinitions(h.database.db, docDefinitions, { actor: 'test', source: 'openapi test' });
    h.track('fs-materialize-doc_view');
    await h.db('batch_jobs').insert({
      job_id: 'batch-tiny-doc',
      model: 'tiny',
      version_id: v1.id,
      version: 1,
      requested_by: 'oscar',
      input: JSON.stringify({ kind: 's3', key: 'datasets/doc.csv' }),
      output: JSON.stringify({ kind: 's3', format: 'csv' }),
      rows_total: 10,
      chunks_total: 1,
    });
    doc = (await request(h.app).get('/openapi.json')).body as Document;
  });
  afterAll(async () => {
    await h?.client.schedule
      .getHandle('fs-materialize-doc_view')
      .delete()
      .catch(() => undefined);
    await h?.client.schedule
      .getHandle('batch-tiny-doc-schedule')
      .delete()
      .catch(() => undefined);
    for (const name of ['kept', 'deleted', 'created'])
      await h?.client.schedule
        .getHandle(`doc-${name}-${suffix}`)
        .delete()
        .catch(() => undefined);
    await h?.stop();
  });

  const payload = () => payloadToJson(defaultPayloadConverter.toPayload({ hello: 'codec' }));
  const view = { view: 'doc_view' };
  const examples: Record<string, () => Example> = {
    healthz: () => ({ status: 200 }),
    readyz: () => ({ status: 200 }),
    metrics: () => ({ holder: 'viewer', status: 200 }),
    openapi: () => ({ status: 200 }),
    listPipelines: () => ({ holder: 'viewer', status: 200 }),
    getPipeline: () => ({ holder: 'viewer', params: { name: 'churn' }, status: 200 }),
    listPipelineVersions: () => ({ holder: 'viewer', params: { name: 'churn' }, status: 200 }),
    applyPipeline: () => ({ holder: 'admin', body: { yaml: docPipelineYaml }, status: 201 }),
    startRun: () => ({ holder: 'operator', params: { name: 'churn' }, body: { params: {} }, status: 201 }),
    listRuns: () => ({ holder: 'viewer', query: { limit: '2' }, status: 200 }),
    getRun: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    getRunTracking: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    getRunSpec: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    getRunImportance: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    compareRuns: () => ({
      holder: 'viewer',
      query: { ids: `${ids.approveRun as string},${ids.rejectRun as string}` },
      status: 200,
    }),
    applyRetention: () => ({ holder: 'admin', body: { olderThanDays: 36500, dryRun: true }, status: 200 }),
    getLineage: () => ({
      holder: 'viewer',
      params: { kind: 'run', id: ids.approveRun as string },
      query: { direction: 'up', depth: '3' },
      status: 200,
    }),
    // The API harness's activities are doubles that ingest nothing: the run has no data version to repeat.
    rerunRun: () => ({ holder: 'operator', params: { runId: ids.approveRun as string }, body: {}, status: 409 }),
    approveRun: () => ({
      holder: 'approver',
      params: { runId: ids.approveRun as string },
      body: { reason: 'good' },
      status: 200,
    }),
    rejectRun: () => ({
      holder: 'approver',
      params: { runId: ids.rejectRun as string },
      body: { reason: 'bad' },
      status: 200,
    }),
    cancelRun: () => ({ holder: 'operator', params: { runId: ids.cancelRun as string }, body: {}, status: 202 }),
    createSchedule: () => ({
      holder: 'operator',
      body: { scheduleId: `doc-created-${suffix}`, pipeline: 'churn', cron: '0 4 * * *', paused: true },
      status: 201,
    }),
    listSchedules: () => ({ holder: 'viewer', status: 200 }),
    getSchedule: () => ({ holder: 'viewer', params: { scheduleId: ids.kept as string }, status: 200 }),
    updateSchedule: () => ({
      holder: 'operator',
      params: { scheduleId: ids.kept as string },
      body: { note: 'n' },
      status: 200,
    }),
    pauseSchedule: () => ({ holder: 'operator', params: { scheduleId: ids.kept as string }, body: {}, status: 200 }),
    unpauseSchedule: () => ({ holder: 'operator', params: { scheduleId: ids.kept as string }, body: {}, status: 200 }),
    triggerSchedule: () => ({ holder: 'operator', params: { scheduleId: ids.kept as string }, body: {}, status: 202 }),
    deleteSchedule: () => ({ holder: 'operator', params: { scheduleId: ids.deleted as string }, status: 204 }),
    listModels: () => ({ holder: 'viewer', status: 200 }),
    listModelKinds: () => ({ holder: 'viewer', status: 200 }),
    listModelVersions: () => ({ holder: 'viewer', params: { name: 'tiny' }, status: 200 }),
    getModelVersion: () => ({ holder: 'viewer', params: { name: 'tiny', version: 1 }, status: 200 }),
    getModelSignature: () => ({ holder: 'viewer', params: { name: 'tiny', version: 1 }, status: 200 }),
    listDeployments: () => ({ holder: 'viewer', status: 200 }),
    rollbackModel: () => ({
      holder: 'approver',
      params: { name: 'tiny' },
      body: { version: 1, reason: 'r' },
      status: 200,
    }),
    predict: () => ({
      holder: 'predictor',
      params: { model: 'tiny' },
      body: { rows: [{ x: 0.2, colour: 'blue' }] },
      status: 200,
    }),
    recordFeedback: () => ({
      holder: 'predictor',
      body: { items: [{ requestId: ids.requestId, rowIndex: 0, label: 'yes' }] },
      status: 201,
    }),
    whoAmI: () => ({ holder: 'viewer', status: 200 }),
    createApiKey: () => ({
      holder: 'admin',
      body: { principal: 'doc-key-holder', role: 'viewer', createPrincipal: true },
      status: 201,
    }),
    listPrincipals: () => ({ holder: 'admin', status: 200 }),
    createPrincipal: () => ({ holder: 'admin', body: { id: `doc-principal-${suffix}` }, status: 201 }),
    disablePrincipal: () => ({ holder: 'admin', params: { principalId: 'to-revoke' }, status: 200 }),
    enablePrincipal: () => ({ holder: 'admin', params: { principalId: 'to-revoke' }, status: 200 }),
    listApiKeys: () => ({ holder: 'admin', status: 200 }),
    revokeApiKey: () => ({ holder: 'admin', params: { keyId: ids.keyId as string }, status: 200 }),
    listAudit: () => ({ holder: 'approver', status: 200 }),
    decodePayloads: () => ({ holder: 'operator', body: { payloads: [payload()] }, status: 200 }),
    encodePayloads: () => ({ holder: 'operator', body: { payloads: [payload()] }, status: 200 }),
    getModelMonitoring: () => ({ holder: 'viewer', params: { name: 'tiny' }, status: 200 }),
    acknowledgeAlert: () => ({
      holder: 'operator',
      params: { alertId: ids.alertId as string },
      body: { reason: 'seen' },
      status: 200,
    }),
    getRunReportHtml: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    getRunReportCsv: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    getRunReportXlsx: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    getRunReportJson: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    getRunValidation: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    getMonitoringReportHtml: () => ({ holder: 'viewer', params: { name: 'tiny' }, status: 200 }),
    getMonitoringReportCsv: () => ({ holder: 'viewer', params: { name: 'tiny' }, status: 200 }),
    getMonitoringReportXlsx: () => ({ holder: 'viewer', params: { name: 'tiny' }, status: 200 }),
    applyFeatures: () => ({ holder: 'admin', body: { definitions: docDefinitions }, status: 200 }),
    listFeatureEntities: () => ({ holder: 'viewer', status: 200 }),
    listFeatureViews: () => ({ holder: 'viewer', status: 200 }),
    getFeatureView: () => ({ holder: 'viewer', params: view, status: 200 }),
    materializeFeatureView: () => ({ holder: 'operator', params: view, body: {}, status: 202 }),
    scheduleFeatureView: () => ({
      holder: 'operator',
      params: view,
      body: { interval: '1h', paused: true },
      status: 200,
    }),
    unscheduleFeatureView: () => ({ holder: 'operator', params: view, status: 204 }),
    readOnlineFeatures: () => ({ holder: 'predictor', params: view, body: { entities: [{ id: 1 }] }, status: 200 }),
    getFeatureViewDrift: () => ({ holder: 'viewer', params: view, status: 200 }),
    searchRuns: () => ({ holder: 'viewer', query: { limit: '2', trigger: 'api' }, status: 200 }),
    listPendingApprovals: () => ({ holder: 'viewer', status: 200 }),
    getTrainingCurves: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    getRunChecks: () => ({ holder: 'viewer', params: { runId: ids.approveRun as string }, status: 200 }),
    signIn: () => ({ body: { credential: h.keys.viewer }, status: 201 }),
    getSession: () => ({ holder: 'viewer', status: 401 }),
    signOut: () => ({ status: 204 }),
    listNotificationChannels: () => ({ holder: 'admin', status: 200 }),
    createNotificationChannel: () => ({
      holder: 'admin',
      body: {
        name: 'doc-created',
        kind: 'slack',
        config: { url: 'https://hooks.example.test/x' },
        events: ['run_failed'],
      },
      status: 201,
    }),
    getNotificationChannel: () => ({ holder: 'admin', params: { channelId: ids.channel as string }, status: 200 }),
    updateNotificationChannel: () => ({
      holder: 'admin',
      params: { channelId: ids.channel as string },
      body: { enabled: false },
      status: 200,
    }),
    deleteNotificationChannel: () => ({
      holder: 'admin',
      params: { channelId: ids.channelDeleted as string },
      status: 204,
    }),
    testNotificationChannel: () => ({ holder: 'admin', params: { channelId: ids.channel as string }, status: 200 }),
    listNotificationDeliveries: () => ({ holder: 'admin', status: 200 }),
    startShadow: () => ({
      holder: 'approver',
      params: { name: 'tiny' },
      body: { version: 2, reason: 'compare v2 with production (v1 after the rollback example)' },
      status: 200,
    }),
    stopShadow: () => ({ holder: 'approver', params: { name: 'tiny' }, body: { reason: 'done' }, status: 204 }),
    getShadow: () => ({ holder: 'viewer', params: { name: 'tiny' }, status: 200 }),
    getCanary: () => ({ holder: 'viewer', params: { name: 'tiny' }, status: 200 }),
    uploadBatchInput: () => ({
      holder: 'operator',
      params: { name: 'tiny' },
      headers: { 'Content-Type': 'text/csv' },
      body: 'x,colour\n0.5,red\n',
      status: 201,
    }),
    startBatchPrediction: () => ({
      holder: 'operator',
      params: { name: 'tiny' },
      body: { input: { kind: 's3', key: 'datasets/doc.csv' }, output: { kind: 's3' } },
      status: 202,
    }),
    listBatchPredictions: () => ({ holder: 'viewer', params: { name: 'tiny' }, status: 200 }),
    getBatchPrediction: () => ({ holder: 'viewer', params: { name: 'tiny', jobId: 'batch-tiny-doc' }, status: 200 }),
    setBatchPredictionSchedule: () => ({
      holder: 'operator',
      params: { name: 'tiny', schedule: 'doc-schedule' },
      body: {
        job: { input: { kind: 's3', key: 'datasets/doc.csv' }, output: { kind: 's3' } },
        interval: '1d',
        paused: true,
      },
      status: 200,
    }),
    deleteBatchPredictionSchedule: () => ({
      holder: 'operator',
      params: { name: 'tiny', schedule: 'doc-schedule' },
      status: 204,
    }),
  };

  const resolve = (ref: string) => doc.components.schemas[ref.replace('#/components/schemas/', '')] as Schema;
  const fill = (path: string, params: Example['params'] = {}) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name] ?? `missing-${name}`)));

  function call(method: string, path: string, example: Example, withAuth: boolean) {
    const r = request(h.app)[method as 'get' | 'post' | 'patch' | 'delete'](fill(path, example.params));
    if (withAuth && example.holder) void r.set(h.auth(example.holder));
    if (example.query) void r.query(example.query);
    if (example.headers) void r.set(example.headers);
    return example.body === undefined ? r : r.send(example.body as object);
  }

  it('the schema checker itself rejects what does not match', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'integer' } },
      required: ['a'],
      additionalProperties: false,
    };
    expect(validate(schema, { a: 1 }, resolve)).toEqual([]);
    expect(validate(schema, {}, resolve)).toHaveLength(1);
    expect(validate(schema, { a: 1.5 }, resolve)).toHaveLength(1);
    expect(validate(schema, { a: 1, b: 2 }, resolve)).toHaveLength(1);
  });

  it('has an example request for every operation, and no example for a route that is gone', () => {
    const operations = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(operations.sort()).toEqual(Object.keys(examples).sort());
  });

  it('answers every operation with a documented status and a body matching its schema', async () => {
    const problems: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const example = (examples[operation.operationId] as () => Example)();
        const res = await call(method, path, example, true);
        const label = `${method.toUpperCase()} ${path} (${operation.operationId})`;
        if (res.status !== example.status) {
          problems.push(
            `${label}: status ${res.status}, expected ${example.status}: ${JSON.stringify(res.body).slice(0, 300)}`,
          );
          continue;
        }
        const documented = operation.responses[String(res.status)];
        if (!documented) {
          problems.push(`${label}: status ${res.status} is not documented`);
          continue;
        }
        const [mediaType, content] = Object.entries(documented.content ?? {})[0] ?? [];
        if (content) {
          // Binary bodies (XLSX) have no text: they are checked as the string the schema documents.
          const body: unknown =
            mediaType === 'application/json'
              ? res.body
              : (res.text ?? (Buffer.isBuffer(res.body) ? 'binary' : res.text));
          problems.push(...validate(content.schema, body, resolve).map((e) => `${label}: ${e}`));
        } else if (res.text) {
          problems.push(`${label}: documented without a body but sent ${res.text.slice(0, 100)}`);
        }
        if (operation.security.length > 0) {
          const anonymous = await call(method, path, example, false);
          if (anonymous.status !== 401) problems.push(`${label}: anonymous call got ${anonymous.status}, expected 401`);
          problems.push(
            ...validate(resolve('#/components/schemas/Error'), anonymous.body, resolve).map(
              (e) => `${label} (401): ${e}`,
            ),
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method, op })),
    );
  const errorProblems = (label: string, res: request.Response, status: number) => {
    if (res.status !== status)
      return [`${label}: got ${res.status}, expected ${status}: ${JSON.stringify(res.body).slice(0, 200)}`];
    return validate(resolve('#/components/schemas/Error'), res.body, resolve).map((e) => `${label}: ${e}`);
  };

  it('answers 403 to a caller one role below what each secured operation requires', async () => {
    const below: Record<string, Holder> = {
      viewer: 'predictor',
      operator: 'viewer',
      approver: 'operator',
      admin: 'approver',
    };
    const problems: string[] = [];
    for (const { path, method, op } of operations()) {
      const required = op['x-required-role'];
      // Every role may ask who it is: whoAmI has no role below it.
      if (!required || op['x-also-allowed-roles']?.includes(below[required] as string)) continue;
      const example = (examples[op.operationId] as () => Example)();
      const res = await call(method, path, { ...example, holder: below[required] }, true);
      problems.push(...errorProblems(`${op.operationId} as ${below[required]}`, res, 403));
    }
    expect(problems).toEqual([]);
  });

  it('answers 400 with field paths to an invalid path parameter, query or body, before doing anything', async () => {
    const invalid: Record<string, string> = {
      runId: 'bad id',
      scheduleId: 'bad id',
      name: 'BAD_NAME',
      model: 'BAD_NAME',
      version: 'abc',
      keyId: 'xyz',
      alertId: 'abc',
      principalId: 'has space',
      view: 'BAD VIEW',
      kind: 'thing',
      id: 'bad id',
      jobId: 'j'.repeat(300),
      schedule: 'bad id',
    };
    const invalidQuery: Record<string, Record<string, string>> = {
      listRuns: { limit: '0' },
      compareRuns: { ids: 'only-one' },
      getLineage: { direction: 'sideways' },
      listAudit: { limit: '0' },
      listSchedules: { pipeline: 'BAD_NAME' },
    };
    const problems: string[] = [];
    let checked = 0;
    for (const { path, method, op } of operations()) {
      const example = (examples[op.operationId] as () => Example)();
      const pathParams = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      const variants: Array<[string, Example]> = [];
      if (pathParams.length > 0)
        variants.push([
          'params',
          { ...example, params: Object.fromEntries(pathParams.map((n) => [n, invalid[n] as string])) },
        ]);
      if (op.requestBody) variants.push(['body', { ...example, body: [] }]);
      if (invalidQuery[op.operationId]) variants.push(['query', { ...example, query: invalidQuery[op.operationId] }]);
      for (const [part, variant] of variants) {
        checked += 1;
        const res = await call(method, path, variant, true);
        problems.push(...errorProblems(`${op.operationId} (invalid ${part})`, res, 400));
        if (res.status === 400 && !String(res.body.details?.issues?.[0]?.path ?? '').startsWith(part)) {
          problems.push(
            `${op.operationId}: issue path ${JSON.stringify(res.body.details?.issues)} does not name ${part}`,
          );
        }
      }
    }
    expect(checked).toBeGreaterThan(25);
    expect(problems).toEqual([]);
  });

  it('answers 404 for every operation that addresses a resource that does not exist', async () => {
    const unknown: Record<string, string | number> = {
      runId: 'no-such-run',
      scheduleId: 'no-such-schedule',
      name: 'no-such-thing',
      model: 'no-such-model',
      version: 99,
      keyId: '000000000000',
      alertId: 999999,
      view: 'no_such_view',
      channelId: 999999,
      kind: 'run',
      id: 'no-such-run',
      jobId: 'no-such-job',
      schedule: 'no-such-schedule',
    };
    const problems: string[] = [];
    for (const { path, method, op } of operations()) {
      const pathParams = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      if (pathParams.length === 0) continue;
      const example = (examples[op.operationId] as () => Example)();
      const res = await call(
        method,
        path,
        { ...example, params: Object.fromEntries(pathParams.map((n) => [n, unknown[n] as string])) },
        true,
      );
      problems.push(...errorProblems(`${op.operationId} (unknown ${pathParams.join(', ')})`, res, 404));
      if (res.body.error === 'ROUTE_NOT_FOUND') problems.push(`${op.operationId}: the route itself was not found`);
    }
    expect(problems).toEqual([]);
  });
});
