/**
 * Workers on two "hosts" (issue 14): two network namespaces made by this test (bench/chaos/netns.ts), each
 * with only a loopback through which 127.0.0.1:9092 reaches the shared Kafka, one `heroflow worker` in
 * each, one group, 4 partitions, 2 each. Host A is cut off from the broker mid-run (its loopback goes
 * down: packets dropped, nothing closed, the process lives on), then SIGKILLed (a host that never comes
 * back), or with HEROFLOW_NETNS_HEAL=1 healed. What must follow:
 *   - A sends nothing to Kafka while cut (the bridge counts its bytes), so it cannot commit;
 *   - B takes A's partitions once the coordinator stops hearing from A (session timeout) and writes what
 *     A had not committed, and everything published while A was away (only B can have written that);
 *   - healed, A rejoins the group and works with B again, or exits; the workers still running stop with
 *     exit code 0 and no stack trace;
 *   - every acknowledged record is written, no file unreadable, no temp file left, and the group's commits
 *     end at the partitions' ends (A's late commits did not rewind them);
 *   - the group's committed offsets never move back, and each record is in exactly one row. (Both failed
 *     until the Kafka adapter took a member's partitions as lost once no heartbeat had been answered for
 *     longer than the session timeout, and stopped re-sending a refused commit behind the group's: healed,
 *     A fetched on from its old positions, committed its old offsets again once rejoined and read from
 *     there, writing records B had written, in files starting at other offsets than B's. docs/kafka.md.)
 *
 * The run is steered by the publisher stopping at fixed counts: the cut is in place before the records
 * that only B can write are published, and the heal comes only once B has written them, so the proof does
 * not depend on how fast the machine is. (The first version cut A while publishing went on, with the bench
 * records, whose keys all came out as "lobby": every record went to one partition, and when B owned it the
 * cut proved nothing.) Needs root (ip netns); skipped with the command's own error where namespaces cannot
 * be made.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chaosTarget } from '../../bench/chaos/brokers.js';
import { checkOutput, writtenSoFar } from '../../bench/chaos/checker.js';
import { NetnsHost, netnsUnavailable } from '../../bench/chaos/netns.js';
import { publishPlan } from '../../src/bench/publisher.js';
import { type RecordPool, simulatorPool } from '../../src/bench/records.js';
import { openBroker } from '../../src/brokers/registry.js';
import type { Broker } from '../../src/brokers/types.js';
import { BIN, ensureBuilt } from '../helpers/cli.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

const kafkaSkip = await skipUnlessService('kafka');
const netnsMissing = await netnsUnavailable();
if (netnsMissing) console.log(`# SKIP ${netnsMissing}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every wait is bounded by this: generous, the machine is shared and loaded; no timing is asserted. */
const PATIENCE_MS = 240_000;
const CUT_AT = 2000;
const HEAL_AT = 6000;
/**
 * Heal host A before the last phase and require it to rejoin and share the work. Opt-in: after the heal
 * A stalled holding its new partitions in 3 of ~40 runs (one of them the fresh-clone CI run of
 * 2026-12-02), not yet understood (docs/reliability.md). Without it, the cut-off host never comes back.
 */
const HEAL = process.env.HEROFLOW_NETNS_HEAL === '1';
const TOTAL = 7000;

class Member {
  stderr = '';
  exit: { code: number | null; signal: string | null } | undefined;
  constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (b) => {
      this.stderr += b;
    });
    child.once('exit', (code, signal) => {
      this.exit = { code, signal };
    });
  }

  /** Every assignment this member logged, oldest first, as partition numbers. */
  assignments(): number[][] {
    return [...this.stderr.matchAll(/"partitions":\[([^\]]*)\],"msg":"partitions assigned"/g)].map((m) =>
      [...m[1].matchAll(/\/(\d+)"/g)].map((x) => Number(x[1])),
    );
  }
}

/** Promise.withResolvers, which Node 20 lacks. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Publishing that stops once `stops[i]` records are acknowledged, until `go(i)`; `abort()` ends it. */
function stoppingPublisher(broker: Broker, stops: number[]) {
  const reached = stops.map(deferred);
  const released = stops.map(deferred);
  let hold: Promise<void> | undefined;
  let next = 0;
  let aborted = false;
  return {
    broker: {
      publish: async (msgs: Parameters<Broker['publish']>[0]) => {
        if (hold) await hold;
        if (aborted) throw new Error('publishing aborted by the test');
        return broker.publish(msgs);
      },
    },
    onAcked: (acked: number) => {
      if (next < stops.length && acked >= stops[next]) {
        hold = released[next].promise;
        reached[next++].resolve();
      }
    },
    reached: (i: number) => reached[i].promise,
    go: (i: number) => released[i].resolve(),
    abort: () => {
      aborted = true;
      for (const r of released) r.resolve();
    },
  };
}

