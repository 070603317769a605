import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { renderMonitoringReportHtml, renderRunReportHtml } from '../../../lib/reports';
import {
  classificationRun,
  crowdedMonitoring,
  crowdedRun,
  monitoringPeriod,
  regressionRun,
} from '../../fixtures/reports';
import { svgsIn } from '../../unit/reports/helpers/xml';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function hostileRun() {
  const data = classificationRun();
  const hostile = `<script>alert("x")</script> & 'q' <img src=x onerror=alert(1)>`;
  data.pipeline = hostile;
  data.temporalUiUrl = 'javascript:alert(1)';
  data.candidates[0] = { ...data.candidates[0]!, candidate: hostile, classes: [hostile, 'yes'] };
  return data;
}

const REPORTS: Array<[string, () => string]> = [
  ['classification run', () => renderRunReportHtml(classificationRun())],
  ['regression run', () => renderRunReportHtml(regressionRun())],
  ['monitoring period', () => renderMonitoringReportHtml(monitoringPeriod())],
  ['run with hostile text', () => renderRunReportHtml(hostileRun())],
  ['crowded run', () => renderRunReportHtml(crowdedRun())],
  ['crowded monitoring period', () => renderMonitoringReportHtml(crowdedMonitoring())],
];

interface PageFindings {
  parseErrors: string[];
  svgCount: number;
  emptyBoxes: number;
  clippedTexts: string[];
  horizontalOverflow: number;
}

/** The few DOM types the page function needs; the project compiles without the DOM library. */
interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}

interface PageElement {
  localName: string;
  textContent: string | null;
  getBoundingClientRect(): Box;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}

interface BrowserGlobals {
  document: {
    documentElement: { scrollWidth: number; clientWidth: number };
    querySelectorAll(selector: string): ArrayLike<PageElement>;
  };
  DOMParser: new () => {
    parseFromString(
      source: string,
      type: string,
    ): {
      documentElement: PageElement;
      querySelector(selector: string): PageElement | null;
    };
  };
}

/** Runs in the page: parses each SVG as we wrote it, then measures the rendered ones. */
function inspectPage(sources: string[]): PageFindings {
  const { document, DOMParser } = globalThis as unknown as BrowserGlobals;
  const parseErrors = sources.flatMap((source, i) => {
    const doc = new DOMParser().parseFromString(source, 'image/svg+xml');
    const error = doc.querySelector('parsererror');
    return error || doc.documentElement.localName !== 'svg' ? [`svg ${i}: ${error?.textContent ?? 'no svg root'}`] : [];
  });
  const svgs = Array.from(document.querySelectorAll('svg'));
  const emptyBoxes = svgs.filter((svg) => {
    const box = svg.getBoundingClientRect();
    return !(box.width > 0 && box.height > 0);
  }).length;
  // A label that sticks out of its SVG is cut off on screen; a pixel of tolerance for antialiasing.
  const clippedTexts = svgs.flatMap((svg) => {
    const frame = svg.getBoundingClientRect();
    return Array.from(svg.querySelectorAll('text'))
      .filter((text) => {
        const box = text.getBoundingClientRect();
        const outside = box.left < frame.left - 1 || box.right > frame.right + 1;
        return outside || box.top < frame.top - 1 || box.bottom > frame.bottom + 1;
      })
      .map((text) => `${svg.getAttribute('aria-label') ?? '?'}: ${text.textContent ?? ''}`);
  });
  const horizontalOverflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  return { parseErrors, svgCount: svgs.length, emptyBoxes, clippedTexts, horizontalOverflow };
}

describe('HTML reports in headless Chromium', () => {
  let context: BrowserContext | undefined;
  const workDir = mkdtempSync(join(tmpdir(), 'mlops-report-browser-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: install Debian's chromium package.`);
    }
    // A fresh, empty profile per run, so nothing cached or configured can mask a fetch or an error.
    context = await chromium.launchPersistentContext(join(workDir, 'profile'), {
      executablePath: CHROMIUM,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it.each(REPORTS)('%s: loads without errors or requests, every SVG parses and renders', async (name, render) => {
    if (!context) throw new Error('Chromium did not start');
    const html = render();
    const file = join(workDir, `${name.replace(/\W+/g, '-')}.html`);
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()}`));
    page.on('request', (r) => {
      if (r.url() !== url) problems.push(`unexpected request: ${r.url()}`);
    });
    page.on('dialog', (d) => problems.push(`dialog: ${d.message()}`));
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.ok()).toBe(true);

    const sources = svgsIn(html);
    const findings = await page.evaluate(inspectPage, sources);
    await page.close();

    expect(problems).toEqual([]);
    expect(sources.length).toBeGreaterThan(0);
    expect(findings).toEqual({
      parseErrors: [],
      svgCount: sources.length,
      emptyBoxes: 0,
      clippedTexts: [],
      horizontalOverflow: 0,
    });
  });
});
