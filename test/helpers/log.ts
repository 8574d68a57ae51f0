import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export interface LogEntry { level: number; msg: string; [k: string]: unknown }

/** A real pino logger whose JSON lines are kept for the test to read. */
export function captureLog(level: pino.Level = 'warn'): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) entries.push(JSON.parse(line) as LogEntry);
      done();
    },
  });
  return { logger: pino({ level }, sink), entries };
}

export const WARN = 40;
