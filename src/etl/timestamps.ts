/**
 * Strict parsing of the timestamp strings upstream writes, to epoch milliseconds.
 *
 * Why not `Date.parse`: it reads a zone-less ISO date-time as *local* time and accepts many other shapes.
 * Upstream's strings are fixed `strftime` formats: the envelope's `isoformat()` (local wall clock, µs, no
 * zone), lobby/game `TIMESTAMP` as `%Y-%m-%dT%H:%M:%SZ` and, since 2024, game `%Y-%m-%dT%H:%M:%S.%f`.
 * Zone-less values are kept as wall-clock values (Arrow's "naive" timestamp, what PyArrow stores for a
 * naive `datetime`); `Z` and `±HH:MM` are converted to UTC.
 *
 * The parser reads bytes: the fast record scanner (scan-record.ts) hands it spans of the message itself,
 * so no string is made on the hot path; the string form encodes into a scratch buffer first.
 */

/** Digits at [from, from + n) as a number, or -1. Fixed offsets: cheaper than a regex on the hot path. */
function digits(b: Uint8Array, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = b[i] - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const DASH = 45;
const COLON = 58;
const DOT = 46;
/** Milliseconds in 400 Gregorian years: the calendar repeats, so years 0–99 are computed 400 years on. */
const FOUR_CENTURIES_MS = 12_622_780_800_000;

/** The day of the timestamp before: records come in time order, so nearly every one is on it. */
let lastDay = { year: -1, month: -1, day: -1, ms: 0 };

/**
 * Date.UTC of a validated date-time, its day looked up once per day (Date.UTC on every record was ~2 % of
 * the ETL thread). `Date.UTC` maps years 0–99 to 1900–1999; a year shifted by 400 has the same calendar.
 */
function utc(year: number, month: number, day: number, h: number, m: number, s: number, ms: number): number {
  let d = lastDay;
  if (d.day !== day || d.month !== month || d.year !== year) {
    const dayMs =
      year >= 100 ? Date.UTC(year, month, day) : Date.UTC(year + 400, month, day) - FOUR_CENTURIES_MS;
    d = { year, month, day, ms: dayMs };
    lastDay = d;
  }
  return d.ms + ((h * 60 + m) * 60 + s) * 1000 + ms;
}

/** Days in a month of the proleptic Gregorian calendar (month 1–12). */
function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Epoch milliseconds (fraction truncated to ms) of the ASCII timestamp at b[start, end), or `undefined`
 * when it is not such a timestamp.
 */
export function parseIsoTimestampBytes(b: Uint8Array, start: number, end: number): number | undefined {
  // YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM|±HHMM]
  if (end - start < 19) return undefined;
  const sep = b[start + 10];
  if (
    b[start + 4] !== DASH ||
    b[start + 7] !== DASH ||
    (sep !== 84 && sep !== 32) || // 'T' or ' '
    b[start + 13] !== COLON ||
    b[start + 16] !== COLON
  ) {
    return undefined;
  }
  const year = digits(b, start, 4);
  const month = digits(b, start + 5, 2);
  const day = digits(b, start + 8, 2);
  const hour = digits(b, start + 11, 2);
  const minute = digits(b, start + 14, 2);
  const second = digits(b, start + 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return undefined;
  }
  if (second < 0 || second > 59 || day > daysIn(year, month)) return undefined;
  let i = start + 19;
  let ms = 0;
  if (i < end && b[i] === DOT) {
    const from = ++i;
    while (i < end && i - from < 9 && b[i] >= 48 && b[i] <= 57) i++;
    const n = i - from;
    if (n === 0) return undefined;
    ms = digits(b, from, Math.min(n, 3)) * 10 ** (3 - Math.min(n, 3));
  }
  let t = utc(year, month - 1, day, hour, minute, second, ms);
  if (i === end) return t;
  const zone = b[i];
  if (zone === 90 && i + 1 === end) return t; // 'Z'
  if (zone !== 43 && zone !== DASH) return undefined; // '+' / '-'
  const rest = end - i - 1;
  const colon = rest === 5 && b[i + 3] === COLON;
  if (rest !== 4 && !colon) return undefined;
  const hh = digits(b, i + 1, 2);
  const mm = digits(b, colon ? i + 4 : i + 3, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return undefined;
  t -= (zone === DASH ? -1 : 1) * (hh * 60 + mm) * 60_000;
  return t;
}

const scratch = new Uint8Array(128);
const encoder = new TextEncoder();

/** Epoch milliseconds (fraction truncated to ms), or `undefined` when the string is not such a timestamp. */
export function parseIsoTimestamp(text: string): number | undefined {
  // Longer than any accepted form (29 + a 6-character zone): no need to look at it.
  if (text.length > 40) return undefined;
  const { read, written } = encoder.encodeInto(text, scratch);
  if (read !== text.length) return undefined;
  return parseIsoTimestampBytes(scratch, 0, written);
}

/** `YYYY-MM-DD` of epoch milliseconds (UTC calendar, i.e. the wall-clock date of a naive timestamp). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
