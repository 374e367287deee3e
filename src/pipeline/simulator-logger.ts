/**
 * The transport for a simulator process (server, players, demo). Without LOGGER_MODULE, records go to
 * the broker the URL names, under upstream's module name for it (`rabbit` for AMQP, `redis`, `kafka`…).
 */
import { type Broker, type BrokerKind, brokerKind, openBroker, type WireFormat } from '../brokers/index.js';
import {
  createSimulatorLogger,
  type KeyBy,
  type SimulatorLogger,
  type SimulatorLoggerOptions,
} from '../transport/index.js';

/** Upstream's LOGGER_MODULE for a broker kind (lib/utils/loggers/<module>.py). */
export function loggerModuleFor(kind: BrokerKind): string {
  if (kind === 'amqp') return 'rabbit';
  return kind.split('+')[0];
}

/**
 * A logger for a process of its own: its transport thread opens the broker by URL. A memory:// broker
 * would reach nobody from there, so then records go to stdout only (upstream's `default`) unless
 * LOGGER_MODULE asks otherwise, in which case the broker is opened here and returned for closing.
 */
export async function openSimulatorLogger(s: {
  broker: string;
  loggerModule?: string;
  logLevel: string;
  wire?: WireFormat;
  keyBy?: KeyBy;
}): Promise<{ logger: SimulatorLogger; broker?: Broker }> {
  const kind = brokerKind(s.broker);
  const loggerModule = s.loggerModule ?? (kind === 'memory' ? 'default' : loggerModuleFor(kind));
  const level = s.logLevel.toUpperCase();
  if (loggerModule === 'default') return { logger: createSimulatorLogger({ loggerModule, level }) };
  const { wire, keyBy } = s;
  if (kind === 'memory') {
    const broker = await openBroker(s.broker, { wire });
    return { logger: createSimulatorLogger({ loggerModule, level, broker, wire, keyBy }), broker };
  }
  return { logger: createSimulatorLogger({ loggerModule, level, brokerUrl: s.broker, wire, keyBy }) };
}

/** A logger publishing through a broker this process already has open (the demo). */
export function brokerSimulatorLogger(
  broker: Broker,
  s: {
    loggerModule?: string;
    logLevel: string;
    clock?: SimulatorLoggerOptions['clock'];
    wire?: WireFormat;
    keyBy?: KeyBy;
  },
): SimulatorLogger {
  return createSimulatorLogger({
    loggerModule: s.loggerModule ?? loggerModuleFor(broker.kind),
    level: s.logLevel.toUpperCase(),
    broker,
    stdout: false,
    clock: s.clock,
    wire: s.wire,
    keyBy: s.keyBy,
  });
}
