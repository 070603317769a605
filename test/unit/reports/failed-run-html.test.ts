import { type FailedRunReportData, renderFailedRunReportHtml } from '../../../lib/reports';
import { BROKEN_VALUES, checkXml } from './helpers/xml';

const HOSTILE = `<script>alert("x")</script> & 'quotes' "onload="`;

function failedRun(overrides: Partial<FailedRunReportData> = {}): FailedRunReportData {
  return {
    runId: 'churn-bad-1',
    pipeline: 'churn',
    status: 'failed',
    step: 'validate',
    reason: 'Validation FAILED: read 10 rows; 2 of 12 checks failed: range:age [quarantined rows] ...',
    specHash: 'abc123',
    startedAt: '2026-12-01T10:00:00.000Z',
    endedAt: '2026-12-01T10:01:00.000Z',
    generatedAt: '2026-12-01T10:02:00.000Z',
    temporalUiUrl: 'javascript:alert(1)',
    steps: [
      { step: 'ingest', attempt: 1, status: 'succeeded', error: null },
      { step: 'validate', attempt: 1, status: 'failed', error: 'Validation FAILED' },
    ],
    validation: {
      passed: false,
      rowsRead: 10,
      rowsAccepted: 8,
      rowsQuarantined: 2,
      failedChecks: [
        {
          id: 'range:age',
          severity: 'error',
          failedCount: 2,
          message: '2 values below 0',
          samples: [
            { line: 4, value: -1 },
            { line: 9, value: HOSTILE },
          ],
        },
      ],
      quarantine: {
        samples: [{ line: 4, row: { age: -1, name: HOSTILE }, reasons: [{ check: 'range:age', message: 'below 0' }] }],
        more: true,
      },
    },
    ...overrides,
  };
}

describe('report of a run that ended before its report step', () => {
  it('says why it stopped, its steps, each failed check with failing lines and quarantined rows by line', () => {
    const html = renderFailedRunReportHtml(failedRun());
    expect(checkXml(html.slice('<!DOCTYPE html>\n'.length)).errors).toEqual([]);
    expect(html).not.toMatch(BROKEN_VALUES);
    expect(html).toContain('Why the run stopped');
    expect(html).toContain('Validation FAILED: read 10 rows');
    expect(html).toContain('<td>range:age</td>');
    expect(html).toContain('line 4: -1; line 9: ');
    expect(html).toContain('<td class="num">4</td>');
    expect(html).toContain('GET /v1/runs/churn-bad-1/validation?offset=1');
    // Data values are hostile: escaped, never markup; a non-http link is not clickable.
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('href="javascript:');
  });

  it('renders without validation (a run cancelled before it) and shows a gate when the run has one', () => {
    const cancelled = renderFailedRunReportHtml(
      failedRun({ status: 'cancelled', step: 'train', reason: null, validation: undefined }),
    );
    expect(checkXml(cancelled.slice('<!DOCTYPE html>\n'.length)).errors).toEqual([]);
    expect(cancelled).toContain('No reason was recorded.');
    expect(cancelled).not.toContain('Data validation');
    const gated = renderFailedRunReportHtml(
      failedRun({
        status: 'gate_failed',
        validation: undefined,
        gate: {
          passed: false,
          summary: 'Evaluation gate failed: r2=0.8664 (needs >= 0.95).',
          checks: [{ check: 'threshold:r2', passed: false, detail: 'r2=0.8664 (needs >= 0.95)' }],
        },
      }),
    );
    expect(gated).toContain('r2=0.8664 (needs &gt;= 0.95)');
  });
});
