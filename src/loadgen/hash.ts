/**
 * `measurement_hash`, as upstream's event-hash crate makes it (upstream.md §4.6): the JSON of
 * {notification_type, researcher, experiment_id, measurement_id, timestamp} in that field order,
 * encrypted with AES-256-GCM under the 32-byte secret key and a random 96-bit nonce, written as
 * base64(nonce) "." base64(ciphertext ‖ tag), standard alphabet without padding.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HeroflowError } from '../errors.js';

export type NotificationType = 'OutOfRange' | 'Stabilized';

export interface HashData {
  notification_type: NotificationType | null;
  researcher: string;
  experiment_id: string;
  measurement_id: string;
  timestamp: number;
}

const TAG_BYTES = 16;
const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

/** serde_json prints an f64 with a fraction always (`1.0`), never an integer literal. */
function f64Json(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  const s = String(n);
  return /[.e]/.test(s) ? s.replace('e+', 'e') : `${s}.0`;
}

export function hashDataJson(d: HashData): string {
  return (
    `{"notification_type":${JSON.stringify(d.notification_type)},"researcher":${JSON.stringify(d.researcher)},` +
    `"experiment_id":${JSON.stringify(d.experiment_id)},"measurement_id":${JSON.stringify(d.measurement_id)},` +
    `"timestamp":${f64Json(d.timestamp)}}`
  );
}

export function checkSecretKey(key: string): Buffer {
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length !== 32) {
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `Invalid --secret-key: it has ${bytes.length} bytes; expected exactly 32 (an AES-256 key), e.g. QJUHsPhnA0eiqHuJqsPgzhDozYO4f1zh.`,
    );
  }
  return bytes;
}

export function encryptHash(data: HashData, key: Buffer): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([
    cipher.update(hashDataJson(data), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return `${b64(nonce)}.${b64(body)}`;
}

/** The notifications service's side: throws HF_MESSAGE_INVALID when the hash is malformed or forged. */
export function decryptHash(hash: string, key: Buffer): HashData {
  const parts = hash.split('.');
  if (parts.length !== 2)
    throw new HeroflowError('HF_MESSAGE_INVALID', 'measurement_hash is not nonce.ciphertext');
  const nonce = Buffer.from(parts[0], 'base64');
  const body = Buffer.from(parts[1], 'base64');
  if (nonce.length !== 12 || body.length < TAG_BYTES) {
    throw new HeroflowError('HF_MESSAGE_INVALID', 'measurement_hash has a malformed nonce or ciphertext');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return JSON.parse(plain.toString('utf8')) as HashData;
  } catch (cause) {
    throw new HeroflowError('HF_MESSAGE_INVALID', 'measurement_hash does not decrypt with this key', {
      cause,
    });
  }
}
