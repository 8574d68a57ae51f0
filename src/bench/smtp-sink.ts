/**
 * The newsletter bench's SMTP sink, in a process of its own (forked by bench/newsletter.ts), so
 * that the bench measures the sender and not the sender and the receiver sharing one event loop.
 * It reads and drops every message; over IPC it says its port, and how many it has received.
 */
import { SMTPServer } from 'smtp-server';

let received = 0;
const sink = new SMTPServer({
  authOptional: true, disabledCommands: ['STARTTLS'], logger: false, closeTimeout: 200,
  onData(stream, _session, cb) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received++;
      cb();
    });
  },
});
sink.listen(0, '127.0.0.1', () => process.send!({ port: (sink.server.address() as { port: number }).port }));
process.on('message', (m: { ask?: string }) => {
  if (m.ask === 'count') process.send!({ received });
  if (m.ask === 'stop') sink.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
