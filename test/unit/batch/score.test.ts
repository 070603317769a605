import { splitCsvIntoChunks } from '../../../lib/batch/chunks';
import { readCsvText } from '../../../lib/batch/csv';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { outputNameClash, rejectsCsv, scoredCsv } from '../../../lib/batch/encode';
import { progressOf } from '../../../lib/batch/jobs';
import { passthroughColumns, scoreChunk } from '../../../lib/batch/score';
import { BatchJobRequest } from '../../../lib/batch/spec';
import { readParquetRows } from '../../helpers/parquet';
import {
  buildDataset,
  disposeModel,
  fitFeatureTransforms,
  loadModel,
  rowsToTable,
  trainModel,
  type MlModel,
} from '../../../lib/ml';

async function* source(text: string, piece = 7): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += piece) yield text.slice(i, i + piece);
}

async function tinyModel(): Promise<MlModel> {
  const rows = Array.from({ length: 200 }, (_, i) => {
    const x = ((i * 37) % 200) / 100 - 1;
    return { x, colour: i % 3 === 0 ? 'red' : 'blue', label: x > 0 ? 'yes' : 'no' };
  });
  const table = rowsToTable({
    rows,
    schema: {
      columns: [
        { name: 'x', type: 'numeric' },
        { name: 'colour', type: 'categorical' },
        { name: 'label', type: 'categorical' },
      ],
    },
  });
  const fitted = fitFeatureTransforms({
    table,
    spec: { task: 'classification', label: 'label', features: ['x', { column: 'colour', transform: 'onehot' }] },
  });
  const result = await trainModel({
    candidate: {
      name: 'logreg',
      kind: 'logistic_regression',
      hyperparameters: { epochs: 30, batchSize: 32, learningRate: 0.3 },
    },
    task: 'classification',
    numClasses: 2,
    classNames: (fitted.label.classes ?? []).map(String),
    train: buildDataset({ fitted, table }),
    fitted,
  });
  disposeModel(result.model);
  return loadModel({ bytes: result.modelBytes });
}

describe('batch chunks', () => {
  it('splits a CSV into chunks of N rows, each with the header, numbering rows from 1', async () => {
    const csv = 'id,x,colour\n' + Array.from({ length: 25 }, (_, i) => `${i},${i / 10},"red, dark"\n`).join('');
    const chunks = [];
    for await (const c of splitCsvIntoChunks(source(csv), 10)) chunks.push(c);
    expect(chunks.map((c) => [c.index, c.firstRow, c.rows])).toEqual([
      [0, 1, 10],
      [1, 11, 10],
      [2, 21, 5],
    ]);
    const last = await readCsvText(chunks[2]!.text);
    expect(last.header).toEqual(['id', 'x', 'colour']);
    expect(last.count).toBe(5);
    expect(last.fields.slice(0, 3)).toEqual(['20', '2', 'red, dark']);
  });

  it('gives one empty chunk for a header-only input and refuses an empty one', async () => {
    const chunks = [];
    for await (const c of splitCsvIntoChunks(source('a,b\n'), 10)) chunks.push(c);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ rows: 0, header: ['a', 'b'] });
    await expect(async () => {
      for await (const c of splitCsvIntoChunks(source(''), 10)) void c;
    }).rejects.toThrow(/empty/);
  });
});

describe('scoring a chunk', () => {
  let model: MlModel;
  beforeAll(async () => {
    model = await tinyModel();
  });
  afterAll(() => disposeModel(model));

  it('scores valid rows, rejects rows that break the contract with the reason, keeps row numbers', async () => {
    const records = await readCsvText('id,x,colour\n1,0.9,red\n2,abc,blue\n3,-0.9,\n4,,blue\n');
    const scored = scoreChunk({
      model,
      records,
      firstRow: 101,
      passthrough: passthroughColumns(records.header, ['id']),
    });
    expect(scored.rowNumbers).toEqual([101, 103, 104]);
    expect(scored.cells).toEqual([['1', '3', '4']]);
    expect(scored.predictions.slice(0, 2)).toEqual(['yes', 'no']);
    expect(scored.rejects).toEqual([
      { rowNumber: 102, reason: 'x: "abc" is not a number', row: { id: '2', x: 'abc', colour: 'blue' } },
    ]);
    const csv = scoredCsv(scored).split('\n');
    expect(csv[0]).toBe('row_number,id,prediction,p_no,p_yes');
    expect(csv[1]).toMatch(/^101,1,yes,[\d.e-]+,[\d.e-]+$/);
    expect(rejectsCsv(scored.rejects)).toBe(
      'row_number,reason,row\n102,"x: ""abc"" is not a number","{""id"":""2"",""x"":""abc"",""colour"":""blue""}"\n',
    );
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(__dirname, 'parquet-writer.ts'),
        JSON.stringify({ ...scored, probabilities: [...scored.probabilities] }),
      ],
      { encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    const rows = readParquetRows(Buffer.from(child.stdout, 'base64'));
    expect(rows.map((r) => [r.row_number, r.id, r.prediction])).toEqual([
      ['101', '1', 'yes'],
      ['103', '3', 'no'],
      ['104', '4', scored.predictions[2]],
    ]);
    expect(rows[0]?.p_yes).toBeCloseTo(scored.probabilities[1] as number, 6);
  });

  it('refuses an input without a model column, and passthrough names that clash with outputs', async () => {
    const records = await readCsvText('id,colour\n1,red\n');
    expect(() => scoreChunk({ model, records, firstRow: 1, passthrough: [] })).toThrow(
      /lacks column\(s\) the model needs: x/,
    );
    expect(() => passthroughColumns(['a'], ['b'])).toThrow(/does not have: b/);
    expect(outputNameClash({ passthrough: ['p_yes'], task: 'classification', classes: ['no', 'yes'] })).toBe('p_yes');
  });
});

describe('batch requests and progress', () => {
  it('applies defaults and refuses a version together with a slot', () => {
    const ok = BatchJobRequest.parse({ input: { kind: 's3', key: 'data/x.csv' }, output: { kind: 's3' } });
    expect(ok.options).toMatchObject({ chunkRows: 50_000, parallelism: 2, logSampleRate: 0, maxRejectedRatio: 1 });
    expect(ok.output).toEqual({ kind: 's3', format: 'csv' });
    const both = BatchJobRequest.safeParse({ ...ok, version: 1, slot: 'production' });
    expect(both.success).toBe(false);
    const badTable = BatchJobRequest.safeParse({ ...ok, output: { kind: 'postgres', table: 'x; drop table y' } });
    expect(badTable.success).toBe(false);
  });

  it('computes rows/s and ETA from the finished chunks', () => {
    const startedAt = new Date('2026-01-01T00:00:00Z');
    const now = new Date('2026-01-01T00:00:10Z');
    const p = progressOf(
      { rows_total: '1000', chunks_total: 10, started_at: startedAt, status: 'running' },
      { chunksDone: 2, rowsDone: 200, rowsScored: 190, rowsRejected: 10 },
      now,
    );
    expect(p).toMatchObject({ rowsPerSecond: 20, etaSeconds: 40, percent: 20, rowsRejected: 10 });
  });
});
