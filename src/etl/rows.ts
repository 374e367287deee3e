/**
 * The four per-message tables of one segment, and how one validated record becomes their rows
 * (derivations: reference/upstream.md §3.2). etl_meta is written per flush by the segment itself.
 * Records come packed (packed.ts): the ETL thread fills these builders from chunk spans.
 *
 * buffer_meta mirrors the broker record as upstream's aiokafka ConsumerRecord did: `checksum` null (v2
 * record batches carry none), `key` "" with size -1 when there is no key, `timestamp_type` 0 (CreateTime),
 * `_is_protocol` false. Headers, empty upstream, are kept as `name=value` strings so they stay readable in
 * list<utf8> without a second column.
 */

import { RepeatedUtf8 } from './columns.js';
import {
  F_HEADERS,
  F_HEADERS_END,
  F_ID,
  F_ID_END,
  F_KEY,
  F_KEY_END,
  F_PARTITION,
  F_TIME,
  F_VALUE,
  F_VALUE_END,
  type PackedChunk,
  packedOffset,
  STRIDE,
} from './packed.js';
import type { RecordValues } from './record.js';
import { KIND_GAME, KIND_LOBBY, type RecordScanner } from './scan-record.js';
import {
  BUFFER_META,
  LIB_SERVER_GAME,
  LIB_SERVER_LOBBY,
  LOG_META,
  type TableName,
  type TableSpec,
} from './schemas.js';
import { TableBuilder } from './table-builder.js';

function bufferColumns(t: TableBuilder) {
  return {
    etlId: t.constant('etl_id'),
    msgId: t.utf8('msg_id'),
    checksum: t.utf8('checksum'),
    headers: t.utf8List('headers'),
    key: t.utf8('key'),
    offset: t.int64('offset'),
    partition: t.fixed('partition'),
    keySize: t.fixed('serialized_key_size'),
    valueSize: t.fixed('serialized_value_size'),
    timestamp: t.int64('timestamp'),
    timestampType: t.fixed('timestamp_type'),
    topic: t.constant('topic'),
    isProtocol: t.bool('_is_protocol'),
  };
}

function logColumns(t: TableBuilder) {
  return {
    etlId: t.constant('etl_id'),
    msgId: t.utf8('msg_id'),
    level: t.utf8('level'),
    timestamp: t.int64('timestamp'),
    name: t.utf8('name'),
    logMessage: t.utf8('log_message'),
  };
}

function lobbyColumns(t: TableBuilder) {
  return {
    etlId: t.constant('etl_id'),
    msgId: t.utf8('msg_id'),
    timestamp: t.int64('timestamp'),
    gameToken: t.utf8('game_token'),
    userToken: t.utf8('user_token'),
    heroId: t.fixed('superhero_id'),
    attack: t.int64('superhero_attack'),
    health: t.int64('superhero_health'),
  };
}

function gameColumns(t: TableBuilder) {
  return {
    etlId: t.constant('etl_id'),
    msgId: t.utf8('msg_id'),
    timestamp: t.int64('timestamp'),
    gameToken: t.utf8('game_token'),
    userToken: t.utf8('user_token'),
    action: t.utf8('action'),
    enemyToken: t.utf8('enemy_token'),
    damage: t.int64('enemy_damage'),
    healthPrior: t.int64('enemy_health_prior'),
    healthPost: t.int64('enemy_health_post'),
  };
}

export class SegmentRows {
  readonly buffer: TableBuilder;
  readonly log: TableBuilder;
  readonly lobby: TableBuilder;
  readonly game: TableBuilder;
  /** etl_id and topic are the segment's, in every row: laid out once, shared by the tables. */
  private readonly repeated: RepeatedUtf8[];
  private readonly b: ReturnType<typeof bufferColumns>;
  private readonly l: ReturnType<typeof logColumns>;
  private readonly lo: ReturnType<typeof lobbyColumns>;
  private readonly g: ReturnType<typeof gameColumns>;
  private readonly withBuffer: boolean;
  private readonly withLog: boolean;
  private readonly withLobby: boolean;
  private readonly withGame: boolean;
  private count = 0;

  /** `topic`: the segment's; `only`: the tables to build (default all); appends to the others are skipped. */
  constructor(etlId: string, topic: string, only?: ReadonlySet<TableName>) {
    const etl = new RepeatedUtf8(etlId);
    const topicRows = new RepeatedUtf8(topic);
    this.repeated = [etl, topicRows];
    this.buffer = new TableBuilder(BUFFER_META, { etl_id: etl, topic: topicRows });
    this.log = new TableBuilder(LOG_META, { etl_id: etl });
    this.lobby = new TableBuilder(LIB_SERVER_LOBBY, { etl_id: etl });
    this.game = new TableBuilder(LIB_SERVER_GAME, { etl_id: etl });
    this.b = bufferColumns(this.buffer);
    this.l = logColumns(this.log);
    this.lo = lobbyColumns(this.lobby);
    this.g = gameColumns(this.game);
    this.withBuffer = only?.has('buffer_meta') ?? true;
    this.withLog = only?.has('log_meta') ?? true;
    this.withLobby = only?.has('lib_server_lobby') ?? true;
    this.withGame = only?.has('lib_server_game') ?? true;
  }

  /** The tables built, in write order, with their builders. */
  tables(): [TableSpec, TableBuilder][] {
    const out: [TableSpec, TableBuilder][] = [];
    if (this.withBuffer) out.push([BUFFER_META, this.buffer]);
    if (this.withLog) out.push([LOG_META, this.log]);
    if (this.withLobby) out.push([LIB_SERVER_LOBBY, this.lobby]);
    if (this.withGame) out.push([LIB_SERVER_GAME, this.game]);
    return out;
  }

