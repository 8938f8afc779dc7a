import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'puppeteer-core';
import { launchBrowser, open } from '../testkit/browser.js';
import { BenchError } from './bench-error.js';
import type { BenchContext, Benchmark } from './context.js';
import { startFakeCluster, type FakeCluster } from './fake-cluster.js';
import { goalLine, headline, publishReport } from './report.js';
import { summarize } from './stats.js';
import { formatTable, type TableRow } from './table.js';

// The web console in headless Chromium against a real manager holding 1,000 tasks on 20 nodes
// (fake workers in a process of their own: the real Worker over a fake driver, so no Docker
// container is started). The page measures itself (performance.measure in src/console/views/app.ts):
// `console:first-render` from the navigation's start until the overview shows the loaded cluster,
// and `console:update` from an event's arrival until the page shows it. Beside them the bench times
// a change end to end: from just before its API call until the page shows it.

const NODES = 20;
const SERVICES = 9;
const REPLICAS = 100;
const PLAIN = 100;
const TOTAL = SERVICES * REPLICAS + PLAIN;
const RELOADS = 7;
const CHANGES = 20;
const GOAL_UPDATE_MS = 1_000;

export const consoleBenchmark: Benchmark = {
  name: 'console',
  description: `the web console with ${TOTAL.toLocaleString('en-US')} tasks on ${NODES} nodes: first render, live updates`,
  run: runConsole,
};

async function runConsole(ctx: BenchContext): Promise<void> {
  const cluster = await startFakeCluster(ctx, 'console', NODES);
  let browser: Browser | undefined;
  try {
    await fill(ctx, cluster);
    browser = await launchBrowser(cluster.access.managerCert);
    const page = await browser.newPage();
    // what goes wrong in the page is said on stderr, with the run's progress
    page.on('pageerror', (err) =>
      ctx.progress(`console: page error: ${err instanceof Error ? err.message : String(err)}`),
    );
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') ctx.progress(`console: page ${m.type()}: ${m.text()}`);
    });
    page.on('requestfailed', (r) =>
      ctx.progress(`console: request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`),
    );
    await signIn(page, cluster);
    const firstRender: number[] = [];
    for (let i = 0; i < RELOADS; i++) {
      ctx.signal.throwIfAborted();
      await open(page, `${cluster.access.url}/ui`);
      await page
        .waitForFunction(() => performance.getEntriesByName('console:first-render').length > 0, { timeout: 60_000 })
        .catch(async (err: unknown) => {
          const shown = await page.evaluate(() =>
            (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText.slice(
              0,
              600,
            ),
          );
          throw new BenchError(
            `console: reload ${i + 1} never rendered the overview; the page shows: ${shown} (${err})`,
          );
        });
      firstRender.push(
        await page.evaluate(() => performance.getEntriesByName('console:first-render')[0]?.duration ?? -1),
      );
    }
    ctx.progress(`console: ${RELOADS} first renders measured`);
    const endToEnd: number[] = [];
    await page.evaluate(() => performance.clearMeasures('console:update'));
    for (let i = 0; i < CHANGES; i++) {
      ctx.signal.throwIfAborted();
      // up by one, then back: each pair leaves the cluster at 1,000 tasks
      const service = `svc-${Math.floor(i / 2) % SERVICES}`;
      endToEnd.push(await timeChange(page, cluster, service, i % 2 === 0 ? REPLICAS + 1 : REPLICAS));
    }
    const updates = await page.evaluate(() => performance.getEntriesByName('console:update').map((e) => e.duration));
    if (updates.length === 0) throw new BenchError('console: the page measured no live update');
    await report(ctx, firstRender, updates, endToEnd);
  } finally {
    await browser?.close();
    await cluster.stop();
  }
}

/** 9 services of 100 replicas and 100 plain tasks, all Running on the fake workers. */
async function fill(ctx: BenchContext, cluster: FakeCluster): Promise<void> {
  const task = {
    image: 'poseidon/busybox:latest',
    command: ['sleep', '600'],
    labels: { 'poseidon.test-run': ctx.runId },
  };
  for (let s = 0; s < SERVICES; s++) await cluster.client.createService({ name: `svc-${s}`, replicas: REPLICAS, task });
  for (let i = 0; i < PLAIN; i++) await cluster.client.submit({ ...task, name: `plain-${i}` });
  const began = performance.now();
  for (;;) {
    ctx.signal.throwIfAborted();
    const running = (await cluster.client.listTasks({ state: 'Running' })).length;
    if (running >= TOTAL) break;
    if (performance.now() - began > 120_000) throw new BenchError(`console: only ${running} of ${TOTAL} tasks Running`);
    await sleep(250);
  }
  ctx.progress(`console: ${TOTAL} tasks Running on ${NODES} fake workers`);
}

