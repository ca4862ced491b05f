/**
 * A small, strict, non-validating XML reader for CoT frames.
 *
 * Why hand-written rather than fast-xml-parser/saxes/xml-js: a CoT frame is a few hundred bytes
 * to a few KiB of attribute-heavy XML, and general parsers spend most of their time on
 * generality (callbacks per token, entity tables, option checks). Measured with
 * bench/ingest-parse.ts on the real captures in ../shared/data/cot (the 40 of 42 that node-cot
 * accepts), Node 20, 2 shared cores, messages per CPU-second, median of 3 runs (2026-11):
 *   @tak-ps/node-cot 12.23 (xml-js + AJV):   ~14,800/s (~9,700/s wall-clock under load)
 *   fast-xml-parser (task's figure):         ~9,000/s, i.e. about node-cot's speed
 *   parseCot (this reader + CoT extraction): ~83,000/s  → ~5.6x node-cot (target >= 3x)
 * The speed comes from specialising: one pass over a JS string with indexOf/charCodeAt, each
 * attribute value scanned once (closing quote, `<`, `&`, control characters) and sliced without
 * copying, whitespace-only text skipped without allocating, end tags compared in place, plain
 * object literals for attributes (shared V8 hidden classes), and a tiny tree (name, attributes,
 * children, text, source offsets) instead of an object per token. A first version with a
 * per-document control-character regex, null-prototype attribute objects and conditional object
 * spreads in the extraction ran at ~43,000/s; profiling (node --cpu-prof) led to the above.
 *
 * Safety, by construction:
 * - No DTD support at all: `<!DOCTYPE` (anywhere) is rejected, so there are no internal or
 *   external entities, no parameter entities, no entity expansion (no billion laughs, no XXE).
 * - Only the five predefined entities and numeric character references are decoded; any other
 *   `&name;` is an error. Character references must denote legal XML characters.
 * - Limits on input size, element depth, element count and attributes per element; depth is
 *   bounded, so the recursive descent cannot blow the stack.
 * - An attribute named `__proto__` is refused (no prototype pollution); duplicates are errors.
 */

export interface XmlLimits {
  /** Largest document in UTF-16 code units (roughly bytes for CoT). */
  maxChars: number;
  /** Deepest element nesting (the root is depth 1). */
  maxDepth: number;
  /** Most elements in one document. */
  maxElements: number;
  /** Most attributes on one element. */
  maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxChars: 1024 * 1024,
  maxDepth: 32,
  maxElements: 20_000,
  maxAttributes: 256,
};

export interface XmlElement {
  name: string;
  /** Attribute values (entity-decoded, whitespace-normalised per XML); own properties only. */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element (entity-decoded), '' if none. */
  text: string;
  /** Offsets of the element in the source string: [start, end). */
  start: number;
  end: number;
}

export type XmlErrorCode =
  | 'too_large'
  | 'too_deep'
  | 'too_many_elements'
  | 'too_many_attributes'
  | 'doctype_forbidden'
  | 'entity_forbidden'
  | 'invalid_char'
  | 'malformed';

export class XmlError extends Error {
  constructor(
    readonly code: XmlErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'XmlError';
  }
}

/** Characters XML 1.0 forbids anywhere in a document. */
// eslint-disable-next-line no-control-regex
const ILLEGAL_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const WS_IN_ATTR = /[\t\n\r]/g;

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || (c >= 0x80 && c < 0xfffe);
}
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 58 || c === 45 || c === 46 || (c >= 0x80 && c < 0xfffe);
}
function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function isLegalCodePoint(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Decodes the five predefined entities and character references; anything else is an error. */
export function decodeEntities(s: string, offset: number): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  let out = '';
  let last = 0;
  while (amp >= 0) {
    const semi = s.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp > 12) throw new XmlError('malformed', 'bare "&" (not an entity or character reference)', offset + amp);
    const ref = s.slice(amp + 1, semi);
    let ch: string;
    if (ref.charCodeAt(0) === 35 /* # */) {
      const hex = ref.charCodeAt(1) === 120; /* x */
      const digits = ref.slice(hex ? 2 : 1);
      if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) throw new XmlError('malformed', `bad character reference &${ref};`, offset + amp);
      const cp = parseInt(digits, hex ? 16 : 10);
      if (!isLegalCodePoint(cp)) throw new XmlError('invalid_char', `character reference &${ref}; is not a legal XML character`, offset + amp);
      ch = String.fromCodePoint(cp);
    } else {
      switch (ref) {
        case 'lt':
          ch = '<';
          break;
        case 'gt':
          ch = '>';
          break;
        case 'amp':
          ch = '&';
          break;
        case 'quot':
          ch = '"';
          break;
        case 'apos':
          ch = "'";
          break;
        default:
          throw new XmlError('entity_forbidden', `entity &${ref}; is not allowed (only the predefined XML entities are)`, offset + amp);
      }
    }
    out += s.slice(last, amp) + ch;
    last = semi + 1;
    amp = s.indexOf('&', last);
  }
  return out + s.slice(last);
}

