import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
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

/** Where a test's screenshots go: test-output/browser/<test>/ (gitignored). */
export function outputDir(test: string): string {
  const dir = join('test-output', 'browser', test.replace(/[^a-z0-9-]+/gi, '-').toLowerCase());
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function screenshot(page: Page, test: string, name: string): Promise<string> {
  const path = join(outputDir(test), `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const require = createRequire(import.meta.url);

/** axe-core's findings of impact serious or critical on the page as it is now, as lines for an assertion message. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // evaluated over the DevTools protocol, not as a page script: the console's CSP stays as it is
  await page.evaluate(source);
  const found = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run();
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact ?? ''} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
  });
  return found;
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * Opens `url`. Chromium aborts a navigation with ERR_NETWORK_CHANGED when the host's network
 * interfaces change, which they do whenever Docker starts a container: that navigation is tried
 * again (at most three times), as a person would press reload.
 */
export async function open(page: Page, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      return;
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error) || !err.message.includes('ERR_NETWORK_CHANGED')) throw err;
    }
  }
}

/** Signs in on the console's page with `token` and waits for the overview. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await open(page, `${baseUrl}/ui`);
  await page.waitForSelector('#token');
  await page.type('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('header .who');
}

/** Waits until the page's text holds `text` (or matches it), without a reload. */
export async function waitForText(page: Page, text: string | RegExp, timeoutMs = 20_000): Promise<void> {
  const pattern = typeof text === 'string' ? { source: text, flags: '' } : { source: text.source, flags: text.flags };
  const literal = typeof text === 'string';
  await page.waitForFunction(
    (p: { source: string; flags: string }, isLiteral: boolean) => {
      // runs in the page: its document, typed here without the DOM library
      const body = (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText;
      return isLiteral ? body.includes(p.source) : new RegExp(p.source, p.flags).test(body);
    },
    { timeout: timeoutMs, polling: 100 },
    pattern,
    literal,
  );
}
