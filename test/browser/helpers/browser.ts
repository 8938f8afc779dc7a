import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { open } from '../../../testkit/browser.js';

export { launchBrowser, open } from '../../../testkit/browser.js';

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

/** Signs in on the console's page with `token` and waits for the overview. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await open(page, `${baseUrl}/ui`);
  // a script load cut by a network change leaves an empty page: open it once more, as a person would
  if ((await page.waitForSelector('#token', { timeout: 60_000 }).catch(() => null)) === null) {
    await open(page, `${baseUrl}/ui`);
    await page.waitForSelector('#token', { timeout: 60_000 });
  }
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
