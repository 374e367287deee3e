/**
 * One Delivery → the values of its rows, fully validated before any row is appended, or a typed
 * rejection. Never throws for bad input: a malformed message must not stop the batch around it.
 *
 * The value is upstream's envelope `{level, timestamp, name, log_message, task?}` (reference/upstream.md
 * §2.2). It may arrive double-encoded (upstream's Redis handler publishes `json.dumps(json.dumps(dict))`),
 * and `task` may be a JSON string (lobby/game frames) or an object (`Cleaning Game Records`). `task` is only
 * parsed for the two messages that produce task rows, so an odd task elsewhere still yields log rows.
 */
import { type Delivery, HEADER_MSG_ID, positionId } from '../brokers/types.js';
import { isAscii } from './packed.js';
import { parseIsoTimestamp } from './timestamps.js';

export type RejectReason =
  | 'not_utf8'
  | 'not_json'
  | 'not_object'
  | 'missing_field'
  | 'wrong_type'
  | 'out_of_range'
  | 'bad_timestamp';

export interface Rejection {
  readonly reason: RejectReason;
  /** Path of the offending field (`task.PAYLOAD.GAME_TOKEN`), when one field is to blame. */
  readonly field?: string;
}

export interface LobbyHero {
  readonly userToken: string;
  /**
   * null when upstream's server logged a player without a hero (`{"id": null, "attack": 0, "health": 0}`):
   * the row is written with a null superhero_id, as upstream's ETL does, not dead-lettered.
   */
  readonly id: number | null;
  readonly attack: number;
  readonly health: number;
}

export interface LobbyValues {
  /** Whole seconds as epoch ms; null for simulator versions whose START frame has no TIMESTAMP. */
  readonly timestamp: number | null;
  readonly gameToken: string;
  readonly heroes: readonly LobbyHero[];
}

export interface GameValues {
  readonly timestamp: number;
  readonly gameToken: string;
  readonly userToken: string;
  readonly action: string;
  readonly enemyToken: string | null;
  readonly damage: number;
  readonly healthPrior: number;
  readonly healthPost: number;
}

export interface RecordValues {
  readonly msgId: string;
  readonly level: string;
  readonly timestamp: number;
  readonly name: string;
  readonly logMessage: string;
  readonly lobby: LobbyValues | null;
  readonly game: GameValues | null;
}

export const STARTING_MATCH = 'Starting Match';
export const ATTACK_COMPLETED = 'Attack Completed';

const INT16_MAX = 32767;
const UINT8_MAX = 255;
const UINT16_MAX = 65535;

/** Thrown internally and caught in parseRecord; never escapes this module. */
class Reject {
  constructor(
    readonly reason: RejectReason,
    readonly field?: string,
  ) {}
}

export function isRejection(x: RecordValues | Rejection): x is Rejection {
  return (x as Rejection).reason !== undefined;
}

export function describeRejection(r: Rejection): string {
  return r.field === undefined ? r.reason : `${r.reason}: ${r.field}`;
}

/** `msg_id`: the producer's id header, else the stable position, else the broker's delivery id. */
export function messageId(d: Delivery): string {
  const header = d.headers?.[HEADER_MSG_ID];
  if (header !== undefined) return header;
  return d.offset === undefined ? d.id : positionId(d.topic, d.partition, d.offset);
}

/** The key's size in bytes as buffer_meta records it (-1 without a key); the raw bytes when they are copied as they are. */
export function keySizeOf(d: Delivery): number {
  if (isAscii(d.rawKey)) return d.rawKey.byteLength;
  const key = d.key;
  return key === undefined ? -1 : Buffer.byteLength(key);
}

/** Checks the broker-side values that land in fixed-width buffer_meta columns. */
export function checkDelivery(d: Delivery, keySize: number): Rejection | undefined {
  if (!Number.isInteger(d.partition) || d.partition < 0 || d.partition > UINT8_MAX) {
    return { reason: 'out_of_range', field: 'partition' };
  }
  if (keySize > INT16_MAX) return { reason: 'out_of_range', field: 'serialized_key_size' };
  if (d.value.byteLength > INT16_MAX) return { reason: 'out_of_range', field: 'serialized_value_size' };
  return undefined;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(parent: Obj, key: string, path: string): Obj {
  const v = parent[key];
  if (v === undefined || v === null) throw new Reject('missing_field', path);
  if (!isObj(v)) throw new Reject('wrong_type', path);
  return v;
}

function str(parent: Obj, key: string, path: string): string {
  const v = parent[key];
  if (typeof v === 'string') return v;
  throw new Reject(v === undefined || v === null ? 'missing_field' : 'wrong_type', path);
}

/**
 * A non-negative integer ≤ max. Numbers beyond 2^53 are refused: JSON.parse has already rounded them, so
 * the exact value is lost. Decimal strings are accepted because upstream reads hero stats back from Redis.
 */
function uint(parent: Obj, key: string, path: string, max: number): number {
  let v = parent[key];
  if (v === undefined || v === null) throw new Reject('missing_field', path);
  if (typeof v === 'string' && /^\d{1,16}$/.test(v)) v = Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Reject('wrong_type', path);
  if (v < 0 || v > max) throw new Reject('out_of_range', path);
  return v;
}

function timestamp(text: string, path: string): number {
  const ms = parseIsoTimestamp(text);
  if (ms === undefined) throw new Reject('bad_timestamp', path);
  return ms;
}

/** `timestamp('s')` holds whole seconds; `.%f` fractions are truncated as a seconds cast does. */
function seconds(text: string, path: string): number {
  return Math.floor(timestamp(text, path) / 1000) * 1000;
}

function parseJson(text: string, path?: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Reject('not_json', path);
  }
}

