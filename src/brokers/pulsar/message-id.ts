/**
 * The WebSocket API names a message by its MessageIdData protobuf, base64: ledger id (field 1), entry id
 * (2), partition (3, -1 when the topic has none), batch index (4). A topic's ledgers take increasing ids
 * and entries count up within a ledger, so `ledger << 32 | entry` is an offset that grows along the topic
 * and stays the same when the message is redelivered. (Messages are sent unbatched, so one per entry.)
 */

export interface PulsarPosition {
  ledger: bigint;
  entry: bigint;
  partition: number;
  offset: bigint;
}

export function decodeMessageId(base64: string): PulsarPosition {
  const bytes = Buffer.from(base64, 'base64');
  const fields = new Map<number, bigint>();
  let i = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; i < bytes.length; shift += 7n) {
      const b = bytes[i++];
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
    throw new Error(`truncated Pulsar message id ${base64}`);
  };
  while (i < bytes.length) {
    const tag = Number(varint());
    const wire = tag & 7;
    if (wire === 0) fields.set(tag >> 3, varint());
    else if (wire === 2)
      i += Number(varint()); // nested fields (ack set, first chunk id): not needed
    else throw new Error(`unexpected wire type ${wire} in Pulsar message id ${base64}`);
  }
  const ledger = fields.get(1) ?? 0n;
  const entry = fields.get(2) ?? 0n;
  // int32 -1 is encoded as a 10-byte varint: two's complement of 64 bits.
  const rawPartition = fields.get(3);
  const partition = rawPartition === undefined ? -1 : Number(BigInt.asIntN(64, rawPartition));
  return { ledger, entry, partition, offset: (ledger << 32n) | entry };
}
