/**
 * Storage upload bench: heroflow's backends (the official SDKs behind src/storage/) against Apache OpenDAL
 * 0.49.2 (one native library for all three stores), on the emulators scripts/services.sh starts.
 *
 *   scripts/services.sh up moto azurite fakegcs
 *   node --import tsx bench/storage.ts [--small 200] [--small-kib 256] [--large 6] [--large-mib 24] [--concurrency 4]
 *   node --import tsx bench/storage.ts --only s3:sdk,s3:opendal
 *   (the OpenDAL cases need `npm install --no-save opendal@0.49.2` first: it is not a dependency)
 *
 * Each case runs in its own child process (so RSS belongs to one client) and writes the same incompressible
 * bytes: `--small` objects of `--small-kib` KiB with `--concurrency` writes in flight (files/s, the worker's
 * many-small-Parquet-files shape) and `--large` objects of `--large-mib` MiB one after another (MB/s; the SDK
 * backends go multipart above 8 MiB with 4 parts in flight, OpenDAL writes 8 MiB chunks). Every object is
 * read back once and compared. Prints one row per case: files/s, MB/s, RSS after loading the client and
 * peak RSS. The emulators (moto is Python, Azurite is Node, fake-gcs-server is Go, all on this machine's 2
 * cores) are the bottleneck, so compare clients on the same store, not stores with each other or with a cloud.
 *
 *   node --import tsx bench/storage.ts --pipeline [--players 40] [--games 10]
 *
 * The pipeline with each output: `heroflow demo --seed 3 --out <memory:// | dir | s3:// | gs:// | az://>`
 * as a user runs it (simulator, memory broker, 2 workers, Parquet), once per output: records consumed per
 * second of wall time and the process's peak RSS (/usr/bin/time). The simulator's own time is in every
 * row, so the differences between rows are what the output costs.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AZURITE_KEY,
  createBucket,
  EMULATORS,
  emulatorEnv,
  type ObjectStoreName,
  SCHEME,
  useEmulatorEnv,
} from '../test/storage/object-stores.js';
import { benchArgs } from './cli-args.js';

const CASES = [
  'file:sdk',
  's3:sdk',
  's3:opendal',
  'gcs:sdk',
  'gcs:opendal',
  'azure:sdk',
  'azure:opendal',
] as const;
const cli = benchArgs({
  usage: `usage: node --import tsx bench/storage.ts [options]
  --small N          small objects per case, written --concurrency at a time (default 200, at least 2)
  --small-kib N      KiB per small object (default 256)
  --large N          large objects per case, one after another (default 6)
  --large-mib N      MiB per large object (default 24)
  --concurrency N    small writes in flight (default 4)
  --only a,b         cases: ${CASES.join(', ')} (default all; opendal ones when it is installed)
  --pipeline         instead: heroflow demo once per output (memory, dir, s3, gs, az) (default off)
  --players N        with --pipeline: the demo's --players (default 40)
  --games N          with --pipeline: the demo's --games (default 10)
  --case C           internal: run one case in this process (default: none)
  --bucket NAME      internal: the bucket --case writes to (default: none)
  --help             this text`,
  options: {
    small: { type: 'string', default: '200' },
    'small-kib': { type: 'string', default: '256' },
    large: { type: 'string', default: '6' },
    'large-mib': { type: 'string', default: '24' },
    concurrency: { type: 'string', default: '4' },
    only: { type: 'string' },
    case: { type: 'string' },
    bucket: { type: 'string' },
    pipeline: { type: 'boolean', default: false },
    players: { type: 'string', default: '40' },
    games: { type: 'string', default: '10' },
  },
});
const args = cli.values;
// The read-back compares small object 1 and the last large one.
const small = cli.wholeNumber('small', 2);
const smallBytes = cli.wholeNumber('small-kib') * 1024;
const large = cli.wholeNumber('large');
const largeBytes = cli.wholeNumber('large-mib') * 1024 * 1024;
const concurrency = cli.wholeNumber('concurrency');
const only = args.only === undefined ? undefined : cli.listOf('only', CASES);
const oneCase = args.case === undefined ? undefined : cli.oneOf('case', CASES);
cli.wholeNumber('players');
cli.wholeNumber('games');
const MB = 1e6;

interface Writer {
  write(path: string, data: Buffer): Promise<void>;
  read(path: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** What the bench uses of OpenDAL's Operator (typed here: the package is not a dependency). */