class Reader {
  pos = 0;
  elements = 0;
  constructor(
    readonly src: string,
    readonly limits: XmlLimits,
  ) {}

  fail(code: XmlErrorCode, message: string, at = this.pos): never {
    throw new XmlError(code, message, at);
  }

  skipWs(): void {
    const s = this.src;
    let p = this.pos;
    while (p < s.length && isWs(s.charCodeAt(p))) p++;
    this.pos = p;
  }

  readName(): string {
    const s = this.src;
    const start = this.pos;
    let p = start;
    if (p >= s.length || !isNameStart(s.charCodeAt(p))) this.fail('malformed', 'expected a name');
    p++;
    while (p < s.length && isNameChar(s.charCodeAt(p))) p++;
    this.pos = p;
    return s.slice(start, p);
  }

  /** Skips `<?...?>`, `<!--...-->`; rejects `<!DOCTYPE` and other declarations. Returns true if something was skipped. */
  skipMisc(): boolean {
    const s = this.src;
    const p = this.pos;
    if (s.charCodeAt(p) !== 60 /* < */) return false;
    const c1 = s.charCodeAt(p + 1);
    if (c1 === 63 /* ? */) {
      const end = s.indexOf('?>', p + 2);
      if (end < 0) this.fail('malformed', 'unterminated processing instruction');
      this.checkChars(s.slice(p, end), p);
      this.pos = end + 2;
      return true;
    }
    if (c1 === 33 /* ! */) {
      if (s.startsWith('--', p + 2)) {
        const end = s.indexOf('-->', p + 4);
        if (end < 0) this.fail('malformed', 'unterminated comment');
        this.checkChars(s.slice(p, end), p);
        this.pos = end + 3;
        return true;
      }
      if (s.startsWith('DOCTYPE', p + 2) || s.startsWith('doctype', p + 2)) this.fail('doctype_forbidden', 'DOCTYPE is not allowed (no DTDs, no entities)');
      if (!s.startsWith('[CDATA[', p + 2)) this.fail('doctype_forbidden', 'markup declarations are not allowed');
    }
    return false;
  }

  document(): XmlElement {
    const s = this.src;
    if (s.length > this.limits.maxChars) this.fail('too_large', `document larger than ${this.limits.maxChars} characters`, 0);
    if (s.charCodeAt(0) === 0xfeff) this.pos = 1;
    for (;;) {
      this.skipWs();
      if (this.pos >= s.length) this.fail('malformed', 'no root element');
      if (s.charCodeAt(this.pos) !== 60) this.fail('malformed', 'text before the root element');
      if (!this.skipMisc()) break;
    }
    if (s.startsWith('<![CDATA[', this.pos)) this.fail('malformed', 'CDATA before the root element');
    const root = this.element(1);
    for (;;) {
      this.skipWs();
      if (this.pos >= s.length) break;
      if (s.charCodeAt(this.pos) !== 60 || !this.skipMisc()) this.fail('malformed', 'content after the root element');
    }
    return root;
  }

