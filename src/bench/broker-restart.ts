/**
 * The broker-restarted scenario: the broker's server SIGKILLed at half of the records and started again
 * on the same port and data, with the delivery oracle over what came through. The bench never restarts
 * the server it was given (on this machine the shared servers of scripts/services.sh, which other tests
 * use; elsewhere the user's production brokers): it starts a private server of the same software on a
 * free port with its own data directory (private-server.ts) and runs the scenario there, with the
 * workload's settings and the broker URL's options (stream, prefix, db). So the figure is the broker
 * software's behaviour across a crash, configured as private-server.ts says, not the given deployment's.
 *
 * RabbitMQ has no private server here (an Erlang node, ~20 s and ~150 MB a start): its scenario is
 * reported as not run, with the reason, never silently skipped. Kafka's is one KRaft JVM from the jars
 * of scripts/services/kafka.sh (private-kafka.ts): ~15 s a start on this machine.
 */
import { type Broker, type BrokerKind, openBroker } from '../brokers/index.js';
import { type PrivateKind, PrivateServer } from './private-server.js';
import type { BrokerContext, RunResult, RunSpec } from './run.js';

/** Why a planned scenario did not run on a broker (the report shows it where its figures would be). */
export interface NotRun {
  label: string;
  /** Short, for a table cell. */
  reason: string;
  /** The longer why, for the findings. */
  detail: string;
}

const PRIVATE_KIND: Partial<Record<BrokerKind, PrivateKind>> = {
  redis: 'redis',
  'redis+fanout': 'redis',
  'redis+streams': 'redis',
  nats: 'nats',
  mqtt: 'mosquitto',
  kafka: 'kafka',
};

/** A TLS scheme's plain twin: the private server listens without TLS. */
const PLAIN_SCHEME: Record<string, string> = { 'rediss:': 'redis:', 'mqtts:': 'mqtt:' };
/** Query settings that belong to the given deployment (credentials, TLS), not to the private server. */
const DEPLOYMENT_PARAM = /tls|ssl|ca$|cert|key|pass|secret|token|user|auth/i;

/** The broker URL pointed at the private server: same scheme, path and options, no credentials or TLS. */
export function privateUrl(url: string, port: number): string {
  const u = new URL(url);
  const scheme = PLAIN_SCHEME[u.protocol] ?? u.protocol;
  const query = [...u.searchParams].filter(([k]) => !DEPLOYMENT_PARAM.test(k));
  const qs = query.length === 0 ? '' : `?${new URLSearchParams(query).toString()}`;
  return `${scheme}//127.0.0.1:${port}${u.pathname}${qs}`;
}

/** Why the scenario cannot run on this kind of broker, or undefined when a private server can stand in. */
export function restartNotRun(kind: BrokerKind, label: string): NotRun | undefined {
  if (PRIVATE_KIND[kind]) return undefined;
  if (kind === 'memory')
    return {
      label,
      reason: 'no server',
      detail: 'memory:// lives in the bench process: there is no broker server to restart',
    };
  return {
    label,
    reason: 'needs a private server',
    detail: `not run: needs a private server — the bench never restarts the ${kind} server it was given, and src/bench/private-server.ts starts Redis, NATS, Mosquitto and Kafka only`,
  };
}

/**
 * Runs `spec` on a private server of the broker's kind, restartable by the run's fault; returns the run,
 * or why it could not run (the server would not start: a missing binary, say).
 */
export async function runOnPrivateServer(
  ctx: BrokerContext,
  kind: BrokerKind,
  spec: RunSpec,
  run: (ctx: BrokerContext, spec: RunSpec) => Promise<RunResult>,
): Promise<RunResult | NotRun> {
  const privateKind = PRIVATE_KIND[kind];
  if (!privateKind) throw new Error(`no private server for ${kind}`);
  let server: PrivateServer;
  try {
    server = await PrivateServer.start(privateKind);
  } catch (err) {
    return {
      label: spec.label,
      reason: `private ${privateKind} did not start`,
      detail: `not run: ${(err as Error).message}`,
    };
  }
  let broker: Broker | undefined;
  try {
    const url = privateUrl(ctx.url, server.port);
    broker = await openBroker(url, { defaultPartitions: ctx.workload.partitions });
    const downMs = ctx.workload.brokerDownSeconds * 1000;
    const result = await run(
      {
        ...ctx,
        url,
        broker,
        serverPid: server.pid,
        restartServer: async () => {
          await server.killAndRestart(downMs);
          return server.pid;
        },
      },
      spec,
    );
    result.notes.unshift(
      `on a private ${privateKind} server (port ${server.port}, its own data directory: src/bench/private-server.ts), down ${downMs} ms`,
    );
    return result;
  } finally {
    await broker?.close().catch(() => {});
    await server.stop();
  }
}
