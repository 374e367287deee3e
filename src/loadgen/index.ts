/** The loadgen part: seed 003's experiment producer (Avro events) and the consumer's printer. */
export {
  DEFAULT_RESEARCHER,
  type ExperimentSpec,
  expectedDurationMs,
  expectedEvents,
  expectedRate,
  parseLoad,
  readLoadFile,
} from './config.js';
export { type Printed, printEvent } from './consume.js';
export { epochSeconds, HEADER_RECORD_NAME, runExperiment } from './experiment.js';
export { checkSecretKey, decryptHash, encryptHash, type HashData, hashDataJson } from './hash.js';
export { decodeContainer, encodeContainer } from './ocf.js';
export { type ProducerHooks, type ProducerOptions, runProducer } from './producer.js';
export { pyFloat, pyRepr, pyStr } from './pydict.js';
export { avroType, type RecordName, SCHEMAS, WRITER_SCHEMA } from './schemas.js';
