import type { IncomingMessage } from 'node:http';

/**
 * An answer given while the request's body is still arriving (an upload refused at its limit, a
 * form refused before it was read). Closing the socket at once would be wrong: the kernel answers
 * the bytes still coming with a reset, and a reset makes the client drop our answer unread — it
 * reports a broken pipe instead of "the upload is larger than 8 MB". So the connection is closed
 * the way web servers do it ("lingering close"): what more comes is read and thrown away, nothing
 * kept, for a short while and a bounded amount, then the socket is ended (or cut off, past the
 * bounds: by then the client has long had the answer).
 */
export const LINGER_MS = 2000;
export const LINGER_BYTES = 16 * 1024 * 1024;

export function lingerThenClose(req: IncomingMessage): void {
  const socket = req.socket;
  // Injected requests (tests, the CLI's in-process calls) have no real socket to linger on.
  if (req.complete || typeof socket?.destroy !== 'function' || socket.destroyed) return;
  let seen = 0;
  const cut = () => socket.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > LINGER_BYTES) {
      clearTimeout(timer);
      cut();
    }
  });
  req.once('end', () => {
    clearTimeout(timer);
    socket.end();
  });
  socket.once('close', () => clearTimeout(timer));
  req.resume();
}
