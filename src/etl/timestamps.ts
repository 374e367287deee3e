/**
 * Strict parsing of the timestamp strings upstream writes, to epoch milliseconds.
 *
 * Why not `Date.parse`: it reads a zone-less ISO date-time as *local* time and accepts many other shapes.
 * Upstream's strings are fixed `strftime` formats: the envelope's `isoformat()` (local wall clock, µs, no
 * zone), lobby/game `TIMESTAMP` as `%Y-%m-%dT%H:%M:%SZ` and, since 2024, game `%Y-%m-%dT%H:%M:%S.%f`.
 * Zone-less values are kept as wall-clock values (Arrow's "naive" timestamp, what PyArrow stores for a
 * naive `datetime`); `Z` and `±HH:MM` are converted to UTC.
 */

/** Digits at [from, from + n) as a number, or -1. Fixed offsets: cheaper than a regex on the hot path. */
function digits(text: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const DASH = 45;
const COLON = 58;
const DOT = 46;

/** Epoch milliseconds (fraction truncated to ms), or `undefined` when the string is not such a timestamp. */
export function parseIsoTimestamp(text: string): number | undefined {
  // YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM|±HHMM]
  if (text.length < 19) return undefined;
  const sep = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    (sep !== 84 && sep !== 32) || // 'T' or ' '
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  ) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return undefined;
  }
  if (second < 0 || second > 59) return undefined;
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === DOT) {
    const start = ++i;
    while (i < text.length && i - start < 9 && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    const n = i - start;
    if (n === 0) return undefined;
    ms = digits(text, start, Math.min(n, 3)) * 10 ** (3 - Math.min(n, 3));
  }
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 April over into May; a real date maps back to the same day.
  if (new Date(t).getUTCDate() !== day) return undefined;
  if (i === text.length) return t;
  const zone = text.charCodeAt(i);
  if (zone === 90 && i + 1 === text.length) return t; // 'Z'
  if (zone !== 43 && zone !== DASH) return undefined; // '+' / '-'
  const rest = text.length - i - 1;
  const colon = rest === 5 && text.charCodeAt(i + 3) === COLON;
  if (rest !== 4 && !colon) return undefined;
  const hh = digits(text, i + 1, 2);
  const mm = digits(text, colon ? i + 4 : i + 3, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return undefined;
  t -= (zone === DASH ? -1 : 1) * (hh * 60 + mm) * 60_000;
  return t;
}

/** `YYYY-MM-DD` of epoch milliseconds (UTC calendar, i.e. the wall-clock date of a naive timestamp). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