/** The bench records under 16 keys: every partition gets records (the pool's own keys are all "lobby"). */
function spread(pool: RecordPool): RecordPool {
  return { ...pool, keys: pool.keys.map((_, i) => `player-${i % 16}`), lanes: [] };
}

async function until(what: string, done: () => boolean | Promise<boolean>, members: Member[]): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!(await done())) {
    if (Date.now() > deadline) {
      assert.fail(`${what}: not within ${PATIENCE_MS / 1000} s\n${members.map((m) => m.stderr).join('\n')}`);
    }
    await sleep(500);
  }
}

/**
 * Samples the group's committed offsets until stopped and notes every one that went back: a member whose
 * late commit moves a partition's offset below what another member committed makes the next reader read
 * those records again.
 */
function watchCommits(broker: Broker, group: string, topic: string) {
  const last = new Map<number, bigint>();
  const rewinds: string[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const now = await broker.groupOffsets?.(group, topic).catch(() => undefined);
      for (const [p, offset] of now ?? []) {
        const before = last.get(p);
        if (before !== undefined && offset < before) rewinds.push(`partition ${p}: ${before} → ${offset}`);
        last.set(p, offset);
      }
      await sleep(250);
    }
  })();
  return {
    rewinds,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

const highs = async (broker: Broker, topic: string) =>
  new Map((await broker.watermarks?.(topic))?.map((w) => [w.partition, w.high]) ?? []);

test('two hosts: A is cut off mid-run, B takes its partitions, nothing lost (A heals and rejoins with HEROFLOW_NETNS_HEAL=1)', {
  skip: kafkaSkip || netnsMissing,
  timeout: 6 * PATIENCE_MS,
}, async (t) => {
  ensureBuilt();
  const id = `hosts${process.pid}`;
  const topic = `hfchaos.${id}`;
  const group = `hfchaos-${id}`;
  const url = SERVICE_URLS.kafka;
  const target = chaosTarget('kafka', id);
  const out = await mkdtemp(path.join(os.tmpdir(), 'heroflow-hosts-'));
  const hosts: NetnsHost[] = [];
  const broker = await openBroker(url, { partitions: { [topic]: 4 } });
  const publisher = stoppingPublisher(broker, [CUT_AT, HEAL_AT]);
  const commits = watchCommits(broker, group, topic);
  try {
    await target.prepare?.(topic, 4);
    for (const name of ['a', 'b']) hosts.push(await NetnsHost.create(`hf${name}${process.pid}`, [9092]));
    const members = hosts.map(
      (h, i) =>
        new Member(
          h.spawn([
            process.execPath,
            BIN,
            'worker',
            ...['--broker', url, '--topics', topic, '--group', group, '--worker-id', `${group}-${i}`],
            ...['--out', out, '--from', 'earliest', '--roll-rows', '300', '--roll-age', '1s'],
            ...['--log-level', 'info'],
          ]),
        ),
    );
    const [a, b] = members;
    const [hostA] = hosts;
    await until(
      'both workers in the group with two partitions each',
      () => {
        assert.ok(
          members.every((m) => !m.exit),
          members.map((m) => m.stderr).join('\n'),
        );
        return members.every((m) => m.assignments().at(-1)?.length === 2);
      },
      members,
    );
    const partitionsOfA = a.assignments().at(-1) ?? [];

    const publishing = publishPlan({
      broker: publisher.broker,
      pool: spread(await simulatorPool(20, 'kafka')),
      topic,
      runId: id,
      rate: 1000,
      producers: 1,
      batchSize: 100,
      count: TOTAL,
      onAcked: publisher.onAcked,
    });

    // 1. The cut, while A holds records of its partitions it has read and perhaps not yet committed.
    await publisher.reached(0);
    await hostA.cut();
    const atCut = await highs(broker, topic);
    // Bytes already inside the bridge when the loopback went down may still arrive; nothing after this.
    await sleep(2000);
    const sentBeforeCut = hostA.sentBytes;
    publisher.go(0);

    // 2. Records A cannot have: only B can write them, and only after it has taken A's partitions.
    await publisher.reached(1);
    const beforeHeal = await highs(broker, topic);
    for (const p of partitionsOfA) {
      assert.ok(
        (beforeHeal.get(p) ?? 0n) > (atCut.get(p) ?? 0n),
        `partition ${p} of A got records while A was cut off (ends at cut ${atCut.get(p)}, now ${beforeHeal.get(p)})`,
      );
    }
    await until(
      'B writes every record published so far',
      async () => (await writtenSoFar(out)) >= HEAL_AT,
      members,
    );
    assert.equal(hostA.sentBytes, sentBeforeCut, 'A sent nothing to Kafka while it was cut off');
    assert.deepEqual(
      [...(b.assignments().at(-1) ?? [])].sort(),
      [0, 1, 2, 3],
      "B ended up with all four partitions: A's moved to it",
    );

    // 3. Healed (HEROFLOW_NETNS_HEAL=1), A rejoins (a new assignment) or exits; without, the cut-off host
    //    never comes back (SIGKILL): B alone writes the records of the last phase.
    const assignedBeforeHeal = a.assignments().length;
    if (HEAL) await hostA.heal();
    else {
      a.child.kill('SIGKILL');
      await until('A is gone', () => a.exit !== undefined, members);
    }
    await until(
      'A rejoins the group or exits',
      () => a.exit !== undefined || a.assignments().length > assignedBeforeHeal,
      members,
    );
    const rejoined = a.exit === undefined;
    if (rejoined) {
      await until(
        'A and B share the partitions again',
        () => a.assignments().at(-1)?.length === 2 && b.assignments().at(-1)?.length === 2,
        members,
      );
    }
    publisher.go(1);
    const published = await publishing;
    assert.equal(published.failures, 0, published.firstError);
    await until('every record written', async () => (await writtenSoFar(out)) >= published.acked, members);

    // 4. Stopped cleanly, the group's commits at the ends, every record written.
    for (const m of members) if (!m.exit) m.child.kill('SIGTERM');
    await until('both workers stopped', () => members.every((m) => m.exit !== undefined), members);
    await commits.stop();
    const ends = await highs(broker, topic);
    const committed = await broker.groupOffsets?.(group, topic);
    const check = await checkOutput({ outDir: out, runId: id, sentAt: published.sentAt });
    t.diagnostic(
      `A had partitions ${JSON.stringify(partitionsOfA)}; assignments of A ${JSON.stringify(a.assignments())}, ` +
        `of B ${JSON.stringify(b.assignments())}; A ${rejoined ? 'rejoined' : `exited ${JSON.stringify(a.exit)}`} ` +
        `after the heal; acked ${published.acked}, written ${check.written}, lost ${check.lost}, ` +
        `duplicated ${check.duplicateRows} (rewritten ${check.rewritten}, stored twice ${check.storedTwice}), ` +
        `files ${check.files}; commits moved back: ${commits.rewinds.join(', ') || 'none'}; ends ${JSON.stringify([...ends].map(([p, h]) => [p, Number(h)]))}, ` +
        `committed ${JSON.stringify([...(committed ?? [])].map(([p, o]) => [p, Number(o)]))}`,
    );
    for (const m of HEAL ? members : [b]) {
      assert.doesNotMatch(m.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(m.exit?.code, 0, `a worker ends with exit code 0\n${m.stderr.slice(-2000)}`);
    }
    assert.equal(check.lost, 0, `nothing lost (e.g. ${check.lostSample.join(', ')})`);
    assert.equal(check.written, published.acked);
    assert.deepEqual(check.unreadable, []);
    assert.deepEqual(check.strayTemp, []);
    for (const [p, high] of ends)
      assert.equal(committed?.get(p), high, `partition ${p}: committed to its end`);
    // Rows written twice can only be the same broker positions written again (A's stale fetch).
    assert.equal(check.storedTwice, 0);
    assert.deepEqual(commits.rewinds, [], "A's late commits never move the group's offsets back");
    assert.equal(check.duplicateRows, 0, 'each record in exactly one row');
    assert.equal(check.tableDuplicates, 0, 'no record in two files of a table');
  } finally {
    await commits.stop();
    publisher.abort();
    await broker.close().catch(() => {});
    for (const h of hosts) await h.destroy();
    await target.cleanup(topic, group).catch(() => {});
    await rm(out, { recursive: true, force: true });
  }
});
