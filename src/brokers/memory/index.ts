/**
 * `memory://[name][?partitions=N&retention=N]` — the embedded in-process broker (see memory/broker.ts).
 * One instance per name; every open() of the same name shares it until the last handle closes.
 */
import { HeroflowError } from '../../errors.js';
import type { Broker, BrokerOptions } from '../types.js';
import { redactUrl } from '../util/redact-url.js';
import { MemoryBroker, MemoryInstance } from './broker.js';

export { MEMORY_CAPABILITIES, MemoryBroker } from './broker.js';

const DEFAULT_RETENTION = 1_000_000;
const PARAMS = ['partitions', 'retention'];

const instances = new Map<string, MemoryInstance>();

function positiveInt(url: string, name: string, raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new HeroflowError(
      'HF_BROKER_URL',
      `Broker URL ${redactUrl(url)} has ${name}=${raw}; it must be a positive integer (--broker / HEROFLOW_BROKER).`,
    );
  }
  return n;
}

export async function open(url: string, options: BrokerOptions = {}): Promise<Broker> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new HeroflowError(
      'HF_BROKER_URL',
      `Broker URL ${redactUrl(url)} is malformed (--broker / HEROFLOW_BROKER).`,
      {
        cause,
      },
    );
  }
  for (const key of parsed.searchParams.keys()) {
    if (!PARAMS.includes(key)) {
      throw new HeroflowError(
        'HF_BROKER_URL',
        `Broker URL ${redactUrl(url)} has an unknown parameter '${key}'; memory:// accepts ${PARAMS.join(', ')}.`,
      );
    }
  }
  const partitions = positiveInt(url, 'partitions', parsed.searchParams.get('partitions'));
  const retention = positiveInt(url, 'retention', parsed.searchParams.get('retention')) ?? DEFAULT_RETENTION;
  // The name is what identifies an instance; parameters only shape it when it is first created.
  const name = `${parsed.host}${parsed.pathname}`.replace(/\/+$/, '');
  let instance = instances.get(name);
  if (!instance) {
    instance = new MemoryInstance(name, { partitions, retention });
    instances.set(name, instance);
  }
  return new MemoryBroker(redactUrl(url), instance, options, (inst) => {
    inst.refs--;
    if (inst.refs === 0 && instances.get(inst.name) === inst) instances.delete(inst.name);
  });
}
