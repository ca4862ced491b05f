/**
 * A streaming RFC 4180 CSV reader that keeps, for every record, its raw text and line number, so
 * that a row that fails can be quarantined with exactly what was received.
 *
 * Hand-written rather than csv-parse because quarantine needs recovery, not an exception: a
 * stray quote in one row must not swallow the rest of the file. When a quoted field runs past
 * `maxRecordChars`, or is still open at the end of the input, the reader reports the record's
 * first physical line as malformed and starts again on the next line, so one bad row costs one
 * row. Chunks may split anywhere, including inside a multi-byte UTF-8 character (a
 * StringDecoder joins them). Linear time: each character is looked at once (plus once more for
 * the lines re-read after a recovery).
 */
import { StringDecoder } from 'node:string_decoder';

export interface CsvRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  fields: string[];
  /** The record's text as received (without the line break that ends it). */
  raw: string;
}

export interface CsvError {
  line: number;
  /** Raw text of what was skipped (clipped to `maxRecordChars`). */
  raw: string;
  reason: string;
}

export type CsvItem = { type: 'record'; record: CsvRecord } | { type: 'error'; error: CsvError };

export interface CsvReaderOptions {
  /** Longest record, in characters (default 1 MiB). */
  maxRecordChars?: number;
  delimiter?: string;
}

export class CsvReader {
  private readonly decoder = new StringDecoder('utf8');
  private readonly maxRecordChars: number;
  private readonly delim: number;
  /** Text not yet turned into records. */
  private buf = '';
  /** Where scanning resumes in `buf` (everything before it belongs to the current record). */
  private scan = 0;
  private fields: string[] = [];
  private field = '';
  private fieldStart = 0;
  private inQuotes = false;
  /** The current field was quoted and its closing quote seen. */
  private quotedDone = false;
  private line = 1;
  private recordLine = 1;
  /** Physical lines inside the current record so far. */
  private first = true;
  /** Set while skipping the rest of a malformed line. */
  private skipReason: string | null = null;
  private skipHead = '';
  private skipLine = 1;

  constructor(opts: CsvReaderOptions = {}) {
    this.maxRecordChars = opts.maxRecordChars ?? 1024 * 1024;
    this.delim = (opts.delimiter ?? ',').charCodeAt(0);
  }

  push(chunk: Buffer | string): CsvItem[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (this.first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.first = false;
    }
    this.buf += text;
    return this.run(false);
  }

  end(): CsvItem[] {
    this.buf += this.decoder.end();
    return this.run(true);
  }

  private resetRecord(): void {
    this.fields = [];
    this.field = '';
    this.inQuotes = false;
    this.quotedDone = false;
    this.fieldStart = 0;
  }

  /**
   * Recovery: the record starting at buf[0] is malformed. Its first physical line is reported
   * (once the line is complete) and scanning restarts on the next line.
   */
  private recover(reason: string): void {
    this.skipReason = reason;
    this.skipHead = '';
    this.skipLine = this.recordLine;
    this.scan = 0;
    this.resetRecord();
  }

  /** While skipping a malformed line: emits it when its end is in `buf`. Returns false to wait for more input. */
  private finishSkip(out: CsvItem[], final: boolean): boolean {
    const nl = this.buf.indexOf('\n');
    if (nl < 0 && !final) {
      // (+1: a CR at the very end may still turn out to be the line break.) The same check runs
      // when a record ends, so the outcome does not depend on how the input was chunked.
      if (this.buf.length > this.maxRecordChars + 1) {
        if (this.skipHead.length < this.maxRecordChars) this.skipHead += this.buf.slice(0, this.maxRecordChars - this.skipHead.length);
        this.buf = '';
      }
      return false;
    }
    const cut = nl < 0 ? this.buf.length : nl + 1;
    let raw = this.skipHead + this.buf.slice(0, nl < 0 ? cut : nl);
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    out.push({ type: 'error', error: { line: this.skipLine, raw: raw.slice(0, this.maxRecordChars), reason: this.skipReason! } });
    this.buf = this.buf.slice(cut);
    this.line = this.skipLine + 1;
    this.recordLine = this.line;
    this.skipReason = null;
    this.skipHead = '';
    this.scan = 0;
    return true;
  }

