/**
 * Broker URLs carry credentials (amqp://user:pass@…, redis://:pass@…, nats://token@…); anything that logs,
 * prints or stores a URL goes through this first.
 */
const SECRET_PARAM = /pass|secret|token|key|auth|sig|credential/i;
const MASK = '***';

export function redactUrl(url: string): string {
  // Multi-host URLs (kafka://h1:9092,h2:9092) do not parse as one URL, so credentials are masked textually.
  const masked = url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i,
    (_all, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      // A lone user part is often a token (nats://token@host), so it is hidden as well.
      if (colon < 0) return `${scheme}${MASK}@`;
      const user = userinfo.slice(0, colon);
      return `${scheme}${user}:${MASK}@`;
    },
  );
  const q = masked.indexOf('?');
  if (q < 0) return masked;
  const hash = masked.indexOf('#', q);
  const query = masked.slice(q + 1, hash < 0 ? undefined : hash);
  const redactedQuery = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = decodeURIComponent(pair.slice(0, eq));
      return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=${MASK}` : pair;
    })
    .join('&');
  return `${masked.slice(0, q + 1)}${redactedQuery}${hash < 0 ? '' : masked.slice(hash)}`;
}
