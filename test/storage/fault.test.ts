/**
 * Fault tests (HEROFLOW_FAULT_TESTS=1, as CI runs them): the object store is killed (SIGKILL) in the middle
 * of a worker's upload — after the parts/blocks/chunks went up, before the object is committed — and
 * restarted on the same data. Proven on the two emulators that keep their data across a restart: Azurite
 * with disk persistence and fake-gcs-server with its filesystem backend, each a private instance this test
 * starts (moto keeps state only in memory, so a restarted moto is empty: no resume to prove there).
 *
 * Checks: the worker stops with HF_STORAGE_IO (no secret in the message) instead of buffering; the object
 * whose upload was cut is not visible and every visible object is a whole Parquet file; a new worker in the
 * same group resumes from the committed offsets and the final output holds every record exactly once (a
 * commit past a file that never landed would lose rows; the replay overwrites the same names).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../../src/bench/private-server.js';
import { openBroker } from '../../src/brokers/registry.js';
import { isHeroflowError } from '../../src/errors.js';
import { AzureStorage, GcsStorage, type ObjectStoreOptions, type Storage } from '../../src/storage/index.js';
import { Worker } from '../../src/worker/index.js';
import { attackFrame, envelope, pyDumps } from '../etl/fixtures.js';
import { allRows, readMetadata } from '../helpers/parquet.js';
import { skipIfMissing } from '../helpers/skip.js';
import { AZURITE_KEY } from './object-stores.js';

const FAULTS = process.env.HEROFLOW_FAULT_TESTS === '1';
const CACHE =
  process.env.HEROFLOW_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'heroflow');
const AZURITE_BIN = join(
  CACHE,
  `azurite-${process.env.HEROFLOW_AZURITE_VERSION ?? '3.35.0'}`,
  'node_modules/.bin/azurite-blob',
);
const FAKEGCS_BIN = join(
  CACHE,
  `fake-gcs-server-${process.env.HEROFLOW_FAKEGCS_VERSION ?? 'v1.56.1'}`,
  'bin/fake-gcs-server',
);

const dir = mkdtempSync(join(tmpdir(), 'heroflow-storage-fault-'));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function skipReason(bin: string, service: string): false | string {
  if (!FAULTS) return 'set HEROFLOW_FAULT_TESTS=1 to kill and restart a private emulator';
  if (existsSync(bin)) return false;
  return skipIfMissing(`${bin} is missing; install it with: scripts/services.sh up ${service}`);
}

async function waitHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

interface Emulator {
  start(): Promise<void>;
  kill(): Promise<void>;
  storage(options: ObjectStoreOptions): Storage;
  createBucket(): Promise<void>;
  /** After a restart: drops what the emulator wrote but never acknowledged (see the GCS case). */
  dropUnacknowledged(): Promise<string[]>;
}

function emulator(kind: 'azure' | 'gcs', port: number, data: string, bucket: string): Emulator {
  let child: ChildProcess | undefined;
  const base = `http://127.0.0.1:${port}`;
  return {
    async start() {
      const args =
        kind === 'azure'
          ? [
              '--blobHost',
              '127.0.0.1',
              '--blobPort',
              String(port),
              '--location',
              data,
              '--disableTelemetry',
              '--skipApiVersionCheck',
              '--loose',
            ]
          : [
              '-scheme',
              'http',
              '-host',
              '127.0.0.1',
              '-port',
              String(port),
              '-backend',
              'filesystem',
              '-filesystem-root',
              data,
              '-public-host',
              `127.0.0.1:${port}`,
              '-log-level',
              'error',
            ];
      child = spawn(kind === 'azure' ? AZURITE_BIN : FAKEGCS_BIN, args, { stdio: 'ignore' });
      children.add(child);
      await waitHttp(kind === 'azure' ? `${base}/devstoreaccount1?comp=list` : `${base}/storage/v1/b`);
    },
    // fake-gcs-server's filesystem backend writes through, so SIGKILL loses nothing it acknowledged.
    // Azurite saves its metadata database on an interval and on shutdown: SIGKILL would also lose the
    // container it acknowledged seconds ago (an emulator artefact no real store has), so it gets SIGTERM,
    // which still drops the upload in flight.
    async kill() {
      if (!child) return;
      const c = child;
      children.delete(c);
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(kind === 'azure' ? 'SIGTERM' : 'SIGKILL');
      await exited;
    },
    storage(options) {
      return kind === 'azure'
        ? new AzureStorage(`az://${bucket}/out`, {
            ...options,
            env: {
              AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=${base}/devstoreaccount1;`,
            },
          })
        : new GcsStorage(`gs://${bucket}/out`, { ...options, env: { STORAGE_EMULATOR_HOST: base } });
    },
    async createBucket() {
      if (kind === 'azure') {
        const { BlobServiceClient } = await import('@azure/storage-blob');
        await BlobServiceClient.fromConnectionString(
          `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=${base}/devstoreaccount1;`,
        )
          .getContainerClient(bucket)
          .create();
      } else {
        const r = await fetch(`${base}/storage/v1/b?project=heroflow-test`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: bucket }),
        });
        assert.ok(r.ok, `create bucket: ${r.status}`);
      }
    },
    // fake-gcs-server's filesystem backend writes an object's file, then its metadata (an xattr), and
    // acknowledges after both. A SIGKILL between the two — another upload of the same worker finishing
    // as the store dies — leaves a file it cannot read, and then every list of the bucket answers 404.
    // A real store commits an object whole, so such a file is removed: what stays is what was
    // acknowledged. Azurite keeps no such half (it gets SIGTERM).
    async dropUnacknowledged() {
      if (kind === 'azure') return [];
      const root = join(data, bucket);
      const dropped: string[] = [];
      for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const file = join(entry.parentPath, entry.name);
        const name = file.slice(root.length + 1);
        const r = await fetch(`${base}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`);
        if (r.status !== 404) continue;
        rmSync(file);
        dropped.push(name);
      }
      return dropped;
    },
  };
}