async function signIn(page: Page, cluster: FakeCluster): Promise<void> {
  await open(page, `${cluster.access.url}/ui`);
  await page.waitForSelector('#token');
  await page.type('#token', cluster.access.adminToken);
  await page.click('button[type=submit]');
  await page.waitForFunction(() => performance.getEntriesByName('console:first-render').length > 0, {
    timeout: 60_000,
  });
}

/**
 * Scales `service` to `replicas` and waits, in the page, until its overview row says
 * `replicas/replicas`: from just before the API call (epoch ms, one host clock) to the page
 * showing it, checked on every DOM change (a MutationObserver that sees text changes too:
 * puppeteer's `polling: 'mutation'` does not, and preact changes a cell's text in place).
 */
async function timeChange(page: Page, cluster: FakeCluster, service: string, replicas: number): Promise<number> {
  const want = `${replicas}/${replicas}`;
  await page.evaluate(
    (name: string, text: string, timeoutMs: number) => {
      const g = globalThis as unknown as InPage;
      g.benchShown = new Promise<number>((resolve, reject) => {
        const check = (): void => {
          for (const row of g.document.querySelectorAll('tbody tr'))
            if (row.querySelector('th')?.textContent === name && row.querySelector('.replicas')?.textContent === text) {
              observer.disconnect();
              clearTimeout(timer);
              resolve(performance.timeOrigin + performance.now());
              return;
            }
        };
        const observer = new g.MutationObserver(check);
        observer.observe(g.document.body, { subtree: true, childList: true, characterData: true, attributes: true });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`not shown within ${timeoutMs} ms`));
        }, timeoutMs);
      });
      g.benchShown.catch(() => undefined); // read below
    },
    service,
    want,
    30_000,
  );
  const before = Date.now();
  await cluster.client.scaleService(service, replicas);
  try {
    return (await page.evaluate(() => (globalThis as unknown as InPage).benchShown)) - before;
  } catch (err) {
    // say what the page showed instead, and what the manager says
    const row = await page.evaluate((name: string) => {
      for (const r of (globalThis as unknown as InPage).document.querySelectorAll('tbody tr'))
        if (r.querySelector('th')?.textContent === name) return r.querySelector('.replicas')?.textContent ?? '?';
      return 'no row';
    }, service);
    const view = await cluster.client.getService(service);
    throw new BenchError(
      `console: the page never showed ${service} at ${want} (it shows ${row}; the manager says ` +
        `${view.healthy}/${view.replicas}): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** What the page's globals offer the functions run in it (the bench is compiled without the DOM's types). */
interface InPage {
  document: { body: unknown; querySelectorAll(s: string): Iterable<RowLike> };
  MutationObserver: new (fn: () => void) => {
    observe(target: unknown, opts: Record<string, boolean>): void;
    disconnect(): void;
  };
  benchShown: Promise<number>;
}

interface RowLike {
  querySelector(s: string): { textContent: string | null } | null;
}

async function report(ctx: BenchContext, firstRender: number[], updates: number[], endToEnd: number[]): Promise<void> {
  const date = new Date().toISOString();
  const rows: TableRow[] = [
    { metric: `first render, ${TOTAL} tasks / ${NODES} nodes`, summary: summarize(firstRender) },
    { metric: 'live update: event in the page → shown', summary: summarize(updates) },
    { metric: 'scale: API call → page shows it', summary: summarize(endToEnd) },
  ];
  const p90 = summarize(endToEnd).p90Ms;
  const lines = [
    headline('console: the web console in headless Chromium', date, ctx.machine),
    '',
    formatTable(rows),
    '',
    goalLine(
      `a change on the page within ${GOAL_UPDATE_MS} ms of its event (p90, end to end)`,
      `${p90.toFixed(0)} ms`,
      p90 < GOAL_UPDATE_MS,
    ),
  ];
  await publishReport(
    ctx,
    { benchmark: 'console', date, lines },
    { tasks: TOTAL, nodes: NODES, samplesMs: { firstRender, updates, endToEnd }, rows },
  );
}
