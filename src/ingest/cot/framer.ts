/**
 * Streaming framer for CoT XML over TCP (TAK's plain streaming port 8087).
 *
 * A TAK client writes one `<event ...>...</event>` after another, sometimes each with its own
 * `<?xml ...?>` declaration, with or without newlines between them; TCP cuts that stream
 * anywhere (inside a tag, inside a multi-byte UTF-8 character, inside `</event>`). The framer
 * turns arbitrary chunks back into one Buffer per event, without parsing the XML: it runs a small
 * byte-level state machine (tags, quoted attribute values, comments, CDATA, processing
 * instructions, markup declarations) that visits every byte once and keeps its state between
 * chunks, so slow-drip input (one byte per packet) costs O(n), never O(n^2).
 *
 * Nothing is dropped silently. Every byte pushed ends up in exactly one of:
 * - a `frame` record (a complete event, to be parsed);
 * - an `oversize` record (an event larger than `maxFrameBytes`: cut, reported with its first KiB
 *   and its size, then the framer resyncs at the next `<event`);
 * - a `garbage` record (bytes between events that are not whitespace, an XML declaration or a
 *   comment: e.g. protobuf, a DOCTYPE, a stray element), reported with its first KiB and size;
 * - an `incomplete` record at `end()` (an event still open when the stream closed);
 * - `stats.ignoredBytes` (whitespace, `<?xml ...?>` declarations and comments between events).
 * `stats` adds these up, so a caller (or a test) can check that nothing went missing.
 */

export interface FramerOptions {
  /** Largest event accepted, in bytes (default 1 MiB). A larger one is cut with an `oversize` record. */
  maxFrameBytes?: number;
  /** How many leading bytes of an oversize/garbage/incomplete region are kept in its record (default 1024). */
  headBytes?: number;
  /** Largest XML declaration, processing instruction or comment tolerated between events (default 4 KiB). */
  maxPrologBytes?: number;
}

/** A complete event. `offset` is the stream offset of its first byte. */
export interface FrameRecord {
  kind: 'frame';
  frame: Buffer;
  offset: number;
}

/** A region that is not a parseable event: `head` holds its first bytes, `size` its full length. */
export interface RejectedRegion {
  kind: 'oversize' | 'garbage' | 'incomplete';
  head: Buffer;
  size: number;
  offset: number;
  reason: string;
}

export type FramerRecord = FrameRecord | RejectedRegion;

export interface FramerStats {
  bytesIn: number;
  frames: number;
  frameBytes: number;
  oversize: number;
  oversizeBytes: number;
  garbage: number;
  garbageBytes: number;
  incomplete: number;
  incompleteBytes: number;
  /** Whitespace, XML declarations and comments between events. */
  ignoredBytes: number;
}

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const QUESTION = 0x3f;
const BANG = 0x21;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const DASH = 0x2d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const EVENT = [0x65, 0x76, 0x65, 0x6e, 0x74]; // "event"

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
/** A byte that may end a tag name (`<event` followed by one of these starts an event). */
function endsName(b: number): boolean {
  return isWs(b) || b === GT || b === SLASH;
}

/** States between events. */
const enum Out {
  /** Whitespace between events. */
  Idle,
  /** Saw `<` (and maybe part of `event`, `?` or `!--`) between events; deciding what it starts. */
  Lt,
  /** Inside `<?...?>` between events. */
  Pi,
  /** Inside `<!-- ... -->` between events. */
  Comment,
  /** Inside a garbage region: skipping to the next `<event` or `<?`. */
  Garbage,
  /** Inside an event (see `In`). */
  Frame,
  /** Discarding the rest of an oversize event until the next `<event`. */
  Discard,
}

/** States inside an event. */
const enum In {
  /** Character data: look for `<`. */
  Text,
  /** Just after `<`. */
  TagOpen,
  /** Reading a start-tag name. */
  StartName,
  /** Inside a start tag, after its name: attributes. */
  Attrs,
  /** Inside a quoted attribute value. */
  Quoted,
  /** Reading an end-tag name. */
  EndName,
  /** After an end-tag name, waiting for `>`. */
  EndRest,
  /** `<?` ... `?>` */
  Pi,
  /** After `<!`: deciding comment, CDATA or declaration. */
  Bang,
  /** `<!--` ... `-->` */
  Comment,
  /** `<![CDATA[` ... `]]>` */
  Cdata,
  /** `<!DOCTYPE ...>` or another declaration: to `>` at bracket depth 0 (the parser rejects it). */
  Decl,
}

