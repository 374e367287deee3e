/**
 * A validating JSON reader over bytes, for the record scanner's fast path (scan-record.ts): it walks a
 * message in place, so the values that become columns are copied byte for byte and no JS string or object
 * is made per record.
 *
 * `nested` mode reads a JSON document that is itself the body of a JSON string (upstream's `task`) without
 * unescaping it first: a quote is then the two bytes `\"`, any other escape bails, and only plain spaces
 * count as whitespace (raw tabs and newlines are not allowed inside a JSON string).
 *
 * It accepts a strict subset of JSON and *bails* (throws BAIL) on anything outside it: escapes in keys or
 * copied strings, `\u` escapes, bytes ≥ 0x80, numbers that are not plain non-negative integers where an
 * integer is read. A bail is not a verdict: the caller hands that message to the generic path (JSON.parse,
 * record.ts), which accepts or rejects it with the exact reason. What the fast path accepts, JSON.parse
 * accepts with the same values (test/etl/scan-record.test.ts checks this on generated and mutated records).
 */

/** Thrown to leave the fast path; never escapes scan-record.ts. */
export const BAIL: unique symbol = Symbol('bail');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;

/**
 * 1 for the bytes a string's content may hold as they are: printable ASCII but `"` and `\`. One table
 * load per byte instead of four comparisons (the string loop was ~14 % of the ETL thread).
 */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

export class JsonBytes {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  /** Span of the last string read (without quotes). */
  strStart = 0;
  strEnd = 0;
  /** Whether the last string read had backslash escapes (only `skipOrSpan` allows them). */
  strEscaped = false;

