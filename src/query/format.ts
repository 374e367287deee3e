/**
 * A query result as text: an aligned table for people (numbers right-aligned), JSON (an array of row
 * objects) or CSV (RFC 4180) for programs. Values arrive as DuckDB's JS values: 64/128-bit integers are
 * bigint (kept exact: a number when it fits a double exactly, else a string), timestamps are Date.
 */
export type ResultFormat = 'text' | 'json' | 'csv';

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

/** A JSON-safe value: exact integers, ISO times without a zone (the tables hold naive UTC wall times). */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date)
    return v
      .toISOString()
      .replace(/\.000Z$/, '')
      .replace(/Z$/, '');
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function cell(v: unknown): string {
  const p = plain(v);
  if (p === null || p === undefined) return '';
  return typeof p === 'object' ? JSON.stringify(p) : String(p);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function isNumeric(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'bigint';
}

function textTable(r: QueryResult): string {
  const cells = r.rows.map((row) => row.map(cell));
  const widths = r.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  // A column is right-aligned when every non-null value in it is a number.
  const right = r.columns.map(
    (_, i) =>
      r.rows.some((row) => isNumeric(row[i])) && r.rows.every((row) => row[i] === null || isNumeric(row[i])),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => (right[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const count = `(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`;
  return `${[line(r.columns), rule, ...cells.map(line), count].join('\n')}\n`;
}

export function formatResult(r: QueryResult, format: ResultFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, plain(row[i])]))),
        null,
        2,
      )}\n`;
    case 'csv':
      return [r.columns, ...r.rows.map((row) => row.map(cell))]
        .map((values) => values.map(csvField).join(','))
        .join('\r\n')
        .concat('\r\n');
    case 'text':
      return textTable(r);
  }
}
