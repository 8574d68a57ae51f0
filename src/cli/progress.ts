/**
 * A one-line progress bar for terminals: count, rate and ETA. The total is in bytes
 * (a streamed WXR file has no item count until its end), so the bar and ETA follow bytes
 * while count and rate follow articles. Drawn at most ten times a second.
 */
export class Progress {
  private count = 0;
  private read = 0;
  private drawn = false;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream, private readonly totalBytes: number) {}

  bytes(n: number): void {
    this.read += n;
    this.maybeDraw();
  }

  item(): void {
    this.count++;
    this.maybeDraw();
  }

  clear(): void {
    if (!this.drawn) return;
    this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  private maybeDraw(): void {
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.stream.write(`\r\x1b[2K${progressLine({ count: this.count, read: this.read, total: this.totalBytes, elapsedMs: now - this.started, width: this.stream.columns || 80 })}`);
    this.drawn = true;
  }
}

const duration = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s` : `${Math.ceil(s)}s`);

/** Pure, so the layout is testable: "[#####.....] 42% 12,345 articles 1,020/s ETA 1m05s". */
export function progressLine(p: { count: number; read: number; total: number; elapsedMs: number; width: number }): string {
  const secs = Math.max(p.elapsedMs / 1000, 0.001);
  const rate = Math.round(p.count / secs);
  const frac = p.total > 0 ? Math.min(1, p.read / p.total) : null;
  const eta = frac && frac > 0.001 ? duration((secs / frac) * (1 - frac)) : '?';
  const tail = `${frac === null ? '' : `${Math.floor(frac * 100)}% `}${p.count.toLocaleString('en')} articles ${rate.toLocaleString('en')}/s ETA ${frac === null ? '?' : eta}`;
  const barWidth = Math.max(10, Math.min(40, p.width - tail.length - 4));
  const bar = frac === null ? '' : `${progressBar(frac, barWidth)} `;
  return (bar + tail).slice(0, Math.max(20, p.width - 1));
}

/** "[#####.....]": `fraction` of `width` filled. */
export const progressBar = (fraction: number, width: number) => `[${'#'.repeat(Math.round(Math.min(1, Math.max(0, fraction)) * width)).padEnd(width, '.')}]`;