  private emit(out: CsvItem[], raw: string): void {
    this.fields.push(this.field);
    const fields = this.fields;
    const line = this.recordLine;
    let breaks = 0;
    for (let k = raw.indexOf('\n'); k >= 0; k = raw.indexOf('\n', k + 1)) breaks++;
    this.line = line + 1 + breaks;
    this.recordLine = this.line;
    this.resetRecord();
    // A blank line is not a record.
    if (!(fields.length === 1 && fields[0] === '')) out.push({ type: 'record', record: { line, fields, raw } });
  }

  private run(final: boolean): CsvItem[] {
    const out: CsvItem[] = [];
    const QUOTE = 34;
    const CR = 13;
    const LF = 10;
    const delim = this.delim;
    for (;;) {
      if (this.skipReason !== null && !this.finishSkip(out, final)) return out;
      const s = this.buf;
      let i = this.scan;
      const n = s.length;
      let restart = false;
      // No step crosses position max+1 of the record, and the length check runs before every step,
      // so where an error is found does not depend on how the input was chunked.
      const max = this.maxRecordChars;
      const stop = Math.min(n, max + 1);
      while (i < n) {
        if (i > max) {
          this.recover(`record longer than ${max} characters${this.inQuotes ? ' (unterminated quote?)' : ''}`);
          restart = true;
          break;
        }
        if (this.inQuotes) {
          const q = s.indexOf('"', i);
          if (q < 0 || q > max) {
            this.field += s.slice(i, stop);
            i = stop;
            continue;
          }
          if (q + 1 >= n && !final) {
            // Cannot tell `"` (closing) from `""` (escaped) yet.
            this.field += s.slice(i, q);
            i = q;
            break;
          }
          this.field += s.slice(i, q);
          if (s.charCodeAt(q + 1) === QUOTE) {
            this.field += '"';
            i = q + 2;
          } else {
            this.inQuotes = false;
            this.quotedDone = true;
            i = q + 1;
          }
          continue;
        }
        const c = s.charCodeAt(i);
        if (c === delim) {
          this.fields.push(this.field);
          this.field = '';
          this.quotedDone = false;
          i++;
          this.fieldStart = i;
        } else if (c === LF || c === CR) {
          if (c === CR && i + 1 >= n && !final) break; // CR LF may be split between chunks
          const eol = c === CR && s.charCodeAt(i + 1) === LF ? 2 : 1;
          this.emit(out, s.slice(0, i));
          this.buf = s.slice(i + eol);
          this.scan = 0;
          restart = true;
          break;
        } else if (this.quotedDone) {
          // `"abc"def`: the quoting is broken; skip the line.
          this.recover(`text after a closing quote in column ${this.fields.length + 1}`);
          restart = true;
          break;
        } else if (c === QUOTE && i === this.fieldStart) {
          this.inQuotes = true;
          i++;
        } else {
          // A run of ordinary characters (a quote inside an unquoted field is taken literally).
          let j = i + 1;
          while (j < stop) {
            const d = s.charCodeAt(j);
            if (d === delim || d === LF || d === CR) break;
            j++;
          }
          this.field += s.slice(i, j);
          i = j;
        }
      }
      if (restart) continue;
      this.scan = i;
      if (!final) return out;
      if (this.inQuotes) {
        this.recover('unterminated quoted field at end of input');
        continue;
      }
      if (this.buf.length > 0 || this.fields.length > 0) {
        const raw = this.buf;
        this.buf = '';
        this.scan = 0;
        this.emit(out, raw);
      }
      return out;
    }
  }
}
