/**
 * Workers on two "hosts" (issue 14): two network namespaces made by this test (bench/chaos/netns.ts), each
 * with only a loopback through which 127.0.0.1:9092 reaches the shared Kafka, one `heroflow worker` in
 * each, one group. While records are published, host A is cut off (its loopback goes down: its packets
 * are dropped, nothing is closed). The group coordinator stops hearing from A, its partitions move to B,
 * and B writes what A had not committed. The checker then finds every acknowledged record in a readable
 * file. Needs root (ip netns); skipped with the command's own error where namespaces cannot be made.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chaosTarget } from '../../bench/chaos/brokers.js';
import { checkOutput, writtenSoFar } from '../../bench/chaos/checker.js';
import { NetnsHost, netnsUnavailable } from '../../bench/chaos/netns.js';
import { publishPlan } from '../../src/bench/publisher.js';
import { simulatorPool } from '../../src/bench/records.js';
import { openBroker } from '../../src/brokers/registry.js';
import { BIN, ensureBuilt } from '../helpers/cli.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

const kafkaSkip = await skipUnlessService('kafka');
const netnsMissing = await netnsUnavailable();
if (netnsMissing) console.log(`# SKIP ${netnsMissing}`);
// Opt-in until understood: in three runs on 2026-12-02 (two full suites, one alone) taking host A's
// loopback down did not stop A (it wrote its partitions to the end and B never got them), although the
// same test passed when it was written. docs/reliability.md says so; the chaos runs do not depend on it.
const optIn =
  process.env.HEROFLOW_NETNS_TESTS === '1'
    ? false
    : 'set HEROFLOW_NETNS_TESTS=1: the network cut did not isolate host A in the last runs (docs/reliability.md)';
if (optIn) console.log(`# SKIP ${optIn}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Member {
  stderr: string;
  exited: boolean;
}

test('two hosts: one cut off mid-run, its partitions move to the other, nothing lost', {
  skip: kafkaSkip || netnsMissing || optIn,
  timeout: 300_000,
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
  try {
    await target.prepare?.(topic, 4);
    for (const name of ['a', 'b']) hosts.push(await NetnsHost.create(`hf${name}${process.pid}`, [9092]));
    const members: Member[] = hosts.map((h, i) => {
      const m: Member = { stderr: '', exited: false };
      const child = h.spawn([
        process.execPath,
        BIN,
        'worker',
        ...['--broker', url, '--topics', topic, '--group', group, '--worker-id', `${group}-${i}`],
        ...[
          '--out',
          out,
          '--from',
          'earliest',
          '--roll-rows',
          '300',
          '--roll-age',
          '1s',
          '--log-level',
          'info',
        ],
      ]);
      child.stderr?.on('data', (b) => {
        m.stderr += b;
      });
      child.once('exit', () => {
        m.exited = true;
      });
      return m;
    });
    const assigned = (m: Member) =>
      [...m.stderr.matchAll(/"partitions":\[([^\]]*)\],"msg":"partitions assigned"/g)].map(
        (x) => x[1].split(',').filter(Boolean).length,
      );
    const deadline = Date.now() + 90_000;
    // Both in the group with partitions of their own (2 + 2 after the second join).
    while (!members.every((m) => m.stderr.includes('"worker ready"') && (assigned(m).at(-1) ?? 0) > 0)) {
      assert.ok(
        Date.now() < deadline && members.every((m) => !m.exited),
        members.map((m) => m.stderr).join('\n'),
      );
      await sleep(200);
    }
    const pool = await simulatorPool(20, 'kafka');
    let cutAt = 0;
    const published = await publishPlan({
      broker,
      pool,
      topic,
      runId: id,
      rate: 1000,
      producers: 1,
      batchSize: 100,
      count: 6000,
      onAcked: (acked) => {
        if (cutAt === 0 && acked >= 2000) {
          cutAt = acked;
          void hosts[0].cut();
        }
      },
    });
    const settle = Date.now() + 150_000;
    while ((await writtenSoFar(out)) < published.acked && Date.now() < settle) await sleep(1000);
    const check = await checkOutput({ outDir: out, runId: id, sentAt: published.sentAt });
    const [a, b] = members;
    t.diagnostic(
      `host A cut off after ${cutAt} acked; assignments of A ${JSON.stringify(assigned(a))}, of B ${JSON.stringify(assigned(b))}; ` +
        `acked ${published.acked}, written ${check.written}, lost ${check.lost}, duplicated ${check.duplicateRows}, files ${check.files}`,
    );
    assert.equal(assigned(b).at(-1), 4, "B ended up with all four partitions: A's moved to it");
    assert.equal(check.lost, 0, `nothing lost (e.g. ${check.lostSample.join(', ')})`);
    assert.deepEqual(check.unreadable, []);
    assert.equal(check.written, published.acked);
  } finally {
    await broker.close().catch(() => {});
    for (const h of hosts) await h.destroy();
    await target.cleanup(topic, group).catch(() => {});
    await rm(out, { recursive: true, force: true });
  }
});
