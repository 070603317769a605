import jsep from 'jsep';
import { closestName } from '../../pipeline/suggest';
import { DataError } from '../errors';
import { parseIsoDate } from './cells';
import { datetimeParser } from './datetime-format';

// The expression language of derived columns (`late: delay > 15`, `log_price: log(price)`). jsep parses the text
// into a syntax tree; this module type-checks the tree against the columns' types and compiles it into closures.
// Nothing is ever handed to eval or Function: only the operators and functions listed here exist.

export type ValueType = 'number' | 'boolean' | 'text' | 'datetime';
export type Value = number | boolean | string | null;

/** A compiled expression: its result type, the columns it reads, and a function of one row. */
export interface CompiledExpression {
  type: ValueType;
  /** Integer-valued results (date parts, round/floor/ceil): stored as integer columns. */
  integer: boolean;
  inputs: string[];
  evaluate(read: (column: string) => Value): Value;
}

jsep.addBinaryOp('and', 2);
jsep.addBinaryOp('or', 1);
jsep.addUnaryOp('not');
jsep.removeBinaryOp('|');
jsep.removeBinaryOp('^');
jsep.removeBinaryOp('&');
jsep.removeBinaryOp('<<');
jsep.removeBinaryOp('>>');
jsep.removeBinaryOp('>>>');
jsep.removeUnaryOp('~');
jsep.addBinaryOp('**', 11, true);

type Node = jsep.Expression;
type Fn = (read: (column: string) => Value) => Value;
interface Typed {
  type: ValueType;
  integer: boolean;
  fn: Fn;
  /** A string literal's text (so `date >= '2020-01-01'` compares dates). */
  literal?: string;
}

export class ExpressionError extends DataError {
  constructor(expression: string, message: string) {
    super({ code: 'INVALID_EXPRESSION', message: `Expression "${expression}": ${message}`, details: { expression } });
  }
}

/** Results that are not finite numbers (log(0), x / 0) are missing, never NaN or Infinity. */
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

interface FunctionDef {
  args: ValueType[] | { rest: ValueType; min: number };
  returns: ValueType | 'same';
  integer?: boolean;
  /** Called only when no argument is missing, unless `nullable`. */
  nullable?: boolean;
  apply(args: Value[], literals: Array<string | undefined>): Value;
}

const num = (f: (x: number) => number): FunctionDef => ({
  args: ['number'],
  returns: 'number',
  apply: ([x]) => finite(f(x as number)),
});
const part = (f: (d: Date) => number): FunctionDef => ({
  args: ['datetime'],
  returns: 'number',
  integer: true,
  apply: ([d]) => f(new Date(d as number)),
});
const text = (f: (s: string, t: string) => Value): FunctionDef => ({
  args: ['text', 'text'],
  returns: 'boolean',
  apply: ([s, t]) => f(s as string, t as string),
});

const FUNCTIONS: Record<string, FunctionDef> = {
  log: num(Math.log),
  log10: num(Math.log10),
  log1p: num(Math.log1p),
  exp: num(Math.exp),
  sqrt: num(Math.sqrt),
  abs: num(Math.abs),
  floor: { ...num(Math.floor), integer: true },
  ceil: { ...num(Math.ceil), integer: true },
  round: { ...num(Math.round), integer: true },
  pow: { args: ['number', 'number'], returns: 'number', apply: ([a, b]) => finite((a as number) ** (b as number)) },
  min: { args: { rest: 'number', min: 2 }, returns: 'number', apply: (xs) => Math.min(...(xs as number[])) },
  max: { args: { rest: 'number', min: 2 }, returns: 'number', apply: (xs) => Math.max(...(xs as number[])) },
  clip: {
    args: ['number', 'number', 'number'],
    returns: 'number',
    apply: ([x, lo, hi]) => Math.min(Math.max(x as number, lo as number), hi as number),
  },
  year: part((d) => d.getUTCFullYear()),
  month: part((d) => d.getUTCMonth() + 1),
  day: part((d) => d.getUTCDate()),
  dayOfWeek: part((d) => (d.getUTCDay() + 6) % 7),
  dayOfYear: part((d) => Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1),
  hour: part((d) => d.getUTCHours()),
  daysBetween: {
    args: ['datetime', 'datetime'],
    returns: 'number',
    apply: ([a, b]) => ((b as number) - (a as number)) / 86_400_000,
  },
  lower: { args: ['text'], returns: 'text', apply: ([s]) => (s as string).toLowerCase() },
  upper: { args: ['text'], returns: 'text', apply: ([s]) => (s as string).toUpperCase() },
  trim: { args: ['text'], returns: 'text', apply: ([s]) => (s as string).trim() },
  contains: text((s, t) => s.includes(t)),
  startsWith: text((s, t) => s.startsWith(t)),
  endsWith: text((s, t) => s.endsWith(t)),
  concat: { args: { rest: 'text', min: 2 }, returns: 'text', apply: (xs) => xs.join('') },
  number: {
    args: ['text'],
    returns: 'number',
    apply: ([s]) => {
      const trimmed = (s as string).trim();
      return trimmed === '' ? null : finite(Number(trimmed));
    },
  },
  text: { args: ['number'], returns: 'text', apply: ([x]) => String(x) },
  date: {
    args: ['text', 'text'],
    returns: 'datetime',
    apply: () => null, // replaced at compile time by a parser of the literal format
  },
  isMissing: { args: ['any' as ValueType], returns: 'boolean', nullable: true, apply: ([x]) => x === null },
  coalesce: {
    args: { rest: 'same' as ValueType, min: 2 },
    returns: 'same',
    nullable: true,
    apply: (xs) => xs.find((x) => x !== null) ?? null,
  },
};

