// Audit rows 1-4, 6 and 10 (run parameters): an operator could deep-merge ANY spec field into a run. Each attack is
// sent as the audit sent it, through the API as a hostile operator; none may start a run or leave a row behind.
import request from 'supertest';
import { startApiHarness, type ApiHarness } from '../integration/api/harness';

describe('security: a run may change only the parameters its spec declares', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: false });
  });
  afterAll(() => h?.stop());

  async function runsRecorded(): Promise<number> {
    return Number((await h.db('pipeline_runs').count({ n: '*' }).first())?.n);
  }

  async function workflowsStarted(): Promise<number> {
    let n = 0;
    for await (const _ of h.client.workflow.list({ query: `TaskQueue="${h.taskQueue}"` })) n += 1;
    return n;
  }

  const attacks: Array<[string, Record<string, unknown>, string]> = [
    [
      'row 1: a postgres query smuggled into data.source (COPY injection, pg_read_file)',
      {
        data: { source: { kind: 'postgres', query: 'SELECT 1) TO STDOUT; CREATE TABLE probe(x int); COPY (SELECT 1' } },
      },
      'data',
    ],
    ['row 2: a host file as data source', { data: { source: { kind: 'file', path: '/etc/passwd' } } }, 'data'],
    [
      'row 3: an approval that approves itself after 1s',
      { approval: { timeout: '1s', onTimeout: 'approve' } },
      'approval',
    ],
    ['row 4: adding oneself to the approvers', { approval: { approvers: ['oscar'] } }, 'approval'],
    [
      'row 6: an alert webhook to an internal address (SSRF)',
      { monitoring: { webhookUrl: 'http://169.254.169.254/latest/meta-data' } },
      'monitoring',
    ],
    ['row 10: a zero training timeout', { training: { timeout: '0s' } }, 'training'],
    ['row 10: a 1 ms monitor interval', { monitoring: { interval: '1ms' } }, 'monitoring'],
    ['a misspelled parameter', { max_atempts: 3 }, 'max_atempts'],
  ];

  it.each(attacks)('%s is refused with 400 naming the key; nothing starts', async (_title, params, key) => {
    const [runsBefore, workflowsBefore] = [await runsRecorded(), await workflowsStarted()];
    const res = await request(h.app).post('/v1/pipelines/churn/runs').set(h.auth('operator')).send({ params });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('INVALID_PARAMETERS');
    expect(res.body.details.issues[0]).toMatchObject({
      path: `body.params.${key}`,
      message: expect.stringMatching(/is not a parameter of this pipeline/),
    });
    expect(await runsRecorded()).toBe(runsBefore);
    expect(await workflowsStarted()).toBe(workflowsBefore);
  });

  it('says which parameter was meant when the name is close', async () => {
    const res = await request(h.app)
      .post('/v1/pipelines/churn/runs')
      .set(h.auth('operator'))
      .send({ params: { max_atempts: 3 } });
    expect(res.body.details.issues[0].message).toMatch(/Did you mean "max_attempts"\?/);
  });

  it('refuses the same attacks on schedules (the params every scheduled run would use)', async () => {
    const res = await request(h.app)
      .post('/v1/schedules')
      .set(h.auth('operator'))
      .send({ pipeline: 'churn', interval: '1d', params: { approval: { onTimeout: 'approve' } } });
    expect(res.status).toBe(400);
    expect(res.body.details.issues[0].path).toBe('body.params.approval');
  });

  it('refuses policy fields even in a spec that tries to declare them as parameters', async () => {
    const res = await request(h.app)
      .post('/v1/pipelines')
      .set(h.auth('admin'))
      .send({
        spec: {
          name: 'sneaky',
          task: 'classification',
          data: { source: { kind: 'file', path: 'pipelines/data/churn.csv' } },
          features: { label: 'churned', features: ['tenure_months'] },
          candidates: [{ kind: 'logistic_regression' }],
          parameters: [{ name: 'src', type: 'string', paths: ['data.source.path'] }],
        },
      });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(
      /parameters\[0\]\.paths\[0\]: "data\.source\.path" is under "data", a policy field/,
    );
  });

  it('lets only admins apply specs (an operator cannot change what a pipeline reads either)', async () => {
    const res = await request(h.app).post('/v1/pipelines').set(h.auth('operator')).send({ yaml: 'name: x' });
    expect(res.status).toBe(403);
  });
});
