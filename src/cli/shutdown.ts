import type { Logger } from 'pino';
import type { App } from '../app.js';

/**
 * SIGTERM (and Ctrl-C) stop the server gracefully, within a bound: no new connections, requests
 * in flight answered, the job in hand finished, the meter's batch written, then exit 0. What is
 * still running when `timeoutMs` is up is given up: held jobs go back to the queue at once (so
 * another instance runs them without waiting for the lease) and the process exits 1 with one line.
 */
export function stopOnSignals(app: App, o: { timeoutMs: number; logger: Logger }): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return; // a second signal changes nothing: the bound already applies
    stopping = true;
    o.logger.info({ signal }, 'shutting down: finishing requests and jobs in flight');
    const deadline = setTimeout(() => void giveUp(), o.timeoutMs);
    const giveUp = async () => {
      // Handing jobs back needs the database, which may be what is stuck: a second at most.
      const released = await Promise.race([app.ctx.worker.abandon().catch(() => 0), new Promise<number>((r) => setTimeout(() => r(0), 1000))]);
      const jobs = released ? `; ${released} job${released === 1 ? '' : 's'} handed back to the queue` : '';
      process.stderr.write(`masthead: shutdown did not finish within ${formatMs(o.timeoutMs)} (requests or a job still running); exiting${jobs}\n`);
      process.exit(1);
    };
    try {
      await app.close();
    } catch (err) {
      clearTimeout(deadline);
      process.stderr.write(`masthead: shutdown failed: ${(err as Error).message.replace(/\s+/g, ' ')}\n`);
      process.exit(1);
    }
    clearTimeout(deadline);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

const formatMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
