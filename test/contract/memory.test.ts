/** The contract suite on the embedded memory broker; every case gets its own instance. */
import { randomBytes } from 'node:crypto';
import { runContractSuite } from './suite.js';

runContractSuite(() => `memory://contract-${randomBytes(4).toString('hex')}?partitions=2`, {
  name: 'broker contract: memory',
  timeoutMs: 5_000,
  idleMs: 100,
});
