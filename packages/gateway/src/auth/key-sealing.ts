import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const format = 'v1';
const ivBytes = 12;
const tagBytes = 16;

/**
 * Seals API keys (AES-256-GCM, key derived with HKDF from the sealing secret) so a gateway can
 * check AWS SigV4 signatures, which need the key itself; the catalog alone never reveals one.
 */
export class KeySealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'nubo api key sealing', 32));
  }

  seal(apiKey: string): string {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(apiKey, 'utf8'), cipher.final()]);
    return `${format}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  /** The key, or null when the text was sealed with another secret or changed. */
  unseal(text: string): string | null {
    const [version, payload] = text.split('.');
    if (version !== format || !payload) return null;
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length <= ivBytes + tagBytes) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, ivBytes));
      decipher.setAuthTag(bytes.subarray(ivBytes, ivBytes + tagBytes));
      return Buffer.concat([decipher.update(bytes.subarray(ivBytes + tagBytes)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
