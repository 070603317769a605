import { parse } from 'csv-parse/sync';
import {
  csvField,
  monitoringAlertsCsv,
  monitoringReportCsv,
  runReportCsv,
  toCsv,
  trainingCurvesCsv,
} from '../../../lib/reports';
import { classificationRun, monitoringPeriod, regressionRun } from '../../fixtures/reports';
import { BROKEN_VALUES } from './helpers/xml';

function records(csv: string): Array<Record<string, string>> {
  return parse(csv, { columns: true, skip_empty_lines: false }) as Array<Record<string, string>>;
}

describe('RFC 4180 fields', () => {
  it('quotes only when needed, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(' padded ')).toBe('" padded "');
  });

  it('writes numbers plainly, booleans as true/false, and nothing for missing or non-finite values', () => {
    expect([csvField(0.8874), csvField(-3), csvField(1e-12), csvField(true), csvField(false)]).toEqual([
      '0.8874',
      '-3',
      '1e-12',
      'true',
      'false',
    ]);
    expect([csvField(null), csvField(NaN), csvField(Infinity)]).toEqual(['', '', '']);
  });

  it('ends every record with CRLF, header first', () => {
    const csv = toCsv({
      columns: [
        { name: 'a', kind: 'text' },
        { name: 'b', kind: 'number' },
      ],
      rows: [['x,y', 1]],
    });
    expect(csv).toBe('a,b\r\n"x,y",1\r\n');
  });
});

describe('run report CSV', () => {
  it('has one row per candidate with training facts and every metric, numbers equal to the input', () => {
    const data = classificationRun();
    const rows = records(runReportCsv(data));
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'run_id',
      'candidate',
      'kind',
      'best',
      'backend',
      'epochs_run',
      'stopped_early',
      'resumed_from_epoch',
      'train_seconds',
      'roc_auc',
      'accuracy',
      'f1_macro',
      'log_loss',
    ]);
    expect(rows.map((r) => [r.candidate, r.best])).toEqual([
      ['logreg', 'false'],
      ['mlp', 'true'],
    ]);
    data.candidates.forEach((c, i) => {
      for (const [metric, value] of Object.entries(c.metrics)) expect(Number(rows[i]?.[metric])).toBe(value);
      expect(Number(rows[i]?.train_seconds)).toBe(c.trainSeconds);
      expect(Number(rows[i]?.resumed_from_epoch)).toBe(c.resumedFromEpoch);
    });
  });

  it('round-trips hostile text and leaves missing metrics empty', () => {
    const data = regressionRun();
    const hostile = 'mlp, "wide"\nv2 <b>&';
    data.candidates[0] = { ...data.candidates[0]!, candidate: hostile, metrics: { rmse: NaN, r2: 0.5 } };
    const csv = runReportCsv(data);
    expect(csv).not.toMatch(BROKEN_VALUES);
    const rows = records(csv);
    expect(rows[0]?.candidate).toBe(hostile);
    expect(rows[0]?.rmse).toBe('');
    expect(rows[0]?.mae).toBe('');
    expect(rows[1]?.mae).toBe(String(data.candidates[1]?.metrics.mae));
  });

  it('training curves: one row per candidate and epoch, empty where a value was not recorded', () => {
    const data = regressionRun();
    const rows = records(trainingCurvesCsv(data));
    expect(rows).toHaveLength(data.candidates.reduce((n, c) => n + c.history.length, 0));
    expect(Object.keys(rows[0] ?? {})).toEqual(['candidate', 'epoch', 'loss', 'val_loss', 'val_accuracy', 'val_rmse']);
    const h = data.candidates[1]?.history[4];
    const row = rows.find((r) => r.candidate === 'mlp' && r.epoch === '5');
    expect([Number(row?.loss), Number(row?.val_loss), row?.val_accuracy, Number(row?.val_rmse)]).toEqual([
      h?.loss,
      h?.valLoss,
      '',
      h?.valRmse,
    ]);
  });
});

describe('monitoring CSV', () => {
  it('has one row per window and feature', () => {
    const data = monitoringPeriod();
    const rows = records(monitoringReportCsv(data));
    expect(rows).toHaveLength(12 * 7);
    const drifting = rows.filter((r) => r.drifted === 'true');
    expect(new Set(drifting.map((r) => r.feature))).toEqual(new Set(['monthly_charges']));
    expect(drifting.map((r) => r.window_start)[0]).toBe('2024-05-08T00:00:00.000Z');
    const first = data.windows[0]?.features[1];
    expect(Number(rows[1]?.psi)).toBe(first?.psi);
    expect(Number(rows[1]?.ks_p_value)).toBe(first?.ksPValue);
    expect(rows[1]?.chi2_p_value).toBe('');
  });

  it('lists alerts with their retraining runs', () => {
    const rows = records(monitoringAlertsCsv(monitoringPeriod()));
    expect(rows.map((r) => r.retraining_run_id)).toEqual(['churn-retrain-20240509T000112Z-7f3a0d', '', '']);
  });
});

describe('CSV formula injection', () => {
  it('neutralises text cells a spreadsheet would run as formulas, and leaves numbers alone', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1+2')).toBe("'+1+2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-cmd')).toBe("'-cmd");
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField('plain')).toBe('plain');
  });
});
