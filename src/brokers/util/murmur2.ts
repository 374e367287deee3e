/**
 * Kafka's default partitioner hash (murmur2, seed 0x9747b28c), so that a key lands on the same partition
 * number in the memory broker as it would in Kafka with the Java client's default partitioner.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

const encoder = new TextEncoder();

/** Signed 32-bit murmur2 of the key's UTF-8 bytes, bit-for-bit as org.apache.kafka.common.utils.Utils.murmur2. */
export function murmur2(key: string | Uint8Array): number {
  const data = typeof key === 'string' ? encoder.encode(key) : key;
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  switch (length % 4) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: murmur2 mixes the tail bytes by falling through
    case 3:
      h ^= data[tail + 2] << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: see above
    case 2:
      h ^= data[tail + 1] << 8;
    case 1:
      h ^= data[tail];
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `toPositive(murmur2(key)) % partitions`. */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
