import {
  type MonitoringReportData,
  type RunReportData,
  renderMonitoringReportHtml,
  renderRunReportHtml,
} from '../../../lib/reports';
import {
  classificationRun,
  crowdedMonitoring,
  crowdedRun,
  monitoringPeriod,
  regressionRun,
} from '../../fixtures/reports';
import { BROKEN_VALUES, checkXml, expectValidSvg, svgsIn } from './helpers/xml';

const HOSTILE = `<script>alert("x")</script> & 'quotes' "onload="`;

/** The page, doctype aside, is also well-formed XML: every tag closed, every attribute quoted. */
function expectWellFormedPage(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
  expect(checkXml(html.slice('<!DOCTYPE html>\n'.length)).errors).toEqual([]);
  expect(html).not.toMatch(BROKEN_VALUES);
  svgsIn(html).forEach(expectValidSvg);
}

/** Nothing is fetched and nothing runs: no scripts, no external resources, a CSP that forbids both. */
function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|\ssrc=|url\(|@import|\son[a-z]+=/i);
  expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
}

function sectionIds(html: string): string[] {
  return [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1] ?? '');
}

describe('run report HTML', () => {
  it('classification: header, data, gate, metrics, curves, confusion matrices', () => {
    const data = classificationRun();
    const html = renderRunReportHtml(data);
    expectWellFormedPage(html);
    expectSelfContained(html);
    expect(sectionIds(html)).toEqual(['data', 'gate', 'metrics', 'training', 'classes']);
    // 4 metric bar charts, 2 loss curves, validation accuracy, 2 confusion matrices
    expect(svgsIn(html)).toHaveLength(9);
    expect(html).toContain(
      '<a href="http://localhost:8233/namespaces/default/workflows/churn-train-20240501T020000Z-4f9c2a"',
    );
    expect(html).toContain('7 × tenure_months &lt; 0');
    expect(html).toContain('2 × monthly_charges missing &amp; not imputable');
    expect(html).toContain('<tr class="best">');
    expect(html).toContain('207 (90%)');
  });

  it('regression: residual scatter with y = x and residual histogram per candidate', () => {
    const html = renderRunReportHtml(regressionRun());
    expectWellFormedPage(html);
    expectSelfContained(html);
    expect(sectionIds(html)).toEqual(['data', 'gate', 'metrics', 'training', 'residuals']);
    // 3 metric bar charts, 2 loss curves, validation RMSE, 2 × (scatter + histogram)
    expect(svgsIn(html)).toHaveLength(10);
    expect(html).toContain('aria-label="Actual vs predicted · mlp"');
    expect(html).toContain('aria-label="Residuals · linear"');
    expect(html).toContain('<span class="badge bad">gate failed</span>');
  });

  it('shows native feature importance for the candidates that have it, escaped, after the other sections', () => {
    const data = regressionRun();
    const [first] = data.candidates;
    if (!first) throw new Error('fixture has candidates');
    first.featureImportance = {
      type: 'gain',
      features: [
        { feature: 'sqft', importance: 0.75 },
        { feature: HOSTILE, importance: 0.25 },
      ],
    };
    const html = renderRunReportHtml(data);
    expectWellFormedPage(html);
    expectSelfContained(html);
    expect(sectionIds(html)).toEqual(['data', 'gate', 'metrics', 'training', 'residuals', 'importance']);
    expect(html).toContain(`<h3>${first.candidate}`);
    expect(html).toContain('width:100.0%');
    expect(html).toContain('width:33.3%');
    expect(html).not.toContain('<script>');
    expect(sectionIds(renderRunReportHtml(regressionRun()))).not.toContain('importance');
  });

  it('escapes hostile text everywhere and never links a non-http URL', () => {
    const data = classificationRun();
    data.pipeline = HOSTILE;
    data.best = HOSTILE;
    data.temporalUiUrl = 'javascript:alert(1)';
    data.data.features = [HOSTILE];
    data.gate?.checks.push({ check: HOSTILE, passed: false, detail: HOSTILE });
    data.candidates[1] = { ...data.candidates[1]!, candidate: HOSTILE, classes: [HOSTILE, 'yes'] };
    data.candidates[0] = { ...data.candidates[0]!, metrics: { ...data.candidates[0]!.metrics, [HOSTILE]: 1 } };
    const html = renderRunReportHtml(data);
    expectWellFormedPage(html);
    expectSelfContained(html);
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
  });

  it('renders edge cases without NaN: no gate, no candidates, empty history, non-finite metrics', () => {
    const base = regressionRun();
    const bare: RunReportData = { ...base, gate: undefined, candidates: [], temporalUiUrl: undefined };
    const html = renderRunReportHtml(bare);
    expectWellFormedPage(html);
    expect(html).toContain('No quality gate was evaluated.');

    const odd = classificationRun();
    odd.data = { ...odd.data, rows: 0, quarantinedRows: 0, split: { train: 0, validation: 0, test: 0 }, features: [] };
    odd.candidates = [
      { ...odd.candidates[0]!, history: [], metrics: { accuracy: NaN, log_loss: Infinity } },
      {
        ...odd.candidates[1]!,
        confusionMatrix: [
          [0, 0],
          [0, 0],
        ],
        perClass: [],
        history: [odd.candidates[1]!.history[0]!],
      },
      { ...odd.candidates[1]!, candidate: 'no-matrix', confusionMatrix: undefined, perClass: undefined },
    ];
    expectWellFormedPage(renderRunReportHtml(odd));
  });
});