interface OpendalOperator {
  write(path: string, data: Buffer, options?: { chunk: bigint }): Promise<void>;
  read(path: string): Promise<Uint8Array>;
}
type OpendalModule = { Operator: new (scheme: string, options: Record<string, string>) => OpendalOperator };
/** A variable, so that type-checking does not look for the package. */
const OPENDAL = 'opendal';

async function opendalWriter(store: ObjectStoreName, bucket: string): Promise<Writer> {
  const { Operator } = (await import(OPENDAL)) as OpendalModule;
  let op: OpendalOperator;
  if (store === 's3') {
    const env = emulatorEnv('s3');
    op = new Operator('s3', {
      bucket,
      root: '/bench',
      endpoint: EMULATORS.s3,
      region: 'us-east-1',
      access_key_id: env.AWS_ACCESS_KEY_ID,
      secret_access_key: env.AWS_SECRET_ACCESS_KEY,
      disable_config_load: 'true',
      disable_ec2_metadata: 'true',
    });
  } else if (store === 'azure') {
    op = new Operator('azblob', {
      container: bucket,
      root: '/bench',
      endpoint: EMULATORS.azure,
      account_name: 'devstoreaccount1',
      account_key: AZURITE_KEY,
    });
  } else {
    op = new Operator('gcs', {
      bucket,
      root: '/bench',
      endpoint: EMULATORS.gcs,
      allow_anonymous: 'true',
      disable_vm_metadata: 'true',
      disable_config_load: 'true',
    });
  }
  const CHUNK = 8 * 1024 * 1024;
  return {
    write: async (path, data) => {
      // OpenDAL 0.49.2 writes GCS chunks through the XML multipart API (?uploads), which fake-gcs-server
      // does not serve ("invalid uploadType"): on GCS it sends each object in one request.
      const chunked = data.byteLength > CHUNK && store !== 'gcs';
      await op.write(path, data, chunked ? { chunk: BigInt(CHUNK) } : undefined);
    },
    read: async (path) => op.read(path),
    close: async () => {},
  };
}

async function sdkWriter(store: ObjectStoreName | 'file', bucket: string): Promise<Writer> {
  const { openStorage } = await import('../src/storage/index.js');
  const url = store === 'file' ? bucket : `${SCHEME[store]}://${bucket}/bench`;
  const s = openStorage(url);
  return { write: (p, d) => s.write(p, d), read: (p) => s.read(p), close: () => s.close() };
}

/** One case, in this (child) process: prints one JSON line. */
async function runCase(name: string) {
  const [store, client] = name.split(':') as [ObjectStoreName | 'file', 'sdk' | 'opendal'];
  const smallData = Array.from({ length: 8 }, () => randomBytes(smallBytes));
  const largeData = randomBytes(largeBytes);
  const rssStart = process.memoryUsage().rss;
  let dir = '';
  let bucket: string;
  if (store === 'file') {
    dir = mkdtempSync(join(tmpdir(), 'heroflow-bench-storage-'));
    bucket = dir;
  } else {
    useEmulatorEnv(store);
    bucket = args.bucket as string; // made by the parent, so this process loads only the client it measures
  }
  const w =
    client === 'sdk' ? await sdkWriter(store, bucket) : await opendalWriter(store as ObjectStoreName, bucket);
  // Warm-up: connections, credentials, first request.
  await w.write('warmup/0', smallData[0]);
  const rssLoaded = process.memoryUsage().rss;

  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < small) {
        const i = next++;
        await w.write(`small/${String(i).padStart(5, '0')}.parquet`, smallData[i % smallData.length]);
      }
    }),
  );
  const smallS = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  for (let i = 0; i < large; i++) await w.write(`large/${i}.parquet`, largeData);
  const largeS = (performance.now() - t1) / 1000;

  // Read back one of each and compare (a bench that writes garbage measures nothing).
  const a = await w.read('small/00001.parquet');
  const b = await w.read(`large/${large - 1}.parquet`);
  if (!Buffer.from(a).equals(smallData[1]) || !Buffer.from(b).equals(largeData))
    throw new Error(`${name}: read-back differs`);
  await w.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    JSON.stringify({
      case: name,
      smallFilesPerS: small / smallS,
      smallMBps: (small * smallBytes) / MB / smallS,
      largeMBps: (large * largeBytes) / MB / largeS,
      rssStartMB: rssStart / MB,
      rssLoadedMB: rssLoaded / MB,
      peakRssMB: peak / MB,
    }),
  );
}

