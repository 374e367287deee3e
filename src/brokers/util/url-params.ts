/**
 * Query parameters of broker URLs. Every adapter declares the parameters it knows; anything else is an
 * error (a typo like `?tsl=true` must not silently run in plaintext), and so is a value out of range.
 * Messages name the parameter, the value and what is allowed, with the URL's secrets masked.
 */
import { HeroflowError } from '../../errors.js';
import { redactUrl } from './redact-url.js';

/** HF_BROKER_URL (exit 2) about `url`: "Broker URL <redacted> <problem> (--broker / HEROFLOW_BROKER)." */
export function badBrokerUrl(url: string, problem: string): HeroflowError {
  return new HeroflowError(
    'HF_BROKER_URL',
    `Broker URL ${redactUrl(url)} ${problem} (--broker / HEROFLOW_BROKER).`,
  );
}

/** Parse a broker URL with node's URL parser; HF_BROKER_URL when it is malformed. */
export function parseBrokerUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (cause) {
    throw new HeroflowError('HF_BROKER_URL', `Broker URL ${redactUrl(url)} is malformed.`, { cause });
  }
}

/** Every parameter must be in `allowed`, and given once. */
export function checkParams(u: URL, allowed: readonly string[], url: string): void {
  const seen = new Set<string>();
  for (const name of u.searchParams.keys()) {
    if (!allowed.includes(name)) {
      throw badBrokerUrl(
        url,
        `has an unknown parameter '${name}'; ${u.protocol}// accepts ${[...allowed].sort().join(', ')}`,
      );
    }
    if (seen.has(name)) throw badBrokerUrl(url, `gives the parameter '${name}' more than once`);
    seen.add(name);
  }
}

/** An integer parameter in [min, max], or `fallback` when absent. */
export function intParam(
  u: URL,
  name: string,
  fallback: number,
  min: number,
  max: number,
  url: string,
): number {
  const text = u.searchParams.get(name);
  if (text === null) return fallback;
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw badBrokerUrl(url, `has ${name}=${text}; it must be an integer ${range}`);
  }
  return n;
}

/** A boolean parameter: true/false/1/0/yes/no, or undefined when absent. */
export function boolParam(u: URL, name: string, url: string): boolean | undefined {
  const text = u.searchParams.get(name);
  if (text === null) return undefined;
  const v = text.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw badBrokerUrl(url, `has ${name}=${text}; it must be true or false`);
}

/** One of `choices` (case-insensitive), or `fallback` when absent. */
export function choiceParam<T extends string>(
  u: URL,
  name: string,
  choices: readonly T[],
  fallback: T,
  url: string,
): T {
  const text = u.searchParams.get(name);
  if (text === null) return fallback;
  const v = choices.find((c) => c.toLowerCase() === text.trim().toLowerCase());
  if (v === undefined) throw badBrokerUrl(url, `has ${name}=${text}; use one of ${choices.join(', ')}`);
  return v;
}

/**
 * URL user info, percent-decoded (empty strings when absent). A user without a password in the URL takes
 * HEROFLOW_BROKER_PASSWORD, so the secret need not appear in a command line or a process list.
 */
export function credentials(
  u: URL,
  env: NodeJS.ProcessEnv = process.env,
): { user: string; password: string } {
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password) || (user ? (env.HEROFLOW_BROKER_PASSWORD ?? '') : '');
  return { user, password };
}
