/**
 * A small seeded PRNG so that a `--seed` run replays the same tournament: same heroes, same games, same
 * user and game tokens. sfc32 (Chris Doty-Humphrey's Small Fast Counter, as in PractRand) passes the
 * usual statistical batteries and is 4 lines; the seed is expanded with splitmix32 so that nearby seeds
 * (1, 2, 3…) give unrelated streams. Not for anything secret.
 */

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi], both inclusive — Python's `random.randint`. */
  int(lo: number, hi: number): number;
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A version-4-shaped UUID drawn from this stream (reproducible, unlike `crypto.randomUUID`). */
  uuid(): string;
  /** An independent stream derived from this one, so that adding draws in one part leaves others alone. */
  fork(label: string): Rng;
}

/** 32-bit FNV-1a: turns a text seed into a number. */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number | string): Rng {
  const numeric = typeof seed === 'number' ? (seed >>> 0) ^ Math.floor(seed / 2 ** 32) : hashText(seed);
  const expand = splitmix32(numeric);
  let a = expand();
  let b = expand();
  let c = expand();
  let d = expand();
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32 mixes its state slowly right after seeding.
  for (let i = 0; i < 12; i++) u32();

  const rng: Rng = {
    next: () => u32() / 4294967296,
    int: (lo, hi) => lo + Math.floor((u32() / 4294967296) * (hi - lo + 1)),
    pick: (items) => items[Math.floor((u32() / 4294967296) * items.length)],
    uuid: () => {
      const hex = [u32(), u32(), u32(), u32()].map((n) => n.toString(16).padStart(8, '0')).join('');
      const variant = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    },
    fork: (label) => createRng((u32() ^ hashText(label)) >>> 0),
  };
  return rng;
}

/** A seed for runs without `--seed`: random, but reported so that the run can be replayed. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
