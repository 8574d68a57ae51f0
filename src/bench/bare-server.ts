/**
 * The bench's reference point: a bare node:http server that answers every
 * request with the same bytes (the article page the real server rendered).
 * With a content-encoding, the file holds bytes already encoded that way (the
 * page as the server compressed it) and the answer says so: nothing is
 * compressed here.
 *
 * Usage: node dist/bench/bare-server.js <file> [port] [content-encoding]
 * Prints {"port":N} on stdout once listening.
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const [file, portArg, encoding] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: bare-server <file> [port] [content-encoding]\n');
  process.exit(2);
}
const body = readFileSync(file);
const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) };
if (encoding) headers['content-encoding'] = encoding;

const server = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  process.stdout.write(JSON.stringify({ port }) + '\n');
});

const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