/** A growable byte buffer: appends copy, so the framer never keeps references to caller chunks. */
class ByteAccumulator {
  buf: Buffer;
  len = 0;
  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }
  append(src: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    if (this.len + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.len + n) cap *= 2;
      const next = Buffer.allocUnsafe(cap);
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    src.copy(this.buf, this.len, start, end);
    this.len += n;
  }
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.len));
    this.reset();
    return out;
  }
  reset(): void {
    this.len = 0;
    // Do not keep a large buffer alive after an unusually big frame.
    if (this.buf.length > 65536) this.buf = Buffer.allocUnsafe(4096);
  }
}

/** A region reported by head and size only (garbage, oversize). */
class HeadCounter {
  head: Buffer;
  headLen = 0;
  size = 0;
  offset = 0;
  constructor(private readonly max: number) {
    this.head = Buffer.allocUnsafe(max);
  }
  start(offset: number): void {
    this.headLen = 0;
    this.size = 0;
    this.offset = offset;
  }
  add(src: Buffer | readonly number[], start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    const room = this.max - this.headLen;
    if (room > 0) {
      const m = Math.min(room, n);
      if (Buffer.isBuffer(src)) src.copy(this.head, this.headLen, start, start + m);
      else for (let i = 0; i < m; i++) this.head[this.headLen + i] = src[start + i]!;
      this.headLen += m;
    }
    this.size += n;
  }
  headCopy(): Buffer {
    return Buffer.from(this.head.subarray(0, this.headLen));
  }
}

export class CotFramer {
  readonly maxFrameBytes: number;
  readonly headBytes: number;
  readonly maxPrologBytes: number;
  readonly stats: FramerStats = {
    bytesIn: 0,
    frames: 0,
    frameBytes: 0,
    oversize: 0,
    oversizeBytes: 0,
    garbage: 0,
    garbageBytes: 0,
    incomplete: 0,
    incompleteBytes: 0,
    ignoredBytes: 0,
  };

  private out: Out = Out.Idle;
  private inState: In = In.Text;
  /** Bytes of a `<...` prefix between events while deciding what it is (at most 6). */
  private lt: number[] = [];
  /** Stream offset of `lt[0]`. */
  private ltOffset = 0;
  /** Bytes of the current PI or comment between events, counted against maxPrologBytes. */
  private prologLen = 0;
  private prologOffset = 0;
  /** Matching `-->` / `?>` tails. */
  private tail = 0;

  // Inside a frame.
  private readonly frame = new ByteAccumulator();
  private frameOffset = 0;
  private depth = 0; // depth of nested `event` elements (1 = the root)
  private nameIdx = 0; // chars of the current tag name seen
  private nameIsEvent = false; // does the name so far match "event"
  private quote = 0;
  private lastAttrByte = 0; // last non-whitespace byte in a start tag (for `/>`)
  private bangIdx = 0; // chars seen after `<!`
  private bangKind = 0; // 1 comment, 2 cdata, 3 decl
  private declDepth = 0;

  private readonly region: HeadCounter;
  private regionKind: 'garbage' | 'oversize' = 'garbage';
  private regionReason = '';
  private regionOpen = false;
  /** Match progress of `<event` + delimiter while in Garbage or Discard. */
  private resync = 0;

  private pos = 0; // stream offset of the next byte

  constructor(opts: FramerOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? 1024 * 1024;
    this.headBytes = opts.headBytes ?? 1024;
    this.maxPrologBytes = opts.maxPrologBytes ?? 4096;
    this.region = new HeadCounter(this.headBytes);
  }

  /** Bytes of an event held while waiting for its end (a server may time out a client that stalls mid-event). */
  get pendingFrameBytes(): number {
    return this.out === Out.Frame ? this.frame.len : 0;
  }

