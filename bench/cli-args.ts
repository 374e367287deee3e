/**
 * The flags of a bench script, parsed one way for all of bench/*.ts: `node:util` parseArgs (strict) with
 * `--help` / `-h` (prints `usage` to stdout, exit 0) and, for a bad flag or a bad value, one line naming the
 * flag and what it takes, then the usage, on stderr, exit 2: never a stack trace.
 *
 *   const cli = benchArgs({ usage: USAGE, options: { records: { type: 'string', default: '200000' } } });
 *   const N = cli.wholeNumber('records'); // --records: 'abc' is not a whole number ≥ 1
 *
 * The validators (`wholeNumber`, `wholeNumbers`, `positiveNumber`, `oneOf`, `listOf`, `required`) are
 * exported on their own too: they throw a BenchArgError, which `benchArgs`' methods of the same names turn
 * into that exit.
 * Call `benchArgs` only where the file runs as a script: a module imported by others must not parse or exit.
 */
import { parseArgs } from 'node:util';

interface BenchOption {
  type: 'string' | 'boolean';
  default?: string | boolean;
  short?: string;
}
type BenchOptions = Record<string, BenchOption>;

/** The parsed values: strings and booleans by option, never undefined when the option has a default. */
export type BenchValues<O extends BenchOptions> = {
  -readonly [K in keyof O]:
    | (O[K]['type'] extends 'boolean' ? boolean : string)
    | (O[K] extends { default: string | boolean } ? never : undefined);
};

export interface BenchArgsSpec<O extends BenchOptions> {
  /** The `--help` text, printed after every error too; starts with `usage:`. */
  usage: string;
  options: O;
  /**
   * An old positional form still accepted: argument i stands for `--<positionals[i]>`. Without this the
   * script takes no positional arguments.
   */
  positionals?: readonly (keyof O & string)[];
}

/** A bad flag or value: the message names the flag and what it takes. */
export class BenchArgError extends Error {
  override name = 'BenchArgError';
}

type Values = Readonly<Record<string, unknown>>;

function given(values: Values, name: string): string {
  const v = values[name];
  if (v === undefined) throw new BenchArgError(`--${name} is required`);
  if (typeof v !== 'string') throw new BenchArgError(`--${name} takes a value`);
  return v;
}

/** `--name`'s value, which must be given and not empty. */
export function required<V extends Values>(values: V, name: keyof V & string): string {
  const v = given(values, name);
  if (v === '') throw new BenchArgError(`--${name} is required`);
  return v;
}

function whole(name: string, text: string, min: number): number {
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    throw new BenchArgError(`--${name}: '${text}' is not a whole number ≥ ${min}`);
  return n;
}

/** `--name` as a whole number ≥ `min` (1 unless told). */
export function wholeNumber<V extends Values>(values: V, name: keyof V & string, min = 1): number {
  return whole(name, given(values, name), min);
}

/** `--name` as a number > 0, fractions allowed (`--fairness-seconds 0.5`). */
export function positiveNumber<V extends Values>(values: V, name: keyof V & string): number {
  const text = given(values, name);
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new BenchArgError(`--${name}: '${text}' is not a number > 0`);
  return n;
}

/** `--name` as a comma-separated list of whole numbers ≥ `min` (`--bots 50,200,1000`). */
export function wholeNumbers<V extends Values>(values: V, name: keyof V & string, min = 1): number[] {
  return given(values, name)
    .split(',')
    .map((s) => whole(name, s, min));
}

/** `--name` as one of `allowed`. */
export function oneOf<V extends Values, const T extends string>(
  values: V,
  name: keyof V & string,
  allowed: readonly T[],
): T {
  const v = given(values, name);
  if (!(allowed as readonly string[]).includes(v))
    throw new BenchArgError(`--${name}: '${v}' is not one of ${allowed.join(', ')}`);
  return v as T;
}

/** `--name` as a comma-separated list, each item one of `allowed` (blanks around commas dropped). */
export function listOf<V extends Values, const T extends string>(
  values: V,
  name: keyof V & string,
  allowed: readonly T[],
): T[] {
  const items = given(values, name)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new BenchArgError(`--${name}: give one or more of ${allowed.join(', ')}`);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item))
      throw new BenchArgError(`--${name}: '${item}' is not one of ${allowed.join(', ')}`);
  }
  return items as T[];
}

/**
 * `--flag value` where the value starts with '-' (`--worker-node-args "--cpu-prof"`, `--seed -1`) made
 * `--flag=value`, which parseArgs accepts; not when that value is itself one of the script's flags.
 */
function joinDashValues(argv: readonly string[], options: BenchOptions): string[] {
  const known = (token: string) => {
    if (token === '-h') return true;
    const m = /^--([^=]+)/.exec(token);
    return m !== null && (m[1] === 'help' || Object.hasOwn(options, m[1]));
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const name = token.startsWith('--') ? token.slice(2) : '';
    if (
      options[name]?.type === 'string' &&
      next !== undefined &&
      next.startsWith('-') &&
      next !== '--' &&
      !known(next)
    ) {
      out.push(`${token}=${next}`);
      i++;
    } else out.push(token);
  }
  return out;
}

