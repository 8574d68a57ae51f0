import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * An answer that closes the connection while the request's body is still arriving (an upload
 * refused at its limit: Fastify answers a body it would not read with "Connection: close"). Node
 * then destroys the socket as the answer ends, and the kernel answers the bytes still coming with
 * a reset, which makes the client drop our answer unread: it reports a broken pipe instead of "the
 * upload is larger than 8 MB". So such a socket is closed the way web servers do it ("lingering
 * close"): our side is ended (the answer, then FIN), what more comes is read and thrown away,
 * nothing kept, and the socket is destroyed when the client stops sending or past a short time or
 * a bounded amount (by then the client has long had the answer).
 *
 * A refusal that keeps the connection (no "Connection: close") is left to Node, which reads and
 * drops the rest of the body and serves the next request on the same socket.
 */
export const LINGER_MS = 2000;
export const LINGER_BYTES = 16 * 1024 * 1024;

/** Called as the reply is sent: the socket's closing, when Node comes to it, lingers. */
export function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket as (Socket & { destroySoon?: () => void }) | undefined;
  // Injected requests (tests, in-process calls) have no real socket to linger on.
  if (req.complete || !socket || typeof socket.destroySoon !== 'function' || socket.destroyed) return;
  socket.destroySoon = () => linger(req, socket);
}

function linger(req: IncomingMessage, socket: Socket): void {
  let seen = 0;
  const cut = () => socket.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  const drop = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > LINGER_BYTES) cut();
  };
  socket.once('close', () => clearTimeout(timer));
  // The client has sent everything (or given up): nothing unread is left to turn into a reset.
  socket.once('end', cut);
  req.on('data', drop);
  req.resume();
  socket.on('data', drop);
  socket.end();
  socket.resume();
}