/** The names of the functions an expression may call (for documentation and did-you-mean). */
export const EXPRESSION_FUNCTIONS = Object.keys(FUNCTIONS).concat('col');

const NO_LITERALS: Array<string | undefined> = [];

const COMPARISONS = new Set(['==', '!=', '===', '!==', '<', '<=', '>', '>=']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '**']);

function compare(op: string, a: number | string | boolean, b: number | string | boolean): boolean {
  switch (op) {
    case '==':
    case '===':
      return a === b;
    case '!=':
    case '!==':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function arithmetic(op: string, a: number, b: number): number | null {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return finite(a / b);
    case '%':
      return finite(a % b);
    default:
      return finite(a ** b);
  }
}

class Compiler {
  readonly inputs = new Set<string>();

  constructor(
    private readonly source: string,
    private readonly columnType: (name: string) => ValueType | undefined,
    private readonly knownColumns: () => string[],
  ) {}

  fail(message: string): never {
    throw new ExpressionError(this.source, message);
  }

  column(name: string): Typed {
    const type = this.columnType(name);
    if (!type) {
      const known = this.knownColumns();
      const close = closestName(name, known);
      this.fail(`no column "${name}"${close ? `: did you mean "${close}"?` : ''} (columns: ${known.join(', ')})`);
    }
    this.inputs.add(name);
    return { type, integer: false, fn: (read) => read(name) };
  }

  compile(node: Node): Typed {
    switch (node.type) {
      case 'Literal': {
        const value = (node as jsep.Literal).value;
        if (value instanceof RegExp) this.fail('regular expressions are not supported');
        if (value === null) return { type: 'number', integer: false, fn: () => null };
        const type: ValueType = typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'text';
        return { type, integer: false, fn: () => value, literal: typeof value === 'string' ? value : undefined };
      }
      case 'Identifier':
        return this.column((node as jsep.Identifier).name);
      case 'UnaryExpression':
        return this.unary(node as jsep.UnaryExpression);
      case 'BinaryExpression':
        return this.binary(node as jsep.BinaryExpression);
      case 'ConditionalExpression':
        return this.conditional(node as jsep.ConditionalExpression);
      case 'CallExpression':
        return this.call(node as jsep.CallExpression);
      default:
        return this.fail(`${node.type} is not supported: use columns, literals, operators and the listed functions`);
    }
  }

  private expect(t: Typed, type: ValueType, what: string): void {
    if (t.type !== type) this.fail(`${what} must be ${type === 'number' ? 'a number' : `a ${type}`}, not ${t.type}`);
  }

  private unary(node: jsep.UnaryExpression): Typed {
    const arg = this.compile(node.argument);
    if (node.operator === '!' || node.operator === 'not') {
      this.expect(arg, 'boolean', `the operand of ${node.operator}`);
      return { type: 'boolean', integer: false, fn: (r) => (arg.fn(r) === null ? null : !arg.fn(r)) };
    }
    this.expect(arg, 'number', `the operand of ${node.operator}`);
    const sign = node.operator === '-' ? -1 : 1;
    return {
      type: 'number',
      integer: arg.integer,
      fn: (r) => {
        const v = arg.fn(r);
        return v === null ? null : sign * (v as number);
      },
    };
  }

  /** A date compared with a string literal reads the literal as an ISO date. */
  private asDate(t: Typed, other: Typed): Typed {
    if (!(other.type === 'datetime' && t.type === 'text' && t.literal !== undefined)) return t;
    const ms = parseIsoDate(t.literal);
    if (ms === undefined) this.fail(`"${t.literal}" is not an ISO date (YYYY-MM-DD) to compare a date with`);
    return { type: 'datetime', integer: false, fn: () => ms };
  }

  private binary(node: jsep.BinaryExpression): Typed {
    const op = node.operator;
    let left = this.compile(node.left);
    let right = this.compile(node.right);
    if (op === 'and' || op === '&&' || op === 'or' || op === '||') {
      this.expect(left, 'boolean', `the left side of ${op}`);
      this.expect(right, 'boolean', `the right side of ${op}`);
      const and = op === 'and' || op === '&&';
      // Three-valued logic (SQL's): false and missing is false, true or missing is true, otherwise missing.
      return {
        type: 'boolean',
        integer: false,
        fn: (r) => {
          const a = left.fn(r);
          if (a === !and) return !and;
          const b = right.fn(r);
          if (b === !and) return !and;
          return a === null || b === null ? null : and;
        },
      };
    }
    if (COMPARISONS.has(op)) {
      left = this.asDate(left, right);
      right = this.asDate(right, left);
      if (left.type !== right.type) this.fail(`cannot compare ${left.type} with ${right.type} (${op})`);
      return {
        type: 'boolean',
        integer: false,
        fn: (r) => {
          const a = left.fn(r);
          const b = right.fn(r);
          return a === null || b === null ? null : compare(op, a, b);
        },
      };
    }
    if (ARITHMETIC.has(op)) {
      this.expect(left, 'number', `the left side of ${op}`);
      this.expect(right, 'number', `the right side of ${op}`);
      const integer = left.integer && right.integer && (op === '+' || op === '-' || op === '*');
      return {
        type: 'number',
        integer,
        fn: (r) => {
          const a = left.fn(r);
          const b = right.fn(r);
          return a === null || b === null ? null : arithmetic(op, a as number, b as number);
        },
      };
    }
    return this.fail(`operator ${op} is not supported`);
  }

  private conditional(node: jsep.ConditionalExpression): Typed {
    const test = this.compile(node.test);
    this.expect(test, 'boolean', 'the condition before ?');
    const yes = this.compile(node.consequent);
    const no = this.compile(node.alternate);
    if (yes.type !== no.type) this.fail(`both branches of ? : must have one type (got ${yes.type} and ${no.type})`);
    return {
      type: yes.type,
      integer: yes.integer && no.integer,
      fn: (r) => {
        const t = test.fn(r);
        return t === null ? null : t ? yes.fn(r) : no.fn(r);
      },
    };
  }

  private call(node: jsep.CallExpression): Typed {
    if (node.callee.type !== 'Identifier') this.fail('only the listed functions can be called');
    const name = (node.callee as jsep.Identifier).name;
    if (name === 'col') {
      const arg = node.arguments[0];
      if (node.arguments.length !== 1 || arg?.type !== 'Literal' || typeof (arg as jsep.Literal).value !== 'string')
        this.fail('col() takes one quoted column name: col("Flight Delay")');
      return this.column((arg as jsep.Literal).value as string);
    }
    const def = FUNCTIONS[name];
    if (!def) {
      const close = closestName(name, EXPRESSION_FUNCTIONS);
      this.fail(
        `unknown function ${name}()${close ? `: did you mean ${close}()?` : ''} (functions: ${EXPRESSION_FUNCTIONS.join(', ')})`,
      );
    }
    const args = node.arguments.map((a) => this.compile(a));
    const wanted = Array.isArray(def.args) ? def.args : args.map(() => (def.args as { rest: ValueType }).rest);
    const min = Array.isArray(def.args) ? def.args.length : def.args.min;
    if (args.length < min || (Array.isArray(def.args) && args.length !== def.args.length))
      this.fail(
        `${name}() takes ${Array.isArray(def.args) ? def.args.length : `at least ${min}`} argument(s), got ${args.length}`,
      );
    const first = args[0] as Typed;
    args.forEach((a, i) => {
      const type = wanted[i] as string;
      if (type === 'any') return;
      if (type === 'same') {
        if (a.type !== first.type) this.fail(`the arguments of ${name}() must have one type`);
        return;
      }
      this.expect(a, type as ValueType, `argument ${i + 1} of ${name}()`);
    });
    if (name === 'date') return this.dateCall(args);
    const type = def.returns === 'same' ? first.type : def.returns;
    const fns = args.map((a) => a.fn);
    // One argument array per call site, refilled for every row: evaluation is synchronous and no function keeps
    // its arguments, so a row costs no allocation here.
    const values: Value[] = new Array<Value>(fns.length).fill(null);
    const nullable = Boolean(def.nullable);
    return {
      type,
      integer: Boolean(def.integer),
      fn: (r) => {
        for (let k = 0; k < fns.length; k++) {
          const v = (fns[k] as Fn)(r);
          if (v === null && !nullable) return null;
          values[k] = v;
        }
        return def.apply(values, NO_LITERALS);
      },
    };
  }

  private dateCall(args: Typed[]): Typed {
    const format = args[1]?.literal;
    if (format === undefined) this.fail('date(text, "format") needs the format as a quoted literal');
    const parse = datetimeParser(format);
    const value = (args[0] as Typed).fn;
    return {
      type: 'datetime',
      integer: false,
      fn: (r) => {
        const t = value(r);
        return t === null ? null : (parse(t as string) ?? null);
      },
    };
  }
}

/** The syntax tree, or an ExpressionError giving the position (jsep counts characters from 0; people from 1). */
function parseExpression(source: string): Node {
  try {
    return jsep(source);
  } catch (err) {
    const { index, description } = err as { index?: number; description?: string };
    const where = index === undefined ? '' : ` at character ${index + 1}`;
    throw new ExpressionError(source, `not a valid expression${where}: ${description ?? (err as Error).message}`);
  }
}

/**
 * What can be checked before the data's column types are known (when a spec is loaded): the syntax, and that every
 * called function exists. Column names and types are checked when the data is read (compileExpression).
 */
export function checkExpressionSyntax(source: string): void {
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.type === 'CallExpression') {
      const callee = (n as jsep.CallExpression).callee;
      const name = callee.type === 'Identifier' ? (callee as jsep.Identifier).name : undefined;
      if (name === undefined) throw new ExpressionError(source, 'only the listed functions can be called');
      if (!EXPRESSION_FUNCTIONS.includes(name)) {
        const close = closestName(name, EXPRESSION_FUNCTIONS);
        throw new ExpressionError(
          source,
          `unknown function ${name}()${close ? `: did you mean ${close}()?` : ''} (functions: ${EXPRESSION_FUNCTIONS.join(', ')})`,
        );
      }
    }
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') visit(value);
    }
  };
  visit(parseExpression(source));
}