  /** Starts again empty in the same buffers, once every table's finish() has been copied out. */
  reset(): void {
    this.buffer.reset();
    this.log.reset();
    this.lobby.reset();
    this.game.reset();
    this.count = 0;
  }

  /** Records appended so far. */
  get records(): number {
    return this.count;
  }

  byteLength(): number {
    let n = this.buffer.byteLength() + this.log.byteLength() + this.lobby.byteLength();
    n += this.game.byteLength();
    for (const r of this.repeated) n += r.byteLength();
    return n;
  }

  /** Record `i` of the chunk, validated by the generic path (record.ts). */
  append(c: PackedChunk, i: number, v: RecordValues): void {
    this.appendBuffer(c, i);
    if (this.withLog) {
      const l = this.l;
      l.etlId.append();
      l.msgId.append(v.msgId);
      l.level.append(v.level);
      l.timestamp.append(v.timestamp);
      l.name.append(v.name);
      l.logMessage.append(v.logMessage);
    }

    if (v.lobby !== null && this.withLobby) {
      const lo = this.lo;
      const { timestamp, gameToken } = v.lobby;
      for (const hero of v.lobby.heroes) {
        lo.etlId.append();
        lo.msgId.append(v.msgId);
        if (timestamp === null) lo.timestamp.appendNull();
        else lo.timestamp.append(timestamp);
        lo.gameToken.append(gameToken);
        lo.userToken.append(hero.userToken);
        if (hero.id === null) lo.heroId.appendNull();
        else lo.heroId.append(hero.id);
        lo.attack.append(hero.attack);
        lo.health.append(hero.health);
      }
    }

    if (v.game !== null && this.withGame) {
      const g = this.g;
      const x = v.game;
      g.etlId.append();
      g.msgId.append(v.msgId);
      g.timestamp.append(x.timestamp);
      g.gameToken.append(x.gameToken);
      g.userToken.append(x.userToken);
      g.action.append(x.action);
      if (x.enemyToken === null) g.enemyToken.appendNull();
      else g.enemyToken.append(x.enemyToken);
      g.damage.append(x.damage);
      g.healthPrior.append(x.healthPrior);
      g.healthPost.append(x.healthPost);
    }
  }

  /** Record `i` of the chunk, read by the fast path: the same rows, copied from the scanner's spans. */
  appendScanned(c: PackedChunk, i: number, s: RecordScanner): void {
    this.appendBuffer(c, i);
    const bytes = c.bytes;
    const id0 = c.meta[i * STRIDE + F_ID] | 0;
    const id1 = c.meta[i * STRIDE + F_ID_END] | 0;
    if (this.withLog) {
      const l = this.l;
      l.etlId.append();
      l.msgId.appendBytes(bytes, id0, id1);
      l.level.appendBytes(bytes, s.level0, s.level1);
      l.timestamp.append(s.timestamp);
      l.name.appendBytes(bytes, s.name0, s.name1);
      l.logMessage.appendBytes(bytes, s.message0, s.message1);
    }

    if (s.kind === KIND_LOBBY && this.withLobby) {
      const lo = this.lo;
      const h = s.heroes;
      for (let k = 0; k < h.count; k++) {
        lo.etlId.append();
        lo.msgId.appendBytes(bytes, id0, id1);
        if (Number.isNaN(s.taskTime)) lo.timestamp.appendNull();
        else lo.timestamp.append(s.taskTime);
        lo.gameToken.appendBytes(bytes, s.game0, s.game1);
        lo.userToken.appendBytes(bytes, h.tokenStart[k], h.tokenEnd[k]);
        lo.heroId.append(h.id[k]);
        lo.attack.append(h.attack[k]);
        lo.health.append(h.health[k]);
      }
    } else if (s.kind === KIND_GAME && this.withGame) {
      const g = this.g;
      g.etlId.append();
      g.msgId.appendBytes(bytes, id0, id1);
      g.timestamp.append(s.taskTime);
      g.gameToken.appendBytes(bytes, s.game0, s.game1);
      g.userToken.appendBytes(bytes, s.user0, s.user1);
      g.action.appendBytes(bytes, s.action0, s.action1);
      if (s.enemy0 < 0) g.enemyToken.appendNull();
      else g.enemyToken.appendBytes(bytes, s.enemy0, s.enemy1);
      g.damage.append(s.damage);
      g.healthPrior.append(s.prior);
      g.healthPost.append(s.post);
    }
  }

  private appendBuffer(c: PackedChunk, i: number): void {
    this.count++;
    if (!this.withBuffer) return;
    const b = this.b;
    const m = c.meta;
    const at = i * STRIDE;
    const bytes = c.bytes;
    b.etlId.append();
    b.msgId.appendBytes(bytes, m[at + F_ID] | 0, m[at + F_ID_END] | 0);
    b.checksum.appendNull();
    b.headers.appendPacked(bytes, m[at + F_HEADERS] | 0, m[at + F_HEADERS_END] | 0);
    const key = m[at + F_KEY] | 0;
    if (key < 0) b.key.append('');
    else b.key.appendBytes(bytes, key, m[at + F_KEY_END] | 0);
    const offset = packedOffset(c, i);
    if (offset === undefined) b.offset.appendNull();
    else b.offset.append(offset);
    b.partition.append(m[at + F_PARTITION]);
    b.keySize.append(key < 0 ? -1 : (m[at + F_KEY_END] | 0) - key);
    b.valueSize.append((m[at + F_VALUE_END] | 0) - (m[at + F_VALUE] | 0));
    b.timestamp.append(Math.floor(m[at + F_TIME]));
    b.timestampType.append(0);
    b.topic.append();
    b.isProtocol.append(false);
  }
}
