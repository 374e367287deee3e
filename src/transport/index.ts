/** The transport: pino records → upstream envelopes → broker messages (the LOGGER_MODULE pattern). */
export type { BatchOptions, PublishTarget } from './batch-publisher.js';
export { BatchPublisher } from './batch-publisher.js';
export type { BrokerDestination, BrokerDestinationOptions } from './destination.js';
export { createBrokerDestination } from './destination.js';
export type { Envelope, PinoRecord } from './envelope.js';
export { levelName, pythonIsoformat, toEnvelope } from './envelope.js';
export { openFileSink } from './file-sink.js';
export type { SimulatorLogger, SimulatorLoggerOptions } from './logger.js';
export { createSimulatorLogger, defaultWorkerTarget, pinoLevel } from './logger.js';
export type { ModuleLoggers } from './logger-names.js';
export {
  DEFAULT_LOGGER_MODULE,
  loggerName,
  moduleLoggers,
  QUEUE_CLIENT,
  QUEUE_GAME,
  QUEUE_LOBBY,
  UPSTREAM_QUEUES,
} from './logger-names.js';
export { recordToMessage } from './message.js';
export { gameTokenOf, KEY_BY, type KeyBy } from './message-key.js';
export { pyJsonDumps } from './py-json.js';
export { createStdoutDestination, formatUpstreamLine, pythonAsctime } from './stdout.js';