/**
 * Parses and type-checks an expression over columns of the given types. Errors name the expression and what is
 * wrong (an unknown column or function with the closest name, a type mismatch) and are thrown before any row is read.
 */
export function compileExpression(
  source: string,
  columnType: (name: string) => ValueType | undefined,
  knownColumns: () => string[] = () => [],
): CompiledExpression {
  const tree = parseExpression(source);
  const compiler = new Compiler(source, columnType, knownColumns);
  const typed = compiler.compile(tree);
  return { type: typed.type, integer: typed.integer, inputs: [...compiler.inputs], evaluate: typed.fn };
}

/** The columns an expression reads, without knowing their types (for planning which raw columns to load). */
export function expressionInputs(source: string): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.type === 'Identifier') names.add((n as jsep.Identifier).name);
    else if (n.type === 'CallExpression') {
      const call = n as jsep.CallExpression;
      const arg = call.arguments[0];
      if (
        call.callee.type === 'Identifier' &&
        (call.callee as jsep.Identifier).name === 'col' &&
        arg?.type === 'Literal'
      )
        names.add(String((arg as jsep.Literal).value));
      else call.arguments.forEach(visit);
      return;
    }
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') visit(value);
    }
  };
  try {
    visit(jsep(source));
  } catch {
    // syntax errors are reported by compileExpression
  }
  return [...names];
}