function task(envelope: Obj): Obj {
  let t = envelope.task;
  if (t === undefined || t === null) throw new Reject('missing_field', 'task');
  if (typeof t === 'string') t = parseJson(t, 'task');
  if (!isObj(t)) throw new Reject('wrong_type', 'task');
  return t;
}

function lobby(envelope: Obj): LobbyValues {
  const t = task(envelope);
  const ts = t.TIMESTAMP;
  const payload = obj(t, 'PAYLOAD', 'task.PAYLOAD');
  const gameToken = str(payload, 'GAME_TOKEN', 'task.PAYLOAD.GAME_TOKEN');
  const byUser = obj(payload, 'PARTICIPANTS_HEROS', 'task.PAYLOAD.PARTICIPANTS_HEROS');
  const heroes: LobbyHero[] = [];
  for (const userToken in byUser) {
    const path = `task.PAYLOAD.PARTICIPANTS_HEROS.${userToken}`;
    const hero = obj(byUser, userToken, path);
    heroes.push({
      userToken,
      id: hero.id === null ? null : uint(hero, 'id', `${path}.id`, UINT16_MAX),
      attack: uint(hero, 'attack', `${path}.attack`, Number.MAX_SAFE_INTEGER),
      health: uint(hero, 'health', `${path}.health`, Number.MAX_SAFE_INTEGER),
    });
  }
  if (ts !== undefined && ts !== null && typeof ts !== 'string')
    throw new Reject('wrong_type', 'task.TIMESTAMP');
  return { timestamp: ts ? seconds(ts, 'task.TIMESTAMP') : null, gameToken, heroes };
}

function game(envelope: Obj): GameValues {
  const t = task(envelope);
  const payload = obj(t, 'PAYLOAD', 'task.PAYLOAD');
  const status = obj(t, 'STATUS', 'task.STATUS');
  const details = obj(status, 'DETAILS', 'task.STATUS.DETAILS');
  const enemy = details.ENEMY_TOKEN;
  if (enemy !== undefined && enemy !== null && typeof enemy !== 'string') {
    throw new Reject('wrong_type', 'task.STATUS.DETAILS.ENEMY_TOKEN');
  }
  const max = Number.MAX_SAFE_INTEGER;
  return {
    timestamp: seconds(str(t, 'TIMESTAMP', 'task.TIMESTAMP'), 'task.TIMESTAMP'),
    gameToken: str(payload, 'GAME_TOKEN', 'task.PAYLOAD.GAME_TOKEN'),
    userToken: str(payload, 'USER_TOKEN', 'task.PAYLOAD.USER_TOKEN'),
    action: str(status, 'ACTION', 'task.STATUS.ACTION'),
    enemyToken: enemy ?? null,
    damage: uint(details, 'ENEMY_DAMAGE', 'task.STATUS.DETAILS.ENEMY_DAMAGE', max),
    healthPrior: uint(details, 'ENEMY_HEALTH_PRIOR', 'task.STATUS.DETAILS.ENEMY_HEALTH_PRIOR', max),
    healthPost: uint(details, 'ENEMY_HEALTH_POST', 'task.STATUS.DETAILS.ENEMY_HEALTH_POST', max),
  };
}

/** The envelope of a delivery value: accepts the plain JSON object and the double-encoded Redis form. */
function envelopeOf(value: Uint8Array): Obj {
  let text: string;
  try {
    text = decoder.decode(value);
  } catch {
    throw new Reject('not_utf8');
  }
  let v = parseJson(text);
  if (typeof v === 'string') v = parseJson(v);
  if (!isObj(v)) throw new Reject('not_object');
  return v;
}

export function parseRecord(d: Delivery): RecordValues | Rejection {
  return parseValue(d.value, messageId(d));
}

/** The generic path on a message's bytes, with its msg_id (see messageId). */
export function parseValue(value: Uint8Array, msgId: string): RecordValues | Rejection {
  try {
    const envelope = envelopeOf(value);
    const logMessage = str(envelope, 'log_message', 'log_message');
    return {
      msgId,
      level: str(envelope, 'level', 'level'),
      timestamp: timestamp(str(envelope, 'timestamp', 'timestamp'), 'timestamp'),
      name: str(envelope, 'name', 'name'),
      logMessage,
      lobby: logMessage === STARTING_MATCH ? lobby(envelope) : null,
      game: logMessage === ATTACK_COMPLETED ? game(envelope) : null,
    };
  } catch (err) {
    if (err instanceof Reject)
      return err.field === undefined ? { reason: err.reason } : { reason: err.reason, field: err.field };
    throw err;
  }
}
