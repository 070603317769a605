import { ROW_LEVEL_KINDS, failsDataset, type CheckResult, type ValidationReport } from './types';

const LISTED_FAILURES = 5;

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * The one-paragraph human summary of a report: verdict, volumes, and the first `listed` failed checks with where they
 * failed (5 in failure messages, which travel through Temporal; every one where the API shows the report).
 */
export function summarize(report: Omit<ValidationReport, 'summary'>, listed = LISTED_FAILURES): string {
  const failed = report.checks.filter((c) => !c.passed);
  const errors = failed.filter(failsDataset);
  const quarantining = failed.filter((c) => c.severity === 'error' && ROW_LEVEL_KINDS.has(c.kind));
  const tag = (c: CheckResult) => (quarantining.includes(c) ? 'quarantined rows' : c.severity);
  const share = report.rowsRead === 0 ? 0 : (report.rowsQuarantined / report.rowsRead) * 100;
  const parts = [
    `Validation ${report.passed ? 'PASSED' : 'FAILED'}: read ${formatCount(report.rowsRead)} rows with ${report.schema.columns.length} columns;`,
    `${formatCount(report.rowsAccepted)} accepted and ${formatCount(report.rowsQuarantined)} quarantined (${share.toFixed(2)}%).`,
  ];
  if (failed.length === 0) {
    parts.push(`All ${report.checks.length} checks passed.`);
  } else {
    parts.push(
      `${failed.length} of ${report.checks.length} checks failed (${errors.length} errors, ${quarantining.length} quarantining rows, ${failed.length - errors.length - quarantining.length} warnings):`,
    );
    const ordered = [...errors, ...quarantining, ...failed.filter((c) => c.severity === 'warn')];
    const shown = ordered.slice(0, listed).map((c) => `${c.id} [${tag(c)}] ${c.message}`);
    const more =
      failed.length > listed
        ? `; and ${failed.length - listed} more (the validation report lists every failed check)`
        : '';
    parts.push(`${shown.join('; ')}${more}.`);
  }
  return parts.join(' ');
}