  /** True while the rest of an oversize event is being discarded (its record comes at the next `<event` or `end()`). */
  get discarding(): boolean {
    return this.out === Out.Discard;
  }

  /** Feeds one chunk; returns the records completed by it, in stream order. */
  push(chunk: Buffer | Uint8Array | string): FramerRecord[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const records: FramerRecord[] = [];
    this.stats.bytesIn += buf.length;
    const base = this.pos;
    let i = 0;
    const n = buf.length;
    /** Start of the part of `buf` that belongs to the current frame and is not yet copied. */
    let frameStart = this.out === Out.Frame ? 0 : -1;

    while (i < n) {
      switch (this.out) {
        case Out.Idle: {
          const b = buf[i]!;
          if (isWs(b)) {
            this.stats.ignoredBytes++;
            i++;
          } else if (b === LT) {
            this.out = Out.Lt;
            this.lt.length = 0;
            this.lt.push(b);
            this.ltOffset = base + i;
            i++;
          } else {
            this.openRegion('garbage', base + i, 'bytes outside any <event>');
            this.out = Out.Garbage;
            this.resync = 0;
          }
          break;
        }
        case Out.Lt: {
          const b = buf[i]!;
          const lt = this.lt;
          const k = lt.length; // bytes already held, lt[0] === '<'
          if (k === 1 && b === QUESTION) {
            lt.push(b);
            i++;
            this.out = Out.Pi;
            this.prologLen = 2;
            this.prologOffset = this.ltOffset;
            this.tail = 0;
            break;
          }
          if (k >= 1 && k <= 3 && (k === 1 ? b === BANG : b === DASH) && (k === 1 || lt[1] === BANG)) {
            lt.push(b);
            i++;
            if (lt.length === 4) {
              this.out = Out.Comment;
              this.prologLen = 4;
              this.prologOffset = this.ltOffset;
              this.tail = 0;
            }
            break;
          }
          if (k >= 1 && k <= 5 && lt[1] !== BANG && b === EVENT[k - 1]) {
            lt.push(b);
            i++;
            break;
          }
          if (k === 6 && lt[1] === EVENT[0] && endsName(b)) {
            // `<event` + delimiter: an event starts at ltOffset.
            this.beginFrame(this.ltOffset);
            this.frame.append(Buffer.from(lt), 0, lt.length);
            this.lt.length = 0;
            this.nameIdx = 5;
            this.nameIsEvent = true;
            frameStart = i; // the delimiter belongs to the frame
            this.inState = In.StartName;
            break;
          }
          // Anything else: the held bytes start a garbage region.
          this.openRegion('garbage', this.ltOffset, lt[1] === BANG ? 'markup declaration or DOCTYPE outside any <event>' : 'element or text outside any <event>');
          this.region.add(lt, 0, lt.length);
          this.lt.length = 0;
          this.out = Out.Garbage;
          this.resync = 0;
          break;
        }
        case Out.Pi:
        case Out.Comment: {
          // Between events: `<?xml ...?>` or `<!-- ... -->`, tolerated up to maxPrologBytes.
          const isPi = this.out === Out.Pi;
          let j = i;
          let done = false;
          let aborted = false;
          while (j < n) {
            const b = buf[j]!;
            if (isPi && b === LT) {
              // An XML declaration never holds `<`: this one is unterminated. Report it and
              // look at the `<` afresh (it may start the next event).
              aborted = true;
              break;
            }
            j++;
            if (isPi) {
              if (this.tail === 1 && b === GT) {
                done = true;
                break;
              }
              this.tail = b === QUESTION ? 1 : 0;
            } else {
              if (this.tail >= 2 && b === GT) {
                done = true;
                break;
              }
              this.tail = b === DASH ? this.tail + 1 : 0;
            }
            if (this.prologLen + (j - i) > this.maxPrologBytes) break;
          }
          const consumed = j - i;
          this.prologLen += consumed;
          if (this.lt.length < this.headBytes) this.lt.push(...buf.subarray(i, Math.min(j, i + this.headBytes - this.lt.length)));
          i = j;
          if (done) {
            this.stats.ignoredBytes += this.prologLen;
            this.lt.length = 0;
            this.out = Out.Idle;
          } else if (aborted) {
            this.openRegion('garbage', this.prologOffset, 'unterminated processing instruction');
            this.region.add(this.lt, 0, this.lt.length);
            this.region.size = this.prologLen;
            this.closeRegion(records);
            this.lt.length = 0;
            this.out = Out.Idle;
          } else if (this.prologLen > this.maxPrologBytes) {
            // Too long to be a declaration: report it as garbage (head is the bytes we kept).
            this.openRegion('garbage', this.prologOffset, isPi ? 'processing instruction too long' : 'comment too long');
            this.region.add(this.lt, 0, this.lt.length);
            this.region.size = this.prologLen;
            this.lt.length = 0;
            this.out = Out.Garbage;
            this.resync = 0;
          }
          break;
        }
        case Out.Garbage:
        case Out.Discard: {
          // Skip to the next `<event` + delimiter (or, for garbage, `<?`); the `<event` bytes
          // matched so far are held back in `resync` and only counted if the match fails.
          let j = i;
          let found = false;
          while (j < n) {
            const b = buf[j]!;
            if (this.resync === 0) {
              const next = buf.indexOf(LT, j);
              if (next < 0) {
                j = n;
                break;
              }
              j = next + 1;
              this.resync = 1;
              continue;
            }
            if (this.resync <= 5 && b === EVENT[this.resync - 1]) {
              this.resync++;
              j++;
              continue;
            }
            if (this.resync === 6 && endsName(b)) {
              found = true;
              break;
            }
            if (this.resync === 1 && b === QUESTION && this.out === Out.Garbage) {
              found = true;
              break;
            }
            this.resync = b === LT ? 1 : 0;
            j++;
          }
          if (found) {
            // The matched `<event` / `<` began in this chunk or an earlier one.
            const matched = this.resync; // bytes of `<event` (6) or `<` (1) already consumed
            const inThis = Math.min(matched, j - i);
            this.region.add(buf, i, j - inThis);
            // Bytes of the match held from earlier chunks were counted into the region: move them out.
            const heldEarlier = matched - inThis;
            this.region.size -= heldEarlier;
            this.region.headLen = Math.min(this.region.headLen, this.region.size);
            this.closeRegion(records);
            this.out = Out.Lt;
            this.lt.length = 0;
            this.lt.push(LT);
            if (matched === 6) this.lt.push(...EVENT);
            this.ltOffset = base + j - matched;
            this.resync = 0;
            i = j;
          } else {
            this.region.add(buf, i, j);
            i = j;
          }
          break;
        }
        case Out.Frame: {
          if (frameStart < 0) frameStart = i;
          i = this.scanFrame(buf, i, n);
          if (this.out !== Out.Frame) {
            // `scanFrame` finished the frame at i (exclusive).
            this.frame.append(buf, frameStart, i);
            const frame = this.frame.take();
            this.stats.frames++;
            this.stats.frameBytes += frame.length;
            records.push({ kind: 'frame', frame, offset: this.frameOffset });
            frameStart = -1;
          } else if (i - frameStart + this.frame.len > this.maxFrameBytes) {
            this.cutOversize(buf, frameStart, i);
            frameStart = -1;
          }
          break;
        }
      }
    }
    if (this.out === Out.Frame && frameStart >= 0) {
      this.frame.append(buf, frameStart, n);
      if (this.frame.len > this.maxFrameBytes) this.cutOversize(buf, n, n);
    }
    this.pos = base + n;
    return records;
  }

