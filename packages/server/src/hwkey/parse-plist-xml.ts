/** A value of an XML property list: dictionaries, arrays, strings, numbers, booleans; `<data>` and `<date>` stay text. */
export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

interface Tag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
  end: number;
}

/**
 * Parses an XML property list as `ioreg -a` and `plutil -convert xml1` write it (Apple's PropertyList-1.0 DTD).
 * Throws on anything that is not one: callers treat the command's output as unreadable.
 */
export function parsePlistXml(text: string): PlistValue {
  let pos = 0;

  const fail = (what: string): never => {
    throw new Error(`not an XML property list: ${what} at offset ${pos}`);
  };

  /** The next tag after skipping text, the XML declaration, DOCTYPE and comments. */
  const nextTag = (): Tag => {
    for (;;) {
      const lt = text.indexOf('<', pos);
      if (lt < 0) return fail('unexpected end');
      if (text.slice(pos, lt).trim() !== '') return fail('unexpected text');
      pos = lt;
      if (text.startsWith('<?', pos)) {
        pos = text.indexOf('?>', pos) + 2;
        if (pos < 2) fail('unterminated declaration');
        continue;
      }
      if (text.startsWith('<!--', pos)) {
        pos = text.indexOf('-->', pos) + 3;
        if (pos < 3) fail('unterminated comment');
        continue;
      }
      if (text.startsWith('<!', pos)) {
        pos = text.indexOf('>', pos) + 1;
        if (pos < 1) fail('unterminated DOCTYPE');
        continue;
      }
      const gt = text.indexOf('>', pos);
      if (gt < 0) return fail('unterminated tag');
      const inner = text.slice(pos + 1, gt).trim();
      const closing = inner.startsWith('/');
      const selfClosing = inner.endsWith('/');
      const name = inner.replace(/^\//, '').replace(/\/$/, '').trim().split(/\s+/)[0] ?? '';
      return { name, closing, selfClosing, end: gt + 1 };
    }
  };

  /** The raw text of a simple element up to its closing tag. */
  const textUntilClose = (name: string): string => {
    const close = text.indexOf(`</${name}>`, pos);
    if (close < 0) fail(`no </${name}>`);
    const raw = text.slice(pos, close);
    pos = close + name.length + 3;
    return unescapeXml(raw);
  };

  const readValue = (tag: Tag, depth: number): PlistValue => {
    if (depth > 200) fail('nesting too deep');
    pos = tag.end;
    switch (tag.name) {
      case 'true':
      case 'false':
        if (!tag.selfClosing) textUntilClose(tag.name);
        return tag.name === 'true';
      case 'string':
      case 'data':
      case 'date':
        return tag.selfClosing ? '' : textUntilClose(tag.name);
      case 'integer':
      case 'real': {
        const raw = tag.selfClosing ? '' : textUntilClose(tag.name).trim();
        const n = Number(raw);
        if (raw === '' || Number.isNaN(n)) fail(`bad <${tag.name}> ${JSON.stringify(raw)}`);
        return n;
      }
      case 'array': {
        const items: PlistValue[] = [];
        if (tag.selfClosing) return items;
        for (;;) {
          const next = nextTag();
          if (next.closing) {
            if (next.name !== 'array') fail(`</${next.name}> inside <array>`);
            pos = next.end;
            return items;
          }
          items.push(readValue(next, depth + 1));
        }
      }
      case 'dict': {
        const dict: { [key: string]: PlistValue } = {};
        if (tag.selfClosing) return dict;
        for (;;) {
          const next = nextTag();
          if (next.closing) {
            if (next.name !== 'dict') fail(`</${next.name}> inside <dict>`);
            pos = next.end;
            return dict;
          }
          if (next.name !== 'key') fail(`<${next.name}> where a <key> belongs`);
          pos = next.end;
          const key = next.selfClosing ? '' : textUntilClose('key');
          const valueTag = nextTag();
          if (valueTag.closing) fail(`no value for key ${JSON.stringify(key)}`);
          // A registry property cannot be named "__proto__"; refusing it keeps the dictionary a plain record.
          if (key === '__proto__') fail('key __proto__');
          dict[key] = readValue(valueTag, depth + 1);
        }
      }
      default:
        return fail(`unknown element <${tag.name}>`);
    }
  };

  const root = nextTag();
  if (root.name !== 'plist' || root.closing) fail('no <plist> element');
  pos = root.end;
  const value = readValue(nextTag(), 0);
  const close = nextTag();
  if (!close.closing || close.name !== 'plist') fail('no </plist>');
  return value;
}
