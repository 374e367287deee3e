/** The brokers part: the contract, opening a broker by URL, and helpers adapters share. */
export { brokerKind, brokerSchemes, type OpenBroker, openBroker } from './registry.js';
export * from './types.js';
export { redactUrl } from './util/redact-url.js';
