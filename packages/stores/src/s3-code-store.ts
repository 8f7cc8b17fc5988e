import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NuboError, bundleDigest, type CodeStore } from '@nubo/core';

export interface S3Settings {
  endpoint: string;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function storeUnavailable(err: unknown): never {
  if (err instanceof NuboError) throw err;
  throw new NuboError(
    'NUBO_ERR_STORE_UNAVAILABLE',
    `The code store (S3) is unavailable: ${(err as Error).message}. Retry shortly; the operator should check the S3 endpoint.`,
  );
}

/** The production CodeStore: bundles as objects `code/<sha256>.zip` in one bucket of any S3-compatible server. */
export class S3CodeStore implements CodeStore {
  private constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  /** Connects and creates the bucket if it is missing; fails with one clear message. */
  static async connect(settings: S3Settings): Promise<S3CodeStore> {
    const s3 = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      ...(settings.accessKeyId && settings.secretAccessKey
        ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
        : {}),
    });
    try {
      await s3.send(new HeadBucketCommand({ Bucket: settings.bucket })).catch(async (err: unknown) => {
        if (statusOf(err) !== 404) throw err;
        await s3.send(new CreateBucketCommand({ Bucket: settings.bucket }));
      });
    } catch (err) {
      s3.destroy();
      const status = statusOf(err);
      const why =
        status === 403
          ? 'access denied: check NUBO_S3_ACCESS_KEY_ID / NUBO_S3_SECRET_ACCESS_KEY and the bucket policy'
          : (err as Error).message;
      throw new NuboError(
        'NUBO_ERR_CONFIG_INVALID',
        `Cannot use S3 bucket "${settings.bucket}" at ${settings.endpoint} (${why}): fix NUBO_S3_* or start the S3 server.`,
      );
    }
    return new S3CodeStore(s3, settings.bucket);
  }

  private key(digest: string): string {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new NuboError('NUBO_ERR_SERVER_INTERNAL', `Not a code digest: "${digest}".`);
    return `code/${digest}.zip`;
  }

  async put(bundle: Uint8Array): Promise<string> {
    const digest = bundleDigest(bundle);
    if (await this.has(digest)) return digest;
    await this.s3
      .send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(digest), Body: bundle, ContentType: 'application/zip' }))
      .catch(storeUnavailable);
    return digest;
  }

  async get(digest: string): Promise<Uint8Array> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(digest) }));
      return await object.Body!.transformToByteArray();
    } catch (err) {
      if (statusOf(err) === 404 || (err as Error).name === 'NoSuchKey') {
        throw new NuboError(
          'NUBO_ERR_SERVER_INTERNAL',
          `Code bundle ${digest} is missing from bucket ${this.bucket}: deploy the function again.`,
        );
      }
      return storeUnavailable(err);
    }
  }

  async has(digest: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(digest) }));
      return true;
    } catch (err) {
      if (statusOf(err) === 404 || (err as Error).name === 'NotFound') return false;
      return storeUnavailable(err);
    }
  }

  async delete(digest: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(digest) })).catch(storeUnavailable);
  }

  close(): void {
    this.s3.destroy();
  }
}
