import {
  escapeXml,
  formatCompact,
  formatDuration,
  formatNumber,
  formatPercent,
  formatTimestamp,
  truncateLabel,
} from '../../../lib/reports/format';

describe('escaping', () => {
  it('escapes markup characters for content and quoted attributes', () => {
    expect(escapeXml(`<b title="x">Tom & Jerry's</b>`)).toBe(
      '&lt;b title=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;',
    );
  });

  it('escapes an already escaped string again (data is text, never markup)', () => {
    expect(escapeXml('&amp;')).toBe('&amp;amp;');
  });

  it('replaces characters XML forbids even escaped, keeping tab, newline and astral characters', () => {
    expect(escapeXml('a\u0000b\u001bc\uFFFEd')).toBe('a\uFFFDb\uFFFDc\uFFFDd');
    expect(escapeXml('\t\n\r')).toBe('\t\n\r');
    expect(escapeXml('lone \uD800 high, lone \uDC00 low')).toBe('lone \uFFFD high, lone \uFFFD low');
    expect(escapeXml('emoji 📈')).toBe('emoji 📈');
  });
});

describe('truncateLabel', () => {
  it('keeps short labels and cuts long ones with an ellipsis, counting code points', () => {
    expect(truncateLabel({ text: 'short', maxChars: 10 })).toEqual({ text: 'short', truncated: false });
    expect(truncateLabel({ text: 'abcdefghijkl', maxChars: 6 })).toEqual({ text: 'abcde…', truncated: true });
    // Cutting between the halves of a surrogate pair would leave an illegal lone surrogate.
    expect(truncateLabel({ text: '📈📈📈📈', maxChars: 3 }).text).toBe('📈📈…');
  });
});

describe('number formatting', () => {
  it('formats metrics with significant digits and large values with grouping', () => {
    expect(formatNumber(0.887412)).toBe('0.8874');
    expect(formatNumber(52987.94)).toBe('52,987.9');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(-0.5)).toBe('-0.5');
    expect(formatNumber(1e-12)).toBe('1.00e-12');
    expect(formatNumber(0)).toBe('0');
  });

  it('writes a dash for missing and non-finite values', () => {
    expect([formatNumber(NaN), formatNumber(Infinity), formatNumber(undefined), formatNumber(null)]).toEqual([
      '—',
      '—',
      '—',
      '—',
    ]);
    expect(formatCompact(NaN)).toBe('—');
    expect(formatPercent(1, 0)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });

  it('formats compact chart labels', () => {
    expect([formatCompact(52987.9), formatCompact(1250000), formatCompact(0.8874), formatCompact(-3400)]).toEqual([
      '53k',
      '1.25M',
      '0.887',
      '-3.4k',
    ]);
  });

  it('formats percentages, durations and timestamps', () => {
    expect(formatPercent(12, 2000)).toBe('0.6%');
    expect([formatDuration(18.44), formatDuration(74.9), formatDuration(3725)]).toEqual(['18.4s', '1m 15s', '1h 02m']);
    expect(formatTimestamp('2024-05-01T02:14:37.512Z')).toBe('2024-05-01 02:14 UTC');
    expect(formatTimestamp('2024-05-01T04:14:37+02:00')).toBe('2024-05-01 02:14 UTC');
    expect(formatTimestamp('not a date')).toBe('not a date');
  });
});