describe('crowded reports', () => {
  it('keep every SVG well-formed with many candidates, classes, windows and features', () => {
    const run = renderRunReportHtml(crowdedRun());
    expectWellFormedPage(run);
    // The long candidate name is cut in chart labels but kept whole in their tooltips.
    expect(run).toContain('gradient_boosted_…');
    expect(run).toContain('<title>gradient_boosted_mlp_with_a_ridiculously_long_candidate_name_v2</title>');
    const monitoring = renderMonitoringReportHtml(crowdedMonitoring());
    expectWellFormedPage(monitoring);
    expect(svgsIn(monitoring)).toHaveLength(5);
  });
});

describe('monitoring report HTML', () => {
  it('adds a shadow comparison section when a version shadowed production', () => {
    const data = monitoringPeriod();
    const html = renderMonitoringReportHtml({
      ...data,
      shadow: [
        {
          windowStart: '2026-11-29T03:00:00.000Z',
          productionVersion: data.version,
          shadowVersion: data.version + 1,
          requests: 812,
          comparedRows: 9120,
          agreement: 0.964,
          meanDelta: -0.012,
          maxAbsDelta: 0.41,
          productionLatencyMsP95: 5,
          shadowLatencyMsP95: 10,
          shadowErrors: 0,
        },
      ],
    });
    expectWellFormedPage(html);
    expect(sectionIds(html)).toEqual(['drift', 'predictions', 'windows', 'alerts', 'shadow']);
    expect(html).toContain(`v${data.version} / v${data.version + 1}`);
    expect(html).toContain('96.4 %');
    expect(sectionIds(renderMonitoringReportHtml(data))).not.toContain('shadow');
  });

  it('shows drift per feature over time, predictions, quality, windows and alerts', () => {
    const html = renderMonitoringReportHtml(monitoringPeriod());
    expectWellFormedPage(html);
    expectSelfContained(html);
    expect(sectionIds(html)).toEqual(['drift', 'predictions', 'windows', 'alerts']);
    // PSI lines, PSI heatmap, prediction drift, live quality, traffic
    expect(svgsIn(html)).toHaveLength(5);
    expect(html).toContain('>PSI threshold 0.2<');
    expect(html).toContain('<code>churn-retrain-20240509T000112Z-7f3a0d</code>');
    expect(html).toContain('monthly_charges drifted: PSI 0.27 &gt; 0.2 &amp; KS p &lt; 0.001');
    // monthly_charges is outlined (drifted) in the 5 windows from 05-08 on, nowhere else
    expect(html.match(/stroke-width="2\.5"/g)).toHaveLength(5);
  });

  it('draws the threshold the caller gives, or none', () => {
    expect(renderMonitoringReportHtml(monitoringPeriod(), { psiThreshold: 0.25 })).toContain('>PSI threshold 0.25<');
    expect(renderMonitoringReportHtml(monitoringPeriod(), { psiThreshold: null })).not.toContain('PSI threshold');
  });

  it('renders a period without windows or alerts, and windows without features or predictions', () => {
    const empty: MonitoringReportData = { ...monitoringPeriod(), windows: [], alerts: [] };
    const html = renderMonitoringReportHtml(empty);
    expectWellFormedPage(html);
    expect(html).toContain('no windows');

    const sparse = monitoringPeriod();
    sparse.windows = sparse.windows
      .slice(0, 2)
      .map((w) => ({ ...w, features: [], prediction: undefined, liveQuality: null }));
    sparse.windows[0]!.windowStart = HOSTILE;
    sparse.alerts = [{ ...sparse.alerts[0]!, message: HOSTILE, retrainingRunId: undefined }];
    expectWellFormedPage(renderMonitoringReportHtml(sparse));
  });
});
