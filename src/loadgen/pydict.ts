/**
 * Python's `repr` of a decoded Avro record, as the seed's lab consumer prints it (`print(record)` of a
 * fastavro/avro dict): single-quoted strings, floats in Python's shortest form (`29.0`, `1e-05`, `1e+16`),
 * lists in brackets, nested dicts in field order, None/True/False.
 */
import type avro from 'avsc';

export function pyFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  // Shortest round-trip digits, then Python's layout: scientific below 1e-4 and from 1e16.
  const [mant, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${mant}e${exp < 0 ? '-' : '+'}${e}`;
  }
  const s = String(n);
  return s.includes('.') ? s : `${s}.0`;
}

export function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python repr of a value decoded with `type`: the schema says which numbers are floats (`29.0`) and which ints (`29`). */
export function pyRepr(type: avro.Type, v: unknown): string {
  if (v === null || v === undefined) return 'None';
  const t = type as avro.Type & {
    typeName: string;
    fields?: Array<{ name: string; type: avro.Type }>;
    itemsType?: avro.Type;
    valuesType?: avro.Type;
    types?: avro.Type[];
  };
  switch (t.typeName) {
    case 'float':
    case 'double':
      return pyFloat(v as number);
    case 'int':
    case 'long':
      return String(v);
    case 'boolean':
      return v ? 'True' : 'False';
    case 'string':
    case 'enum':
      return pyStr(String(v));
    case 'bytes':
    case 'fixed':
      return `b${pyStr((v as Buffer).toString('latin1'))}`;
    case 'array':
      return `[${(v as unknown[]).map((x) => pyRepr(t.itemsType as avro.Type, x)).join(', ')}]`;
    case 'map':
      return `{${Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${pyStr(k)}: ${pyRepr(t.valuesType as avro.Type, x)}`)
        .join(', ')}}`;
    case 'record':
    case 'error':
      return `{${(t.fields ?? [])
        .map((f) => `${pyStr(f.name)}: ${pyRepr(f.type, (v as Record<string, unknown>)[f.name])}`)
        .join(', ')}}`;
    case 'union:unwrapped': {
      const branch = (t.types ?? []).find((b) => b.typeName !== 'null' && b.isValid(v));
      return branch ? pyRepr(branch, v) : 'None';
    }
    case 'union:wrapped': {
      const [name, inner] = Object.entries(v as Record<string, unknown>)[0] ?? [];
      const branch = (t.types ?? []).find((b) => b.branchName === name);
      return branch ? pyRepr(branch, inner) : 'None';
    }
    default:
      return typeof v === 'string' ? pyStr(v) : String(v);
  }
}