  /** Ends the stream: reports an open event or garbage region. */
  end(): FramerRecord[] {
    const records: FramerRecord[] = [];
    switch (this.out) {
      case Out.Frame: {
        const all = this.frame.take();
        this.region.start(this.frameOffset);
        this.region.add(all, 0, all.length);
        records.push({ kind: 'incomplete', head: this.region.headCopy(), size: this.region.size, offset: this.frameOffset, reason: 'stream ended inside an <event>' });
        this.stats.incomplete++;
        this.stats.incompleteBytes += this.region.size;
        break;
      }
      case Out.Lt:
      case Out.Pi:
      case Out.Comment: {
        // An unfinished `<...` or declaration at the very end: garbage.
        const size = this.out === Out.Lt ? this.lt.length : this.prologLen;
        const offset = this.out === Out.Lt ? this.ltOffset : this.prologOffset;
        this.openRegion('garbage', offset, 'stream ended inside a tag between events');
        this.region.add(this.lt, 0, this.lt.length);
        this.region.size = size;
        this.closeRegion(records);
        break;
      }
      case Out.Garbage:
      case Out.Discard:
        // Bytes of a partial `<event` match were already counted into the region.
        this.closeRegion(records);
        break;
      case Out.Idle:
        break;
    }
    this.out = Out.Idle;
    this.lt.length = 0;
    this.resync = 0;
    return records;
  }

