/** Function code bundles (zip archives), content-addressed by the sha256 of their bytes. */
export interface CodeStore {
  /** Stores a bundle and returns its digest (hex sha256). Storing the same bytes twice is a no-op. */
  put(bundle: Uint8Array): Promise<string>;
  /** The bundle's bytes; NUBO_ERR_SERVER_INTERNAL if it is missing. */
  get(digest: string): Promise<Uint8Array>;
  has(digest: string): Promise<boolean>;
  delete(digest: string): Promise<void>;
}
