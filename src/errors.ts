/**
 * One error type for the whole project, with a stable code from a closed list.
 * `docs/errors.md` documents every code; test/errors.test.ts keeps the two in step.
 * The message says what was wrong and what to do about it.
 */
export const ERROR_CODES = {
  HF_CONFIG_INVALID: 'A setting (flag or environment variable) has a value that is not allowed.',
  HF_USAGE: 'The command line could not be parsed (unknown flag, missing argument).',
  HF_BROKER_URL: 'A broker URL has a scheme no adapter handles, or a malformed host/port.',
  HF_BROKER_UNREACHABLE: 'The broker did not answer within the bounded connect retry.',
  HF_BROKER_AUTH: 'The broker refused the credentials (user, password, token, NKey, SASL).',
  HF_BROKER_TLS:
    'The TLS handshake with the broker failed (certificate not trusted or refused, TLS/plaintext mismatch).',
  HF_BROKER_CLOSED: 'An operation was attempted on a broker or subscription that was closed.',
  HF_CLOSED: 'An operation was attempted on a part that was closed (the Parquet sink, an offset store).',
  HF_BROKER_UNSUPPORTED: 'The adapter cannot do what was asked (see its declared capabilities).',
  HF_BROKER_BUSY:
    'The broker refused a consumer because its subscription is taken (a Pulsar Exclusive subscription that has its consumer, or one of another type).',
  HF_STORAGE_URL:
    'An output URL has a scheme no storage handles, or the credentials/endpoint it needs are missing or malformed.',
  HF_STORAGE_IO: 'Writing or reading output failed.',
  HF_STORAGE_EXISTS: 'A conditional create found an object already at the path; nothing was written.',
  HF_STATE_URL: 'A state store URL has a scheme no store handles.',
  HF_STATE_INVALID:
    'Stored offset state is not what the seed keys hold (JSON partition → integer), or saving it failed.',
  HF_ROSTER_INVALID: 'A hero roster file could not be read or is not in the superhero API format.',
  HF_MESSAGE_INVALID: 'A message in a stream is malformed (not JSON, missing fields, wrong types).',
  HF_MESSAGE_TOO_LARGE:
    'A message is larger than the broker accepts (Kafka max.message.bytes); it was not published and retrying cannot help.',
  HF_BROKER_REJECTED:
    'The broker refused a publish for good (an invalid record, a forbidden topic); retrying cannot help.',
  HF_PIPELINE_STALLED:
    'Workers stopped making progress before they consumed everything that was published (a broker gone, a worker stuck).',
  HF_SERVICE_MISSING: 'A test or command needs a server that is not running.',
  HF_UNEXPECTED:
    'Something heroflow did not foresee failed (a bug): the message says what; HEROFLOW_DEBUG=1 shows the stack.',
  HF_SUPERHERO_API: 'Pulling heroes from the superhero API failed (network, API_TOKEN, or an error answer).',
  HF_WORKLOAD_INVALID:
    'A workload definition (workloads file or REST body) is malformed or has a limit out of range.',
  HF_WORKLOAD_QUEUE_FULL: 'The global permit pool refused a task: its queue and its waiting offers are full.',
  HF_QUERY_NO_OUTPUT: 'heroflow query found no Parquet file of the five tables where --out points.',
  HF_QUERY_SQL: 'The SQL given to heroflow query --sql failed in DuckDB (syntax, unknown table or column).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes that mean "what you gave me is wrong": the CLI exits 2 for them, 1 for the rest. */
export const BAD_INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'HF_CONFIG_INVALID',
  'HF_USAGE',
  'HF_BROKER_URL',
  'HF_BROKER_UNSUPPORTED',
  'HF_STORAGE_URL',
  'HF_STATE_URL',
  'HF_ROSTER_INVALID',
  'HF_QUERY_SQL',
  'HF_WORKLOAD_INVALID',
]);

export class HeroflowError extends Error {
  readonly code: ErrorCode;
  /** Process exit code a CLI should use when this error ends a command. */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HeroflowError';
    this.code = code;
    this.exitCode = options?.exitCode ?? (BAD_INPUT_CODES.has(code) ? 2 : 1);
  }
}

export function isHeroflowError(err: unknown, code?: ErrorCode): err is HeroflowError {
  return err instanceof HeroflowError && (code === undefined || err.code === code);
}
