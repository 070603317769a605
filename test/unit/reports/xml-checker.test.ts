import { checkXml, svgsIn } from './helpers/xml';

// The checker guards every SVG test, so it must itself reject what a browser's XML parser rejects.
describe('XML well-formedness checker', () => {
  it('accepts well-formed documents and reports the root', () => {
    const result = checkXml(
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" a=\'1\'><!-- ok --><g><text x="1">a &amp; b &#60; &#x3E;</text></g><rect/></svg>',
    );
    expect(result.errors).toEqual([]);
    expect(result.root).toEqual({ name: 'svg', attributes: { xmlns: 'http://www.w3.org/2000/svg', a: '1' } });
    expect(result.elements.map((e) => e.name)).toEqual(['svg', 'g', 'text', 'rect']);
  });

  it('decodes entities in attribute values', () => {
    expect(checkXml('<a t="x &lt; &quot;y&quot; &amp; &#39;z&#39;"/>').root?.attributes.t).toBe('x < "y" & \'z\'');
  });

  it.each([
    ['unbalanced tags', '<svg><g></svg>'],
    ['unclosed root', '<svg><g/>'],
    ['stray end tag', '<svg></g></svg>'],
    ['unquoted attribute', '<svg width=10></svg>'],
    ['attribute without value', '<svg hidden></svg>'],
    ['duplicate attribute', '<svg a="1" a="2"></svg>'],
    ['attributes without space', '<svg a="1"b="2"></svg>'],
    ['< in attribute', '<svg a="<"></svg>'],
    ['bare ampersand', '<svg>a & b</svg>'],
    ['undefined entity', '<svg>&nbsp;</svg>'],
    ['reference to an illegal character', '<svg>&#1;</svg>'],
    ['raw control character', '<svg>a\u0001b</svg>'],
    ['two roots', '<a/><b/>'],
    ['text outside the root', 'x<a/>'],
    ['no root', '   '],
    ['malformed start tag', '<svg><1a/></svg>'],
    ['double hyphen in comment', '<svg><!-- a -- b --></svg>'],
  ])('rejects %s', (_, text) => {
    expect(checkXml(text).errors).not.toEqual([]);
  });

  it('finds every inline SVG of a page', () => {
    const html = '<p>x</p><svg viewBox="0 0 1 1"><g/></svg><div><svg><text>2</text></svg></div><svgfoo/>';
    expect(svgsIn(html)).toEqual(['<svg viewBox="0 0 1 1"><g/></svg>', '<svg><text>2</text></svg>']);
  });
});
