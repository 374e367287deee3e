/**
 * A debug sink for `file:///path/out.jsonl`: "publishes" by appending one JSON line per message
 * (`{topic, headers, value}` with the value as UTF-8 text). It lets the worker-thread transport be
 * exercised and inspected without any broker; it is not a broker (nothing can subscribe).
 */
import { appendFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Message } from '../brokers/types.js';

export interface FileSink {
  readonly url: string;
  publish(messages: Message[]): Promise<void>;
  close(): Promise<void>;
}

export function openFileSink(url: string): FileSink {
  const path = fileURLToPath(url);
  return {
    url,
    async publish(messages) {
      const lines = messages.map((m) =>
        JSON.stringify({
          topic: m.topic,
          key: m.key,
          headers: m.headers,
          value: Buffer.from(m.value).toString('utf8'),
        }),
      );
      await appendFile(path, `${lines.join('\n')}\n`);
    },
    async close() {},
  };
}
