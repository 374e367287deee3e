/**
 * Issue 5 end to end: `heroflow demo` (simulator → transport → broker → 2 workers → Parquet) on every real
 * broker, each output read back with hyparquet and checked against what the simulator says it logged
 * (lobby rows = Σ participants, game rows = attacks, one buffer_meta/log_meta row per record).
 * redis:// Pub/Sub has no consumer groups: the demo declares `copies` = 2 (each worker consumes every
 * record) and waits for both; the files may then hold a record twice, always under its own msg_id.
 *
 * Where the URL allows it, each run gets names of its own (a Redis prefix, a NATS stream) so that other
 * users of the shared servers never mix with it, and what it leaves behind is removed afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { NatsBroker } from '../../src/brokers/nats/index.js';
import { consumerName } from '../../src/brokers/nats/subscription.js';
import { parsePulsarUrl } from '../../src/brokers/pulsar/index.js';
import type { RedisStreamsBroker } from '../../src/brokers/redis/index.js';
import { openBroker } from '../../src/brokers/registry.js';
import { FileStorage } from '../../src/storage/file.js';
import { QUEUE_GAME, QUEUE_LOBBY } from '../../src/transport/index.js';
import { checkDemoOutput, type DemoJson, runDemo } from '../helpers/demo.js';
import { SERVICE_URLS, type ServiceName, skipUnlessService } from '../helpers/services.js';

const run = randomBytes(4).toString('hex');
const redisPrefix = `hfdemo-${run}.`;
const redisAs = (scheme: string) =>
  `${SERVICE_URLS.redis.replace(/^redis:/, `${scheme}:`)}?prefix=${encodeURIComponent(redisPrefix)}`;
const natsStream = `HFDEMO_${run}`;
const natsUrl = `${SERVICE_URLS.nats}?stream=${natsStream}&prefix=hfdemo_${run}`;

interface Case {
  url: string;
  service: ServiceName;
  /** Workers that consume each record (the demo's `copies`). */
  copies: number;
  cleanup?: (summary?: DemoJson) => Promise<void>;
  /** What of the demo's group is still on the broker after the run (it deletes its group: expect none). */
  leftBehind?: (group: string) => Promise<string[]>;
}

const TOPICS = [QUEUE_LOBBY, QUEUE_GAME];

async function amqpQueuesLeft(group: string): Promise<string[]> {
  const conn = await amqp.connect(SERVICE_URLS.rabbitmq);
  const left: string[] = [];
  for (const topic of TOPICS) {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    const queue = `task_${topic}@${group}`;
    // checkQueue closes the channel with 404 when the queue does not exist.
    if (
      await ch.checkQueue(queue).then(
        () => true,
        () => false,
      )
    )
      left.push(queue);
    await ch.close().catch(() => {});
  }
  await conn.close();
  return left;
}

