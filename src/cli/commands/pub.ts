/**
 * `heroflow pub <topic>`: seed 003's simple producer for any broker URL — each line of standard input
 * becomes one message (the optional --key on all of them), published in batches; the count goes to
 * stderr at the end so that stdout stays clean.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { HEADER_MSG_ID, openBroker } from '../../brokers/index.js';
import type { Message } from '../../brokers/types.js';
import { addSettings, readSettings } from '../options.js';

const SETTING_NAMES = ['broker', 'key', 'logLevel'] as const;
/** Lines per publish: large enough to amortise a round trip, small enough to show progress on slow input. */
const BATCH = 1000;
/** A slow stdin (typing, `tail -f`) must not hold lines back waiting for a full batch. */
const LINGER_MS = 100;

export function registerPub(program: Command): void {
  const cmd = program
    .command('pub')
    .argument('<topic>', 'topic (or queue, subject, channel) to publish to')
    .description(
      'Publish each line of standard input as one message (seed 003 simple producer). Works for every broker URL.',
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async (topic: string) => {
    const s = readSettings(cmd, SETTING_NAMES);
    const { createCliLog } = await import('../log.js');
    const log = createCliLog(s.logLevel, 'heroflow.pub');
    const broker = await openBroker(s.broker, { log });
    let published = 0;
    let pending: Message[] = [];
    let lingering: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const send = async () => {
      clearTimeout(timer);
      timer = undefined;
      const batch = pending;
      pending = [];
      if (batch.length === 0) return;
      await broker.publish(batch);
      published += batch.length;
    };
    try {
      const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        const m: Message = {
          topic,
          value: Buffer.from(line),
          // An id per message, so that workers and `sub` tell copies (redeliveries) from new messages.
          headers: { [HEADER_MSG_ID]: randomUUID() },
        };
        if (s.key !== undefined) m.key = s.key;
        pending.push(m);
        if (pending.length >= BATCH) {
          await lingering;
          await send();
        } else {
          timer ??= setTimeout(() => {
            lingering = lingering.then(send);
          }, LINGER_MS);
        }
      }
      await lingering;
      await send();
    } finally {
      clearTimeout(timer);
      await broker.close();
    }
    console.error(`published ${published} message${published === 1 ? '' : 's'} to ${topic} on ${broker.url}`);
  });
}
