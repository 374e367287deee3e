/**
 * A second "host" on this machine: a Linux network namespace (`ip netns`, root only) with nothing but its
 * own loopback, from which chosen TCP ports of 127.0.0.1 reach the real servers through a bridge:
 *
 *   worker in the namespace → 127.0.0.1:<port> in the namespace (a forwarder process started there)
 *     → a Unix socket (the file system is shared across namespaces) → this process → 127.0.0.1:<port>
 *
 * So a broker that advertises 127.0.0.1:9092 works unchanged from inside. `cut()` takes the namespace's
 * loopback down: every packet of the host's connections is dropped from then on — no FIN, no RST — which is
 * what a network partition looks like to the broker and to the worker (a kill would close the sockets);
 * `heal()` brings it up again and the same connections carry on (TCP retransmits what was dropped).
 * `sentBytes` counts what the host's processes sent towards the servers, so a test can prove the cut held.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Inside the namespace: listen on 127.0.0.1:<port> for each `port=socket` argument, pipe to the socket. */
const FORWARDER = `
const net = require('node:net');
for (const spec of process.argv.slice(1)) {
  const [port, sock] = spec.split('=');
  net.createServer((c) => { const u = net.connect(sock); c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); })
    .listen(Number(port), '127.0.0.1', () => console.log('listening ' + port));
}`;

/** Whether this machine lets us make a namespace; the reason (the command's own error) when it does not. */
export async function netnsUnavailable(): Promise<string | undefined> {
  const name = `hfprobe${process.pid}`;
  try {
    await run('ip', ['netns', 'add', name]);
    await run('ip', ['netns', 'del', name]);
    return undefined;
  } catch (err) {
    return `network namespaces are not available here: \`ip netns add\` failed: ${String((err as { stderr?: string }).stderr || (err as Error).message).trim()}`;
  }
}

export class NetnsHost {
  readonly #servers: net.Server[] = [];
  readonly #children: ChildProcess[] = [];
  #forwarder: ChildProcess | undefined;
  #sent = 0;

  private constructor(
    readonly name: string,
    readonly dir: string,
  ) {}

  /** A namespace named `name` whose 127.0.0.1:<port> reaches this machine's, for every port given. */
  static async create(name: string, ports: number[]): Promise<NetnsHost> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `heroflow-${name}-`));
    await run('ip', ['netns', 'add', name]);
    const host = new NetnsHost(name, dir);
    try {
      await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
      const specs: string[] = [];
      for (const port of ports) {
        const sock = path.join(dir, `${port}.sock`);
        const server = net.createServer((c) => {
          const up = net.connect({ host: '127.0.0.1', port });
          c.on('data', (b: Buffer) => {
            host.#sent += b.length;
          });
          c.pipe(up).pipe(c);
          c.on('error', () => up.destroy());
          up.on('error', () => c.destroy());
        });
        await new Promise<void>((r) => server.listen(sock, r));
        host.#servers.push(server);
        specs.push(`${port}=${sock}`);
      }
      const fwd = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', FORWARDER, ...specs], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      host.#forwarder = fwd;
      let said = '';
      await new Promise<void>((resolve, reject) => {
        fwd.stdout?.on('data', (b) => {
          said += b;
          if (ports.every((p) => said.includes(`listening ${p}`))) resolve();
        });
        fwd.once('exit', (code) => reject(new Error(`the forwarder in ${name} exited with ${code}`)));
      });
      return host;
    } catch (err) {
      await host.destroy();
      throw err;
    }
  }

  /** Starts `argv` inside the namespace (e.g. node bin/heroflow.js worker …). */
  spawn(argv: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.push(child);
    return child;
  }

  /** Bytes the host's processes have sent to the servers through the bridge so far. */
  get sentBytes(): number {
    return this.#sent;
  }

  /** The partition: the namespace's loopback goes down, its packets are dropped. */
  async cut(): Promise<void> {
    await run('ip', ['netns', 'exec', this.name, 'ip', 'link', 'set', 'lo', 'down']);
  }

  /** The partition ends: the loopback comes up again, packets flow on the connections that survived. */
  async heal(): Promise<void> {
    await run('ip', ['netns', 'exec', this.name, 'ip', 'link', 'set', 'lo', 'up']);
  }

  async destroy(): Promise<void> {
    for (const c of [...this.#children, this.#forwarder]) {
      if (c && c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }
    }
    await Promise.all(this.#servers.map((s) => new Promise((r) => s.close(r))));
    await run('ip', ['netns', 'del', this.name]).catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
