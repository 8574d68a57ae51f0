import { parentPort } from 'node:worker_threads';
import { itemErrorMessage } from '../limits.js';
import { newState, runTask, type Task } from './tasks.js';

/**
 * The import's worker thread: runs tasks one at a time, in the order they come. It is stopped
 * from outside (converter.ts) when a task takes too long; nothing here needs to watch the time.
 */
const port = parentPort!;
const state = newState();

port.on('message', (msg: { id: number; task: Task }) => {
  try {
    port.postMessage({ id: msg.id, ok: true, value: runTask(msg.task, state) });
  } catch (err) {
    port.postMessage({ id: msg.id, ok: false, message: itemErrorMessage(err) });
  }
});

port.postMessage({ ready: true });
