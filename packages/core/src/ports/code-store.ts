import { createHash } from 'node:crypto';

/** A bundle's address in every CodeStore: the hex sha256 of its bytes. */
export function bundleDigest(bundle: Uint8Array): string {
  return createHash('sha256').update(bundle).digest('hex');
}

/** Function code bundles (zip archives), content-addressed by the sha256 of their bytes (bundleDigest). */
export interface CodeStore {
  /** Stores a bundle and returns its digest (hex sha256). Storing the same bytes twice is a no-op. */
  put(bundle: Uint8Array): Promise<string>;
  /** The bundle's bytes; NUBO_ERR_SERVER_INTERNAL if it is missing. */
  get(digest: string): Promise<Uint8Array>;
  has(digest: string): Promise<boolean>;
  delete(digest: string): Promise<void>;
}
