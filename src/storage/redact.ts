/**
 * Secrets never reach logs, errors or summaries. `redact` masks what looks like a credential in a string:
 * URL user info (`s3://KEY:SECRET@…`), SAS query parameters (`sig=`, `se=`…), connection-string fields
 * (`AccountKey=`, `SharedAccessSignature=`), bearer tokens, and the values of the credential environment
 * variables heroflow reads (whatever their shape), so an SDK message quoting one is masked too.
 */
const SECRET_ENV = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AZURE_ACCOUNT_KEY',
  'AZURE_STORAGE_KEY',
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_STORAGE_SAS_TOKEN',
  'AZURE_CLIENT_SECRET',
];

const MASK = '***';

export function redact(text: string, extraSecrets: readonly string[] = []): string {
  let out = text
    // scheme://user:pass@host -> scheme://***@host
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, `$1${MASK}@`)
    // SAS / signed-URL query parameters
    .replace(
      /([?&;](?:sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|sv|se|st|sp|spr|srt|ss|sr|skoid|sktid|skt|ske|sks|skv)=)[^&\s"';]*/gi,
      `$1${MASK}`,
    )
    // connection string fields
    .replace(/((?:AccountKey|SharedAccessSignature|SharedAccessKey)=)[^;\s"']*/gi, `$1${MASK}`)
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, `$1${MASK}`)
    .replace(/("private_key"\s*:\s*")[^"]*"/g, `$1${MASK}"`);
  const secrets = [...extraSecrets, ...SECRET_ENV.map((k) => process.env[k] ?? '')].filter(
    (s) => s.length >= 6,
  );
  for (const s of secrets) out = out.split(s).join(MASK);
  return out;
}
