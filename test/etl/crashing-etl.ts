/** An ETL thread entry that dies at its first message: stands in for a crashed ETL thread in tests. */
import { parentPort } from 'node:worker_threads';

parentPort!.once('message', () => {
  throw new Error('ETL thread crashed');
});
