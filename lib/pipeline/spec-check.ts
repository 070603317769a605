import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { SpecError, parseSpecDocument } from './load';
import type { PipelineSpec } from './spec';

// `mlops spec validate FILE`: a spec checked as the API checks it when applied (strict schema with did-you-mean,
// consistency, parameter declarations), without running or storing it; each problem located at its line and column.

export interface LocatedIssue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export type SpecCheck = { ok: true; spec: PipelineSpec } | { ok: false; syntax: boolean; issues: LocatedIssue[] };

/** `candidates[1].hyperparameters.epcohs` → ['candidates', 1, 'hyperparameters', 'epcohs']. */
function segments(path: string): Array<string | number> {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : (m[1] as string)));
}

/** Where the field at `path` is written: its key (or list item), else the nearest enclosing field that exists. */
function offsetOf(root: Node | null, path: string): number | undefined {
  let node: Node | null = root;
  let offset = root?.range?.[0];
  for (const segment of segments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return offset;
      offset = isScalar(pair.key) ? pair.key.range?.[0] : offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

export function checkSpecText(text: string, where: string): SpecCheck {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      syntax: true,
      issues: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return { path: '(yaml)', message: e.message.split('\n')[0] as string, line: pos.line, column: pos.col };
      }),
    };
  }
  try {
    return { ok: true, spec: parseSpecDocument(doc.toJS(), where) };
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    const issues = err.details.issues ?? [{ path: '(root)', message: err.message }];
    return {
      ok: false,
      syntax: false,
      issues: issues.map((issue) => {
        const offset = offsetOf(doc.contents as Node | null, issue.path);
        const pos = offset === undefined ? undefined : lineCounter.linePos(offset);
        return { ...issue, line: pos?.line, column: pos?.col };
      }),
    };
  }
}
