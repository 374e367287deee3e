/**
 * Redis failures: absent at start (HF_BROKER_UNREACHABLE), a member of a Streams group that dies without
 * acking (its entries reclaimed by another member, flagged, same msg id), a live slow member that keeps its
 * entries, and a Redis restart under running subscriptions — on a private redis-server, so the shared one
 * others use is never touched.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { FanoutMiddleware } from '../../src/brokers/redis/index.js';
import { openBroker } from '../../src/brokers/registry.js';
import { type Broker, type Delivery, HEADER_MSG_ID, type Message } from '../../src/brokers/types.js';
import { collect, collectUntil } from '../contract/collect.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { skipIfMissing } from '../helpers/skip.js';

const skip = await skipUnlessService('redis');
const base = SERVICE_URLS.redis.replace(/^redis:/, '');
const uniq = (kind: string) => `hf-rf-${kind}-${randomBytes(4).toString('hex')}`;
const msgIds = (ds: Delivery[]) => ds.map((d) => d.headers?.[HEADER_MSG_ID] ?? '?').sort();
const msgs = (topic: string, n: number, run = 'm'): Message[] =>
  Array.from({ length: n }, (_, i) => ({
    topic,
    value: Buffer.from(`${run} ${i}`),
    headers: { [HEADER_MSG_ID]: `${run}-${String(i).padStart(3, '0')}` },
  }));

const opened: Broker[] = [];
after(async () => {
  for (const b of opened) await b.close().catch(() => {});
});
async function open(u: string, log?: (level: string, msg: string) => void): Promise<Broker> {
  const b = await openBroker(u, { connectTimeoutMs: 5000, log: log && ((l, m) => log(l, m)) });
  opened.push(b);
  return b;
}

describe('redis faults', { skip }, () => {
  it('Redis down at start: HF_BROKER_UNREACHABLE naming the URL and the cause, for every scheme', async () => {
    for (const scheme of ['redis', 'redis+fanout', 'redis+streams']) {
      await assert.rejects(
        openBroker(`${scheme}://:secret@127.0.0.1:1/0`, { connectTimeoutMs: 300 }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'HF_BROKER_UNREACHABLE');
          assert.match(
            err.message,
            new RegExp(`${scheme.replace('+', '\\+')}://:\\*\\*\\*@127\\.0\\.0\\.1:1/0`),
          );
          assert.match(err.message, /ECONNREFUSED/);
          assert.doesNotMatch(err.message, /secret/);
          return true;
        },
      );
    }
    const mw = new FanoutMiddleware({ url: 'redis://127.0.0.1:1/0', topics: ['t'], connectTimeoutMs: 300 });
    await assert.rejects(mw.start(), { code: 'HF_BROKER_UNREACHABLE' });
  });

  it('Streams: a member that dies without acking loses its entries to another member after claimIdleMs', async () => {
    const u = `redis+streams:${base}?claimIdleMs=200`;
    const topic = uniq('reclaim');
    const group = uniq('g');
    const dying = await open(u);
    const a = dying.subscribe({ topics: [topic], group, from: 'earliest', consumerId: 'a' });
    await a.ready();
    await dying.publish(msgs(topic, 10));
    const held = await collect(a, 10, { timeoutMs: 10_000 });
    assert.equal(held.length, 10);
    await dying.close(); // gone without a single ack

    const survivor = await open(u);
    const b = survivor.subscribe({ topics: [topic], group, consumerId: 'b' });
    await b.ready();
    const got = await collectUntil(b, (g) => g.length >= 10, { timeoutMs: 10_000 });
    assert.deepEqual(msgIds(got), msgIds(held), 'the same messages, by producer msg id');
    for (const d of got) {
      assert.equal(d.redelivered, true, `${d.id} flagged redelivered`);
      const before = held.find((h) => h.headers?.[HEADER_MSG_ID] === d.headers?.[HEADER_MSG_ID]);
      assert.equal(d.id, before?.id, 'same stream id');
      assert.equal(d.offset, before?.offset, 'same offset');
    }
    const raw = new Redis(SERVICE_URLS.redis);
    try {
      const pending = (await raw.xpending(topic, group, '-', '+', 20)) as Array<
        [string, string, number, number]
      >;
      assert.ok(
        pending.every(([, owner, , count]) => owner === 'b' && count >= 2),
        'XPENDING: owned by b, delivered twice',
      );
      await b.commit(got);
      assert.equal(((await raw.xpending(topic, group)) as [number])[0], 0, 'XACK on commit empties the PEL');
    } finally {
      raw.disconnect();
    }
  });

  it('Streams: a live member that holds entries longer than claimIdleMs keeps them', async () => {
    const u = `redis+streams:${base}?claimIdleMs=150`;
    const topic = uniq('lease');
    const group = uniq('g');
    const broker = await open(u);
    const slow = broker.subscribe({ topics: [topic], group, from: 'earliest', consumerId: 'slow' });
    const other = broker.subscribe({ topics: [topic], group, from: 'earliest', consumerId: 'other' });
    await Promise.all([slow.ready(), other.ready()]);
    await broker.publish(msgs(topic, 5));
    const held = await collect(slow, 5, { timeoutMs: 10_000 });
    assert.equal(held.length, 5);
    // Several claim periods pass while `slow` is busy; `other` keeps asking for work.
    const stolen = await collect(other, 5, { timeoutMs: 1200 });
    assert.deepEqual(msgIds(stolen), [], 'nothing taken from a live member');
    await slow.commit(held);
  });

  it('Streams: restarted under the same id, its pending history comes back once while acks race the pulls', async () => {
    // The workload manager's remove-then-add: the next pull is on its way when the last batch is acked.
    const u = `redis+streams:${base}`;
    const topic = uniq('history');
    const group = uniq('g');
    const broker = await open(u);
    await broker.publish(msgs(topic, 60));
    const first = broker.subscribe({
      topics: [topic],
      group,
      from: 'earliest',
      consumerId: 'w',
      maxBatch: 60,
    });
    assert.equal((await collect(first, 60, { timeoutMs: 10_000 })).length, 60);
    await first.close(); // all 60 pending for `w`, none acked

    const again = broker.subscribe({
      topics: [topic],
      group,
      from: 'earliest',
      consumerId: 'w',
      maxBatch: 5,
    });
    const pulls = again[Symbol.asyncIterator]();
    const seen: Delivery[] = [];
    let last: Delivery[] = [];
    for (let round = 0; round < 20 && seen.length < 60; round++) {
      const next = pulls.next();
      await new Promise((r) => setImmediate(r)); // the read is sent …
      const acked = again.commit(last); // … then the previous batch is acked
      const r = await Promise.race([next, new Promise<null>((res) => setTimeout(() => res(null), 3000))]);
      await acked;
      if (!r || r.done) break;
      seen.push(...r.value);
      last = r.value;
    }
    await again.commit(last);
    assert.deepEqual(
      msgIds(seen),
      msgs(topic, 60).map((m) => m.headers?.[HEADER_MSG_ID]),
      'each pending message once, none missing',
    );
    assert.ok(
      seen.every((d) => d.redelivered),
      'all from the history read',
    );
    await again.close();
  });

  it('Streams: entries a read served as the connection dropped come back after the reconnect, not claimIdleMs later', async () => {
    // A SIGKILLed Redis with an append-only file keeps what a read of new entries assigned to this member,
    // and the read's reply never comes. Here the read is made by hand (its reply thrown away), then the
    // subscription's connections are killed. claimIdleMs is 10 minutes: XAUTOCLAIM cannot be what finds them.
    const name = uniq('conn');
    const u = `redis+streams:${base}?claimIdleMs=600000`;
    const broker = await openBroker(u, { connectTimeoutMs: 5000, clientId: name });
    opened.push(broker);
    const topic = uniq('lostread');
    const group = uniq('g');
    const sub = broker.subscribe({ topics: [topic], group, from: 'earliest', consumerId: 'w', maxBatch: 50 });
    await broker.publish(msgs(topic, 6, 'before'));
    const before = await collect(sub, 6, { timeoutMs: 10_000, commit: true });
    assert.equal(before.length, 6);

    await broker.publish(msgs(topic, 4, 'lost'));
    const raw = new Redis(SERVICE_URLS.redis);
    try {
      const served = (await raw.xreadgroup('GROUP', group, 'w', 'COUNT', 10, 'STREAMS', topic, '>')) as
        | [string, unknown[]][]
        | null;
      assert.equal(served?.[0]?.[1].length, 4, 'the 4 are pending for w, and w never saw them');
      const clients = String(await raw.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${name} `));
      assert.ok(clients.length >= 2, 'the command and the stream-reader connection');
      for (const line of clients) await raw.client('KILL', 'ID', /\bid=(\d+)/.exec(line)?.[1] ?? '');
    } finally {
      raw.disconnect();
    }
    const after = await collect(sub, 4, { timeoutMs: 8_000, commit: true });
    assert.deepEqual(
      msgIds(after),
      msgs(topic, 4, 'lost').map((m) => m.headers?.[HEADER_MSG_ID]),
    );
    assert.ok(
      after.every((d) => d.redelivered),
      'flagged as redelivered (they were handed out once)',
    );
    await sub.close();
  });

  it('a Redis restart: Pub/Sub and Streams subscriptions resume, said once each way', {
    skip: skipIfMissing(
      hasRedisServer() ? undefined : 'redis-server is not on PATH (scripts/services.sh up redis installs it)',
    ),
  }, async () => {
    const port = await freePort();
    let server = await startRedis(port);
    try {
      const logs: string[] = [];
      const log = (level: string, msg: string) => logs.push(`${level} ${msg}`);
      const pubsub = await open(`redis://127.0.0.1:${port}/0`, log);
      const streams = await open(`redis+streams://127.0.0.1:${port}/0?claimIdleMs=200`, log);
      const topic = uniq('restart');
      const ps = pubsub.subscribe({ topics: [topic], group: 'g' });
      const st = streams.subscribe({ topics: [topic], group: 'g', from: 'earliest' });
      await Promise.all([ps.ready(), st.ready()]);
      await pubsub.publish(msgs(topic, 3, 'before'));
      await streams.publish(msgs(topic, 3, 'before'));
      assert.equal((await collect(ps, 3, { timeoutMs: 5000 })).length, 3);
      assert.equal((await collect(st, 3, { timeoutMs: 5000, commit: true })).length, 3);

      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
      await new Promise((r) => setTimeout(r, 300));
      server = await startRedis(port);

      // Pub/Sub keeps nothing across the gap: publish until the resubscribed channel hears one.
      const deadline = Date.now() + 10_000;
      let heard: Delivery[] = [];
      for (let i = 0; heard.length === 0 && Date.now() < deadline; i++) {
        await pubsub.publish(msgs(topic, 1, `after${i}`));
        heard = await collect(ps, 1, { timeoutMs: 200 });
      }
      assert.equal(heard.length, 1, 'the Pub/Sub subscription resumed');
      await streams.publish(msgs(topic, 3, 'after'));
      const got = await collectUntil(
        st,
        (g) => g.filter((d) => d.headers?.[HEADER_MSG_ID]?.startsWith('after')).length >= 3,
        {
          timeoutMs: 10_000,
          commit: true,
        },
      );
      assert.ok(got.length >= 3, 'the stream read resumed (group recreated after the data loss)');
      const lost = logs.filter((l) => l.includes('connection lost'));
      const back = logs.filter((l) => l.includes('reconnected'));
      assert.equal(lost.length, 2, `one 'lost' line per broker: ${logs.join(' | ')}`);
      assert.equal(back.length, 2, `one 'reconnected' line per broker: ${logs.join(' | ')}`);
    } finally {
      server.kill('SIGKILL');
    }
  });
});

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A throw-away redis-server without persistence: a restart loses everything, the harshest case. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    }).catch(() => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on ${port}`);
}
