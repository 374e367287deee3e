/**
 * `heroflow consume [topic]`: seed 003's lab consumer for any broker URL. For each message it prints the
 * `record_name` header, then the decoded Avro record as a Python dict — exactly what the lab's Python
 * consumer prints (`print(header)`, `print(record)`). A message without the header (experiment_document)
 * prints its embedded schema name instead. Group, start position and commit like `heroflow sub`.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { openBroker } from '../../brokers/index.js';
import type { Delivery } from '../../brokers/types.js';
import { isHeroflowError } from '../../errors.js';
import { addSettings, readSettings } from '../options.js';
import { writeStdout } from '../stdout.js';
import { brokerUrlFrom } from './produce.js';

const SETTING_NAMES = [
  'brokers',
  'broker',
  'subGroup',
  'from',
  'commit',
  'storeDelay',
  'maxMessages',
  'logLevel',
] as const;

export function registerConsume(program: Command): void {
  const cmd = program
    .command('consume')
    .argument('[topic]', 'topic the experiment producer writes to', 'experiment')
    .description(
      "Print each experiment event as seed 003's lab asks: the record_name header, then the decoded Avro record as a Python dict. Works for every broker URL; SIGINT exits cleanly.",
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async (topic: string) => {
    const s = readSettings(cmd, SETTING_NAMES);
    const url = brokerUrlFrom(s.brokers, s.broker);
    const { printEvent } = await import('../../loadgen/index.js');
    const { createCliLog } = await import('../log.js');
    const log = createCliLog(s.logLevel, 'heroflow.consume');
    const broker = await openBroker(url, {
      log,
      clientId: 'heroflow-consume',
    });
    const group = s.subGroup ?? `heroflow-consume-${randomBytes(4).toString('hex')}`;
    const sub = broker.subscribe({ topics: [topic], group, from: s.from, maxBatch: 500, maxWaitMs: 20 });
    // One line when the member is live: a broker without replay only hands it what is published after.
    sub.ready().then(
      () => log('info', 'consumer ready', { topic, group }),
      () => {},
    );
    let stopping = false;
    const stopped = new AbortController();
    const stop = () => {
      stopping = true;
      stopped.abort();
      void sub.close();
    };
    /** Seed 003's consumer_commit.py: store (here: wait), then commit this one message. */
    const store = async (d: Delivery): Promise<boolean> => {
      console.error('Start Storing');
      await sleep(s.storeDelay ?? 0, undefined, { signal: stopped.signal }).catch(() => {});
      if (stopping) return false;
      console.error('End Storing');
      await sub.commit([d]);
      console.error('Message committed');
      return true;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let count = 0;
    let undecodable = 0;
    try {
      outer: for await (const batch of sub) {
        for (const d of batch) {
          try {
            const p = printEvent(d.value, d.headers);
            await writeStdout(`${p.recordName ?? p.schemaName}\n${p.lines.join('\n')}\n`);
          } catch (err) {
            if (!isHeroflowError(err, 'HF_MESSAGE_INVALID')) throw err;
            undecodable++;
            log('warn', 'not an Avro event; skipped', { id: d.id, error: err.message });
          }
          count++;
          if (s.storeDelay !== undefined) {
            // Stopped while storing: the message stays uncommitted, so the group reads it again.
            if (!(await store(d))) break outer;
          } else if (s.commit === 'manual') await sub.commit([d]);
          if (s.maxMessages !== undefined && count >= s.maxMessages) {
            if (s.commit === 'auto' && s.storeDelay === undefined)
              await sub.commit(batch.slice(0, batch.indexOf(d) + 1));
            break outer;
          }
        }
        if (s.commit === 'auto' && s.storeDelay === undefined) await sub.commit(batch);
        if (stopping) break;
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await sub.close();
      await broker.close();
    }
    if (stopping) console.error('EXITING SAFELY!');
    console.error(
      `${count} message${count === 1 ? '' : 's'} from ${topic} (group ${group})${undecodable ? `, ${undecodable} not Avro` : ''}`,
    );
  });
}