  private beginFrame(offset: number): void {
    this.out = Out.Frame;
    this.frameOffset = offset;
    this.depth = 0;
    this.frame.reset();
  }

  private openRegion(kind: 'garbage' | 'oversize', offset: number, reason: string): void {
    this.regionKind = kind;
    this.regionReason = reason;
    this.regionOpen = true;
    this.region.start(offset);
  }

  private closeRegion(records: FramerRecord[]): void {
    if (!this.regionOpen) return;
    this.regionOpen = false;
    if (this.region.size <= 0) return;
    const rec: RejectedRegion = {
      kind: this.regionKind,
      head: this.region.headCopy(),
      size: this.region.size,
      offset: this.region.offset,
      reason: this.regionReason,
    };
    if (rec.kind === 'oversize') {
      this.stats.oversize++;
      this.stats.oversizeBytes += rec.size;
    } else {
      this.stats.garbage++;
      this.stats.garbageBytes += rec.size;
    }
    records.push(rec);
  }

  /** The frame exceeded maxFrameBytes: move what we hold into an oversize region and discard to the next `<event`. */
  private cutOversize(buf: Buffer, chunkStart: number, chunkEnd: number): void {
    this.frame.append(buf, chunkStart, chunkEnd);
    const held = this.frame.buf;
    const len = this.frame.len;
    this.openRegion('oversize', this.frameOffset, `event larger than ${this.maxFrameBytes} bytes`);
    this.region.add(held, 0, len);
    this.frame.reset();
    this.out = Out.Discard;
    this.resync = 0;
  }

