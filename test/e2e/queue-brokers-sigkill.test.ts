/**
 * Issue 5 end to end: the queue brokers behind the one contract survive a worker SIGKILL'd mid-run.
 * For RabbitMQ, Redis Streams, NATS JetStream and Pulsar each: a seeded tournament is published while no worker
 * runs, a real `heroflow worker` process (the compiled CLI) is killed with SIGKILL once some files are
 * durable, a second worker of the same group finishes, and the Parquet output (read with hyparquet) holds
 * every published record, in all five tables. These brokers redeliver by message, not by offset, so a record that was in a
 * file before the kill but not yet acknowledged is written again: duplicates are allowed, counted and
 * printed, and every one of them carries a published msg_id (the set of msg_ids is the published set).
 *
 * How each broker gives a dead worker's messages back, and what the URLs below set for it:
 *   RabbitMQ       requeues the unacked deliveries as soon as the connection drops;
 *   Redis Streams  a live member reclaims (XAUTOCLAIM) entries idle ≥ claimIdleMs: set to 1 s;
 *   NATS           redelivers after ack_wait: ackWaitMs=3000, and --roll-age 1s keeps every file of the
 *                  live worker well inside it (the worker acks only when a file is durable);
 *   Pulsar         gives a consumer's unacked messages back to the subscription (Shared) as soon as its
 *                  socket drops, but with redeliveryCount 0: they cannot be flagged (redeliveryFlag false).
 * Nothing here asserts how quickly anything happens. Run `npm run build` first: the workers are the build.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import type { NatsBroker } from '../../src/brokers/nats/index.js';
import type { PulsarBroker } from '../../src/brokers/pulsar/index.js';
import { openBroker } from '../../src/brokers/registry.js';
import { TABLES } from '../../src/etl/index.js';
import { SERVICE_URLS, type ServiceName, skipUnlessService } from '../helpers/services.js';
import {
  heroflow,
  msgIds,
  type Published,
  publishTournament,
  tableFiles,
  waitFor,
} from '../worker/e2e-helpers.js';

const hex = () => randomBytes(4).toString('hex');
const natsStream = `HFE2E_${hex()}`;
// A stream of this run's own (deleted afterwards), so nothing lands in the shared HEROFLOW stream.
const natsUrl = `${SERVICE_URLS.nats}?stream=${natsStream}&prefix=${natsStream.toLowerCase()}&ackWaitMs=3000`;

interface Case {
  name: string;
  service: ServiceName;
  /** Broker URL for this run's group (publisher and workers use the same one). */
  url: (group: string) => string;
  /** Removes what the run left on the broker. */
  cleanup: (p: Published) => Promise<void>;
  /** The broker flags what a dead member held as redelivered (Capabilities.redeliveryFlag). */
  flagsRedelivery: boolean;
}

const CASES: Case[] = [
  {
    name: 'RabbitMQ',
    service: 'rabbitmq',
    // The publisher declares the queue of `queueGroup` only: make the test's group that one, so that what
    // is published before any worker lands in the queue the workers read (task_<topic>).
    url: (group) => `${SERVICE_URLS.rabbitmq}?queueGroup=${group}`,
    cleanup: async (p) => {
      const conn = await amqp.connect(SERVICE_URLS.rabbitmq);
      const ch = await conn.createChannel();
      for (const t of Object.keys(p.byTopic)) {
        for (const q of [`task_${t}`, `task_${t}.dlx`]) await ch.deleteQueue(q);
        for (const x of [`task_${t}`, `task_${t}.dlx`]) await ch.deleteExchange(x);
      }
      await conn.close();
    },
    flagsRedelivery: true,
  },
  {
    name: 'Redis Streams',
    service: 'redis',
    url: () => `${SERVICE_URLS.redis.replace(/^redis:/, 'redis+streams:')}?claimIdleMs=1000`,
    cleanup: async (p) => {
      const redis = new Redis(SERVICE_URLS.redis);
      // No stream prefix in the URL: the stream keys are the topics.
      await redis.del(...Object.keys(p.byTopic));
      redis.disconnect();
    },
    flagsRedelivery: true,
  },
  {
    name: 'NATS JetStream',
    service: 'nats',
    url: () => natsUrl,
    cleanup: async () => {
      const broker = (await openBroker(natsUrl)) as NatsBroker;
      await broker.jsm.streams.delete(natsStream).catch(() => {});
      await broker.close();
    },
    flagsRedelivery: true,
  },
  {
    name: 'Pulsar',
    service: 'pulsar',
    url: () => SERVICE_URLS.pulsar,
    cleanup: async (p) => {
      const broker = (await openBroker(SERVICE_URLS.pulsar)) as PulsarBroker;
      const { http, tenant, namespace } = broker.settings;
      for (const t of Object.keys(p.byTopic)) {
        await fetch(`${http}/admin/v2/persistent/${tenant}/${namespace}/${t}?force=true`, {
          method: 'DELETE',
        });
      }
      await broker.close();
    },
    flagsRedelivery: false,
  },
];

