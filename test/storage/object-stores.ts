/**
 * The object-store emulators scripts/services.sh starts (moto, Azurite, fake-gcs-server), the environment
 * that points heroflow at them, and a fresh bucket/container per call. A suite whose emulator is absent is
 * skipped with a visible reason; HEROFLOW_REQUIRE_SERVICES=1 turns that into a failure.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { skipIfMissing } from '../helpers/skip.js';

export const EMULATORS = {
  s3: process.env.HEROFLOW_S3_ENDPOINT ?? 'http://127.0.0.1:5000',
  gcs: process.env.HEROFLOW_GCS_ENDPOINT ?? 'http://127.0.0.1:4443',
  azure: process.env.HEROFLOW_AZURE_BLOB_ENDPOINT ?? 'http://127.0.0.1:10000/devstoreaccount1',
} as const;
export type ObjectStoreName = keyof typeof EMULATORS;

const SERVICE_SCRIPT: Record<ObjectStoreName, string> = { s3: 'moto', gcs: 'fakegcs', azure: 'azurite' };

/** Azurite's well-known development account key (public, in Microsoft's docs). */
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The variables a user would set to reach each emulator (also passed to child `heroflow` processes). */
export function emulatorEnv(name: ObjectStoreName): Record<string, string> {
  switch (name) {
    case 's3':
      return {
        AWS_ENDPOINT_URL: EMULATORS.s3,
        AWS_ACCESS_KEY_ID: 'heroflow-test',
        AWS_SECRET_ACCESS_KEY: 'heroflow-test-secret',
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
      };
    case 'gcs':
      return {
        STORAGE_EMULATOR_HOST: EMULATORS.gcs,
        GCP_PROJECT_ID: 'heroflow-test',
        METADATA_SERVER_DETECTION: 'none',
      };
    case 'azure':
      return {
        AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=${EMULATORS.azure};`,
      };
  }
}

function portOpen(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** `false` when the emulator answers, else the skip reason (throws under HEROFLOW_REQUIRE_SERVICES=1). */
export async function skipUnlessEmulator(name: ObjectStoreName): Promise<false | string> {
  if (await portOpen(EMULATORS[name])) return false;
  return skipIfMissing(
    `${name} emulator is not reachable at ${EMULATORS[name]}; start it with: scripts/services.sh up ${SERVICE_SCRIPT[name]}`,
  );
}

/** Point this process's SDKs at the emulator (the backends read process.env like the real tools do). */
export function useEmulatorEnv(name: ObjectStoreName): void {
  Object.assign(process.env, emulatorEnv(name));
}

/** A new, empty bucket/container on the emulator; returns its name. The SDKs load only when called. */
export async function createBucket(name: ObjectStoreName, tag = 'hf'): Promise<string> {
  const bucket = `${tag}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`.toLowerCase();
  switch (name) {
    case 's3': {
      // SDKs imported here, not at the top: bench/storage.ts measures one client's RSS per process.
      const { CreateBucketCommand, S3Client } = await import('@aws-sdk/client-s3');
      const env = emulatorEnv('s3');
      const client = new S3Client({
        endpoint: EMULATORS.s3,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
      });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
      break;
    }
    case 'gcs': {
      const r = await fetch(`${EMULATORS.gcs}/storage/v1/b?project=heroflow-test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: bucket }),
      });
      if (!r.ok) throw new Error(`fake-gcs-server refused bucket ${bucket}: ${r.status} ${await r.text()}`);
      break;
    }
    case 'azure': {
      const { BlobServiceClient } = await import('@azure/storage-blob');
      const svc = BlobServiceClient.fromConnectionString(
        emulatorEnv('azure').AZURE_STORAGE_CONNECTION_STRING,
      );
      await svc.getContainerClient(bucket).create();
      break;
    }
  }
  return bucket;
}

export const SCHEME: Record<ObjectStoreName, string> = { s3: 's3', gcs: 'gs', azure: 'az' };
