import { Document, isCollection, isMap, isScalar, visit, type Pair } from 'yaml';
import type { ProposedSpec } from './spec-init';

// The YAML text of a proposed spec: the yaml-language-server line first (completion and checks in editors), what
// was inferred next to each column, and the steps that follow.

function commentKey(doc: Document, path: readonly string[], comment: string): void {
  const parent = doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return;
  const pair = parent.items.find((p: Pair) => isScalar(p.key) && p.key.value === path.at(-1));
  if (pair && isScalar(pair.key)) pair.key.commentBefore = ` ${comment}`;
}

export function renderProposedSpec(
  proposed: ProposedSpec,
  options: { schemaRef: string; file: string; rows: number },
): string {
  const doc = new Document(proposed.spec);
  // Small leaf collections on one line, as the example specs write them: `sqft: { type: integer, min: 100 }`.
  visit(doc, {
    Collection(_key, node, path) {
      const text = JSON.stringify(node.toJSON());
      const nested = node.items.some((item) => isCollection(isScalar(item) ? item : ((item as Pair).value ?? item)));
      if (path.length > 4 && text.length <= 90 && !nested) node.flow = true;
    },
  });
  for (const [column, note] of Object.entries(proposed.columnNotes)) {
    commentKey(doc, ['expectations', 'columns', column], note);
  }
  commentKey(
    doc,
    ['expectations', 'columns'],
    'Inferred from the data: types, not-null where nothing was missing, observed ranges widened by 10 %, small\n' +
      ' categorical domains. Rows that break an expectation are quarantined; tighten or relax as you know the data.',
  );
  commentKey(
    doc,
    ['evaluation'],
    proposed.task === 'classification'
      ? 'The gate: accuracy of at least always answering the most frequent class. Raise it to what you need.'
      : 'The gate: r2 of at least 0 (no worse than predicting the mean). Raise it to what you need.',
  );
  commentKey(
    doc,
    ['approval'],
    'approvers: principal ids that may approve (empty: anyone with the approver role, never the run starter).',
  );
  if (proposed.skipped.length > 0) {
    const lines = proposed.skipped.map((s) => `  ${s.column}: ${s.why}`).join('\n');
    commentKey(doc, ['features'], `Not used as features:\n${lines}`);
  }
  const header = [
    `# yaml-language-server: $schema=${options.schemaRef}`,
    `# Proposed by \`mlops spec init\` from ${options.file} (${options.rows} rows). Reference: docs/SPEC.md.`,
    '# Check: mlops spec validate FILE; apply: mlops pipelines apply FILE; run: mlops run NAME.',
  ];
  return `${header.join('\n')}\n${doc.toString({ lineWidth: 0 })}`;
}