// Resolved before any test: with HEROFLOW_REQUIRE_SERVICES=1 an absent server fails the file here.
const skips = new Map<string, false | string>();
for (const c of CASES) skips.set(c.name, await skipUnlessService(c.service));

const dirs: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const clean of cleanups) await clean().catch((err) => console.log(`# cleanup failed: ${err}`));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A figure of the worker's summary table (`messages consumed  4,487`). */
const figure = (stdout: string, label: string) =>
  Number(new RegExp(`${label}\\s+([\\d,]+)`).exec(stdout)?.[1].replace(/,/g, '') ?? Number.NaN);

describe('queue brokers: heroflow worker SIGKILL mid-run, restart in the same group', {
  timeout: 240_000,
}, () => {
  for (const c of CASES) {
    test(`${c.name}: no record lost; duplicates counted, each under a published msg_id`, {
      skip: skips.get(c.name),
    }, async (t) => {
      const group = `hf-e2e-${hex()}`;
      const url = c.url(group);
      // ~5k records on <prefix>.lib.server.lobby and .game, published with no worker running.
      const p = await publishTournament(url, { players: 30, games: 20, seed: 5005 });
      cleanups.push(() => c.cleanup(p));
      assert.equal(p.ids.size, p.total, 'every published record has its own msg id');

      const out = await mkdtemp(path.join(os.tmpdir(), 'heroflow-e2e-queue-'));
      dirs.push(out);
      const args = [
        'worker',
        '--broker',
        url,
        '--topics',
        p.topics.join(','),
        '--group',
        group,
        '--out',
        out,
        '--roll-rows',
        '100',
        '--roll-age',
        '1s',
        '--exit-when-idle',
        '10s',
        '--log-level',
        'warning',
      ];

      const first = heroflow(args);
      let exited = false;
      void first.exit.then(() => {
        exited = true;
      });
      await waitFor(async () => exited || (await tableFiles(out, 'buffer_meta')).length >= 3);
      first.child.kill('SIGKILL');
      await first.exit;
      assert.equal(
        first.child.signalCode,
        'SIGKILL',
        `the first worker was killed, not done (${first.stderr})`,
      );
      const before = await msgIds(out);
      assert.ok(before.unique < p.total, 'the kill landed before the end');

      const second = heroflow(args);
      assert.equal(await second.exit, 0, second.stderr);
      const consumed = figure(second.stdout, 'messages consumed');
      const redelivered = figure(second.stdout, 'redelivered');
      const ids = await msgIds(out);
      const duplicates = ids.rows - ids.unique;
      t.diagnostic(
        `${c.name}: published ${p.total}; killed with ${before.unique} records in files; restart consumed ` +
          `${consumed} (${redelivered} redelivered, ${before.unique + consumed - p.total} read twice); ` +
          `final buffer_meta rows ${ids.rows}, unique msg_ids ${ids.unique}, duplicates ${duplicates}`,
      );
      assert.equal(ids.unique, p.total, 'no record lost');
      assert.deepEqual(ids.ids, p.ids, 'every row carries a published msg_id: each duplicate shares its id');
      assert.ok(consumed >= p.total - before.unique, 'the restart consumed at least what was missing');
      for (const table of TABLES.map((s) => s.name)) {
        assert.ok((await tableFiles(out, table)).length > 0, `${table} has files`);
      }
      if (c.flagsRedelivery) {
        assert.ok(
          redelivered > 0,
          "the dead worker's unacknowledged records came back, flagged as redelivered",
        );
      }
    });
  }
});
