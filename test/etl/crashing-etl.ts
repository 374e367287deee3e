/** An encoder thread entry that dies at its first message: stands in for a crashed encoder in tests. */
import { parentPort } from 'node:worker_threads';

parentPort!.once('message', () => {
  throw new Error('encoder crashed');
});