async function runPipeline() {
  const { BIN, ensureBuilt } = await import('../test/helpers/cli.js');
  ensureBuilt();
  const outs: Array<[string, ObjectStoreName | 'memory' | 'file']> = [
    ['memory://', 'memory'],
    ['dir', 'file'],
    ['s3', 's3'],
    ['gs', 'gcs'],
    ['az', 'azure'],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'heroflow-bench-pipeline-'));
  console.log(
    `pipeline bench: heroflow demo --seed 3 --players ${args.players} --games ${args.games} (memory broker, 2 workers); Node ${process.version}`,
  );
  console.log('| output | records | wall s | records/s | files | peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [label, store] of outs) {
    let out = label;
    let env: Record<string, string> = {};
    if (store === 'file') out = join(dir, 'out');
    else if (store !== 'memory') {
      env = emulatorEnv(store);
      useEmulatorEnv(store);
      out = `${SCHEME[store]}://${await createBucket(store, 'pipe')}/superhero`;
    }
    const t0 = performance.now();
    const r = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        'maxrss_kib=%M',
        process.execPath,
        BIN,
        'demo',
        '--seed',
        '3',
        '--players',
        String(args.players),
        '--games',
        String(args.games),
        '--out',
        out,
        '--json',
      ],
      { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 900_000 },
    );
    const wall = (performance.now() - t0) / 1000;
    const rss = Number(/maxrss_kib=(\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
    try {
      const j = JSON.parse(r.stdout);
      console.log(
        `| ${store === 'memory' ? 'memory://' : store === 'file' ? 'local dir' : `${SCHEME[store]}://`} | ${j.workers.consumed} | ${wall.toFixed(1)} | ${(j.workers.consumed / wall).toFixed(0)} | ${j.workers.files} | ${rss.toFixed(0)} |`,
      );
    } catch {
      console.log(
        `| ${label} | failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 200)} | | | | |`,
      );
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

if (args.pipeline) {
  await runPipeline();
} else if (oneCase) {
  await runCase(oneCase);
} else {
  // OpenDAL is not a dependency (npm ci needs every platform package of it in the lock, and the registry
  // here does not serve them for 0.49.2): its cases run when it is installed by hand.
  const haveOpendal = await import(OPENDAL).then(
    () => true,
    () => false,
  );
  if (!haveOpendal) console.log('(opendal cases skipped: `npm install --no-save opendal@0.49.2` to compare)');
  const cases = (only ?? CASES).filter((c) => haveOpendal || !c.endsWith(':opendal'));
  const self = fileURLToPath(import.meta.url);
  const passOn = ['small', 'small-kib', 'large', 'large-mib', 'concurrency'].flatMap((k) => [
    `--${k}`,
    String(args[k as keyof typeof args]),
  ]);
  console.log(
    `storage bench: ${args.small} × ${args['small-kib']} KiB (${args.concurrency} in flight), ${args.large} × ${args['large-mib']} MiB sequential; Node ${process.version}`,
  );
  console.log(
    '| case | small files/s | small MB/s | large MB/s | RSS before client MB | RSS client loaded MB | peak RSS MB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const c of cases) {
    const store = c.split(':')[0] as ObjectStoreName | 'file';
    const bucket = store === 'file' ? [] : ['--bucket', await createBucket(store, 'bench')];
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', c, ...passOn, ...bucket], {
      env: { ...process.env, ...(store === 'file' ? {} : emulatorEnv(store)) },
      encoding: 'utf8',
      timeout: 600_000,
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      const j = JSON.parse(line);
      const f = (n: number, d = 1) => n.toFixed(d);
      console.log(
        `| ${c} | ${f(j.smallFilesPerS, 0)} | ${f(j.smallMBps)} | ${f(j.largeMBps)} | ${f(j.rssStartMB, 0)} | ${f(j.rssLoadedMB, 0)} | ${f(j.peakRssMB, 0)} |`,
      );
    } catch {
      const why = (r.stderr || r.stdout || String(r.error))
        .trim()
        .split('\n')
        .slice(-3)
        .join(' ')
        .slice(0, 300);
      console.log(`| ${c} | failed: ${why} | | | | | |`);
    }
  }
}