  /**
   * Advances through an event from `i`; returns the index after the last byte consumed. Leaves
   * `out` as Frame while the event is open (returning early at the size limit, where the caller
   * cuts it), and sets it to Idle right after the root's `</event>` or `/>`.
   */
  private scanFrame(buf: Buffer, i: number, n: number): number {
    // Bytes of this event already held, relative to `i`, to enforce the limit inside long chunks.
    const limitAt = i + (this.maxFrameBytes - this.frame.len) + 1;
    while (i < n) {
      if (i >= limitAt) return i; // caller cuts
      switch (this.inState) {
        case In.Text: {
          const next = buf.indexOf(LT, i);
          if (next < 0 || next >= limitAt) return next < 0 ? n : limitAt;
          i = next + 1;
          this.inState = In.TagOpen;
          break;
        }
        case In.TagOpen: {
          const b = buf[i]!;
          if (b === SLASH) {
            this.inState = In.EndName;
            this.nameIdx = 0;
            this.nameIsEvent = true;
            i++;
          } else if (b === QUESTION) {
            this.inState = In.Pi;
            this.tail = 0;
            i++;
          } else if (b === BANG) {
            this.inState = In.Bang;
            this.bangIdx = 0;
            this.bangKind = 0;
            i++;
          } else {
            this.inState = In.StartName;
            this.nameIdx = 0;
            this.nameIsEvent = true;
          }
          break;
        }
        case In.StartName: {
          const b = buf[i]!;
          if (endsName(b)) {
            const isEvent = this.nameIsEvent && this.nameIdx === 5;
            if (isEvent) this.depth++;
            this.inState = In.Attrs;
            this.lastAttrByte = 0;
            // fall through to Attrs on the same byte
            break;
          }
          if (this.nameIdx >= 5 || b !== EVENT[this.nameIdx]) this.nameIsEvent = false;
          this.nameIdx++;
          i++;
          break;
        }
        case In.Attrs: {
          // Skip attribute names, `=` and whitespace in a tight loop; stop at a quote or `>`.
          const stop = Math.min(n, limitAt);
          let last = this.lastAttrByte;
          let b = 0;
          while (i < stop) {
            b = buf[i]!;
            if (b === DQUOTE || b === SQUOTE || b === GT) break;
            if (!(b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09)) last = b;
            i++;
          }
          this.lastAttrByte = last;
          if (i >= stop) break;
          i++;
          if (b === DQUOTE || b === SQUOTE) {
            this.quote = b;
            this.inState = In.Quoted;
          } else if (b === GT) {
            const selfClosing = this.lastAttrByte === SLASH;
            const isEvent = this.nameIsEvent && this.nameIdx === 5;
            if (selfClosing && isEvent) this.depth--;
            this.inState = In.Text;
            if (this.depth <= 0) {
              this.out = Out.Idle;
              return i;
            }
          }
          break;
        }
        case In.Quoted: {
          const next = buf.indexOf(this.quote, i);
          if (next < 0 || next >= limitAt) return next < 0 ? n : limitAt;
          i = next + 1;
          this.lastAttrByte = this.quote;
          this.inState = In.Attrs;
          break;
        }
        case In.EndName: {
          const b = buf[i]!;
          if (endsName(b)) {
            this.inState = In.EndRest;
            break;
          }
          if (this.nameIdx >= 5 || b !== EVENT[this.nameIdx]) this.nameIsEvent = false;
          this.nameIdx++;
          i++;
          break;
        }
        case In.EndRest: {
          const next = buf.indexOf(GT, i);
          if (next < 0 || next >= limitAt) return next < 0 ? n : limitAt;
          i = next + 1;
          this.inState = In.Text;
          if (this.nameIsEvent && this.nameIdx === 5) {
            this.depth--;
            if (this.depth <= 0) {
              this.out = Out.Idle;
              return i;
            }
          }
          break;
        }
        case In.Pi: {
          const b = buf[i]!;
          i++;
          if (this.tail === 1 && b === GT) this.inState = In.Text;
          else this.tail = b === QUESTION ? 1 : 0;
          break;
        }
        case In.Bang: {
          // `<!--`, `<![CDATA[` or a declaration.
          const b = buf[i]!;
          const idx = this.bangIdx++;
          if (idx === 0) {
            if (b === DASH) this.bangKind = 1;
            else if (b === LBRACKET) this.bangKind = 2;
            else {
              this.bangKind = 3;
              this.inState = In.Decl;
              this.declDepth = 0;
              break; // reprocess b in Decl
            }
            i++;
          } else if (this.bangKind === 1) {
            i++;
            if (b !== DASH) {
              this.inState = In.Decl; // `<!-x`: malformed; treat as a declaration
              this.declDepth = 0;
            } else {
              this.inState = In.Comment;
              this.tail = 0;
            }
          } else {
            // `<![`: CDATA (we do not check the `CDATA[` keyword; the parser does).
            i++;
            if (b === LBRACKET) {
              this.inState = In.Cdata;
              this.tail = 0;
            }
          }
          break;
        }
        case In.Comment: {
          const b = buf[i]!;
          i++;
          if (this.tail >= 2 && b === GT) this.inState = In.Text;
          else this.tail = b === DASH ? this.tail + 1 : 0;
          break;
        }
        case In.Cdata: {
          const b = buf[i]!;
          i++;
          if (this.tail >= 2 && b === GT) this.inState = In.Text;
          else this.tail = b === RBRACKET ? this.tail + 1 : 0;
          break;
        }
        case In.Decl: {
          const b = buf[i]!;
          i++;
          if (b === LBRACKET) this.declDepth++;
          else if (b === RBRACKET) this.declDepth = Math.max(0, this.declDepth - 1);
          else if (b === GT && this.declDepth === 0) this.inState = In.Text;
          break;
        }
      }
    }
    return i;
  }
}

/** Convenience: frames a whole byte sequence at once (tests, file import). */
export function frameAll(data: Buffer | string, opts?: FramerOptions): FramerRecord[] {
  const f = new CotFramer(opts);
  return [...f.push(data), ...f.end()];
}