/** Node's own wording, shortened where it would send a bench user the wrong way. */
function parseErrorMessage(err: Error): string {
  const unknown = /^Unknown option '([^']+)'/.exec(err.message);
  if (unknown) return `unknown flag '${unknown[1]}'`;
  const positional = /^Unexpected argument '([^']*)'/.exec(err.message);
  if (positional) return `unexpected argument '${positional[1]}': this bench takes flags only`;
  const missing = /^Option '(-[^' ]+)(?: <value>)?' argument missing/.exec(err.message);
  if (missing) return `${missing[1]} needs a value`;
  const ambiguous = /^Option '(-[^' ]+)' argument is ambiguous/.exec(err.message);
  if (ambiguous)
    return `${ambiguous[1]} needs a value, not the flag after it (a value starting with '-': ${ambiguous[1]}=VALUE)`;
  return err.message.replace(/\s*\n\s*/g, ' ');
}

const isHelp = (token: string) => token === '--help' || token === '-h';

/**
 * The parse itself, without printing or exiting: `help` when --help / -h was given (anywhere, even beside
 * a bad flag); otherwise the values with defaults filled in. Throws BenchArgError.
 */
export function parseBenchArgs<O extends BenchOptions>(
  spec: BenchArgsSpec<O>,
  argv: readonly string[],
): { help: true } | { help: false; values: BenchValues<O> } {
  const end = argv.indexOf('--');
  const wantsHelp = () => (end < 0 ? argv : argv.slice(0, end)).some(isHelp);
  // Defaults are applied below, after the positional form: so that a flag given twice can be told.
  const options: Record<string, BenchOption> = {};
  for (const [name, { default: _, ...rest }] of Object.entries(spec.options)) options[name] = rest;
  options.help = { type: 'boolean', short: 'h' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinDashValues(argv, spec.options),
      options,
      strict: true,
      allowPositionals: spec.positionals !== undefined,
    });
  } catch (err) {
    if (wantsHelp()) return { help: true };
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      throw new BenchArgError(parseErrorMessage(err as Error));
    throw err;
  }
  if (parsed.values.help) return { help: true };
  const values: Record<string, unknown> = { ...parsed.values };
  const names = spec.positionals ?? [];
  for (const [i, value] of parsed.positionals.entries()) {
    const name = names[i];
    if (name === undefined)
      throw new BenchArgError(
        `unexpected argument '${value}': this bench takes at most ${names.length} (${names.map((n) => `--${n}`).join(', ')})`,
      );
    if (values[name] !== undefined)
      throw new BenchArgError(`--${name} given twice: as a flag and as argument ${i + 1} ('${value}')`);
    values[name] = value;
  }
  for (const [name, option] of Object.entries(spec.options))
    if (values[name] === undefined && option.default !== undefined) values[name] = option.default;
  delete values.help;
  return { help: false, values: values as BenchValues<O> };
}

/** Prints `message` and the usage to stderr and exits 2. */
function usageError(usage: string, message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

export interface BenchArgs<O extends BenchOptions> {
  values: BenchValues<O>;
  usage: string;
  /** Exits 2 with `message` (one line naming the flag) and the usage. */
  fail(message: string): never;
  required(name: keyof O & string): string;
  wholeNumber(name: keyof O & string, min?: number): number;
  wholeNumbers(name: keyof O & string, min?: number): number[];
  positiveNumber(name: keyof O & string): number;
  oneOf<const T extends string>(name: keyof O & string, allowed: readonly T[]): T;
  listOf<const T extends string>(name: keyof O & string, allowed: readonly T[]): T[];
}

/**
 * Parses `argv` (the script's arguments) by `spec`: exits 0 after printing the usage on --help, exits 2
 * with the error and the usage on a bad flag. The methods check one value each, exiting 2 the same way.
 */
export function benchArgs<O extends BenchOptions>(
  spec: BenchArgsSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
): BenchArgs<O> {
  const fail = (message: string): never => usageError(spec.usage, message);
  const checked = <T>(check: () => T): T => {
    try {
      return check();
    } catch (err) {
      if (err instanceof BenchArgError) fail(err.message);
      throw err;
    }
  };
  const parsed = checked(() => parseBenchArgs(spec, argv));
  if (parsed.help) {
    console.log(spec.usage);
    process.exit(0);
  }
  const { values } = parsed;
  const loose = values as Values;
  return {
    values,
    usage: spec.usage,
    fail,
    required: (name) => checked(() => required(loose, name as string)),
    wholeNumber: (name, min) => checked(() => wholeNumber(loose, name as string, min)),
    wholeNumbers: (name, min) => checked(() => wholeNumbers(loose, name as string, min)),
    positiveNumber: (name) => checked(() => positiveNumber(loose, name as string)),
    oneOf: (name, allowed) => checked(() => oneOf(loose, name as string, allowed)),
    listOf: (name, allowed) => checked(() => listOf(loose, name as string, allowed)),
  };
}
