/**
 * The text forms of the seed's two values, shared by the Redis and file stores so that a key written
 * by one can be copied into the other, and so that the seed's reset commands work as written:
 *   counts       '{"0": 1234, "1": 99}'  or the reset value '{"": 0}'
 *   last_offset  '{"0": 1041, "1": 77}'  or a plain integer ('-1' = from the beginning everywhere)
 */
import { HeroflowError } from '../errors.js';
import { ALL_PARTITIONS } from './types.js';

function invalid(what: string, text: string, cause?: unknown): HeroflowError {
  return new HeroflowError(
    'HF_STATE_INVALID',
    `stored ${what} ${JSON.stringify(text.slice(0, 80))} is not a JSON object of partition → integer; ` +
      'reset it (SET … counts "{\\"\\": 0}" / SET … last_offset -1) or fix the value',
    { cause },
  );
}

export function encodeCounts(counts: Record<string, number>): string {
  return JSON.stringify(counts);
}

export function decodeCounts(text: string | null | undefined): Record<string, number> {
  if (text === null || text === undefined || text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalid('counts', text, err);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('counts', text);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid('counts', text);
    out[k] = v;
  }
  return out;
}

/** Offsets are written digit for digit from the bigint, so no precision is lost on the way out. */
export function encodeLastOffset(lastOffset: Record<string, bigint>): string {
  const all = lastOffset[ALL_PARTITIONS];
  const parts = Object.keys(lastOffset).filter((k) => k !== ALL_PARTITIONS);
  if (parts.length === 0) return (all ?? -1n).toString();
  return `{${parts.map((k) => `${JSON.stringify(k)}: ${lastOffset[k].toString()}`).join(', ')}}`;
}

const INTEGER = /^\s*-?\d+\s*$/;
// Integers are read from the text itself: JSON.parse would round offsets above 2^53.
const ENTRY = /"((?:[^"\\]|\\.)*)"\s*:\s*(-?\d+)/g;

export function decodeLastOffset(text: string | null | undefined): Record<string, bigint> {
  if (text === null || text === undefined || text === '') return {};
  if (INTEGER.test(text)) {
    const n = BigInt(text.trim());
    return n < 0n ? {} : { [ALL_PARTITIONS]: n };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalid('last_offset', text, err);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalid('last_offset', text);
  if (!Object.values(parsed).every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw invalid('last_offset', text);
  }
  const out: Record<string, bigint> = {};
  for (const m of text.matchAll(ENTRY)) out[JSON.parse(`"${m[1]}"`) as string] = BigInt(m[2]);
  return out;
}
