/**
 * JSON text as Python's `json.dumps` writes it with default arguments: `", "` and `": "` separators and
 * every non-ASCII character escaped (`ensure_ascii=True`). Upstream's `task` strings and transported
 * envelopes are produced that way; writing the same bytes lets a diff against a Python producer's
 * output come out empty. Values are plain JSON data (no Dates, Maps, undefined inside arrays).
 */

// Python escapes everything outside printable ASCII (its ESCAPE_ASCII is `[^\ -~]`), DEL included.
const NON_ASCII = /[\u007f-\uffff]/g;
const HAS_NON_ASCII = /[\u007f-\uffff]/;

function escapeString(s: string): string {
  const text = JSON.stringify(s);
  return HAS_NON_ASCII.test(text)
    ? text.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : text;
}

export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return escapeString(value);
    case 'number':
      if (Number.isInteger(value)) return String(value);
      // Python spells the non-finite floats NaN / Infinity (not JSON, but what json.dumps writes).
      if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v !== undefined) parts.push(`${escapeString(k)}: ${pyJsonDumps(v)}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      return 'null';
  }
}
