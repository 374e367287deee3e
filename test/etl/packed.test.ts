/**
 * The packer writes each record's key, headers and msg_id as bytes (raw ones copied as the client gave
 * them, a position composed digit by digit): what the ETL thread reads back must be what the string
 * forms say (`messageId`, `key`, `headers`), on every path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Delivery, HEADER_MSG_ID } from '../../src/brokers/types.js';
import {
  ChunkPacker,
  F_HEADERS,
  F_HEADERS_END,
  F_KEY,
  F_KEY_END,
  packedMsgId,
} from '../../src/etl/packed.js';
import { keySizeOf, messageId } from '../../src/etl/record.js';
import { delivery } from './fixtures.js';

const VALUE = '{"level":"INFO"}';
const bytes = (s: string) => new Uint8Array(Buffer.from(s));

/** A delivery as the Kafka adapter makes it: raw bytes, strings decoded from them. */
function rawDelivery(init: {
  key?: Uint8Array;
  headers?: Record<string, Uint8Array>;
  offset?: bigint;
}): Delivery {
  const d = delivery(VALUE, { offset: init.offset ?? 7n, topic: 'lib.server.game', partition: 3 });
  const headers = init.headers
    ? Object.fromEntries(Object.entries(init.headers).map(([k, v]) => [k, Buffer.from(v).toString()]))
    : undefined;
  return {
    ...d,
    key: init.key ? Buffer.from(init.key).toString() : undefined,
    headers,
    rawKey: init.key,
    rawHeaders: init.headers,
  };
}

function packOne(d: Delivery) {
  const p = new ChunkPacker();
  p.pack(d, keySizeOf(d));
  const c = p.take();
  const m = c.meta;
  const text = (from: number, to: number) => Buffer.from(c.bytes.subarray(m[from], m[to])).toString();
  const headerBytes = c.bytes.subarray(m[F_HEADERS], m[F_HEADERS_END]);
  const headers: string[] = [];
  for (let at = 0; at < headerBytes.length; ) {
    const n =
      headerBytes[at] |
      (headerBytes[at + 1] << 8) |
      (headerBytes[at + 2] << 16) |
      (headerBytes[at + 3] << 24);
    headers.push(Buffer.from(headerBytes.subarray(at + 4, at + 4 + n)).toString());
    at += 4 + n;
  }
  return {
    msgId: packedMsgId(c, 0),
    key: m[F_KEY] < 0 ? undefined : text(F_KEY, F_KEY_END),
    headers,
  };
}

describe('ChunkPacker: key, headers and msg_id as bytes', () => {
  it('a position msg_id (no header) is topic/partition@offset, as messageId says', () => {
    for (const offset of [0n, 9n, 10n, 1234567n, BigInt(Number.MAX_SAFE_INTEGER)]) {
      const d = delivery(VALUE, { offset, topic: 'lib.server.game', partition: 12 });
      assert.equal(packOne(d).msgId, messageId(d));
    }
  });

  it('an offset past 2^53 and a delivery without an offset fall back to their text ids', () => {
    const big = delivery(VALUE, { offset: 2n ** 60n, partition: 1 });
    assert.equal(packOne(big).msgId, messageId(big));
    const tag = delivery(VALUE, { id: 'task_lib.server.game#42' });
    assert.equal(packOne(tag).msgId, 'task_lib.server.game#42');
  });

  it('the msg-id header wins over the position, from strings and from raw bytes alike', () => {
    const s = delivery(VALUE, { offset: 5n, headers: { [HEADER_MSG_ID]: 'abc123', other: 'x' }, key: 'g1' });
    const packedS = packOne(s);
    assert.equal(packedS.msgId, 'abc123');
    assert.equal(packedS.key, 'g1');
    assert.deepEqual(packedS.headers, [`${HEADER_MSG_ID}=abc123`, 'other=x']);
    const r = rawDelivery({
      key: bytes('g1'),
      headers: { [HEADER_MSG_ID]: bytes('abc123'), other: bytes('x') },
    });
    assert.deepEqual(packOne(r), packedS);
    assert.equal(packOne(r).msgId, messageId(r));
  });

  it('raw bytes that are not ASCII go through the decoded strings (never invalid UTF-8 in a column)', () => {
    const invalid = new Uint8Array([0x67, 0xff, 0x31]);
    const r = rawDelivery({ key: invalid, headers: { [HEADER_MSG_ID]: invalid } });
    const p = packOne(r);
    assert.equal(p.key, 'g\uFFFD1');
    assert.equal(p.msgId, 'g\uFFFD1');
    assert.equal(keySizeOf(r), Buffer.byteLength('g\uFFFD1'));
    const ascii = rawDelivery({ key: bytes('game-7') });
    assert.equal(keySizeOf(ascii), 6);
    assert.equal(packOne(ascii).key, 'game-7');
  });
});