const CASES: Case[] = [
  { url: redisAs('redis'), service: 'redis', copies: 2 },
  { url: redisAs('redis+fanout'), service: 'redis', copies: 1 },
  {
    url: redisAs('redis+streams'),
    service: 'redis',
    copies: 1,
    leftBehind: async (group) => {
      const broker = (await openBroker(redisAs('redis+streams'))) as RedisStreamsBroker;
      const left: string[] = [];
      for (const topic of TOPICS) {
        const groups = (await broker.cmd.xinfo('GROUPS', broker.streamOf(topic))) as unknown[][];
        for (const g of groups) if (g[1] === group) left.push(`${topic}: group ${group}`);
      }
      await broker.close();
      return left;
    },
    cleanup: async () => {
      const redis = new Redis(SERVICE_URLS.redis);
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  },
  {
    // queueGroup empty: the publisher declares no upstream queue `task_<topic>` to fill up. The demo deletes
    // its group queues (task_<topic>@<group>, durable); the cleanup is a safety net if that fails.
    url: `${SERVICE_URLS.rabbitmq}?queueGroup=`,
    service: 'rabbitmq',
    copies: 1,
    leftBehind: amqpQueuesLeft,
    cleanup: async (summary) => {
      if (!summary) return;
      const conn = await amqp.connect(SERVICE_URLS.rabbitmq);
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      for (const topic of TOPICS) await ch.deleteQueue(`task_${topic}@${summary.group}`);
      await conn.close();
    },
  },
  {
    url: natsUrl,
    service: 'nats',
    copies: 1,
    leftBehind: async (group) => {
      const broker = (await openBroker(natsUrl)) as NatsBroker;
      const left: string[] = [];
      for (const topic of TOPICS) {
        const name = consumerName(group, topic);
        if (
          await broker.jsm.consumers.info(natsStream, name).then(
            () => true,
            () => false,
          )
        )
          left.push(name);
      }
      await broker.close();
      return left;
    },
    cleanup: async () => {
      const broker = (await openBroker(natsUrl)) as NatsBroker;
      await broker.jsm.streams.delete(natsStream).catch(() => {});
      await broker.close();
    },
  },
  // Sessions end with the connection instead of queueing for the demo's group for a day.
  { url: `${SERVICE_URLS.mqtt}?sessionExpiry=0`, service: 'mqtt', copies: 1 },
  {
    url: SERVICE_URLS.kafka,
    service: 'kafka',
    copies: 1,
    leftBehind: async (group) => {
      const admin = new Kafka({
        brokers: [SERVICE_URLS.kafka.replace('kafka://', '')],
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      const { groups } = await admin.describeGroups([group]);
      await admin.disconnect();
      // A deleted (or never known) group describes as Dead with no members and no offsets.
      return groups.filter((g) => g.state !== 'Dead').map((g) => `${g.groupId} (${g.state})`);
    },
  },
  {
    // scripts/services.sh up pulsar (not in the default up). The demo's group is a Shared subscription.
    url: SERVICE_URLS.pulsar,
    service: 'pulsar',
    copies: 1,
    leftBehind: async (group) => {
      const { http, tenant, namespace } = parsePulsarUrl(SERVICE_URLS.pulsar);
      const left: string[] = [];
      for (const topic of TOPICS) {
        const res = await fetch(`${http}/admin/v2/persistent/${tenant}/${namespace}/${topic}/subscriptions`);
        const subs = res.ok ? ((await res.json()) as string[]) : [];
        if (subs.includes(group)) left.push(`${topic}: subscription ${group}`);
      }
      return left;
    },
  },
];

// Resolved before any test: with HEROFLOW_REQUIRE_SERVICES=1 an absent server fails the file here.
const skips = new Map<ServiceName, false | string>();
for (const c of CASES) if (!skips.has(c.service)) skips.set(c.service, await skipUnlessService(c.service));

const dirs: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const clean of cleanups) await clean().catch((err) => console.log(`# cleanup failed: ${err}`));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('heroflow demo on every real broker', { timeout: 300_000 }, () => {
  for (const c of CASES) {
    const name = c.url.replace(/\/\/[^@/]*@/, '//').split('?')[0];
    test(`${name}: exit 0, the Parquet rows match what the simulator logged`, {
      skip: skips.get(c.service),
    }, async (t) => {
      const out = mkdtempSync(join(tmpdir(), 'heroflow-demo-broker-'));
      dirs.push(out);
      let summary: DemoJson | undefined;
      const { cleanup } = c;
      if (cleanup) cleanups.push(() => cleanup(summary));
      summary = runDemo(['--broker', c.url, '--players', '10', '--games', '5', '--seed', '7', '--out', out]);
      assert.equal(summary.copies, c.copies, 'workers that consume each record');
      const { duplicates } = await checkDemoOutput(new FileStorage(out), summary);
      const records = summary.published[QUEUE_LOBBY] + summary.published[QUEUE_GAME];
      t.diagnostic(
        `${name}: published ${records}, consumed ${summary.workers.consumed} (copies ${summary.copies}), ` +
          `buffer_meta duplicates on disk ${duplicates}`,
      );
      if (c.copies === 1) assert.equal(duplicates, 0);
      if (c.leftBehind) assert.deepEqual(await c.leftBehind(summary.group), [], 'the demo removed its group');
    });
  }
});
