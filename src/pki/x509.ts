import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// @peculiar/x509 builds certificates and certificate requests over node:crypto's WebCrypto. It is
// loaded only when one is made (a first start, a join, a renewal): loading it costs a process
// about a quarter of a second, and a manager or worker that restarts with valid certificates
// never needs it (node:crypto's X509Certificate reads and verifies them).

export type X509 = typeof import('@peculiar/x509');

/** ECDSA over P-256 with SHA-256: every key and signature of a cluster. */
export const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

let loaded: Promise<X509> | undefined;

/** The library, with node:crypto's WebCrypto as its provider. */
export function loadX509(): Promise<X509> {
  loaded ??= (async () => {
    // @peculiar/x509 2.x resolves its parts through tsyringe, which needs the Reflect metadata
    // API before the library's first line runs
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    // node:crypto's WebCrypto is the standard one; the library types it with the DOM's name
    x509.cryptoProvider.set(webcrypto as unknown as ReturnType<X509['cryptoProvider']['get']>);
    return x509;
  })();
  return loaded;
}

/** A new P-256 key pair that can be exported (the private key goes to a 0600 file). */
export function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** The private key as PKCS#8 PEM. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return pem('PRIVATE KEY', der);
}

/** A PKCS#8 PEM private key (ours: P-256) as a WebCrypto signing key. */
export async function importPrivateKey(keyPem: string): Promise<CryptoKey> {
  const der = derOf(keyPem, 'PRIVATE KEY');
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

export function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER bytes inside the first PEM block labelled `label`. */
export function derOf(text: string, label: string): Buffer {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  if (m?.[1] === undefined) throw new Error(`no ${label} PEM block`);
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}
