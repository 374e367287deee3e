/**
 * A private single-node Kafka (KRaft, broker and controller in one JVM) for private-server.ts, from the
 * jars scripts/services/kafka.sh resolves from Maven Central into its cache (no tarball here): the same
 * software as the shared broker, on free ports with its own data directory. The first launch writes the
 * properties (the controller port is fixed there, so a restart finds its quorum again) and formats the
 * storage; a restart only starts the JVM again on the same data.
 */
import { execFile } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where kafka.sh keeps the jars (same environment variables, same default version). */
export function kafkaLibs(env: NodeJS.ProcessEnv = process.env): string {
  const cache =
    env.HEROFLOW_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'heroflow');
  return path.join(cache, `kafka-${env.HEROFLOW_KAFKA_VERSION ?? '4.1.2'}`, 'libs');
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, never starting with '-'. */
function clusterId(): string {
  const id = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
  return id.startsWith('-') ? `A${id.slice(1)}` : id;
}

/** The command line of the Kafka JVM for `port`, preparing `dir` on the first call. */
export async function kafkaCommand(port: number, dir: string, controllerPort: () => Promise<number>) {
  const libs = kafkaLibs();
  if (!(await exists(path.join(libs, '.complete'))))
    throw new Error(`no Kafka jars in ${libs} (scripts/services.sh up kafka resolves them once)`);
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const cp = `${libs}/*`;
  const props = path.join(dir, 'server.properties');
  if (!(await exists(props))) {
    const controller = await controllerPort();
    await writeFile(
      props,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name=PLAINTEXT',
        'controller.listener.names=CONTROLLER',
        `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
        `log.dirs=${path.join(dir, 'data')}`,
        'num.partitions=1',
        'default.replication.factor=1',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        '',
      ].join('\n'),
    );
    // A short-lived tool: C1 only and a small heap start fastest (as kafka.sh formats it).
    await run(
      java,
      [
        ...['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', cp],
        ...['kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props, '--standalone'],
      ],
      { timeout: 120_000 },
    );
  }
  return [java, '-Xms128m', '-Xmx512m', '-XX:+ExitOnOutOfMemoryError', '-cp', cp, 'kafka.Kafka', props];
}
