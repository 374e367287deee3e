/**
 * The four per-message tables of one segment, and how one validated record becomes their rows
 * (derivations: reference/upstream.md §3.2). etl_meta is written per flush by the segment itself.
 *
 * buffer_meta mirrors the broker record as upstream's aiokafka ConsumerRecord did: `checksum` null (v2
 * record batches carry none), `key` "" with size -1 when there is no key, `timestamp_type` 0 (CreateTime),
 * `_is_protocol` false. Headers, empty upstream, are kept as `name=value` strings so they stay readable in
 * list<utf8> without a second column.
 */
import type { Delivery } from '../brokers/types.js';
import type { RecordValues } from './record.js';
import { KIND_GAME, KIND_LOBBY, type RecordScanner } from './scan-record.js';
import { BUFFER_META, LIB_SERVER_GAME, LIB_SERVER_LOBBY, LOG_META, type TableSpec } from './schemas.js';
import { TableBuilder } from './table-builder.js';

function bufferColumns(t: TableBuilder) {
  return {
    etlId: t.utf8('etl_id'),
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
    topic: t.utf8('topic'),
    isProtocol: t.bool('_is_protocol'),
  };
}

function logColumns(t: TableBuilder) {
  return {
    etlId: t.utf8('etl_id'),
    msgId: t.utf8('msg_id'),
    level: t.utf8('level'),
    timestamp: t.int64('timestamp'),
    name: t.utf8('name'),
    logMessage: t.utf8('log_message'),
  };
}

function lobbyColumns(t: TableBuilder) {
  return {
    etlId: t.utf8('etl_id'),
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
    etlId: t.utf8('etl_id'),
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
  readonly buffer = new TableBuilder(BUFFER_META);
  readonly log = new TableBuilder(LOG_META);
  readonly lobby = new TableBuilder(LIB_SERVER_LOBBY);
  readonly game = new TableBuilder(LIB_SERVER_GAME);
  private readonly b = bufferColumns(this.buffer);
  private readonly l = logColumns(this.log);
  private readonly lo = lobbyColumns(this.lobby);
  private readonly g = gameColumns(this.game);

  constructor(readonly etlId: string) {}

  /** The tables in write order, with their builders. */
  tables(): [TableSpec, TableBuilder][] {
    return [
      [BUFFER_META, this.buffer],
      [LOG_META, this.log],
      [LIB_SERVER_LOBBY, this.lobby],
      [LIB_SERVER_GAME, this.game],
    ];
  }

  byteLength(): number {
    return (
      this.buffer.byteLength() + this.log.byteLength() + this.lobby.byteLength() + this.game.byteLength()
    );
  }

  /** A record validated by the generic path (record.ts). `keySize`: UTF-8 size of the key, -1 without one. */
  append(d: Delivery, keySize: number, v: RecordValues): void {
    this.appendBuffer(d, keySize, v.msgId);
    const { etlId } = this;
    const l = this.l;
    l.etlId.append(etlId);
    l.msgId.append(v.msgId);
    l.level.append(v.level);
    l.timestamp.append(v.timestamp);
    l.name.append(v.name);
    l.logMessage.append(v.logMessage);

    if (v.lobby !== null) {
      const lo = this.lo;
      const { timestamp, gameToken } = v.lobby;
      for (const hero of v.lobby.heroes) {
        lo.etlId.append(etlId);
        lo.msgId.append(v.msgId);
        if (timestamp === null) lo.timestamp.appendNull();
        else lo.timestamp.append(timestamp);
        lo.gameToken.append(gameToken);
        lo.userToken.append(hero.userToken);
        lo.heroId.append(hero.id);
        lo.attack.append(hero.attack);
        lo.health.append(hero.health);
      }
    }

    if (v.game !== null) {
      const g = this.g;
      const x = v.game;
      g.etlId.append(etlId);
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

  /** A record read by the fast path: the same rows, copied from the scanner's spans. */
  appendScanned(d: Delivery, keySize: number, msgId: string, s: RecordScanner): void {
    this.appendBuffer(d, keySize, msgId);
    const { etlId } = this;
    const value = s.value;
    const l = this.l;
    l.etlId.append(etlId);
    l.msgId.append(msgId);
    l.level.appendBytes(value, s.level0, s.level1);
    l.timestamp.append(s.timestamp);
    l.name.appendBytes(value, s.name0, s.name1);
    l.logMessage.appendBytes(value, s.message0, s.message1);

    const task = value;
    if (s.kind === KIND_LOBBY) {
      const lo = this.lo;
      const h = s.heroes;
      for (let i = 0; i < h.count; i++) {
        lo.etlId.append(etlId);
        lo.msgId.append(msgId);
        if (Number.isNaN(s.taskTime)) lo.timestamp.appendNull();
        else lo.timestamp.append(s.taskTime);
        lo.gameToken.appendBytes(task, s.game0, s.game1);
        lo.userToken.appendBytes(task, h.tokenStart[i], h.tokenEnd[i]);
        lo.heroId.append(h.id[i]);
        lo.attack.append(h.attack[i]);
        lo.health.append(h.health[i]);
      }
    } else if (s.kind === KIND_GAME) {
      const g = this.g;
      g.etlId.append(etlId);
      g.msgId.append(msgId);
      g.timestamp.append(s.taskTime);
      g.gameToken.appendBytes(task, s.game0, s.game1);
      g.userToken.appendBytes(task, s.user0, s.user1);
      g.action.appendBytes(task, s.action0, s.action1);
      if (s.enemy0 < 0) g.enemyToken.appendNull();
      else g.enemyToken.appendBytes(task, s.enemy0, s.enemy1);
      g.damage.append(s.damage);
      g.healthPrior.append(s.prior);
      g.healthPost.append(s.post);
    }
  }

  private appendBuffer(d: Delivery, keySize: number, msgId: string): void {
    const b = this.b;
    b.etlId.append(this.etlId);
    b.msgId.append(msgId);
    b.checksum.appendNull();
    b.headers.appendEntries(d.headers);
    b.key.append(d.key ?? '');
    if (d.offset === undefined) b.offset.appendNull();
    else b.offset.append(d.offset);
    b.partition.append(d.partition);
    b.keySize.append(keySize);
    b.valueSize.append(d.value.byteLength);
    b.timestamp.append(Math.floor(d.timestamp));
    b.timestampType.append(0);
    b.topic.append(d.topic);
    b.isProtocol.append(false);
  }
}
