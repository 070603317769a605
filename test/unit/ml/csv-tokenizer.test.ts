import { parse } from 'csv-parse/sync';
import { CsvTokenizer, type CsvRecords } from '../../../lib/ml/data/csv';
import { createRng } from '../../../lib/ml';
import { DataError } from '../../../lib/ml';

/** Tokenizes `text` fed in pieces of `piece` characters; the header first, then every record's fields. */
function tokenize(text: string, piece = text.length || 1): { records: string[][]; lines: number[] } {
  const tokenizer = new CsvTokenizer(',', 1 << 20);
  const out: CsvRecords = { fields: [], lines: [], count: 0 };
  for (let at = 0; at < text.length; at += piece) tokenizer.push(text.slice(at, at + piece), false, out);
  tokenizer.push('', true, out);
  const header = tokenizer.header;
  if (!header) return { records: [], lines: [] };
  const width = header.length;
  const records = [header];
  for (let r = 0; r < out.count; r++) records.push(out.fields.slice(r * width, (r + 1) * width));
  return { records, lines: out.lines };
}

/** What csv-parse (the reader's previous parser, with the options it used) makes of the same text. */
function reference(text: string): string[][] | 'error' {
  try {
    return parse(text, { skip_empty_lines: true }) as string[][];
  } catch {
    return 'error';
  }
}

function randomCsv(rng: () => number, lineEnd: string): string {
  const width = 1 + Math.floor(rng() * 4);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
  const field = (): string => {
    const roll = rng();
    if (roll < 0.2) return '';
    if (roll < 0.5) return pick(['a', 'bc', '12.5', ' x ', 'é€', 'NA', 'r\rr']);
    if (roll < 0.53) return pick(['q"q', '"ab"c', '"open']);
    const inner = pick(['a,b', 'say ""hi""', `two${lineEnd}lines`, '', ',', '"""', 'x\ny']);
    return `"${inner}"`;
  };
  const lines: string[] = [];
  const rows = 1 + Math.floor(rng() * 6);
  for (let r = 0; r < rows; r++) {
    if (rng() < 0.15) lines.push('');
    const n = rng() < 0.05 ? width + 1 : width;
    lines.push(Array.from({ length: n }, field).join(','));
  }
  return lines.join(lineEnd) + (rng() < 0.5 ? lineEnd : '');
}

describe('CsvTokenizer', () => {
  it('reads exactly what csv-parse reads, or fails where it fails, in any chunking (500 random files)', () => {
    const rng = createRng(11).next;
    let compared = 0;
    let failures = 0;
    for (let i = 0; i < 500; i++) {
      const text = randomCsv(rng, i % 3 === 0 ? '\r\n' : '\n');
      const expected = reference(text);
      for (const piece of [text.length || 1, 1, 2, 7]) {
        let got: string[][] | 'error';
        try {
          got = tokenize(text, piece).records;
        } catch (error) {
          expect(error).toBeInstanceOf(DataError);
          got = 'error';
        }
        expect({ text, piece, got }).toEqual({ text, piece, got: expected });
        compared++;
      }
      if (expected === 'error') failures++;
    }
    expect(compared).toBe(2000);
    // The generator makes both kinds of file: well-formed ones and ragged ones.
    expect(failures).toBeGreaterThan(10);
    expect(failures).toBeLessThan(450);
  });

  it('leaves out refused records exactly as filtering a full read would (500 random files)', () => {
    const rng = createRng(23);
    let checked = 0;
    for (let i = 0; i < 500; i++) {
      const text = randomCsv(rng.next, i % 2 === 0 ? '\r\n' : '\n');
      let full: { records: string[][]; lines: number[] };
      try {
        full = tokenize(text);
      } catch {
        continue;
      }
      const refused = new Set(full.lines.filter(() => rng.next() < 0.5));
      for (const piece of [text.length || 1, 3]) {
        const tokenizer = new CsvTokenizer(',', 1 << 20);
        const seen: number[] = [];
        tokenizer.keepRecords((line) => (seen.push(line), !refused.has(line)));
        const out: CsvRecords = { fields: [], lines: [], count: 0 };
        for (let at = 0; at < text.length; at += piece) tokenizer.push(text.slice(at, at + piece), false, out);
        tokenizer.push('', true, out);
        const width = tokenizer.header?.length ?? 0;
        const kept = full.lines.flatMap((line, r) => (refused.has(line) ? [] : [[line, full.records[r + 1]]]));
        const got = out.lines.map((line, r) => [line, out.fields.slice(r * width, (r + 1) * width)]);
        expect({ text, piece, got }).toEqual({ text, piece, got: kept });
        // Each record is offered once, in order.
        expect(seen).toEqual(full.lines);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('numbers each record by the line it starts on, across blank lines and quoted line breaks', () => {
    const text = 'a,b\n\n1,"x\ny"\n2,z\r\n\n3,w';
    expect(tokenize(text).lines).toEqual([3, 5, 7]);
    expect(tokenize('a,b\r\n1,"p\r\nq"\r\n\r\n2,r\r\n', 3).lines).toEqual([2, 5]);
    // Old Mac files: records end with a bare CR, which then counts lines.
    expect(tokenize('a\r1\r\r2\r').lines).toEqual([2, 4]);
  });

  it('keeps a bare CR inside a field of an LF file, like csv-parse', () => {
    expect(tokenize('a,b\n1,x\ry\n').records).toEqual([
      ['a', 'b'],
      ['1', 'x\ry'],
    ]);
  });

  it('names the line of an unclosed quote, a misplaced quote and a ragged row', () => {
    const fail = (text: string) => {
      try {
        tokenize(text, 3);
      } catch (error) {
        return error as DataError;
      }
      throw new Error('expected a DataError');
    };
    expect(fail('a,b\n1,2\n3,"4\n5,6\n').details).toMatchObject({ line: 3, csvCode: 'CSV_QUOTE_NOT_CLOSED' });
    expect(fail('a,b\n1,x"y\n').details).toMatchObject({ line: 2, csvCode: 'INVALID_OPENING_QUOTE' });
    expect(fail('a,b\n1,"x"y\n').details).toMatchObject({ line: 2, csvCode: 'CSV_INVALID_CLOSING_QUOTE' });
    const ragged = fail('a,b\n1,2\n\n1,2,3\n');
    expect(ragged.code).toBe('RAGGED_ROW');
    expect(ragged.details.line).toBe(4);
  });

  it('leaves out the text of skipped fields, never the header', () => {
    const tokenizer = new CsvTokenizer(',', 1 << 20);
    tokenizer.skipFields([false, true]);
    const out: CsvRecords = { fields: [], lines: [], count: 0 };
    tokenizer.push('a,b\n1,"long text"\n2,t\n', true, out);
    expect(tokenizer.header).toEqual(['a', 'b']);
    expect(out.fields).toEqual(['1', '', '2', '']);
  });

  it('refuses a record longer than maxRecordSize, even before it ends', () => {
    const tokenizer = new CsvTokenizer(',', 100);
    const out: CsvRecords = { fields: [], lines: [], count: 0 };
    tokenizer.push('a\nshort\n', false, out);
    const error = (() => {
      try {
        tokenizer.push(`"${'x'.repeat(200)}`, false, out);
      } catch (e) {
        return e as DataError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('RECORD_TOO_LARGE');
    expect(error?.details.line).toBe(3);
  });
});