const DEBUG = process.env.HEROFLOW_TEST_DEBUG
  ? (l: string, m: string, f?: unknown) => console.error(l, m, JSON.stringify(f))
  : undefined;
/** Records in all; the last EXTRA are published after the store failed. */
const RECORDS = 440;
const EXTRA = 40;
const value = (i: number) =>
  Buffer.from(
    pyDumps(
      envelope(
        'kafka.lib.server.game',
        'Attack Completed',
        '2023-09-01T12:00:00.000001',
        pyDumps(attackFrame('2023-09-01T12:00:00Z', `game-${i % 7}`, `user-${i}`, 'enemy', 10, 100)),
      ),
    ),
  );

const workerOptions = {
  group: 'fault',
  from: 'earliest' as const,
  mode: 'streaming' as const,
  roll: { maxRows: 40, maxBytes: 1 << 30, maxAgeMs: 60_000 },
  memoryBudgetBytes: 1 << 30,
  compression: 'zstd' as const,
  maxBatch: 40,
  tables: ['buffer_meta', 'lib_server_game'] as const,
};

for (const kind of ['azure', 'gcs'] as const) {
  const skip = skipReason(
    kind === 'azure' ? AZURITE_BIN : FAKEGCS_BIN,
    kind === 'azure' ? 'azurite' : 'fakegcs',
  );
  describe(`fault: ${kind} emulator killed mid-upload`, { skip }, () => {
    it('stops the worker with HF_STORAGE_IO, leaves no partial object, and a new worker resumes to exactly-once output', async () => {
      const port = await freePort();
      const bucket = `fault-${kind}-${Date.now().toString(36)}`;
      const emu = emulator(kind, port, mkdtempSync(join(dir, `${kind}-`)), bucket);
      await emu.start();
      await emu.createBucket();

      const topic = `fault-${kind}-${Date.now()}`;
      const broker = await openBroker(`memory://${topic}`);
      await broker.ensureTopics([{ topic, partitions: 2 }]);
      await broker.publish(
        Array.from({ length: RECORDS - EXTRA }, (_, i) => ({ topic, key: `k${i % 5}`, value: value(i) })),
      );

      // Tiny parts so that even a small Parquet file goes up in parts (Azure blocks; a GCS resumable
      // session), and the store dies after them, before the commit.
      let writes = 0;
      let cut: string | undefined;
      const faulty = emu.storage({
        multipartThreshold: 1024,
        partSize: 1024,
        maxAttempts: 2,
        beforeCommit: (path) => {
          writes++;
          if (writes === 9) {
            cut = path;
            return emu.kill();
          }
        },
      });
      // The worker learns of the failed write on its next batch (the sink refuses it): publish one more
      // batch once the failure is logged. (Not an idle exit: Worker's idle timer calls `void this.stop()`,
      // which leaves the run's rejection unhandled — reported to the worker's owner.)
      let failed!: () => void;
      const failure = new Promise<void>((r) => {
        failed = r;
      });
      const first = new Worker({
        broker,
        storage: faulty,
        topics: [topic],
        ...workerOptions,
        consumerId: 'w1',
        log: (level, msg, fields) => {
          DEBUG?.(level, msg, fields);
          if (level === 'error') failed();
        },
      });
      const running = first.run();
      await failure;
      await broker.publish(
        Array.from({ length: EXTRA }, (_, i) => ({
          topic,
          key: `k${i % 5}`,
          value: value(RECORDS - EXTRA + i),
        })),
      );
      await assert.rejects(running, (e) => {
        assert.ok(isHeroflowError(e, 'HF_STORAGE_IO'), String(e));
        assert.ok(!e.message.includes(AZURITE_KEY), 'no key in the error');
        return true;
      });
      const committedBefore = first.stats().committed;
      assert.ok(
        committedBefore > 0 && committedBefore < RECORDS,
        `committed some files before the store died, not all (${committedBefore})`,
      );
      assert.ok(cut, 'the store was killed during an upload');
      await faulty.close();

      await emu.start();
      DEBUG?.('files', 'unacknowledged, dropped', await emu.dropUnacknowledged());
      const check = emu.storage({});
      const visible = await check.list();
      assert.ok(!visible.includes(cut as string), `the cut upload ${cut} is not visible`);
      for (const path of visible) await readMetadata(check, path); // every visible object is a whole Parquet file

      const second = new Worker({
        broker,
        storage: emu.storage({}),
        topics: [topic],
        ...workerOptions,
        consumerId: 'w2',
        idleExitMs: 1500,
      });
      await second.run();
      const rows = await allRows(check, 'buffer_meta');
      DEBUG?.('files', 'after resume', {
        distinct: new Set(rows.map((r) => `${r.partition}@${r.offset}`)).size,
        p1max: Math.max(...rows.filter((r) => r.partition === 1).map((r) => Number(r.offset))),
        p0max: Math.max(...rows.filter((r) => r.partition === 0).map((r) => Number(r.offset))),
        cut,
        committedBefore,
        second: second.stats().consumed,
      });
      assert.equal(rows.length, RECORDS, 'every record once: nothing lost past a commit, replays overwrote');
      assert.equal(new Set(rows.map((r) => `${r.partition}@${r.offset}`)).size, RECORDS);
      assert.equal((await allRows(check, 'lib_server_game')).length, RECORDS);
      assert.ok(
        second.stats().consumed >= RECORDS - committedBefore,
        'the new worker consumed what was not committed',
      );
      await check.close();
      await broker.close();
      await emu.kill();
    });
  });
}
