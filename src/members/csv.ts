import { setImmediate as yieldToLoop } from 'node:timers/promises';

/**
 * CSV as RFC 4180 writes it (comma-separated, fields optionally in double quotes, a quote inside
 * doubled, CRLF between records), read leniently where exports differ: LF or a lone CR also ends
 * a record, a UTF-8 byte-order mark is skipped. The reader works on bytes, so a record in the
 * wrong encoding is reported on its own line and the rest still read; it has limits on a field, a
 * record and the number of fields, and yields to the event loop after every chunk, so a large
 * file never holds the loop for long.
 */
export interface CsvLimits { maxFieldBytes: number; maxFields: number; maxRecordBytes: number }
export const CSV_LIMITS: CsvLimits = { maxFieldBytes: 64 * 1024, maxFields: 200, maxRecordBytes: 512 * 1024 };
const CHUNK = 64 * 1024;

export type CsvRecord =
  | { line: number; fields: string[]; error?: undefined }
  /** A record that could not be read; `line` is where it starts. */
  | { line: number; fields?: undefined; error: string };

/** The whole file is unreadable (UTF-16, for one). */
export class CsvFileError extends Error {}

const QUOTE = 0x22, COMMA = 0x2c, CR = 0x0d, LF = 0x0a;

class Reader {
  private out: CsvRecord[] = [];
  private fields: string[] = [];
  private field: number[] = [];
  private fieldBytes = 0;
  private recordBytes = 0;
  private quoted = false;
  private inQuotes = false;
  private afterQuote = false;
  private pendingCr = false;
  private quotedCr = false;
  private error: string | null = null;
  private line = 1;
  private startLine = 1;
  private started = false;
  private atStart = true;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly limits: CsvLimits) {}

  private endField(): void {
    if (this.error === null) {
      if (this.fields.length >= this.limits.maxFields) this.error = `more than ${this.limits.maxFields} columns`;
      else {
        try {
          this.fields.push(this.decoder.decode(Uint8Array.from(this.field)));
        } catch {
          this.error = 'this row is not valid UTF-8 text (save the file as CSV UTF-8)';
        }
      }
    }
    this.field = [];
    this.fieldBytes = 0;
    this.quoted = false;
    this.afterQuote = false;
  }

  private endRecord(): void {
    this.endField();
    const blank = this.fields.length === 1 && this.fields[0] === '' && !this.error;
    if (!blank) this.out.push(this.error !== null ? { line: this.startLine, error: this.error } : { line: this.startLine, fields: this.fields });
    this.fields = [];
    this.error = null;
    this.recordBytes = 0;
    this.started = false;
  }

  private byte(b: number): void {
    if (this.field.length < this.limits.maxFieldBytes) this.field.push(b);
    else if (this.error === null) this.error = `a value is longer than ${this.limits.maxFieldBytes} bytes`;
    this.fieldBytes++;
  }

  push(chunk: Uint8Array): CsvRecord[] {
    let i = 0;
    if (this.atStart && chunk.length) {
      if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) throw new CsvFileError('the file is UTF-16 text; save it as CSV UTF-8 and upload it again');
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
      this.atStart = false;
    }
    for (; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (b === LF) continue;
      }
      if (!this.started) {
        this.started = true;
        this.startLine = this.line;
      }
      if (++this.recordBytes > this.limits.maxRecordBytes && this.error === null) this.error = `a row is longer than ${this.limits.maxRecordBytes} bytes`;
      if (this.inQuotes) {
        if (b === QUOTE) {
          this.inQuotes = false;
          this.afterQuote = true;
        } else {
          // A line break inside quotes is part of the value but still a line of the file (CRLF counted once).
          if (b === CR || (b === LF && !this.quotedCr)) this.line++;
          this.quotedCr = b === CR;
          this.byte(b);
        }
        continue;
      }
      if (b === QUOTE) {
        if (this.afterQuote) {
          // "" inside a quoted field: one quote, and still inside.
          this.byte(QUOTE);
          this.inQuotes = true;
          this.afterQuote = false;
        } else if (this.fieldBytes === 0 && !this.quoted) {
          this.quoted = true;
          this.inQuotes = true;
        } else if (this.error === null) this.error = 'a quote inside a value that does not start with one';
        continue;
      }
      if (b === COMMA) {
        this.endField();
        continue;
      }
      if (b === LF || b === CR) {
        this.line++;
        if (b === CR) this.pendingCr = true;
        this.endRecord();
        continue;
      }
      if (this.afterQuote && this.error === null) this.error = 'text after the closing quote of a value';
      this.byte(b);
    }
    return this.take();
  }

  end(): CsvRecord[] {
    if (this.inQuotes) {
      this.error = 'a quoted value is never closed';
      this.inQuotes = false;
    }
    if (this.started) this.endRecord();
    return this.take();
  }

  private take(): CsvRecord[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

/** Records from a file's bytes, one chunk at a time. */
export async function* readCsv(source: Uint8Array | AsyncIterable<Uint8Array>, limits: CsvLimits = CSV_LIMITS): AsyncGenerator<CsvRecord> {
  const reader = new Reader(limits);
  const chunks: AsyncIterable<Uint8Array> = source instanceof Uint8Array ? sliced(source) : source;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += CHUNK) {
      yield* reader.push(chunk.subarray(i, i + CHUNK));
      await yieldToLoop();
    }
  }
  yield* reader.end();
}

async function* sliced(buf: Uint8Array): AsyncGenerator<Uint8Array> {
  yield buf;
}

/**
 * One value for a CSV file people open in spreadsheets: quoted when it holds a comma, quote or line
 * break, and a leading = + - @ (which a spreadsheet would run as a formula) made text with a '.
 */
export function csvField(v: string | number | null | undefined): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (values: (string | number | null | undefined)[]) => `${values.map(csvField).join(',')}\r\n`;
