/**
 * JSON text as Python's `json.dumps` writes it with default arguments: `", "` and `": "` separators and
 * every non-ASCII character escaped (`ensure_ascii=True`). Upstream's `task` strings and transported
 * envelopes are produced that way; writing the same bytes lets a diff against a Python producer's
 * output come out empty. Values are plain JSON data; non-finite numbers become `null` (JSON.stringify's
 * rule — Python would write NaN, which is not JSON).
 *
 * Built on JSON.stringify plus one regex pass (strings are matched whole and left alone, separators
 * outside them get their space): 3× faster than a recursive writer, and this runs on every record.
 */

// Python escapes everything outside printable ASCII (its ESCAPE_ASCII is `[^\ -~]`), DEL included.
const NON_ASCII = /[\u007f-\uffff]/g;
const HAS_NON_ASCII = /[\u007f-\uffff]/;
const STRING_OR_SEPARATOR = /"(?:[^"\\]|\\.)*"|[,:]/g;

const spaced = (token: string) => (token === ',' ? ', ' : token === ':' ? ': ' : token);
const escapeNonAscii = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Compact JSON text (JSON.stringify's) → Python's default spacing and escaping. */
export function pythonize(json: string): string {
  const text = json.replace(STRING_OR_SEPARATOR, spaced);
  return HAS_NON_ASCII.test(text) ? text.replace(NON_ASCII, escapeNonAscii) : text;
}

export function pyJsonDumps(value: unknown): string {
  if (typeof value === 'string') {
    // A lone string has no separators to space: only the escaping applies.
    const text = JSON.stringify(value);
    return HAS_NON_ASCII.test(text) ? text.replace(NON_ASCII, escapeNonAscii) : text;
  }
  return pythonize(JSON.stringify(value) ?? 'null');
}

/** An object's entries as Python writes them, each value through pyJsonDumps (skips long-string rescans). */
export function pyJsonObject(entries: Record<string, unknown>): string {
  let out = '';
  for (const key in entries) {
    const value = entries[key];
    if (value === undefined) continue;
    out += `${out ? ', ' : ''}${pyJsonDumps(key)}: ${pyJsonDumps(value)}`;
  }
  return `{${out}}`;
}
