/**
 * `heroflow sub <topic>`: seed 003's consumers for any broker URL — prints every message as
 *   <id> key=<key> <value>        (id = the broker's position: `topic/partition@offset` on Kafka)
 * on stdout, the running count every 1,000 on stderr, and on SIGINT/SIGTERM leaves the group cleanly
 * ("EXITING SAFELY!", as the seed's consumer says).
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { openBroker } from '../../brokers/index.js';
import type { Delivery } from '../../brokers/types.js';
import { addSettings, readSettings } from '../options.js';
import { writeStdout } from '../stdout.js';

const SETTING_NAMES = ['broker', 'subGroup', 'from', 'commit', 'maxMessages', 'logLevel'] as const;
const COUNT_EVERY = 1000;

function line(d: Delivery): string {
  const key = d.key === undefined ? '' : ` key=${d.key}`;
  return `${d.id}${key} ${Buffer.from(d.value.buffer, d.value.byteOffset, d.value.byteLength).toString()}\n`;
}

export function registerSub(program: Command): void {
  const cmd = program
    .command('sub')
    .argument('<topic>', 'topic (or queue, subject, channel) to consume')
    .description(
      'Print each message (id with partition/offset where the broker has them, key, value) and the running count every 1,000 (seed 003 consumers). Works for every broker URL; SIGINT exits cleanly.',
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async (topic: string) => {
    const s = readSettings(cmd, SETTING_NAMES);
    const { createCliLog } = await import('../log.js');
    const log = createCliLog(s.logLevel, 'heroflow.sub');
    const broker = await openBroker(s.broker, { log });
    const group = s.subGroup ?? `heroflow-sub-${randomBytes(4).toString('hex')}`;
    const sub = broker.subscribe({
      topics: [topic],
      group,
      from: s.from,
      maxBatch: 500,
      maxWaitMs: 20,
      onAssign: (tps) => {
        log('info', 'assigned', { partitions: tps.map((tp) => `${tp.topic}/${tp.partition}`) });
        return undefined;
      },
    });
    let stopping = false;
    const stop = () => {
      stopping = true;
      void sub.close();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let count = 0;
    try {
      outer: for await (const batch of sub) {
        for (const d of batch) {
          await writeStdout(line(d));
          count++;
          if (count % COUNT_EVERY === 0) console.error(`${count} messages`);
          if (s.commit === 'manual') {
            await sub.commit([d]);
            console.error(`committed ${d.id}`);
          }
          if (s.maxMessages !== undefined && count >= s.maxMessages) {
            // What was printed is committed; the rest of the batch stays for the group's next reader.
            if (s.commit === 'auto') await sub.commit(batch.slice(0, batch.indexOf(d) + 1));
            break outer;
          }
        }
        if (s.commit === 'auto') await sub.commit(batch);
        if (stopping) break;
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await sub.close();
      await broker.close();
    }
    if (stopping) console.error('EXITING SAFELY!');
    console.error(`${count} message${count === 1 ? '' : 's'} from ${topic} (group ${group})`);
  });
}
