import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

// Headless Chromium (Debian's; scripts/setup-chromium.sh) driven by puppeteer-core, which downloads
// no browser. The manager's certificate is trusted the proper way for one key: Chromium is told
// the SHA-256 of that certificate's public key (--ignore-certificate-errors-spki-list), which
// accepts that exact key and nothing else; every other certificate is checked as always.

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium's SPKI list wants it. */
export function spkiHash(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

export async function launchBrowser(managerCertPem: string, size = { width: 1280, height: 800 }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: run bash scripts/setup-chromium.sh`);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    defaultViewport: size,
    args: [
      `--ignore-certificate-errors-spki-list=${spkiHash(managerCertPem)}`,
      // root in a container has no user namespace for Chromium's sandbox
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-gpu',
    ],
  });
}

/**
 * Opens `url`. Chromium aborts a navigation with ERR_NETWORK_CHANGED when the host's network
 * interfaces change, which they do whenever Docker starts a container: that navigation is tried
 * again (at most ten times), as a person would press reload.
 */
export async function open(page: Page, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      return;
    } catch (err) {
      if (attempt >= 10 || !(err instanceof Error) || !err.message.includes('ERR_NETWORK_CHANGED')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250)); // on a busy host the interfaces keep changing
    }
  }
}
