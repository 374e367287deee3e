/**
 * The one way a test skips for something missing on this machine (a server, a Python module, chromium,
 * the shared data): a visible `# SKIP` line, or, when HEROFLOW_REQUIRE_SERVICES=1 (set by .ci/run, which
 * installs and starts all of it), a failure, so CI never passes by skipping.
 */
export const servicesRequired = process.env.HEROFLOW_REQUIRE_SERVICES === '1';

/** `false` when `missing` is undefined; otherwise the skip reason for node:test (`{ skip: reason }`). */
export function skipIfMissing(missing: string | undefined): false | string {
  if (missing === undefined) return false;
  if (servicesRequired) throw new Error(`HEROFLOW_REQUIRE_SERVICES=1 but ${missing}`);
  console.log(`# SKIP ${missing}`);
  return missing;
}