  reset(buf: Uint8Array, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** Inside a JSON string (see the file comment). */
  nested = false;

  ws(): void {
    const b = this.buf;
    let p = this.pos;
    if (this.nested) while (p < this.end && b[p] === 0x20) p++;
    else
      while (p < this.end) {
        const c = b[p];
        if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
        p++;
      }
    this.pos = p;
  }

  /** The byte a string starts with: `"`, or the backslash of `\"` in nested mode. */
  get quote(): number {
    return this.nested ? BACKSLASH : QUOTE;
  }

  /** The next non-space byte, not consumed (-1 at the end). */
  peek(): number {
    this.ws();
    return this.pos < this.end ? this.buf[this.pos] : -1;
  }

  expect(c: number): void {
    if (this.peek() !== c) throw BAIL;
    this.pos++;
  }

  /** After a member: true when another follows (`,`), false at the closing byte. */
  more(close: number): boolean {
    const c = this.peek();
    this.pos++;
    if (c === COMMA) return true;
    if (c === close) return false;
    throw BAIL;
  }

  /** `{` then: false if the object is empty (`{}` consumed), true if a key follows. */
  openObject(): boolean {
    this.expect(LBRACE);
    if (this.peek() === RBRACE) {
      this.pos++;
      return false;
    }
    return true;
  }

  /** A key and its colon; the key's span is in strStart/strEnd. Keys with escapes bail. */
  key(): void {
    this.string(false);
    this.expect(COLON);
  }

  /** Whether the last string read equals `ascii` (a constant key or value). */
  is(ascii: Uint8Array): boolean {
    const n = this.strEnd - this.strStart;
    if (n !== ascii.length) return false;
    const b = this.buf;
    const s = this.strStart;
    for (let i = 0; i < n; i++) if (b[s + i] !== ascii[i]) return false;
    return true;
  }

  /**
   * A string at the cursor: its span goes to strStart/strEnd. With `escapes` false any backslash bails
   * (the span must be the value's exact bytes); with true, valid escapes other than `\u` are allowed and
   * flagged in strEscaped. Control bytes and bytes ≥ 0x80 bail. In nested mode no escape is allowed.
   */
  string(escapes: boolean): void {
    this.ws();
    const b = this.buf;
    const end = this.end;
    const nested = this.nested;
    let p = this.pos;
    if (nested) {
      if (b[p] !== BACKSLASH || b[p + 1] !== QUOTE) throw BAIL;
      p += 2;
    } else {
      if (b[p] !== QUOTE) throw BAIL;
      p++;
    }
    const start = p;
    let escaped = false;
    for (;;) {
      while (p < end && PLAIN[b[p]] === 1) p++;
      if (p >= end) throw BAIL;
      const c = b[p];
      if (c === BACKSLASH) {
        if (nested) {
          if (b[p + 1] === QUOTE) break;
          throw BAIL;
        }
        if (!escapes || p + 1 >= end) throw BAIL;
        const e = b[p + 1];
        // " \ / b f n r t; \u would need decoding.
        if (
          e !== QUOTE &&
          e !== BACKSLASH &&
          e !== 0x2f &&
          e !== 0x62 &&
          e !== 0x66 &&
          e !== 0x6e &&
          e !== 0x72 &&
          e !== 0x74
        )
          throw BAIL;
        escaped = true;
        p += 2;
        continue;
      }
      if (c === QUOTE || c < 0x20 || c >= 0x80) {
        if (c === QUOTE && !nested) break;
        throw BAIL;
      }
      p++;
    }
    this.strStart = start;
    this.strEnd = p;
    this.strEscaped = escaped;
    this.pos = nested ? p + 2 : p + 1;
  }

  /** `null` at the cursor? Consumes it if so. */
  isNull(): boolean {
    if (this.peek() !== 0x6e) return false;
    const b = this.buf;
    const p = this.pos;
    if (p + 4 > this.end || b[p + 1] !== 0x75 || b[p + 2] !== 0x6c || b[p + 3] !== 0x6c) throw BAIL;
    this.pos = p + 4;
    return true;
  }

  /**
   * A plain non-negative integer of at most 15 digits (always a safe integer); anything else, including
   * `1.0`, `1e3`, `-1` and `"12"` (which the generic path may still accept), bails.
   */
  uint(): number {
    this.ws();
    const b = this.buf;
    let p = this.pos;
    const start = p;
    let v = 0;
    while (p < this.end) {
      const d = b[p] - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      p++;
    }
    const n = p - start;
    if (n === 0 || n > 15 || (n > 1 && b[start] === 48)) throw BAIL;
    if (p < this.end) {
      const c = b[p];
      if (c === 0x2e || c === 0x65 || c === 0x45) throw BAIL;
    }
    this.pos = p;
    return v;
  }

  /** Skips any JSON value, validating it (strings may hold escapes here). */
  skip(): void {
    const c = this.peek();
    if (c === this.quote) this.string(true);
    else if (c === LBRACE) {
      if (this.openObject()) {
        do {
          this.string(true);
          this.expect(COLON);
          this.skip();
        } while (this.more(RBRACE));
      }
    } else if (c === LBRACKET) {
      this.pos++;
      if (this.peek() === RBRACKET) this.pos++;
      else {
        do this.skip();
        while (this.more(RBRACKET));
      }
    } else if (c === MINUS || (c >= 48 && c <= 57)) this.number();
    else if (c === 0x74) this.literal(TRUE);
    else if (c === 0x66) this.literal(FALSE);
    else if (c === 0x6e) this.literal(NULL);
    else throw BAIL;
  }

  /** Is the value at the cursor an object? */
  atObject(): boolean {
    return this.peek() === LBRACE;
  }

  /** Nothing but whitespace left. */
  atEnd(): boolean {
    this.ws();
    return this.pos === this.end;
  }

  private literal(word: Uint8Array): void {
    const b = this.buf;
    const p = this.pos;
    if (p + word.length > this.end) throw BAIL;
    for (let i = 0; i < word.length; i++) if (b[p + i] !== word[i]) throw BAIL;
    this.pos = p + word.length;
  }

  /** -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
  private number(): void {
    const b = this.buf;
    let p = this.pos;
    if (b[p] === MINUS) p++;
    const int = p;
    while (p < this.end && b[p] >= 48 && b[p] <= 57) p++;
    if (p === int || (p - int > 1 && b[int] === 48)) throw BAIL;
    if (p < this.end && b[p] === 0x2e) {
      const f = ++p;
      while (p < this.end && b[p] >= 48 && b[p] <= 57) p++;
      if (p === f) throw BAIL;
    }
    if (p < this.end && (b[p] === 0x65 || b[p] === 0x45)) {
      p++;
      if (p < this.end && (b[p] === 0x2b || b[p] === MINUS)) p++;
      const e = p;
      while (p < this.end && b[p] >= 48 && b[p] <= 57) p++;
      if (p === e) throw BAIL;
    }
    this.pos = p;
  }
}

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const TRUE = ascii('true');
const FALSE = ascii('false');
const NULL = ascii('null');
