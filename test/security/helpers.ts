/**
 * What the security tests share: the test CA and credentials scripts/services.sh gives the TLS/auth
 * servers (scripts/services/lib.sh ensure_certs, TEST_USER/TEST_PASS), and a publish-then-consume check.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openBroker } from '../../src/brokers/registry.js';
import type { Broker, BrokerOptions } from '../../src/brokers/types.js';
import { isHeroflowError } from '../../src/errors.js';
import { ROOT } from '../helpers/cli.js';

export const TLS_DIR = join(ROOT, '.services/tls');
export const tlsFile = (name: string) => join(TLS_DIR, name);
export const USER = 'heroflow';
export const PASS = 'heroflow-secret';
/** PKCS#12 password of client.p12 (lib.sh TLS_P12_PASS). */
export const P12_PASS = 'heroflow-p12';

/** Log lines an adapter wrote, for assertions on warnings. */
export function capture(): { lines: string[]; options: BrokerOptions } {
  const lines: string[] = [];
  return {
    lines,
    options: {
      connectTimeoutMs: 8000,
      log: (level, msg, fields) => lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`),
    },
  };
}

/** Open, publish one record, read it back in a fresh group, close: the credentials really work. */
export async function roundTrip(url: string, options: BrokerOptions = {}): Promise<void> {
  const broker: Broker = await openBroker(url, { connectTimeoutMs: 8000, ...options });
  try {
    const topic = `sec.${randomUUID().slice(0, 8)}`;
    const value = `hello ${randomUUID()}`;
    await broker.ensureTopics([{ topic, partitions: 1 }]);
    const sub = broker.subscribe({
      topics: [topic],
      group: `g-${randomUUID().slice(0, 8)}`,
      from: 'earliest',
    });
    try {
      await sub.ready();
      await broker.publish([{ topic, value: Buffer.from(value) }]);
      for await (const batch of sub) {
        const got = batch.find((d) => Buffer.from(d.value).toString() === value);
        await sub.commit(batch);
        if (got) break;
      }
    } finally {
      await sub.close();
    }
  } finally {
    await broker.close();
  }
}

/** openBroker(url) must fail with `code`, one line whose text matches every pattern, and no secret. */
export async function rejectsWith(
  url: string,
  code: string,
  patterns: RegExp[],
  options: BrokerOptions = {},
): Promise<void> {
  await assert.rejects(openBroker(url, { connectTimeoutMs: 8000, ...options }), (err: unknown) => {
    assert.ok(isHeroflowError(err), `expected a HeroflowError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    for (const p of patterns) assert.match(err.message, p);
    for (const secret of [PASS, P12_PASS, 'wrong-password'])
      assert.ok(!err.message.includes(secret), err.message);
    return true;
  });
}
