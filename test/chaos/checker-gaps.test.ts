/**
 * The chaos checker's account of a loss: besides how many acknowledged records are missing, the holes in
 * each partition's written offsets and the files on either side, so a failed CI run's log shows which
 * segment went missing (docs/reliability.md, the Kafka-cluster loss of 15). No broker: files made here.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkOutput, compareWithLog } from '../../bench/chaos/checker.js';
import { encodeParquet } from '../../src/etl/parquet.js';
import { BUFFER_META } from '../../src/etl/schemas.js';
import { TableBuilder } from '../../src/etl/table-builder.js';

const RUN = 'gap';

/** A buffer_meta file of partition 0 holding offsets [first, last], record seq = offset. */
async function bufferFile(dir: string, name: string, first: number, last: number): Promise<void> {
  const b = new TableBuilder(BUFFER_META);
  for (let offset = first; offset <= last; offset++) {
    b.utf8('etl_id').append('e');
    b.utf8('msg_id').append(`${RUN}-${offset}`);
    b.utf8('checksum').appendNull();
    b.utf8List('headers').append([]);
    b.utf8('key').append('k');
    b.int64('offset').append(offset);
    b.fixed('partition').append(0);
    b.fixed('serialized_key_size').append(1);
    b.fixed('serialized_value_size').append(10);
    b.int64('timestamp').append(1_700_000_000_000);
    b.fixed('timestamp_type').append(0);
    b.utf8('topic').append('t');
    b.bool('_is_protocol').append(false);
  }
  await writeFile(path.join(dir, 'buffer_meta', name), encodeParquet(BUFFER_META, b.finish(), 'zstd'));
}

test('a loss is reported with the hole in the partition offsets and the files around it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'heroflow-gaps-'));
  try {
    await mkdir(path.join(dir, 'buffer_meta'));
    await bufferFile(dir, 'a.parquet', 0, 9);
    await bufferFile(dir, 'c.parquet', 20, 29); // 10–19 never written
    const sentAt = Array.from({ length: 30 }, () => Date.now());

    const report = await checkOutput({ outDir: dir, runId: RUN, sentAt });
    assert.equal(report.lost, 10);
    assert.equal(report.gaps.length, 1);
    assert.match(
      report.gaps[0],
      /^t\/0 offsets 10–19 missing; before: buffer_meta\/a\.parquet \(10 rows, 0–9/,
    );
    assert.match(report.gaps[0], /after: buffer_meta\/c\.parquet \(10 rows, 20–29/);

    await bufferFile(dir, 'b.parquet', 10, 19);
    const whole = await checkOutput({ outDir: dir, runId: RUN, sentAt });
    assert.equal(whole.lost, 0);
    assert.deepEqual(whole.gaps, [], 'no hole, nothing to report');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the files against the log: what the log holds unwritten, and what was written that it no longer holds', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'heroflow-log-'));
  try {
    await mkdir(path.join(dir, 'buffer_meta'));
    await bufferFile(dir, 'a.parquet', 0, 9);
    const report = await checkOutput({ outDir: dir, runId: RUN, sentAt: Array(14).fill(Date.now()) });
    assert.equal(report.writtenAt.get('t/0/3'), `${RUN}-3`, 'what each position was written with');
    // The log as read at the end: offsets 8–9 were cut back and refilled with other records, and 10–13
    // came after the last file.
    const log = new Map<string, string>();
    for (let o = 0; o <= 13; o++) log.set(`t/0/${o}`, o >= 8 ? `${RUN}-x${o}` : `${RUN}-${o}`);
    const [line, ...rest] = compareWithLog(log, report.writtenAt);
    assert.deepEqual(rest, [], 'one line per partition');
    assert.match(line, /^t\/0: offsets 0–13, 14 in the log, 10 written; /);
    assert.match(line, /in the log, not written: 10–13 \(gap-x10 …\); /);
    assert.match(line, /written, another record in the log now: 2 \(8: gap-8 → gap-x8, 9: gap-9 → gap-x9\)$/);

    const same = compareWithLog(new Map([...report.writtenAt]), report.writtenAt);
    assert.match(same[0], /not written: none; written, another record in the log now: 0$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
