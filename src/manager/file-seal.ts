import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// A secret's value as stored: AES-256-GCM under the files key (pki/files-key.ts), its name as
// associated data so a sealed value moved under another name does not open. `iv.tag.data`, base64.

export function seal(key: Buffer, name: string, value: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const data = Buffer.concat([cipher.update(value), cipher.final()]);
  return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64')).join('.');
}

/** The value, or null when it does not open under this key (another cluster's CA, or tampered with). */
export function open(key: Buffer, name: string, sealed: string): Buffer | null {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64'));
  if (iv === undefined || tag === undefined || data === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    return null;
  }
}
