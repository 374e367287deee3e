/**
 * The Kafka adapter on the real Apache Kafka: seed 003's demonstrations (commit after store, groups split
 * partitions, latest vs earliest), seed 001's batch mode (positions from Redis, never committed to Kafka),
 * keys, headers, ids, and a clear error when the broker is absent.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { openBroker } from '../../src/brokers/registry.js';
import { type Broker, HEADER_MSG_ID } from '../../src/brokers/types.js';
import { partitionForKey } from '../../src/brokers/util/murmur2.js';
import { isHeroflowError } from '../../src/errors.js';
import {
  countsKey,
  lastOffsetKey,
  openOffsetStore,
  recordProcessed,
  startPositions,
} from '../../src/state/index.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { drain, msgs, text, uniq, until } from './kafka-helpers.js';

const skip = await skipUnlessService('kafka');
const url = SERVICE_URLS.kafka;
const hosts = url.replace(/^kafka:\/\//, '').split(',');

describe('kafka adapter (real Kafka)', { skip }, () => {
  const opened: Broker[] = [];
  const open = async (partitions?: Record<string, number>) => {
    const b = await openBroker(url, { partitions, defaultPartitions: 1 });
    opened.push(b);
    return b;
  };
  after(() => Promise.all(opened.map((b) => b.close())));

  test('seed 003: a consumer stopped between "stored" and "committed" re-reads that message', async () => {
    const broker = await open();
    const topic = uniq('commit');
    const group = uniq('g');
    await broker.publish(msgs(topic, 3));
    const first = broker.subscribe({ topics: [topic], group, from: 'earliest', maxBatch: 1 });
    const [[one]] = await drain([first], (g) => g[0].length >= 1);
    await first.commit([one]); // stored and committed
    const [[two]] = await drain([first], (g) => g[0].length >= 1);
    assert.equal(text(two), 'm-1'); // "Start Storing" … stopped before the commit
    await first.close();

    const again = broker.subscribe({ topics: [topic], group, from: 'earliest' });
    const [got] = await drain([again], (g) => g[0].length >= 2);
    assert.deepEqual(got.map(text), ['m-1', 'm-2'], 'restart resumes at the uncommitted message');
    await again.close();
  });

  test('committedPast: a member that lost its partition learns that the next owner committed past its reads', async () => {
    const broker = await open();
    const topic = uniq('past');
    const group = uniq('g');
    await broker.publish(msgs(topic, 5));
    const stale = broker.subscribe({ topics: [topic], group, from: 'earliest' });
    const [held] = await drain([stale], (g) => g[0].length >= 5);
    await stale.close(); // left without committing: its deliveries are the stale member's
    assert.equal(await stale.committedPast?.(held[0]), false, 'nothing committed yet');

    const next = broker.subscribe({ topics: [topic], group, from: 'earliest' });
    const [again] = await drain([next], (g) => g[0].length >= 5);
    await next.commitRun?.(again[0], again[2]); // the next owner wrote m-0..m-2 and committed 3
    assert.equal(await stale.committedPast?.(held[0]), true, 'offset 0 is behind the commit');
    assert.equal(await stale.committedPast?.(held[2]), true, 'offset 2 is behind the commit');
    assert.equal(await stale.committedPast?.(held[3]), false, 'offset 3 is where the group resumes');
    await next.close();
  });

  test('a run read before the partition was lost and given back does not commit over its reading again', async () => {
    // Two workers in bench:kafka stalled: a segment read before a rebalance was written after the partition
    // came back to its member, its commit marked the old run in the new assignment's tracker and passed the
    // start of the segment re-reading it, which was then dropped as superseded, records past the old run too.
    const broker = await open();
    const topic = uniq('regiven');
    const group = uniq('g');
    await broker.publish(msgs(topic, 10));
    const a = broker.subscribe({ topics: [topic], group, from: 'earliest' });
    const [held] = await drain([a], (g) => g[0].length >= 10);
    // A second member joins and leaves: a's partition is taken back and given to a again (nothing committed).
    const b = broker.subscribe({ topics: [topic], group, from: 'earliest' });
    await b.ready();
    await b.close();
    const [again] = await drain([a], (g) => g[0].length >= 10);
    assert.deepEqual(again.map(text), held.map(text), 'a reads the partition again from the start');
    await a.commitRun?.(held[0], held[9]);
    assert.equal(await a.committedPast?.(held[0]), false, 'the old run committed nothing');
    await a.commitRun?.(again[0], again[9]);
    assert.equal(await a.committedPast?.(held[9]), true, 'the run read again commits');
    await a.close();
  });

  test('a start position settled for a partition lost before its first fetch does not override a later commit', async () => {
    // kafkajs keeps a seek until that partition is fetched, across generations: a seek made for a partition
    // the member lost at once came back on its next assignment and re-read from 0 past another member's
    // commit (the kafka-cluster chaos trial's loss of 193 records).
    const topic = uniq('staleseek');
    const broker = await open({ [topic]: 2 });
    const group = uniq('g');
    const before = msgs(topic, 40);
    await broker.publish(before);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let firstAssign = true;
    let heldAssign = false;
    const a = broker.subscribe({
      topics: [topic],
      group,
      from: 'earliest',
      onAssign: async () => {
        if (!firstAssign) return undefined;
        firstAssign = false;
        heldAssign = true;
        await gate; // both partitions' positions settle only after the group has moved on
        return undefined;
      },
    });
    assert.ok(await until(() => heldAssign), 'a was given the partitions');
    const b = broker.subscribe({ topics: [topic], group, from: 'earliest' });
    await b.ready();
    const taken = b.assignment().map((p) => p.partition);
    assert.equal(taken.length, 1, 'b owns one of the two partitions');
    release();
    // b reads its partition whole and commits it; then it leaves and a is given both.
    const inB = before.filter((m) => partitionForKey(m.key ?? '', 2) === taken[0]).length;
    assert.ok(inB > 0 && inB < 40, 'both partitions hold records');
    const [gotB] = await drain([b], (g) => g[0].length >= inB, { commit: true });
    assert.equal(gotB.length, inB, 'b read its partition');
    await b.close();
    const after = msgs(topic, 10, 40, 'late');
    await broker.publish(after);
    const [gotA] = await drain([a], (g) => g[0].filter((d) => text(d).startsWith('late-')).length >= 10, {
      commit: true,
    });
    const reread = gotA.filter((d) => d.partition === taken[0] && (d.offset ?? 0n) < BigInt(inB));
    assert.deepEqual(reread.map(text), [], "nothing behind b's commit is read again");
    await a.close();
  });

  test('assignedElsewhere: a stale member learns that the settled group gave its partition to another, before any commit', async () => {
    const broker = await open();
    const topic = uniq('elsewhere');
    const group = uniq('g');
    const tp = { topic, partition: 0 };
    await broker.publish(msgs(topic, 3));
    const stale = broker.subscribe({ topics: [topic], group, from: 'earliest' });
    const [held] = await drain([stale], (g) => g[0].length >= 3);
    assert.equal(await stale.assignedElsewhere?.(tp), false, 'its own partition');
    await stale.close(); // left without committing
    assert.equal(await stale.assignedElsewhere?.(tp), false, 'an empty group names no owner');

    const next = broker.subscribe({ topics: [topic], group, from: 'earliest' });
    await drain([next], (g) => g[0].length >= 3); // it reads (and could write) m-0..m-2, commits nothing
    assert.equal(await stale.committedPast?.(held[0]), false, 'the window committedPast leaves open');
    assert.equal(await stale.assignedElsewhere?.(tp), true, 'the group names the next owner');
    assert.equal(await next.assignedElsewhere?.(tp), false, 'the owner itself');
    await next.close();
  });

  test('seed 003: two members of one group split a 4-partition topic and never both get a message', async () => {
    const topic = uniq('group');
    const broker = await open({ [topic]: 4 });
    const group = uniq('g');
    const a = broker.subscribe({ topics: [topic], group, from: 'earliest' });
    const b = broker.subscribe({ topics: [topic], group, from: 'earliest' });
    await Promise.all([a.ready(), b.ready()]);
    const split = () => {
      const pa = a.assignment().map((p) => p.partition);
      const pb = b.assignment().map((p) => p.partition);
      return pa.length > 0 && pb.length > 0 && pa.length + pb.length === 4 && !pa.some((p) => pb.includes(p));
    };
    assert.ok(await until(split), 'each member owns some of the 4 partitions, none owned twice');
    await broker.publish(msgs(topic, 200));
    const [ga, gb] = await drain([a, b], (g) => g[0].length + g[1].length >= 200, { commit: true });
    const ia = new Set(ga.map((d) => d.id));
    assert.ok(!gb.some((d) => ia.has(d.id)), 'no message reached both members');
    assert.equal(new Set([...ga, ...gb].map(text)).size, 200);
    assert.ok(ga.length > 0 && gb.length > 0, 'both members did work');
    await Promise.all([a.close(), b.close()]);
  });

  test('seed 003: a new group with "latest" skips what was there, "earliest" reads it', async () => {
    const broker = await open();
    const topic = uniq('latest');
    await broker.publish(msgs(topic, 5, 0, 'old'));
    const latest = broker.subscribe({ topics: [topic], group: uniq('gl'), from: 'latest' });
    const earliest = broker.subscribe({ topics: [topic], group: uniq('ge'), from: 'earliest' });
    await Promise.all([latest.ready(), earliest.ready()]);
    await broker.publish(msgs(topic, 1, 0, 'new'));
    const [gl, ge] = await drain([latest, earliest], (g) => g[0].length >= 1 && g[1].length >= 6);
    assert.deepEqual(gl.map(text), ['new-0']);
    assert.equal(ge.length, 6);
    await Promise.all([latest.close(), earliest.close()]);
  });

  test('keys land where Java clients put them (murmur2); headers, ids and timestamps round trip', async () => {
    const topic = uniq('keys');
    const broker = await open({ [topic]: 4 });
    const ts = Date.parse('2026-11-23T09:00:00Z');
    const sent = msgs(topic, 20).map((m) => ({ ...m, timestamp: ts }));
    await broker.publish(sent);
    const sub = broker.subscribe({ topics: [topic], group: uniq('g'), from: 'earliest' });
    const [got] = await drain([sub], (g) => g[0].length >= 20);
    for (const d of got) {
      assert.equal(d.partition, partitionForKey(d.key ?? '', 4), `key ${d.key}`);
      assert.equal(d.headers?.[HEADER_MSG_ID], text(d));
      assert.equal(d.id, `${topic}/${d.partition}@${d.offset}`);
      assert.equal(d.timestamp, ts);
    }
    await sub.close();
  });

  test('seed 001 batch mode: positions from a Redis OffsetStore, nothing committed to Kafka, reset replays', async (t) => {
    const redisSkip = await skipUnlessService('redis');
    if (redisSkip) return t.skip(redisSkip);
    const topic = uniq('batch');
    const broker = await open({ [topic]: 2 });
    const group = uniq('g');
    const store = openOffsetStore(SERVICE_URLS.redis);
    const raw = new Redis(SERVICE_URLS.redis);
    t.after(async () => {
      await raw.del(countsKey(topic), lastOffsetKey(topic));
      raw.disconnect();
      await store.close();
    });
    /** One batch run as upstream's worker does it: load state, seek past it, process, save state. */
    const run = async (expect: number) => {
      const state = await store.load(topic);
      const sub = broker.subscribe({
        topics: [topic],
        group,
        from: 'latest', // never used: onAssign positions every partition
        onAssign: async (parts) => startPositions(await store.load(topic), parts),
      });
      const [got] = await drain([sub], (g) => g[0].length >= expect);
      for (const d of got) recordProcessed(state, d.partition, d.offset ?? -1n);
      await store.save(topic, state);
      await sub.close();
      return got.map(text).sort();
    };

    await broker.publish(msgs(topic, 10));
    assert.equal((await run(10)).length, 10);
    await broker.publish(msgs(topic, 5, 10));
    assert.deepEqual(await run(5), ['m-10', 'm-11', 'm-12', 'm-13', 'm-14'], 'resumes at last_offset + 1');

    const admin = new Kafka({ brokers: hosts, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    await admin.disconnect();
    assert.ok(
      committed.every((c) => c.partitions.every((p) => p.offset === '-1')),
      'batch mode never commits to Kafka',
    );

    // The seed's reset, as written: SET … counts "{\"\": 0}" and SET … last_offset -1
    await raw.set(countsKey(topic), '{"": 0}');
    await raw.set(lastOffsetKey(topic), '-1');
    assert.equal((await run(15)).length, 15, 'the reset replays everything');
  });

  test('a broker that is not there is HF_BROKER_UNREACHABLE naming the URL, after a bounded retry', async () => {
    await assert.rejects(
      openBroker('kafka://127.0.0.1:1', { connectTimeoutMs: 1500 }),
      (err) => isHeroflowError(err, 'HF_BROKER_UNREACHABLE') && err.message.includes('127.0.0.1:1'),
    );
  });

  test('malformed kafka URLs are HF_BROKER_URL', async () => {
    await assert.rejects(openBroker('kafka://', {}), (err) => isHeroflowError(err));
    await assert.rejects(openBroker('kafka://host-without-port', {}), (err) =>
      isHeroflowError(err, 'HF_BROKER_URL'),
    );
  });
});
