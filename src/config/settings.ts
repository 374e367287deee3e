/**
 * Every setting heroflow reads, in one table: its flag, its environment variable (upstream's names where
 * the seeds have one), a zod schema, a default and what is allowed. Commands pick the settings they use;
 * the CLI builds its flags from this table and validates every value through it, so a bad value gets
 * one line naming the setting, the value and what is allowed (exit code 2).
 */
import { z } from 'zod';
import { HeroflowError } from '../errors.js';
import { parseBytes, parseDurationMs } from './units.js';

export interface SettingDef<T = unknown> {
  /** Commander flag syntax, e.g. '--players <n>'. */
  flag: string;
  env?: string;
  help: string;
  /** Said in the error when a value is rejected. */
  allowed: string;
  schema: z.ZodType<T>;
  default?: T;
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(values));
/** Python-style booleans as upstream writes them (`True`, `False`) as well as 1/0, yes/no. */
const bool = z.preprocess((v) => {
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return v;
}, z.boolean());
const duration = z.preprocess(
  (v) => (typeof v === 'number' ? v : parseDurationMs(String(v))),
  z.number().int().min(0),
);
const bytes = z.preprocess(
  (v) => (typeof v === 'number' ? v : parseBytes(String(v))),
  z.number().int().min(1),
);
const url = (schemes: string) =>
  z.string().regex(/^[a-z][a-z0-9+.-]*:\/\//i, { message: `expected a URL like ${schemes}` });
const topicList = z.preprocess(
  (v) =>
    String(v)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  z.array(z.string().regex(/^[A-Za-z0-9._\-$/]+$/)).min(1),
);

/** The output tables a worker writes (etl/schemas.ts TABLES names); config cannot import etl. */
const TABLE_NAMES = ['etl_meta', 'buffer_meta', 'log_meta', 'lib_server_lobby', 'lib_server_game'] as const;
const tableList = z.preprocess(
  (v) => (Array.isArray(v) ? v : String(v).split(',')).map((s) => String(s).trim()).filter(Boolean),
  z.array(z.enum(TABLE_NAMES)).min(1),
);

export const SETTINGS = {
  broker: {
    flag: '--broker <url>',
    env: 'HEROFLOW_BROKER',
    help:
      'message broker URL: memory://, kafka://h:9092[,h2:9092], redis[+fanout|+streams]://h:6379/0, amqp://u:p@h:5672, nats://h:4222, mqtt://h:1883. ' +
      'TLS: rediss://, amqps://, mqtts:// or ?tls=true with ca=, cert=&key= or pfx=&passphrase= (or HEROFLOW_BROKER_CA/CERT/KEY/PFX/PASSPHRASE); ' +
      'credentials as user:pass@ (or HEROFLOW_BROKER_PASSWORD), Kafka sasl=plain|scram-sha-256|scram-sha-512, NATS token@, nkey=FILE, creds=FILE. ' +
      'Unknown parameters are errors. See docs/security.md',
    allowed:
      'a URL: memory://, redis://host:6379/0, redis+fanout://…, redis+streams://…, amqp://user:pass@host:5672, kafka://host:9092, nats://host:4222, mqtt://host:1883; TLS: rediss://, amqps://, mqtts:// or ?tls=true with ca=, cert=/key= or pfx=/passphrase=, Kafka sasl=plain|scram-sha-256|scram-sha-512, NATS nkey=/creds= (docs/security.md)',
    schema: url('memory://, kafka://127.0.0.1:9092'),
    default: 'memory://',
  },
  out: {
    flag: '--out <dir|url>',
    env: 'OUTPUT_DIR',
    help: 'where the Parquet tables go: a directory, file:///abs/dir, memory://, s3://bucket/prefix, gs://bucket/prefix or az://container/prefix (credentials from the environment: docs/storage.md)',
    allowed: 'a directory path or a URL (file://, memory://, s3://, gs://, az://)',
    schema: z.string().min(1),
    default: './output',
  },
  outputFs: {
    flag: '--output-fs <fs>',
    env: 'OUTPUT_FS',
    help: "upstream's output file system selector; a URL in --out wins",
    allowed: 'one of LOCAL, AWS (or S3), GCP (or GCS), AZURE',
    schema: z.preprocess(
      (v) => ({ s3: 'aws', gcs: 'gcp' })[String(v).trim().toLowerCase()] ?? v,
      oneOf(['local', 'aws', 'gcp', 'azure'] as const),
    ),
    default: 'local' as const,
  },
  loggerModule: {
    flag: '--logger-module <name>',
    env: 'LOGGER_MODULE',
    help: "logger name prefix; 'default' logs to stdout only (no broker transport). Default: the broker's scheme",
    allowed: 'a name of letters, digits, _ or -',
    schema: z.string().regex(/^[A-Za-z0-9_-]+$/),
  },
  maxPayload: {
    flag: '--max-payload <size>',
    env: 'HEROFLOW_MAX_PAYLOAD',
    help: 'largest WebSocket message the game server accepts; a bigger one closes the socket with code 1009',
    allowed: 'a size like 64KiB (at least 1KiB)',
    schema: bytes.pipe(z.number().min(1024)),
    default: 64 * 1024,
  },
  maxConnections: {
    flag: '--max-connections <n>',
    env: 'HEROFLOW_MAX_CONNECTIONS',
    help: 'open WebSocket connections the game server accepts; one more is closed with code 1013 (try again later)',
    allowed: 'an integer ≥ 1',
    schema: int(1),
    default: 1000,
  },
  loginRate: {
    flag: '--login-rate <n>',
    env: 'HEROFLOW_LOGIN_RATE',
    help: 'logins per second from one client address (bursts of twice that); more close the socket with code 1008. Bots log in once per game: 1,000 players at ~5 s a game is ~200/s from one host',
    allowed: 'an integer ≥ 1',
    schema: int(1),
    default: 500,
  },
  wire: {
    flag: '--wire <format>',
    env: 'HEROFLOW_WIRE',
    help: "how messages look on the broker: 'heroflow' (a msg-id header, RabbitMQ queues that dead-letter) or 'upstream' (exactly what the upstream Python programs publish and declare, so their workers read heroflow's records; msg_id then comes from the position — docs/brokers.md)",
    allowed: 'heroflow or upstream',
    schema: oneOf(['heroflow', 'upstream'] as const),
    default: 'heroflow' as const,
  },
  keyBy: {
    flag: '--key-by <what>',
    env: 'HEROFLOW_KEY_BY',
    help: "message key of transported records: 'game' keys each record by its GAME_TOKEN, so a game's records share a partition (Kafka) or key lane and keep their order there; 'none' leaves them unkeyed, as upstream",
    allowed: 'none or game',
    schema: oneOf(['none', 'game'] as const),
    default: 'none' as const,
  },
  logLevel: {
    flag: '--log-level <level>',
    env: 'LOG_LEVEL',
    help: 'lowest level logged (and transported)',
    allowed: 'one of DEBUG, INFO, WARNING, ERROR, CRITICAL',
    schema: oneOf(['debug', 'info', 'warning', 'warn', 'error', 'critical'] as const),
    default: 'info' as const,
  },
  seed: {
    flag: '--seed <n>',
    env: 'HEROFLOW_SEED',
    help: 'seed for a reproducible run (same games, same records, same file names)',
    allowed: 'an integer ≥ 0',
    schema: int(0, 2 ** 32 - 1),
  },
  players: {
    flag: '--players <n>',
    env: 'HEROFLOW_PLAYERS',
    help: 'bot players in the tournament',
    allowed: 'an integer from 2 to 100000',
    schema: int(2, 100_000),
    default: 20,
  },
  games: {
    flag: '--games <n>',
    env: 'CLIENT_GAMES',
    help: 'games each player plays (upstream CLIENT_GAMES)',
    allowed: 'an integer from 1 to 1000000',
    schema: int(1, 1_000_000),
    default: 10,
  },
  workers: {
    flag: '--workers <n>',
    env: 'HEROFLOW_WORKERS',
    help: 'workers consuming in one group',
    allowed: 'an integer from 1 to 64',
    schema: int(1, 64),
    default: 2,
  },
  heroes: {
    flag: '--heroes <file>',
    env: 'HEROFLOW_HEROES',
    help: 'a superhero.json in the upstream format (default: the bundled generated roster)',
    allowed: 'a path to a readable JSON file',
    schema: z.string().min(1),
  },
  topics: {
    flag: '--topics <list>',
    env: 'WORKER_CHANNEL',
    help: 'comma-separated topics the worker consumes',
    allowed: 'comma-separated topic names (letters, digits, . _ - $ /)',
    schema: topicList,
    default: ['lib.server.lobby', 'lib.server.game'],
  },
  group: {
    flag: '--group <name>',
    env: 'HEROFLOW_GROUP',
    help: 'consumer group (upstream: superhero_sim)',
    allowed: 'a non-empty name',
    schema: z.string().min(1),
    default: 'superhero_sim',
  },
  workerId: {
    flag: '--worker-id <id>',
    env: 'WORKER_ID',
    help: 'this member\'s name in its group; keep it across restarts where the broker keeps per-member state (MQTT sessions, Redis Streams pending entries, the fan-out channel); default: a random id (MQTT: "default", so give each MQTT worker its own)',
    allowed: 'letters, digits, ".", "_", "-" (1 to 64)',
    schema: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  },
  from: {
    flag: '--from <where>',
    env: 'HEROFLOW_FROM',
    help: 'where a group without committed offsets starts',
    allowed: 'earliest or latest',
    schema: oneOf(['earliest', 'latest'] as const),
    default: 'earliest' as const,
  },
  mode: {
    flag: '--mode <mode>',
    env: 'HEROFLOW_MODE',
    help: 'streaming: commit to the broker after each durable file; batch: offsets kept in --state, never committed',
    allowed: 'streaming or batch',
    schema: oneOf(['streaming', 'batch'] as const),
    default: 'streaming' as const,
  },
  state: {
    flag: '--state <url>',
    env: 'HEROFLOW_STATE',
    help: 'offset store for batch mode (default: redis from REDIS_HOST/REDIS_PORT/REDIS_DB)',
    allowed: 'a URL: redis://host:6379/0, file:///abs/dir, memory://',
    schema: url('redis://127.0.0.1:6379/0'),
  },
  batchSize: {
    flag: '--batch-size <n>',
    env: 'BATCH_SIZE',
    help: 'messages per partition before a batch-mode load (upstream BATCH_SIZE)',
    allowed: 'an integer ≥ 1',
    schema: int(1),
    default: 1000,
  },
  batchContinuous: {
    flag: '--batch-continuous <bool>',
    env: 'BATCH_CONTINUOUS',
    help: 'batch mode: run continuously (true) or one batch per message on the Redis channel --trigger-channel (false)',
    allowed: 'true or false',
    schema: bool,
    default: true,
  },
  triggerChannel: {
    flag: '--trigger-channel <name>',
    env: 'HEROFLOW_TRIGGER_CHANNEL',
    help: "batch mode with --batch-continuous false: the Redis channel whose messages each start one batch (upstream's WORKER_CHANNEL; default: the first of --topics, as upstream used one name for both)",
    allowed: 'a non-empty channel name',
    schema: z.string().min(1),
  },
  key: {
    flag: '--key <key>',
    env: 'HEROFLOW_KEY',
    help: 'message key for every published line (hashed to a partition); default: none',
    allowed: 'a string',
    schema: z.string(),
  },
  subGroup: {
    flag: '--group <name>',
    env: 'HEROFLOW_GROUP',
    help: 'consumer group (default: a new random group per run, like seed 003)',
    allowed: 'a non-empty name',
    schema: z.string().min(1),
  },
  commit: {
    flag: '--commit <when>',
    env: 'HEROFLOW_COMMIT',
    help: 'auto: commit each batch once printed; manual: commit each message once printed, saying so on stderr',
    allowed: 'auto or manual',
    schema: oneOf(['auto', 'manual'] as const),
    default: 'auto' as const,
  },
  maxMessages: {
    flag: '--max <n>',
    env: 'HEROFLOW_MAX',
    help: 'exit after this many messages (default: until SIGINT/SIGTERM)',
    allowed: 'an integer ≥ 1',
    schema: int(1),
  },
  rollRows: {
    flag: '--roll-rows <n>',
    env: 'HEROFLOW_ROLL_ROWS',
    help: 'a file rolls after this many messages',
    allowed: 'an integer ≥ 1',
    schema: int(1),
    default: 100_000,
  },
  rollBytes: {
    flag: '--roll-bytes <size>',
    env: 'HEROFLOW_ROLL_BYTES',
    help: 'a file rolls after this many input bytes (e.g. 64MiB)',
    allowed: 'a size like 65536, 512KiB, 64MiB',
    schema: bytes,
    default: 64 * 1024 ** 2,
  },
  rollAge: {
    flag: '--roll-age <duration>',
    env: 'HEROFLOW_ROLL_AGE',
    help: 'a file rolls after this long even when no message arrives (e.g. 10s)',
    allowed: 'a duration like 500ms, 10s, 5m',
    schema: duration,
    default: 10_000,
  },
  memoryBudget: {
    flag: '--memory-budget <size>',
    env: 'HEROFLOW_MEMORY_BUDGET',
    help: 'bytes buffered across all open files before the largest rolls',
    allowed: 'a size like 256MiB',
    schema: bytes,
    default: 64 * 1024 ** 2,
  },
  etlThreads: {
    flag: '--etl-threads <n>',
    env: 'HEROFLOW_ETL_THREADS',
    help: 'threads that parse, build columns and encode Parquet (more pay where the broker client leaves a core free)',
    allowed: 'an integer from 1 to 16',
    schema: int(1, 16),
    default: 1,
  },
  tables: {
    flag: '--tables <list>',
    env: 'HEROFLOW_TABLES',
    help: 'comma-separated output tables to write (fewer tables, less work: --tables lib_server_game)',
    allowed: `comma-separated names from ${TABLE_NAMES.join(', ')}`,
    schema: tableList,
    default: [...TABLE_NAMES],
  },
  compression: {
    flag: '--compression <codec>',
    env: 'HEROFLOW_COMPRESSION',
    help: 'Parquet compression codec (docs/parquet.md compares them)',
    allowed: 'one of zstd, snappy, gzip, lz4, brotli, none',
    schema: oneOf(['zstd', 'snappy', 'gzip', 'lz4', 'brotli', 'none'] as const),
    default: 'zstd' as const,
  },
  etlEngine: {
    flag: '--etl-engine <engine>',
    env: 'HEROFLOW_ETL_ENGINE',
    help: 'what reads the records into tables: native (the Rust engine built at install, ~1/3 of the CPU a record), js, or auto (native where it is built and the codec is zstd, else js)',
    allowed: 'one of auto, native, js',
    schema: oneOf(['auto', 'native', 'js'] as const),
    default: 'auto' as const,
  },
  idleExit: {
    flag: '--exit-when-idle <duration>',
    env: 'HEROFLOW_EXIT_WHEN_IDLE',
    help: 'stop after this long with nothing to read: partitions assigned, no rebalance under way, and where the broker can tell (Kafka), every partition of the topics read and written to its end by the group (default: run until SIGINT/SIGTERM)',
    allowed: 'a duration above zero like 500ms, 10s, 5m',
    schema: duration.pipe(z.number().min(1)),
  },
  redisHost: {
    flag: '--redis-host <host>',
    env: 'REDIS_HOST',
    help: 'Redis host (upstream)',
    allowed: 'a host name',
    schema: z.string().min(1),
    default: 'localhost',
  },
  redisPort: {
    flag: '--redis-port <port>',
    env: 'REDIS_PORT',
    help: 'Redis port (upstream)',
    allowed: 'a port 1–65535',
    schema: int(1, 65535),
    default: 6379,
  },
  redisDb: {
    flag: '--redis-db <n>',
    env: 'REDIS_DB',
    help: 'Redis database (upstream)',
    allowed: 'an integer from 0 to 15',
    schema: int(0, 15),
    default: 0,
  },
  redisExpiry: {
    flag: '--redis-expiry <seconds>',
    env: 'REDIS_EXPIRY',
    help: 'seconds before a finished game’s keys expire (upstream)',
    allowed: 'an integer ≥ 1',
    schema: int(1),
    default: 30,
  },
  // The game server and its bots (upstream py-superhero's environment, upstream.md §1.2).
  websocketHost: {
    flag: '--host <host>',
    env: 'WEBSOCKET_HOST',
    help: 'address the game server listens on (upstream WEBSOCKET_HOST)',
    allowed: 'a host name or IP address',
    schema: z.string().min(1),
    default: '127.0.0.1',
  },
  websocketPort: {
    flag: '--port <port>',
    env: 'WEBSOCKET_PORT',
    help: 'port of the game server (upstream WEBSOCKET_PORT; 0 = any free port)',
    allowed: 'a port 0–65535',
    schema: int(0, 65535),
    default: 5678,
  },
  serverUrl: {
    flag: '--url <ws-url>',
    env: 'HEROFLOW_SERVER_URL',
    help: 'game server the bots play on (default ws://WEBSOCKET_HOST:WEBSOCKET_PORT)',
    allowed: 'a URL like ws://127.0.0.1:5678',
    schema: z.string().regex(/^wss?:\/\/[^/]+\/?$/, { message: 'expected ws://host:port' }),
  },
  gameState: {
    flag: '--state <url>',
    env: 'HEROFLOW_GAME_STATE',
    help: 'game state store: memory:// (server default) or redis://host:6379/0 (db load and clean default to REDIS_HOST/REDIS_PORT/REDIS_DB)',
    allowed: 'a URL: memory:// or redis://host:6379/0',
    schema: url('memory://, redis://127.0.0.1:6379/0'),
  },
  serverSleep: {
    flag: '--server-sleep <seconds>',
    env: 'SERVER_SLEEP',
    help: "the server's lobby and turn tick in seconds (upstream SERVER_SLEEP; its compose sets 0.2)",
    allowed: 'a number of seconds ≥ 0, e.g. 0.2 or 0.005',
    schema: z.coerce.number().min(0).max(3600),
    default: 0.2,
  },
  lobbyTimeout: {
    flag: '--lobby-timeout <seconds>',
    env: 'LOBBY_TIMEOUT',
    help: 'seconds a lobby waits for players before `Game Timed Out` (upstream LOBBY_TIMEOUT)',
    allowed: 'a number of seconds ≥ 0',
    schema: z.coerce.number().min(0).max(86_400),
    default: 5,
  },
  clientSleep: {
    flag: '--client-sleep <seconds>',
    env: 'CLIENT_SLEEP',
    help: 'seconds a bot waits before retrying after a failed connection (upstream CLIENT_SLEEP)',
    allowed: 'a number of seconds ≥ 0',
    schema: z.coerce.number().min(0).max(3600),
    default: 1,
  },
  botCount: {
    flag: '--count <n>',
    env: 'HEROFLOW_BOTS',
    help: 'bots in this process',
    allowed: 'an integer from 1 to 100000',
    schema: int(1, 100_000),
    default: 50,
  },
  apiToken: {
    flag: '--api-token <token>',
    env: 'API_TOKEN',
    help: 'superheroapi.com token: db load pulls the heroes from the API when set and no --heroes is given',
    allowed: 'a non-empty token',
    schema: z.string().min(1),
  },
  cleanGroup: {
    flag: '--group <name>',
    env: 'HEROFLOW_CLEAN_GROUP',
    help: 'consumer group of the clean routine (apart from the ETL workers, so both see every record)',
    allowed: 'a non-empty name',
    schema: z.string().min(1),
    default: 'heroflow-clean',
  },
  // Seed 003's experiment producer (upstream.md §4.1) and what serves or reads its metrics.
  brokers: {
    flag: '-b, --brokers <list>',
    env: 'HEROFLOW_BROKERS',
    help: "upstream's Kafka bootstrap list (host:port,host:port → kafka://…) or any broker URL; wins over --broker",
    allowed: 'comma-separated host:port pairs, or a broker URL like redis+streams://127.0.0.1:6379/0',
    schema: z
      .string()
      .regex(/^([a-z][a-z0-9+.-]*:\/\/.+|[A-Za-z0-9.\-[\]:]+:\d{1,5}(,[A-Za-z0-9.\-[\]:]+:\d{1,5})*)$/i),
  },
  experimentTopic: {
    flag: '--topic <name>',
    env: 'HEROFLOW_TOPIC',
    help: 'topic the experiment events go to (upstream --topic)',
    allowed: 'a topic name (letters, digits, . _ - $ /)',
    schema: z.string().regex(/^[A-Za-z0-9._\-$/]+$/),
    default: 'experiment',
  },
  topicDocument: {
    flag: '--topic-document <name>',
    env: 'HEROFLOW_TOPIC_DOCUMENT',
    help: 'also send one experiment_document per experiment (its carry-out measurements) to this topic, without header',
    allowed: 'a topic name (letters, digits, . _ - $ /)',
    schema: z.string().regex(/^[A-Za-z0-9._\-$/]+$/),
  },
  configFile: {
    flag: '--config-file <path>',
    env: 'HEROFLOW_CONFIG_FILE',
    help: 'a load file: JSON array of experiments with start_time seconds (examples/loads/2.json); without it one experiment from the flags below',
    allowed: 'a path to a readable JSON file',
    schema: z.string().min(1),
  },
  secretKey: {
    flag: '--secret-key <key>',
    env: 'HEROFLOW_SECRET_KEY',
    help: 'AES-256-GCM key of measurement_hash (upstream default)',
    allowed: 'exactly 32 bytes of text',
    schema: z.string().refine((k) => Buffer.byteLength(k) === 32, { message: 'not 32 bytes' }),
    default: 'QJUHsPhnA0eiqHuJqsPgzhDozYO4f1zh',
  },
  numSensors: {
    flag: '--num-sensors <n>',
    env: 'HEROFLOW_NUM_SENSORS',
    help: 'sensors of the experiment',
    allowed: 'an integer from 1 to 1000000',
    schema: int(1, 1_000_000),
    default: 2,
  },
  sampleRate: {
    flag: '--sample-rate <ms>',
    env: 'HEROFLOW_SAMPLE_RATE',
    help: 'milliseconds between two measurements (upstream calls the period a rate); events/s = num-sensors × 1000 / sample-rate',
    allowed: 'an integer of milliseconds ≥ 0',
    schema: int(0, 86_400_000),
    default: 1000,
  },
  stabilizationSamples: {
    flag: '--stabilization-samples <n>',
    env: 'HEROFLOW_STABILIZATION_SAMPLES',
    help: 'measurements while the temperature moves to the middle of the range',
    allowed: 'an integer from 0 to 65535',
    schema: int(0, 65_535),
    default: 2,
  },
  carryOutSamples: {
    flag: '--carry-out-samples <n>',
    env: 'HEROFLOW_CARRY_OUT_SAMPLES',
    help: 'measurements of the random walk after experiment_started',
    allowed: 'an integer from 0 to 65535',
    schema: int(0, 65_535),
    default: 20,
  },
  startTemperature: {
    flag: '--start-temperature <t>',
    env: 'HEROFLOW_START_TEMPERATURE',
    help: 'temperature before stabilization',
    allowed: 'a number',
    schema: z.coerce.number().finite(),
    default: 16,
  },
  lowerThreshold: {
    flag: '--lower-threshold <t>',
    env: 'HEROFLOW_LOWER_THRESHOLD',
    help: 'lower end of the temperature range (≤ --upper-threshold)',
    allowed: 'a number not above --upper-threshold',
    schema: z.coerce.number().finite(),
    default: 25.5,
  },
  upperThreshold: {
    flag: '--upper-threshold <t>',
    env: 'HEROFLOW_UPPER_THRESHOLD',
    help: 'upper end of the temperature range',
    allowed: 'a number not below --lower-threshold',
    schema: z.coerce.number().finite(),
    default: 26.5,
  },
  storeDelay: {
    flag: '--store-delay <duration>',
    env: 'HEROFLOW_STORE_DELAY',
    help: "seed 003's commit demo: after printing a message, 'Start Storing', wait this long, 'End Storing', commit it, 'Message committed' (on stderr); a stop while storing leaves it uncommitted",
    allowed: 'a duration like 500ms, 10s',
    schema: duration,
  },
  producerMetricsPort: {
    flag: '--metrics-port <port>',
    env: 'HEROFLOW_METRICS_PORT',
    help: "port of GET /metrics (upstream's 3001; 0 = any free port, printed on stderr)",
    allowed: 'a port 0–65535',
    schema: int(0, 65535),
    default: 3001,
  },
  metricsPort: {
    flag: '--metrics-port <port>',
    env: 'HEROFLOW_METRICS_PORT',
    help: 'serve Prometheus metrics on GET /metrics at this port (0 = any free port, printed on stderr); default: off',
    allowed: 'a port 0–65535',
    schema: int(0, 65535),
  },
  metricsHost: {
    flag: '--metrics-host <host>',
    env: 'HEROFLOW_METRICS_HOST',
    help: 'address /metrics listens on (upstream listens on 0.0.0.0; heroflow on loopback unless told)',
    allowed: 'a host name or IP address',
    schema: z.string().min(1),
    default: '127.0.0.1',
  },
  workloadsFile: {
    flag: '--workloads <file>',
    env: 'HEROFLOW_WORKLOADS',
    help: 'JSON or YAML file of workloads (and optional pool/seed sections), read again every --poll-interval; examples/workloads/',
    allowed: 'a path to a .json or .yaml file',
    schema: z.string().min(1),
  },
  pollInterval: {
    flag: '--poll-interval <duration>',
    env: 'HEROFLOW_POLL_INTERVAL',
    help: 'how often the workloads file is read again (upstream: 5 s)',
    allowed: 'a duration like 500ms, 5s',
    schema: duration,
    default: 5000,
  },
  globalPermitLimit: {
    flag: '--global-permit-limit <n>',
    env: 'HEROFLOW_GLOBAL_PERMIT_LIMIT',
    help: "tasks running at once across all workloads; default: the file's pool section, else 5 (upstream part 3)",
    allowed: 'an integer ≥ 1',
    schema: int(1, 1_000_000),
  },
  maxTasksQueued: {
    flag: '--max-tasks-queued <n>',
    env: 'HEROFLOW_MAX_TASKS_QUEUED',
    help: "tasks that may wait for a permit; default: the file's pool section, else 20",
    allowed: 'an integer ≥ 0',
    schema: int(0, 1_000_000),
  },
  maxTasksWaiting: {
    flag: '--max-tasks-waiting <n>',
    env: 'HEROFLOW_MAX_TASKS_WAITING',
    help: "offers that may wait for room in the queue before a submit is refused; default: the file's pool section, else 10",
    allowed: 'an integer ≥ 0',
    schema: int(0, 1_000_000),
  },
  reportInterval: {
    flag: '--report-interval <duration>',
    env: 'HEROFLOW_REPORT_INTERVAL',
    help: "how often the pool's counters (running, queued, offered) are logged; 0 = never",
    allowed: 'a duration like 1s',
    schema: duration,
    default: 1000,
  },
  shutdownTimeout: {
    flag: '--shutdown-timeout <duration>',
    env: 'HEROFLOW_SHUTDOWN_TIMEOUT',
    help: 'how long each shutdown step (drain workloads, producers, client) may take before it is force-closed and logged (upstream: 1 min)',
    allowed: 'a duration like 30s, 1m',
    schema: duration,
    default: 60_000,
  },
  runFor: {
    flag: '--run-for <duration>',
    env: 'HEROFLOW_RUN_FOR',
    help: "shut down after this long (the seed's examples run 30–60 s); default: until SIGINT/SIGTERM",
    allowed: 'a duration like 30s',
    schema: duration,
  },
  restPort: {
    flag: '--rest-port <port>',
    env: 'HEROFLOW_REST_PORT',
    help: 'port of the workloads REST endpoint (POST/GET/DELETE /workloads/{name}, GET /workloads/{name}/stats; 0 = any free port); default: off',
    allowed: 'a port 0–65535',
    schema: int(0, 65535),
  },
  restHost: {
    flag: '--rest-host <host>',
    env: 'HEROFLOW_REST_HOST',
    help: 'address the REST endpoint listens on; any address but loopback requires --rest-token',
    allowed: 'a host name or IP address',
    schema: z.string().min(1),
    default: '127.0.0.1',
  },
  restToken: {
    flag: '--rest-token <token>',
    env: 'HEROFLOW_REST_TOKEN',
    help: 'bearer token the REST endpoint requires (Authorization: Bearer …)',
    allowed: '16 or more letters, digits, - or _',
    schema: z.string().regex(/^[A-Za-z0-9_-]{16,}$/),
  },
  dashboardHost: {
    flag: '--host <host>',
    env: 'HEROFLOW_DASHBOARD_HOST',
    help: 'address the dashboard listens on; any address but loopback requires a token',
    allowed: 'a host name or IP address',
    schema: z.string().min(1),
    default: '127.0.0.1',
  },
  dashboardPort: {
    flag: '--port <port>',
    env: 'HEROFLOW_DASHBOARD_PORT',
    help: 'port of the dashboard (0 = any free port)',
    allowed: 'a port 0–65535',
    schema: int(0, 65535),
    default: 3005,
  },
  dashboardToken: {
    flag: '--token <token>',
    env: 'HEROFLOW_DASHBOARD_TOKEN',
    help: 'token the page and its stream require (?token=…); default: none on loopback, a random one printed at start otherwise',
    allowed: '16 or more letters, digits, - or _',
    schema: z.string().regex(/^[A-Za-z0-9_-]{16,}$/),
  },
  queryFormat: {
    flag: '--format <format>',
    env: 'HEROFLOW_QUERY_FORMAT',
    help: 'how `heroflow query` prints its answer: an aligned text table, JSON (array of row objects) or CSV',
    allowed: 'one of text, json, csv',
    schema: oneOf(['text', 'json', 'csv'] as const),
    default: 'text' as const,
  },
  queryLimit: {
    flag: '--limit <n>',
    env: 'HEROFLOW_QUERY_LIMIT',
    help: 'most rows of the ranked questions (leaderboard, hero-win-rate); 0 = all',
    allowed: 'an integer ≥ 0',
    schema: int(0),
    default: 10,
  },
  queryBuckets: {
    flag: '--buckets <n>',
    env: 'HEROFLOW_QUERY_BUCKETS',
    help: 'equal-width buckets of the damage histogram',
    allowed: 'an integer 1–1000',
    schema: int(1, 1000),
    default: 10,
  },
  querySql: {
    flag: '--sql <query>',
    help: 'your own SQL instead of a ready question, over views named after the five tables (plus attacks, participants, game_results, dead_letters: docs/query.md)',
    allowed: 'a non-empty SQL statement',
    schema: z.string().trim().min(1),
  },
  queryWait: {
    flag: '--wait <duration>',
    env: 'HEROFLOW_QUERY_WAIT',
    help: 'dead letters: stop reading <topic>.dlq after this long without a message',
    allowed: 'a duration like 500ms, 2s',
    schema: duration,
    default: 2000,
  },
  scrape: {
    flag: '--scrape <targets>',
    env: 'HEROFLOW_SCRAPE',
    help: 'comma-separated /metrics endpoints to scrape every second: URLs or host:port (upstream --producer-connection style)',
    allowed: 'comma-separated http://host:port/metrics URLs or host:port pairs',
    schema: z.preprocess(
      (v) =>
        String(v)
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
          .map((t) => (/^https?:\/\//i.test(t) ? t : `http://${t}/metrics`)),
      z.array(z.string().url()).min(1),
    ),
    default: ['http://127.0.0.1:3001/metrics'],
  },
} satisfies Record<string, SettingDef<never> | SettingDef<unknown>>;

export type SettingName = keyof typeof SETTINGS;
type ValueOf<K extends SettingName> = (typeof SETTINGS)[K] extends SettingDef<infer T> ? T : never;
/** Settings with a default are always present; the others may be undefined. */
export type Settings<K extends SettingName> = {
  [P in K]: (typeof SETTINGS)[P] extends { default: unknown } ? ValueOf<P> : ValueOf<P> | undefined;
};

/** Where a raw value came from, for the error message. */
export type Source = 'flag' | 'env' | 'default';

export function describeSetting(name: SettingName): string {
  const s = SETTINGS[name] as SettingDef;
  // '-b, --brokers <list>' is named by its long flag.
  const flag = s.flag.split(/[ ,]+/).find((p) => p.startsWith('--')) ?? s.flag.split(' ')[0];
  return s.env ? `${flag} (env ${s.env})` : flag;
}

/** Validate one raw value; throws HF_CONFIG_INVALID naming the setting, the value and what is allowed. */
export function parseSetting<K extends SettingName>(name: K, raw: unknown): ValueOf<K> {
  const s = SETTINGS[name] as unknown as SettingDef<ValueOf<K>>;
  const r = s.schema.safeParse(raw);
  if (r.success) return r.data;
  throw new HeroflowError(
    'HF_CONFIG_INVALID',
    `Invalid ${describeSetting(name)}: ${JSON.stringify(raw)} is not allowed; expected ${s.allowed}.`,
  );
}

/**
 * Resolve settings from raw option values (flags already merged with env by the CLI). Missing values
 * take the default; values are validated through the table.
 */
export function resolveSettings<K extends SettingName>(
  names: readonly K[],
  raw: Partial<Record<K, unknown>>,
): Settings<K> {
  const out = {} as Record<K, unknown>;
  for (const name of names) {
    const value = raw[name];
    const s = SETTINGS[name] as SettingDef;
    out[name] = value === undefined ? s.default : parseSetting(name, value);
  }
  return out as Settings<K>;
}

/**
 * The pipeline's defaults, taken from the table above: the one place they are written down. Runners get
 * explicit values from settings; tests and benches that build a sink or worker by hand start from these.
 */
export const PIPELINE_DEFAULTS = {
  roll: {
    maxRows: SETTINGS.rollRows.default,
    maxBytes: SETTINGS.rollBytes.default,
    maxAgeMs: SETTINGS.rollAge.default,
  },
  memoryBudgetBytes: SETTINGS.memoryBudget.default,
  etlThreads: SETTINGS.etlThreads.default,
  compression: SETTINGS.compression.default,
} as const;
