/**
 * A strict XML 1.0 well-formedness checker, small enough to trust: balanced tags, one root, quoted and unique
 * attributes, valid names, valid entity and character references, legal characters. No DTDs (SVG needs none).
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
}

export interface XmlCheck {
  errors: string[];
  root?: XmlElement;
  elements: XmlElement[];
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const ILLEGAL_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

export function checkXml(text: string): XmlCheck {
  const state: ParseState = { text, i: 0, stack: [], errors: [], elements: [], roots: 0 };
  if (ILLEGAL_CHAR.test(text)) state.errors.push('illegal character');
  if (text.startsWith('<?xml')) skipPast(state, '?>');
  while (state.i < text.length && state.errors.length === 0) step(state);
  if (state.stack.length > 0) state.errors.push(`unclosed <${state.stack.join('>, <')}>`);
  if (state.roots !== 1) state.errors.push(`${state.roots} root elements`);
  return { errors: state.errors, root: state.elements[0], elements: state.elements };
}

interface ParseState {
  text: string;
  i: number;
  stack: string[];
  errors: string[];
  elements: XmlElement[];
  roots: number;
}

function step(state: ParseState): void {
  const { text } = state;
  const lt = text.indexOf('<', state.i);
  const end = lt < 0 ? text.length : lt;
  checkText(state, text.slice(state.i, end));
  state.i = end;
  if (lt < 0) return;
  if (text.startsWith('<!--', lt)) return comment(state);
  if (text.startsWith('<![CDATA[', lt))
    return inside(state) ? skipPast(state, ']]>') : fail(state, 'CDATA outside root');
  if (text.startsWith('<?', lt)) return skipPast(state, '?>');
  if (text.startsWith('<!', lt)) return fail(state, 'declarations are not supported');
  if (text.startsWith('</', lt)) return closeTag(state);
  openTag(state);
}

function inside(state: ParseState): boolean {
  return state.stack.length > 0;
}

function fail(state: ParseState, message: string): void {
  state.errors.push(`${message} at offset ${state.i}`);
  state.i = state.text.length;
}

function skipPast(state: ParseState, terminator: string): void {
  const at = state.text.indexOf(terminator, state.i);
  if (at < 0) return fail(state, `missing ${terminator}`);
  state.i = at + terminator.length;
}

function comment(state: ParseState): void {
  const at = state.text.indexOf('-->', state.i + 4);
  if (at < 0) return fail(state, 'unterminated comment');
  if (state.text.slice(state.i + 4, at).includes('--')) return fail(state, '-- inside comment');
  state.i = at + 3;
}

function checkText(state: ParseState, chunk: string): void {
  if (!inside(state)) {
    if (chunk.trim() !== '') fail(state, 'text outside the root element');
    return;
  }
  if (chunk.includes(']]>')) return fail(state, ']]> in text');
  checkReferences(state, chunk);
}

/** Every & starts a predefined entity or a character reference to a legal character. */
function checkReferences(state: ParseState, chunk: string): void {
  for (let at = chunk.indexOf('&'); at >= 0; at = chunk.indexOf('&', at + 1)) {
    const match = /^&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][A-Za-z0-9_.-]*);/.exec(chunk.slice(at));
    const ref = match?.[1];
    if (!ref) return fail(state, `bare & in "${chunk.slice(at, at + 12)}"`);
    if (ref.startsWith('#')) {
      const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (code > 0x10ffff || ILLEGAL_CHAR.test(String.fromCodePoint(code))) return fail(state, `bad &${ref};`);
    } else if (!PREDEFINED.has(ref)) return fail(state, `undefined entity &${ref};`);
  }
}

function closeTag(state: ParseState): void {
  const match = /^<\/([A-Za-z_:][A-Za-z0-9_:.-]*)\s*>/.exec(state.text.slice(state.i, state.i + 300));
  if (!match) return fail(state, 'malformed end tag');
  const expected = state.stack.pop();
  if (match[1] !== expected) return fail(state, `</${match[1]}> closes <${expected ?? 'nothing'}>`);
  state.i += match[0].length;
}

function openTag(state: ParseState): void {
  const { text } = state;
  state.i += 1;
  const name = NAME.exec(text.slice(state.i, state.i + 200))?.[0];
  if (!name) return fail(state, 'malformed start tag');
  state.i += name.length;
  const attributes = readAttributes(state);
  if (!attributes) return;
  if (!inside(state)) state.roots += 1;
  state.elements.push({ name, attributes });
  if (text.startsWith('/>', state.i)) state.i += 2;
  else if (text[state.i] === '>') {
    state.i += 1;
    state.stack.push(name);
  } else fail(state, `malformed start tag <${name}>`);
}

/** Sticky patterns match at state.i without copying the rest of a large document for every attribute. */
const SPACE = /\s*/y;
const ATTRIBUTE = /([A-Za-z_:][A-Za-z0-9_:.-]*)\s*=\s*("[^"<]*"|'[^'<]*')/y;

function readAttributes(state: ParseState): Record<string, string> | undefined {
  const attributes: Record<string, string> = {};
  for (;;) {
    SPACE.lastIndex = state.i;
    const space = SPACE.exec(state.text)?.[0] ?? '';
    const at = state.i + space.length;
    if (state.text.startsWith('>', at) || state.text.startsWith('/>', at)) {
      state.i = at;
      return attributes;
    }
    ATTRIBUTE.lastIndex = at;
    const match = ATTRIBUTE.exec(state.text);
    if (!match || space.length === 0) return void fail(state, 'malformed or unquoted attribute');
    const [whole, key = '', quoted = ''] = match;
    if (Object.hasOwn(attributes, key)) return void fail(state, `duplicate attribute ${key}`);
    checkReferences(state, quoted);
    attributes[key] = decode(quoted.slice(1, -1));
    state.i = at + whole.length;
  }
}

function decode(value: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return value.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[a-z]+);/g, (_, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return named[ref] ?? '';
  });
}

/** Every inline <svg>…</svg> of an HTML page (the reports never nest one SVG in another). */
export function svgsIn(html: string): string[] {
  return html.match(/<svg[\s>][\s\S]*?<\/svg>/g) ?? [];
}

/** Substrings that betray a formatting bug: a number that was not finite or a value that was missing. */
export const BROKEN_VALUES = /NaN|Infinity|undefined|\[object Object\]/;

/** Asserts an SVG is well-formed and carries what every chart must: namespace, viewBox, role and accessible name. */
export function expectValidSvg(svg: string): XmlElement {
  const check = checkXml(svg);
  expect(check.errors).toEqual([]);
  const root = check.root;
  expect(root?.name).toBe('svg');
  expect(root?.attributes).toMatchObject({ xmlns: 'http://www.w3.org/2000/svg', role: 'img' });
  expect(root?.attributes.viewBox).toMatch(/^0 0 [1-9]\d*(\.\d+)? [1-9]\d*(\.\d+)?$/);
  expect(root?.attributes['aria-label']?.trim()).toBeTruthy();
  expect(svg).not.toMatch(BROKEN_VALUES);
  return root as XmlElement;
}
