/**
 * A broker server of a chaos run's or a bench's own (bench/chaos.ts, `heroflow bench`'s broker-restarted
 * scenario), on a free port with a data directory of its own, so that it can be SIGKILLed and restarted
 * without touching the shared servers of scripts/services.sh or the user's (other engineers' tests use
 * those). The restart reuses the port and the data directory: what the server made durable before the
 * kill must be there after it.
 *
 *   redis-server  append-only file, fsync every write (appendfsync always): an acknowledged XADD survives
 *                 a SIGKILL (the AOF is written before the reply; `always` also survives a power cut);
 *   nats-server   JetStream with file storage (a process kill keeps what it wrote: it is in the page cache);
 *   mosquitto     persistence on, autosave after every change (autosave_on_changes 1); mosquitto writes its
 *                 database only at autosave, so queued QoS 1 messages are exactly as durable as that;
 *   kafka         one KRaft node from scripts/services/kafka.sh's jars (private-kafka.ts); a process kill
 *                 keeps what the log holds (the page cache), as for NATS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ownChild } from './children.js';
import { kafkaCommand } from './private-kafka.js';

export type PrivateKind = 'redis' | 'nats' | 'mosquitto' | 'kafka';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function command(kind: PrivateKind, port: number, dir: string): Promise<string[]> {
  if (kind === 'kafka') return kafkaCommand(port, dir, freePort);
  if (kind === 'redis') {
    return [
      'redis-server',
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
      ...['--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'no'],
    ];
  }
  if (kind === 'nats') return ['nats-server', '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir];
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      'autosave_on_changes true',
      'max_queued_messages 0',
      '',
    ].join('\n'),
  );
  return ['mosquitto', '-c', conf];
}

export class PrivateServer {
  #child: ChildProcess | undefined;
  #log = '';
  restarts = 0;

  private constructor(
    readonly kind: PrivateKind,
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(kind: PrivateKind): Promise<PrivateServer> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `heroflow-private-${kind}-`));
    const s = new PrivateServer(kind, await freePort(), dir);
    try {
      await s.#launch();
    } catch (err) {
      await s.stop();
      throw err;
    }
    return s;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #launch(): Promise<void> {
    const [cmd, ...args] = await command(this.kind, this.port, this.dir);
    const child = ownChild(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    // A missing binary (ENOENT) is an 'error' event, not an exit: without a listener it would end the process.
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });
    const keep = (b: Buffer) => {
      this.#log = (this.#log + b.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#child = child;
    // A JVM (Kafka) recovering its log on a busy machine takes far longer than a redis-server.
    const deadline = Date.now() + (this.kind === 'kafka' ? 180_000 : 30_000);
    while (!(await portOpen(this.port))) {
      if (spawnError) throw new Error(`private ${this.kind}: cannot run ${cmd}: ${spawnError.message}`);
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`private ${this.kind} on port ${this.port} did not start: ${this.#log.slice(-800)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL, `downMs` with nothing listening, then the same server on the same port and data. */
  async killAndRestart(downMs: number): Promise<void> {
    await this.#kill();
    await new Promise((r) => setTimeout(r, downMs));
    await this.#launch();
    this.restarts++;
  }

  async #kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.#kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