  element(depth: number): XmlElement {
    if (depth > this.limits.maxDepth) this.fail('too_deep', `elements nested deeper than ${this.limits.maxDepth}`);
    if (++this.elements > this.limits.maxElements) this.fail('too_many_elements', `more than ${this.limits.maxElements} elements`);
    const s = this.src;
    const start = this.pos;
    this.pos++; // '<'
    const name = this.readName();
    // A plain object literal: V8 gives the repeated attribute sets of CoT messages shared hidden
    // classes (fast properties), unlike Object.create(null) (dictionary mode). `__proto__` is
    // refused below, and duplicates are checked with hasOwn, so inherited names cannot interfere.
    const attrs: Record<string, string> = {};
    let nAttrs = 0;
    let p = this.pos;
    for (;;) {
      const before = p;
      let c = s.charCodeAt(p);
      while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++p);
      if (c === 62 /* > */) {
        p++;
        break;
      }
      if (c === 47 /* / */) {
        if (s.charCodeAt(p + 1) !== 62) this.fail('malformed', 'expected "/>"', p);
        this.pos = p + 2;
        return { name, attrs, children: [], text: '', start, end: p + 2 };
      }
      if (p >= s.length) this.fail('malformed', `unterminated start tag <${name}`, p);
      if (p === before) this.fail('malformed', 'expected whitespace between attributes', p);
      this.pos = p;
      const attrName = this.readName();
      p = this.pos;
      c = s.charCodeAt(p);
      while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++p);
      if (c !== 61 /* = */) this.fail('malformed', `attribute ${attrName} has no value`, p);
      c = s.charCodeAt(++p);
      while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++p);
      if (c !== 34 && c !== 39) this.fail('malformed', `attribute ${attrName} value is not quoted`, p);
      const q = c;
      const vStart = p + 1;
      // One pass over the value: find the closing quote, refuse "<", note "&" and literal whitespace.
      let amp = false;
      let ws = false;
      let v = vStart;
      const n = s.length;
      for (;;) {
        if (v >= n) this.fail('malformed', `unterminated value of attribute ${attrName}`, vStart);
        const d = s.charCodeAt(v);
        if (d === q) break;
        if (d < 39) {
          if (d === 38) amp = true;
          else if (d === 9 || d === 10 || d === 13) ws = true;
          else if (d < 32) this.fail('invalid_char', `illegal character U+${d.toString(16).padStart(4, '0')}`, v);
        } else if (d === 60) this.fail('malformed', `"<" in the value of attribute ${attrName}`, v);
        else if (d >= 0xfffe) this.fail('invalid_char', `illegal character U+${d.toString(16)}`, v);
        v++;
      }
      let value = s.slice(vStart, v);
      // Literal whitespace is normalised before references are decoded (XML 1.0 §3.3.3).
      if (ws) value = value.replace(WS_IN_ATTR, ' ');
      if (amp) value = decodeEntities(value, vStart);
      if (Object.hasOwn(attrs, attrName)) this.fail('malformed', `duplicate attribute ${attrName}`, p);
      if (attrName === '__proto__') this.fail('malformed', 'attribute name __proto__ is not supported', p);
      if (++nAttrs > this.limits.maxAttributes) this.fail('too_many_attributes', `more than ${this.limits.maxAttributes} attributes on <${name}>`, p);
      attrs[attrName] = value;
      p = v + 1;
    }

    // Content. Whitespace-only runs are formatting, dropped from `text` when the element has
    // child elements; a leaf keeps its text verbatim.
    const children: XmlElement[] = [];
    let text = '';
    let pendingWs = '';
    for (;;) {
      const lt = s.indexOf('<', p);
      if (lt < 0) this.fail('malformed', `unclosed element <${name}>`, p);
      if (lt > p) {
        let k = p;
        let c = s.charCodeAt(k);
        while (k < lt && (c === 32 || c === 10 || c === 13 || c === 9)) c = s.charCodeAt(++k);
        if (k === lt) {
          if (children.length === 0) pendingWs += s.slice(p, lt);
        } else {
          text += pendingWs + this.charData(p, lt);
          pendingWs = '';
        }
      }
      const c1 = s.charCodeAt(lt + 1);
      if (c1 === 47 /* / */) {
        // End tag: compare in place instead of slicing the name.
        const e = lt + 2 + name.length;
        if (!s.startsWith(name, lt + 2) || isNameChar(s.charCodeAt(e))) {
          this.pos = lt + 2;
          const endName = isNameStart(s.charCodeAt(lt + 2)) ? this.readName() : '';
          this.fail('malformed', `</${endName}> closes <${name}>`, lt);
        }
        let k = e;
        let c = s.charCodeAt(k);
        while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++k);
        if (c !== 62) this.fail('malformed', `expected ">" after </${name}`, k);
        this.pos = k + 1;
        if (children.length === 0 && pendingWs) text = pendingWs + text;
        return { name, attrs, children, text, start, end: k + 1 };
      }
      if (c1 === 33 /* ! */ && s.startsWith('[CDATA[', lt + 2)) {
        const end = s.indexOf(']]>', lt + 9);
        if (end < 0) this.fail('malformed', 'unterminated CDATA section', lt);
        const cdata = s.slice(lt + 9, end);
        this.checkChars(cdata, lt + 9);
        text += pendingWs + cdata;
        pendingWs = '';
        p = end + 3;
        continue;
      }
      this.pos = lt;
      if (c1 === 33 || c1 === 63) this.skipMisc();
      else {
        pendingWs = '';
        children.push(this.element(depth + 1));
      }
      p = this.pos;
    }
  }

  /** Rejects characters XML forbids (checked per text run, attribute value, comment...: not per document). */
  checkChars(text: string, offset: number): void {
    const bad = ILLEGAL_CHARS.exec(text);
    if (bad) this.fail('invalid_char', `illegal character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}`, offset + bad.index);
  }

  charData(from: number, to: number): string {
    const raw = this.src.slice(from, to);
    this.checkChars(raw, from);
    if (raw.indexOf(']]>') >= 0) this.fail('malformed', '"]]>" in character data', from);
    return raw.indexOf('&') >= 0 ? decodeEntities(raw, from) : raw;
  }
}

/** Parses one XML document (a CoT frame) into a small element tree. Throws XmlError. */
export function parseXml(src: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  return new Reader(src, limits).document();
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// eslint-disable-next-line no-control-regex
const ILLEGAL_GLOBAL = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;

/** Escapes text for an attribute value or character data; drops characters XML cannot carry. */
export function escapeXml(s: string): string {
  return s.replace(ILLEGAL_GLOBAL, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Escapes an attribute value, keeping newlines and tabs (which attribute normalisation would turn into spaces). */
export function escapeXmlAttr(s: string): string {
  return escapeXml(s).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
