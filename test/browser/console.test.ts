import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { formatBytes } from '../../src/units/index.js';
import { POSEIDON_VERSION } from '../../src/version.js';
import { TestCluster } from '../integration/helpers/cluster.js';
import { liveTasks, serviceSpec } from '../integration/helpers/services.js';
import { waitFor } from '../integration/helpers/wait-for.js';
import { launchBrowser, open, screenshot, seriousViolations, signIn, waitForText } from './helpers/browser.js';
import { cutOff, unreachableScrollBoxes } from './helpers/layout.js';

// The web console in headless Chromium against a real manager and two real workers (mutual TLS,
// tokens, real Docker): what a person sees and does, without a reload. Each test leaves its
// screenshots in test-output/browser/<test>/ and asks axe-core for serious or critical findings.

/** Clicks the button whose text is `label` (within `scope`, a CSS selector), as a person would. */
async function press(page: Page, label: string, scope = 'body'): Promise<void> {
  const button = await page.waitForSelector(`${scope} button::-p-text(${label})`, { visible: true });
  assert.ok(button !== null, `a ${label} button`);
  await button.click();
}

/** Confirms the open confirmation dialog. */
async function confirm(page: Page): Promise<void> {
  await press(page, 'Confirm', 'dialog[open]');
}

/** Each row of the tables matching `selector`, as the text of its cells. */
async function rows(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => (cell.textContent ?? '').trim())),
  );
}

/** Marks the page, so a later check can tell that it was never reloaded. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as Record<string, unknown>).notReloaded = true;
  });
}

async function stillSamePage(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as Record<string, unknown>).notReloaded === true);
}

/** The task page's Spec section as label → value, in its order. */
async function specRows(page: Page): Promise<Map<string, string>> {
  const pairs = await page.$$eval('section[aria-labelledby=spec] dl.facts dt', (dts) =>
    dts.map((dt) => [(dt.textContent ?? '').trim(), (dt.nextElementSibling?.textContent ?? '').trim()] as const),
  );
  return new Map(pairs);
}

async function accessible(page: Page, what: string): Promise<void> {
  const found = await seriousViolations(page);
  assert.deepEqual(found, [], `axe-core on ${what}`);
}

/** The page's MutationObserver, typed here without the DOM library. */
type ObserverClass = new (fn: () => void) => {
  observe(target: unknown, options: { childList: boolean; subtree: boolean }): void;
  disconnect(): void;
};

describe('the web console in a real browser, against a real manager and workers', () => {
  const c = new TestCluster();
  let browser: Browser;
  let url: string;

  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    await c.startWorker('b');
    url = c.manager.url;
    browser = await launchBrowser(readFileSync(join(c.access.dataDir, 'manager.crt'), 'utf8'));
  });
  after(async () => {
    await browser?.close();
    await c.close();
  });

  /** A page in a context of its own (its own session storage, so its own sign-in). */
  async function newPage(width = 1280, height = 800): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width, height });
    return page;
  }

  test('sign in with the keyboard, see both nodes; readable on a narrow window', async () => {
    const page = await newPage();
    await open(page, `${url}/ui`);
    await page.waitForSelector('#token');
    await page.keyboard.press('Tab'); // the token field is the first control
    await page.keyboard.type('not a token');
    await page.keyboard.press('Enter');
    await waitForText(page, 'That is not an API token');
    await page.focus('#token');
    await page.evaluate(() => {
      const el = (
        globalThis as unknown as { document: { getElementById(id: string): { value: string } | null } }
      ).document.getElementById('token');
      if (el !== null) el.value = '';
    });
    await page.keyboard.type(c.token);
    await page.keyboard.press('Enter');
    await waitForText(page, 'scope admin');
    await waitForText(page, 'Live updates: live');
    for (const w of ['a', 'b']) await waitForText(page, c.workerName(w));
    await accessible(page, 'the overview');
    await screenshot(page, 'sign-in', 'overview-1280x800');
    await page.setViewport({ width: 390, height: 800 });
    const overflow = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document;
      return d.documentElement.scrollWidth - (globalThis as unknown as { innerWidth: number }).innerWidth;
    });
    assert.ok(overflow <= 0, `the page fits a 390 px window (${overflow} px too wide)`);
    await screenshot(page, 'sign-in', 'overview-390x800');
  });

  test('a service scaling and a task failing appear without a reload', async () => {
    const page = await newPage();
    await signIn(page, url, c.token);
    await markPage(page);
    await c.client.createService(serviceSpec(c, 'web', { replicas: 1 }));
    await waitForText(page, /web\s+1\/1/);
    await c.client.scaleService('web', 3);
    await waitForText(page, /web\s+3\/3/);
    const failing = await c.client.submit(
      c.task('fails', { command: ['sh', '-c', 'exit 3'], restartPolicy: { mode: 'never' } }),
    );
    await waitForText(page, 'exited with code 3');
    await page.click('button[data-state=Failed]');
    await waitForText(page, /fails\s+Failed/);
    assert.equal((await c.client.getTask(failing.id)).state, 'Failed');
    assert.ok(await stillSamePage(page), 'the page was never reloaded');
    await accessible(page, 'the overview with a failed task');
    await screenshot(page, 'live-updates', 'overview');
  });

  test('a page opened later lists the events of the minutes before it opened', async () => {
    // the test before ran a task that exited with code 3 before this page opened: its events are
    // the latest the manager kept
    const page = await newPage();
    await signIn(page, url, c.token);
    const listed = await waitFor(
      async () => {
        const text = await page.$eval('ol.events', (el) => el.textContent ?? '').catch(() => '');
        return /task\.exited\s*fails/.test(text) ? text : undefined;
      },
      { what: "the failed task's exit in the latest events" },
    );
    assert.match(listed, /task\.submitted\s*fails/);
  });

  test('at 1280x800 every table shows all its columns; on a 390 px window a wider one scrolls in its own box', async () => {
    const page = await newPage(1280, 800);
    await signIn(page, url, c.token);
    for (const w of ['a', 'b']) await waitForText(page, c.workerName(w));
    await waitForText(page, /web\s+3\/3/);
    await waitForText(page, 'exited with code 3');
    assert.equal((await page.$$('main table')).length, 3, 'nodes, services and tasks as tables');
    assert.deepEqual(await cutOff(page), [], 'the overview at 1280x800');
    await screenshot(page, 'layout', 'overview-1280x800');

    await open(page, `${url}/ui#/services/web`);
    await waitForText(page, '3/3 healthy');
    assert.deepEqual(await cutOff(page), [], 'the service page at 1280x800');
    const a = (await c.client.listNodes()).find((n) => n.name === c.workerName('a'));
    assert.ok(a !== undefined);
    await c.client.updateNodeLabels(a.id, { add: { zone: 'blue' } }); // as `poseidon node update` sets one
    await open(page, `${url}/ui#/nodes/${a.id}`);
    await waitForText(page, 'Last heartbeat');
    await waitForText(page, 'zone=blue (node update)');
    await c.client.updateNodeLabels(a.id, { remove: ['zone'] });
    // every worker here shares one host: the manager's port is held outside Poseidon for each
    await waitForText(page, 'Host ports held outside Poseidon');
    await waitForText(page, `${new URL(url).port}/tcp`);
    assert.deepEqual(await cutOff(page), [], 'the node page at 1280x800');
    const [failed] = await c.client.listTasks({ state: 'Failed' });
    assert.ok(failed !== undefined);
    await open(page, `${url}/ui#/tasks/${failed.id}`);
    await waitForText(page, 'State history');
    await waitForText(page, "sh -c 'exit 3'"); // the command as a shell would read it back
    assert.deepEqual(await cutOff(page), [], 'the task page at 1280x800');

    await page.setViewport({ width: 390, height: 800 });
    for (const [what, hash] of [
      ['overview', '#/'],
      ['service page', '#/services/web'],
      ['task page', `#/tasks/${failed.id}`],
    ] as const) {
      await open(page, `${url}/ui${hash}`);
      await waitForText(page, what === 'task page' ? 'State history' : 'web');
      const wider = (await cutOff(page)).filter((f) => f.startsWith('the page'));
      assert.deepEqual(wider, [], `the ${what} fits a 390 px window`);
      assert.deepEqual(await unreachableScrollBoxes(page), [], `the ${what}'s tables at 390 px`);
      await accessible(page, `the ${what} at 390 px`);
    }
    await screenshot(page, 'layout', 'task-page-390x800');
  });

  test('scale a service from its page', async () => {
    const page = await newPage();
    await signIn(page, url, c.token);
    await (await page.waitForSelector('a[href="#/services/web"]'))?.click();
    await waitForText(page, 'Replicas by slot');
    await waitForText(page, '3/3 healthy');
    // the field by focus, not by a click at its place: live updates move the page under a click
    await page.focus('#scale-replicas');
    await page.$eval('#scale-replicas', (el) => (el as unknown as { select(): void }).select());
    await page.keyboard.type('2');
    assert.equal(await page.$eval('#scale-replicas', (el) => (el as unknown as { value: string }).value), '2');
    await press(page, 'Scale');
    await waitForText(page, 'Scale web to 2 replicas?');
    await accessible(page, 'the scale confirmation');
    await confirm(page);
    // a replica drains before it stops: on a busy machine that takes longer than a page's usual wait
    await waitForText(page, 'web scaled to 2', 60_000);
    await waitForText(page, '2/2 healthy', 60_000);
    assert.equal((await c.client.getService('web')).replicas, 2);
    await accessible(page, 'the service page');
    await screenshot(page, 'scale', 'service-page');
  });

  test("a service's rollout reads as words on its page: how many of its replicas are done", async () => {
    await c.client.createService(serviceSpec(c, 'rolled', { replicas: 2 }, { command: ['sleep', '600'] }));
    const page = await newPage();
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#/services/rolled`);
    await waitForText(page, '2/2 healthy', 60_000);
    const template = { command: ['sleep', '600'], env: { ROLLED: '1' } };
    await c.client.updateService('rolled', serviceSpec(c, 'rolled', { replicas: 2 }, template));
    // htm drops the space of a line break next to an expression: "2 of 2replicas" once read so
    await waitForText(page, /completed version 1 → 2: 2 of 2 replicas done \(all 2 replicas run version 2\)/, 60_000);
    await screenshot(page, 'rollout', 'service-page');
    await c.client.removeService('rolled');
  });

  test('a global service says so on the overview and on its page, which offers no scale', async () => {
    await c.client.createService(serviceSpec(c, 'agent', { mode: 'global' }, { command: ['sleep', '600'] }));
    const page = await newPage();
    await signIn(page, url, c.token);
    await waitForText(page, /agent\s+2\/2\s+global/);
    await (await page.waitForSelector('a[href="#/services/agent"]'))?.click();
    await waitForText(page, 'Global: one replica on each node that meets its constraints, so it is not scaled.');
    assert.equal(await page.$('#scale-replicas'), null, 'no scale control');
    await accessible(page, 'the page of a global service');
    await c.client.removeService('agent');
  });

  test('a job shows its run on the overview and on its page, which offers no rollback', async () => {
    await c.client.createService(
      serviceSpec(c, 'migrate', { mode: 'replicated-job', replicas: 2 }, { command: ['sh', '-c', 'sleep 1'] }),
    );
    const page = await newPage();
    await signIn(page, url, c.token);
    // live: running first, then done, without a reload
    await waitForText(page, /migrate\s+0\/2 \(2\/2 completed\)\s+replicated-job/, 60_000);
    await (await page.waitForSelector('a[href="#/services/migrate"]'))?.click();
    await waitForText(page, 'Replicated job, 0 running');
    await waitForText(page, /complete\s+2\/2 completed \(ended/);
    assert.equal(await page.$('button::-p-text(Roll back)'), null, 'no rollback for a job');
    await accessible(page, 'the page of a job');
    await c.client.removeService('migrate');
  });

  test("follow a task's logs", async () => {
    const talker = await c.client.submit(
      c.task('talker', {
        command: ['sh', '-c', 'i=0; while true; do echo line-$i; echo oops-$i >&2; i=$((i+1)); sleep 0.3; done'],
      }),
    );
    await c.allInState([talker.id], 'Running');
    const page = await newPage();
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#/tasks/${talker.id}`);
    await waitForText(page, 'Logs: following');
    await waitForText(page, 'line-1');
    const seen = await page.$eval('pre.logs', (el) => el.textContent ?? '');
    const last = Math.max(...[...seen.matchAll(/line-(\d+)/g)].map((m) => Number(m[1])));
    await waitForText(page, `line-${last + 3}`); // written after the page opened: it follows
    // the container's stderr marked apart from its stdout
    const marked = await page.$$eval('pre.logs span.stderr', (els) => els.map((el) => el.textContent ?? '').join(''));
    assert.match(marked, /^(oops-\d+\n)+$/, 'stderr lines, marked');
    assert.doesNotMatch(marked, /line-/, 'no stdout line marked');
    await waitForText(page, /CPU: [0-9.]+/); // the first usage sample
    await accessible(page, 'the task page');
    await screenshot(page, 'logs', 'task-page');
    await c.client.stopTask(talker.id);
  });

  test('a call the network cut off is asked again: the task page still shows its spec and follows its logs', async () => {
    const talker = await c.client.submit(
      c.task('talker-2', { command: ['sh', '-c', 'i=0; while true; do echo said-$i; i=$((i+1)); sleep 0.3; done'] }),
    );
    await c.allInState([talker.id], 'Running');
    const page = await newPage();
    const cut = new Map<string, number>(); // path → requests cut off
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      if (r.isInterceptResolutionHandled()) return;
      const path = new URL(r.url()).pathname;
      // the first ask of each, as a host's network change cuts it (Chromium's ERR_NETWORK_CHANGED)
      if (r.method() === 'GET' && path.startsWith(`/tasks/${talker.id}`) && !cut.has(path)) {
        cut.set(path, 1);
        void r.abort('connectionreset');
      } else void r.continue();
    });
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#/tasks/${talker.id}`);
    await waitForText(page, 'said-1');
    await waitForText(page, 'Logs: following');
    assert.ok(cut.has(`/tasks/${talker.id}/logs`), 'the logs stream was cut off once');
    assert.equal(await page.$('section[aria-labelledby=spec] p[role=alert]'), null, 'no spec error stayed');
    await c.client.stopTask(talker.id);
  });

  test('a task page says why its last copy ended once it has restarted', async () => {
    const flaky = await c.client.submit(
      c.task('flaky', { command: ['sh', '-c', 'exit 4'], restartPolicy: { mode: 'on-failure', maxRestarts: 1 } }),
    );
    // restarted once, then given up: Failed, with its reason and the last exit both there
    const ended = await waitFor(
      async () => {
        const t = await c.client.getTask(flaky.id);
        return t.restarts === 1 && t.state === 'Failed' && t.restartAt === null ? t : undefined;
      },
      { timeoutMs: 60_000, what: 'flaky restarted once and given up' },
    );
    const page = await newPage();
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#/tasks/${flaky.id}`);
    await waitForText(page, 'Last exit');
    const facts = await page.$eval('dl.facts', (el) => el.textContent ?? '');
    assert.match(facts, /Last exit\s*exited with code 4 \(\d+[smhd] ago\)/);
    const at = await page.$eval('dl.facts time', (el) => el.getAttribute('datetime') ?? '');
    assert.equal(at, ended.lastExit?.at, 'the exact time stays on the element');
    // nothing happens to the task any more (no event, no fetch): its age goes on all the same
    const shown = await page.$eval('dl.facts time', (el) => el.textContent ?? '');
    await page.waitForFunction(
      (before: string) => {
        const doc = (
          globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
        ).document;
        return (doc.querySelector('dl.facts time')?.textContent ?? before) !== before;
      },
      { timeout: 20_000, polling: 100 },
      shown,
    );
    // the page opened after the task ended: its history lists the events from before, and says so
    await waitForText(page, /State history\s*Its events, newest first: every one the manager kept since the task/);
    await waitForText(page, /task\.exited\s*flaky/);
    await accessible(page, 'a task page with its last exit');
  });

  test('a planned restart counts down without a reload, then the task restarts; given up, it offers no stop', async () => {
    const task = await c.client.submit(
      c.task('countdown', {
        command: ['sh', '-c', 'exit 5'],
        restartPolicy: { mode: 'on-failure', maxRestarts: 1, backoff: '15s' },
      }),
    );
    const page = await newPage();
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#/tasks/${task.id}`);
    await markPage(page);
    /** What the reason says of the restart: "in 12.3s", "now", or '' once there is none. */
    const plan = async (): Promise<string> =>
      page.$eval('dl.facts', (el) => /restarting (in [0-9.]+m?s|now)/.exec(el.textContent ?? '')?.[1] ?? '');
    const seconds = (p: string): number => (p.endsWith('ms') ? parseFloat(p.slice(3)) / 1000 : parseFloat(p.slice(3)));
    const first = await waitFor(async () => ((await plan()).startsWith('in ') ? await plan() : undefined), {
      timeoutMs: 30_000,
      what: 'the restart planned on the page',
    });
    // while it waits to restart, a stop cancels the restart: the manager acts on it, so the page offers it
    await page.waitForSelector('button::-p-text(Stop task)');
    await screenshot(page, 'restart-countdown', 'task-page');
    // nothing reaches the page while the task waits out its backoff: its time left goes down all the same
    await waitFor(
      async () => {
        const now = await plan();
        return now.startsWith('in ') && seconds(now) < seconds(first) ? true : undefined;
      },
      { what: `the time left below ${first}` },
    );
    // its time come, the manager restarts it: the page says what happens then, and it fails again and gives up
    await waitForText(page, /Restarts\s*1/, 60_000);
    await waitForText(page, /gave up after 1 restart/, 60_000);
    assert.equal(await plan(), '', 'no restart said once it gave up');
    const ended = await c.client.getTask(task.id);
    assert.deepEqual([ended.state, ended.desiredState, ended.restartAt], ['Failed', 'running', null]);
    // the manager leaves a task that gave up as it ended: the page offers no stop, and says why
    await waitForText(page, 'Failed, and its restart policy does not start it again: there is nothing to stop.');
    // its log will never grow: the pane says it ended, and when, not that it follows it
    await waitForText(page, /Logs: ended: the task failed \d+s ago \(exited with code 5; gave up after 1 restart\)/);
    const fresh = await newPage();
    await signIn(fresh, url, c.token);
    await open(fresh, `${url}/ui#/tasks/${task.id}`);
    await waitForText(
      fresh,
      /Logs: ended: the task failed \d+[sm] ago \(exited with code 5; gave up after 1 restart\)/,
    );
    assert.doesNotMatch(await fresh.$eval('.log-state', (el) => el.textContent ?? ''), /follow/);
    assert.equal(await page.$('button::-p-text(Stop task)'), null, 'no stop for a task that gave up');
    const answered = await c.client.stopTask(task.id);
    assert.deepEqual([answered.desiredState, answered.reason], [ended.desiredState, ended.reason]);
    assert.ok(await stillSamePage(page), 'the page was never reloaded');
    await accessible(page, 'a task page of a task that gave up');
    await screenshot(page, 'restart-countdown', 'gave-up');
  });

  test("an older task's state history is whole, however many events the cluster had since", async () => {
    const old = await c.client.submit(c.task('old-one', { command: ['true'], restartPolicy: { mode: 'never' } }));
    await c.allInState([old.id], 'Completed', 60_000);
    // more events than the console keeps (its latest 200), and no task more to list: a config made and removed, 110 times
    for (let i = 0; i < 110; i++) {
      await c.client.createFile('config', { name: `filler-${i}`, data: Buffer.from('x') });
      await c.client.removeFile('config', `filler-${i}`);
    }
    const page = await newPage();
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#/tasks/${old.id}`);
    await waitForText(page, /task\.submitted\s*old-one/);
    await waitForText(page, /task\.exited\s*old-one/);
    await accessible(page, "an older task's page");
  });

  test('a task whose image is missing says its logs will not come, rather than waiting for a container', async () => {
    const ghost = await c.client.submit(
      c.task('ghost', {
        image: `poseidon/not-here-${randomBytes(4).toString('hex')}:1`,
        restartPolicy: { mode: 'never' },
      }),
    );
    const page = await newPage();
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#/tasks/${ghost.id}`);
    await waitForText(page, 'is not on this host and could not be pulled', 60_000);
    await waitForText(page, 'Logs: none: it never had a container (its reason says why)');
    assert.equal((await c.client.getTask(ghost.id)).containerId, null);
    await screenshot(page, 'missing-image', 'task-page');
  });

  test('a task no node could ever hold says so in the tasks table, on its page and among the replicas', async () => {
    const constraints = ['node.labels.zone == mars'];
    const rover = await c.client.submit(c.task('ui-rover', { constraints }));
    await c.client.createService(serviceSpec(c, 'ui-mars', { replicas: 1 }, { constraints }));
    const never = await waitFor(
      async () => {
        const t = await c.client.getTask(rover.id);
        return t.unplaceable === undefined ? undefined : t.unplaceable;
      },
      { timeoutMs: 60_000, what: 'ui-rover judged unplaceable' },
    );
    const page = await newPage();
    await signIn(page, url, c.token);
    await waitForText(page, `can never be placed: ${never.reason}`);
    const row = (await rows(page, 'table')).find((cells) => cells[0] === 'ui-rover');
    assert.equal(row?.at(-1), `can never be placed: ${never.reason}`, JSON.stringify(row));
    await open(page, `${url}/ui#/tasks/${rover.id}`);
    await waitForText(page, 'give a node the label it asks for');
    const facts = await page.$eval('dl.facts', (el) => el.textContent ?? '');
    assert.match(facts, /Reason\s*can never be placed: 0\/2 nodes could ever hold it: .*; give a node the label/);
    await accessible(page, 'a task page of a task no node could ever hold');
    await open(page, `${url}/ui#/services/ui-mars`);
    await waitForText(page, 'Replicas by slot');
    await waitForText(page, /Pending\s*can never be placed: 0\/2 nodes could ever hold it/);
    await c.client.stopTask(rover.id);
    await c.client.removeService('ui-mars');
  });

  test('a task page lists the spec it runs as poseidon status TASK prints it: env names, never a value', async () => {
    const value = `tok-${randomBytes(12).toString('hex')}`; // found anywhere in the page, it leaked
    const specced = await c.client.submit(
      c.task('specced', {
        user: '65534:65534',
        workdir: '/tmp',
        stopSignal: 'SIGINT',
        env: { API_TOKEN: value, MODE: 'demo' },
        restartPolicy: { mode: 'on-failure', maxRestarts: 2, backoff: '1s' },
        healthCheck: { type: 'exec', command: ['true'], interval: '2s' },
        tmpfs: [{ path: '/scratch', size: '8Mi' }],
      }),
    );
    await c.allInState([specced.id], 'Running');
    const page = await newPage();
    const path = `/tasks/${specced.id}`;
    let fetched = 0; // the page's GETs of the task (its spec)
    page.on('request', (r) => {
      if (r.method() === 'GET' && new URL(r.url()).pathname === path) fetched += 1;
    });
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#${path}`);
    await waitForText(page, 'Health check');
    const shown = await specRows(page);
    assert.deepEqual(
      [...shown.keys()],
      [
        'Id',
        'Image',
        'Command',
        'User',
        'Workdir',
        'Stop',
        'Env',
        'Requests',
        'Health check',
        'Restart',
        'Tmpfs',
        'Labels',
      ].concat(['Submitted']),
    );
    assert.equal(shown.get('User'), '65534:65534');
    assert.equal(shown.get('Workdir'), '/tmp');
    assert.equal(shown.get('Stop'), "SIGINT, then SIGKILL after the worker's --stop-grace");
    assert.equal(shown.get('Env'), 'API_TOKEN, MODE', 'the names, and no value');
    assert.match(shown.get('Health check') ?? '', /^exec true, every 2s, /);
    assert.match(shown.get('Restart') ?? '', /^on-failure, at most 2, backoff 1s/);
    assert.equal(shown.get('Tmpfs'), '/scratch (8 MiB)');
    // the same rows, word for word, as the CLI prints them
    const status = await c.cli(['status', specced.id]);
    assert.equal(status.code, 0, status.stderr);
    const printed = new Map(
      status.stdout.split('\n').flatMap((line) => {
        const m = /^([A-Z][A-Za-z ]*):\s+(.*)$/.exec(line);
        return m === null ? [] : [[m[1] ?? '', m[2] ?? ''] as const];
      }),
    );
    for (const label of ['User', 'Workdir', 'Stop', 'Env', 'Requests', 'Health check', 'Restart', 'Tmpfs', 'Labels'])
      assert.equal(shown.get(label), printed.get(label), `${label} as poseidon status TASK prints it`);
    assert.ok(!(await page.content()).includes(value), 'the env value is nowhere in the task page');
    await accessible(page, 'a task page with its spec');
    await screenshot(page, 'spec', 'task-page');

    // fetched again when its state changes
    const before = fetched;
    await c.client.stopTask(specced.id);
    await waitFor(() => fetched > before, { what: 'the spec fetched again after the stop' });
    await waitForText(page, 'Health check');
    assert.ok(!(await page.content()).includes(value), 'nor after it was fetched again');
  });

  test('a task page whose spec cannot be fetched says so in its place, and shows the rest', async () => {
    const [task] = await c.client.listTasks({ state: 'Failed' });
    assert.ok(task !== undefined);
    // and one that waits (no node has the label), whose reservation is no whole number of MiB
    const waiting = await c.client.submit(
      c.task('half-mebibyte', { memory: '12.5Mi', constraints: ['node.labels.nowhere == x'] }),
    );
    const page = await newPage();
    const path = `/tasks/${task.id}`;
    const refused = new Set([path, `/tasks/${waiting.id}`]);
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      if (r.isInterceptResolutionHandled()) return;
      if (r.method() === 'GET' && refused.has(new URL(r.url()).pathname))
        void r.respond({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'unavailable', message: 'no answer (a test)' } }),
        });
      else void r.continue();
    });
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#${path}`);
    await waitForText(page, 'The spec could not be fetched: refused (503 unavailable): no answer (a test)');
    await waitForText(page, 'State history');
    const shown = await specRows(page);
    assert.equal(shown.get('Image'), task.image, 'what the live view has stays');
    assert.ok(shown.has('CPU') && shown.has('Memory'), 'its reservations stand in for its requests');
    await accessible(page, 'a task page whose spec could not be fetched');
    // bytes read as the CLI writes them (one formatter): 12.5 MiB, not rounded to 13 MiB
    await open(page, `${url}/ui#/tasks/${waiting.id}`);
    await waitForText(page, 'half-mebibyte');
    await waitForText(page, 'The spec could not be fetched');
    assert.equal((await specRows(page)).get('Memory'), formatBytes(12.5 * 2 ** 20));
    assert.equal(formatBytes(12.5 * 2 ** 20), '12.5 MiB');
    await c.client.stopTask(waiting.id);
  });

  test('an address changed the moment the console appears is followed, not left on the overview', async () => {
    const [task] = await c.client.listTasks({ state: 'Failed' });
    assert.ok(task !== undefined);
    const page = await newPage();
    // in the page: the hash changes in the very turn the console's header is put in, before a
    // plain effect has run (as a link followed, or an address typed, right after it appears)
    await page.evaluateOnNewDocument((hash: string) => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
      const Observer = (globalThis as unknown as { MutationObserver: ObserverClass }).MutationObserver;
      const watch = new Observer(() => {
        if (doc.querySelector('header .who') === null) return;
        watch.disconnect();
        (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
      });
      watch.observe(doc, { childList: true, subtree: true });
    }, `#/tasks/${task.id}`);
    await signIn(page, url, c.token);
    await waitForText(page, `Task ${task.name}`);
    await waitForText(page, 'State history');
  });

  test('the usage charts keep what they sampled when a task page is opened again', async () => {
    const task = (await liveTasks(c, 'web')).find((t) => t.state === 'Running');
    assert.ok(task !== undefined, 'a running replica of web');
    const page = await newPage();
    await signIn(page, url, c.token);
    await markPage(page);
    const samples = async (): Promise<number> => {
      const caption = await page.$eval('figure.chart figcaption', (el) => el.textContent ?? '');
      return Number(/\((\d+) samples\)/.exec(caption)?.[1] ?? 'NaN');
    };
    await (await page.waitForSelector(`a[href="#/tasks/${task.id}"]`))?.click();
    await waitForText(page, /CPU: [0-9.]+\s*\((?:[2-9]|\d{2,}) samples\)/, 30_000); // sampled every 5 s while open
    const before = await samples();
    await (await page.waitForSelector('a.brand'))?.click();
    await waitForText(page, 'Latest events');
    assert.equal(await page.$('figure.chart'), null, 'the task page was left');
    await (await page.waitForSelector(`a[href="#/tasks/${task.id}"]`))?.click();
    await page.waitForSelector('figure.chart figcaption');
    // read at once: without kept samples the page would start at 0 and take 5 s per sample
    const after = await samples();
    assert.ok(after >= before, `the charts came back with ${after} samples, ${before} were taken before`);
    assert.ok(await stillSamePage(page), 'the page was never reloaded');
    await screenshot(page, 'usage-kept', 'task-page');
  });

  test('a node gone Down: its page takes no usage sample of it, and its last heartbeat ages on', async () => {
    const gone = await c.startWorker('gone', ['--label', 'site=gone']);
    const node = (await c.client.listNodes()).find((n) => n.name === c.workerName('gone'));
    assert.ok(node !== undefined, 'the node joined');
    // a task there, its page open: its logs are followed until its node goes
    const stranded = await c.client.submit(
      c.task('stranded', {
        command: ['sh', '-c', 'echo here-and-now; sleep 600'],
        constraints: ['node.labels.site == gone'],
        restartPolicy: { mode: 'never' },
      }),
    );
    await c.allInState([stranded.id], 'Running', 60_000);
    const taskPage = await newPage();
    await signIn(taskPage, url, c.token);
    await open(taskPage, `${url}/ui#/tasks/${stranded.id}`);
    await waitForText(taskPage, 'here-and-now');
    await waitForText(taskPage, 'Logs: following');
    await gone.kill();
    // its container gone with its node: said so, not a reconnect to a manager that answers
    await waitForText(
      taskPage,
      'Logs: its container is gone; the task waits to be placed again, and its next container will be followed',
      60_000,
    );
    await screenshot(taskPage, 'node-down', 'task-page');
    await taskPage.close();
    await c.client.stopTask(stranded.id);
    const down = async (): Promise<boolean> =>
      (await c.client.listNodes()).some((n) => n.id === node.id && n.state === 'Down');
    await waitFor(async () => ((await down()) ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the killed worker Down',
    });
    const page = await newPage();
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#/nodes/${node.id}`);
    await waitForText(page, 'Usage is sampled while the node is Up (it is Down).');
    await waitForText(page, 'Active: it takes new work once it is Up again (it is Down).');
    // what it reported last is no sample of now: the charts stay empty however long the page is open
    const heartbeat = async (): Promise<string> =>
      page.$eval('dl.facts', (el) => /Last heartbeat\s*(\S+ ago)/.exec(el.textContent ?? '')?.[1] ?? '');
    const first = await heartbeat();
    await waitFor(async () => ((await heartbeat()) !== first ? true : undefined), { what: 'the heartbeat ageing' });
    await waitForText(page, 'CPU busy');
    assert.doesNotMatch(
      await page.$eval('main', (el) => el.textContent ?? ''),
      /\([1-9]\d* samples?\)/,
      'no sample taken',
    );
    // its load and what is booked there are as it was last heard from: said so, and greyed
    const load = await page.$eval('dl.facts', (el) => /Load \(1 min\)\s*(.*)/.exec(el.textContent ?? '')?.[1] ?? '');
    assert.match(load, /^\d+\.\d\d as of \d+[smhd] ago/);
    const bars = await page.$$eval('.bar-row.stale', (els) => els.map((el) => el.textContent ?? ''));
    assert.equal(bars.length, 2, 'both allocation bars greyed');
    for (const bar of bars) assert.match(bar, /allocated.*\(\d+%\)\s*as of \d+[smhd] ago/);
    // so are the host ports it held (the manager's own port among them, on this one machine)
    const ports = await page.$eval('dd.ports', (el) => ({ cls: el.className, text: el.textContent ?? '' }));
    assert.match(ports.text, /^\S*\d+\/(tcp|udp).* as of \d+[smhd] ago$/);
    assert.match(ports.cls, /\bstale\b/, 'its held ports greyed');
    await screenshot(page, 'node-down', 'node-page');
    await open(page, `${url}/ui#/`);
    await waitForText(page, 'Live updates: live');
    const byName = new Map((await rows(page, 'section.nodes table')).map((r) => [r[0] ?? '', r] as const));
    const downRow = byName.get(c.workerName('gone'));
    assert.ok(downRow !== undefined, 'the Down node is listed');
    // node, state, cpu, memory, tasks, load, heartbeat: figures of the past say as of when, those of now do not
    for (const cell of [downRow[2], downRow[3], downRow[5]]) assert.match(cell ?? '', /as of \d+[smhd] ago$/);
    for (const w of ['a', 'b']) assert.doesNotMatch((byName.get(c.workerName(w)) ?? []).join(' '), /as of/);
    assert.equal(await page.$$eval('section.nodes tr .stale', (els) => els.length), 3, 'its three cells greyed');
    await accessible(page, 'the overview with a node Down');
    await screenshot(page, 'node-down', 'overview');
    // an Up node's held ports are of now: not greyed, no "as of"
    const up = (await c.client.listNodes()).find((n) => n.name === c.workerName('a'));
    await open(page, `${url}/ui#/nodes/${up?.id ?? ''}`);
    const upPorts = await page.waitForSelector('dd.ports');
    assert.equal(await upPorts?.evaluate((el) => /\bstale\b|as of/.test(el.className + (el.textContent ?? ''))), false);
    await c.client.removeNode(node.id, { dead: true });
  });

  test('drain a node from its page: its replicas start on the other node, then stop there', async () => {
    const page = await newPage();
    await signIn(page, url, c.token);
    const a = (await c.client.listNodes()).find((n) => n.name === c.workerName('a'));
    assert.ok(a !== undefined);
    await open(page, `${url}/ui#/nodes/${a.id}`);
    await waitForText(page, 'Active: it takes new work.');
    // its worker's version, as `poseidon node inspect` shows it
    await waitForText(page, new RegExp(`Version\\s+${POSEIDON_VERSION.replace(/\./g, '\\.')}\\b`));
    // and the machine its worker runs on (--host-id), which the proxy mesh goes by
    await waitForText(page, new RegExp(`Host ID\\s+${(a.hostId ?? 'no host id').replace(/\./g, '\\.')}\\b`));
    await press(page, 'Drain');
    await confirm(page);
    await waitForText(page, `${a.name} drained`);
    await waitForText(page, 'Up, drained');
    const { replicas } = await c.client.getService('web');
    const moved = await waitFor(
      async () => {
        const live = await liveTasks(c, 'web');
        const elsewhere = live.every((t) => t.state === 'Running' && t.nodeId !== a.id);
        return live.length === replicas && elsewhere ? live : undefined;
      },
      { timeoutMs: 60_000, what: "web's replicas running on the other node" },
    );
    assert.ok(moved.length > 0);
    assert.equal((await c.client.listNodes()).find((n) => n.id === a.id)?.availability, 'drain');
    await accessible(page, 'the node page');
    await screenshot(page, 'drain', 'node-page');
    await press(page, 'Activate');
    await confirm(page);
    await waitForText(page, 'Active: it takes new work.');
  });

  test('a read-only token is offered no action; a token revoked with a question open signs the page out', async () => {
    const read = await c.client.createToken({ scope: 'read', name: 'viewer' });
    const page = await newPage();
    await signIn(page, url, read.token);
    await open(page, `${url}/ui#/services/web`);
    await waitForText(page, 'may only look');
    assert.equal(await page.$('#scale-replicas'), null, 'no scale control for a read token');
    await screenshot(page, 'refused', 'read-only-service-page');

    const deploy = await c.client.createToken({ scope: 'deploy', name: 'deployer' });
    const other = await newPage();
    await signIn(other, url, deploy.token);
    await open(other, `${url}/ui#/services/web`);
    await waitForText(other, 'Replicas by slot');
    await press(other, 'Roll back');
    await c.client.revokeToken(deploy.id); // taken away while the page is open, its question asked
    // the action refused, or the page's event stream ended first (the manager rechecks it): either
    // way the page signs out saying why, and how to sign in again
    const confirmButton = await other.$('dialog[open] button::-p-text(Confirm)');
    await confirmButton?.click().catch(() => undefined);
    await waitForText(other, `Signed out: this token no longer works (token ${deploy.id} was revoked)`);
    await waitForText(other, 'poseidon token create --scope read|deploy|admin');
    assert.equal((await c.client.getService('web')).update, null, 'nothing was rolled back');
    await accessible(other, 'a refusal');
    await screenshot(other, 'refused', 'revoked-token-refusal');
  });

  test("secrets and configs by kind, a task's mounts, a removal seen without a reload, never a value", async () => {
    const value = `pw-${randomBytes(12).toString('hex')}`; // found anywhere in the page, it leaked
    await c.client.createFile('secret', { name: 'ui-db-pass', data: Buffer.from(value) });
    await c.client.createFile('config', {
      name: 'ui-app.conf',
      data: Buffer.from('level=debug\n'),
      labels: { team: 'web' },
    });
    const mounter = await c.client.submit(
      c.task('mounter', {
        secrets: [
          { source: 'ui-db-pass' },
          { source: 'ui-db-pass', target: '/etc/pw', mode: '0400', uid: '1000', gid: 2000 },
        ],
        configs: [{ source: 'ui-app.conf', target: '/etc/app.conf', mode: '0440' }],
      }),
    );
    // a service's replicas mount what its template does: the service is named, not each replica
    await c.client.createService(
      serviceSpec(c, 'vault', { replicas: 1 }, { secrets: [{ source: 'ui-db-pass', target: 'db', mode: 288 }] }),
    );
    await c.allInState([mounter.id], 'Running');
    const page = await newPage();
    await signIn(page, url, c.token);
    await markPage(page);
    const files = 'section.files';
    await page.waitForSelector(`${files} table`);
    await waitForText(page, 'service vault, task mounter');
    const listed = (await rows(page, files)).map(([name, kind, , , usedBy, labels]) => ({
      name,
      kind,
      usedBy,
      labels,
    }));
    assert.deepEqual(listed, [
      { name: 'ui-app.conf', kind: 'config', usedBy: 'task mounter', labels: 'team=web' },
      { name: 'ui-db-pass', kind: 'secret', usedBy: 'service vault, task mounter', labels: '-' },
    ]);
    assert.match((await rows(page, files))[0]?.[3] ?? '', /^\d+[smhd] ago$/, 'created, as an age');
    assert.deepEqual(await cutOff(page), [], 'the overview with secrets and configs at 1280x800');
    await accessible(page, 'the overview with secrets and configs');
    await screenshot(page, 'files', 'overview');

    await (await page.waitForSelector(`${files} a[href="#/tasks/${mounter.id}"]`))?.click();
    await waitForText(page, 'Secrets and configs it mounts');
    assert.deepEqual(await rows(page, 'table.mounts'), [
      ['ui-db-pass', 'secret', '/run/secrets/ui-db-pass', '0444', '0:0'],
      ['ui-db-pass', 'secret', '/etc/pw', '0400', '1000:2000'],
      ['ui-app.conf', 'config', '/etc/app.conf', '0440', '0:0'],
    ]);
    await accessible(page, 'the task page with its mounts');
    await screenshot(page, 'files', 'task-page');
    assert.ok(!(await page.content()).includes(value), "the secret's value is nowhere in the task page");

    await (await page.waitForSelector('a.brand'))?.click();
    await page.waitForSelector(`${files} table`);
    // a file a task that may still start mounts is not removed (409): stopped, the task needs it no more
    await c.client.stopTask(mounter.id);
    await c.client.removeFile('config', 'ui-app.conf');
    // the row goes with the event; what uses the secret comes with the lists fetched again after it
    const wanted = JSON.stringify([['ui-db-pass', 'secret', 'service vault']]);
    let seen = '';
    await waitFor(
      async () => {
        seen = JSON.stringify((await rows(page, files)).map(([name, kind, , , usedBy]) => [name, kind, usedBy]));
        return seen === wanted;
      },
      { timeoutMs: 20_000 },
    ).catch(() => undefined);
    assert.equal(seen, wanted, 'the config is gone, and the secret is used by the service alone once the task stopped');
    await waitForText(page, /config\.removed\s*ui-app\.conf/); // the event, readable
    assert.ok(await stillSamePage(page), 'the page was never reloaded');
    assert.ok(!(await page.content()).includes(value), "the secret's value is nowhere in the overview");
    await accessible(page, 'the overview after a removal');
    await screenshot(page, 'files', 'overview-after-removal');

    await (await page.waitForSelector(`${files} a[href="#/services/vault"]`))?.click();
    await waitForText(page, 'Secrets and configs its replicas mount');
    assert.deepEqual(await rows(page, 'table.mounts'), [['ui-db-pass', 'secret', '/run/secrets/db', '0440', '0:0']]);
    await accessible(page, 'the service page with its mounts');
  });

  test('stop a task from its page; a read token is told it needs a deploy token, on the node page too', async () => {
    const sleeper = await c.client.submit(c.task('stop-me'));
    await c.allInState([sleeper.id], 'Running');
    const read = await c.client.createToken({ scope: 'read', name: 'looker' });
    const looker = await newPage();
    await signIn(looker, url, read.token);
    await open(looker, `${url}/ui#/tasks/${sleeper.id}`);
    await waitForText(looker, 'Your token (scope read) may only look; stopping a task needs a deploy token.');
    assert.equal(await looker.$('button::-p-text(Stop task)'), null, 'no stop for a read token');
    await open(looker, `${url}/ui#/nodes/${(await c.client.getTask(sleeper.id)).nodeId ?? ''}`);
    await waitForText(looker, 'Draining needs an admin token (yours: read).'); // a space before the scope

    const page = await newPage();
    await signIn(page, url, c.token);
    await open(page, `${url}/ui#/tasks/${sleeper.id}`);
    await waitForText(page, 'Task stop-me');
    await press(page, 'Stop task');
    await waitForText(page, 'Stop stop-me? Its restart policy does not start it again.');
    await accessible(page, 'the stop confirmation');
    await confirm(page);
    await waitForText(page, 'stop-me is stopping');
    assert.equal((await c.client.getTask(sleeper.id)).desiredState, 'stopped');
    await waitForText(page, /State\s*Completed|State\s*Failed/, 60_000); // seen without a reload
    await waitForText(page, 'Stopped: asked to stop.');
    await screenshot(page, 'stop', 'task-page');
  });

  test("a restarting task's logs go on with each new container, without a reload", async () => {
    const restarts = await c.client.submit(
      c.task('restarts', {
        command: ['sh', '-c', 'echo run-$(cat /proc/sys/kernel/random/uuid); echo gone >&2; sleep 2; exit 1'],
        restartPolicy: { mode: 'always', backoff: '500ms' },
      }),
    );
    await c.allInState([restarts.id], 'Running', 60_000);
    const page = await newPage();
    await signIn(page, url, c.token);
    await markPage(page);
    await open(page, `${url}/ui#/tasks/${restarts.id}`);
    await waitForText(page, 'run-');
    await waitForText(page, '--- restarted (restart', 60_000);
    const runs = await waitFor(
      async () => {
        const text = await page.$eval('pre.logs', (el) => el.textContent ?? '');
        const seen = new Set(text.match(/run-[0-9a-f-]{36}/g) ?? []);
        return seen.size >= 2 ? seen : undefined;
      },
      { timeoutMs: 60_000, what: "two containers' output on the page" },
    );
    assert.ok(runs.size >= 2);
    const notes = await page.$$eval('pre.logs span.note', (els) => els.map((el) => el.textContent ?? ''));
    assert.match(notes[0] ?? '', /^\n?--- restarted \(restart \d+\): a new container ---\n$/);
    assert.ok(await stillSamePage(page), 'the page was never reloaded');
    await screenshot(page, 'logs-restarts', 'task-page');
    await c.client.stopTask(restarts.id);
  });

  test('a manager slow to answer: the overview says it is loading, not that the cluster is empty', async () => {
    const page = await newPage();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      // the task list held back, as a busy manager with thousands of tasks would be slow to send it
      // a request the page no longer waits for (it went on, or closed) is let go quietly
      const go = (): Promise<void> => r.continue().catch(() => undefined);
      if (new URL(r.url()).pathname === '/tasks') void held.then(go);
      else void go();
    });
    await signIn(page, url, c.token);
    await waitForText(page, 'Loading the cluster…');
    const said = await page.$eval('main', (el) => el.textContent ?? '');
    assert.doesNotMatch(said, /No node has joined|No services|No secrets or configs/);
    release();
    await waitForText(page, c.workerName('a'));
    assert.doesNotMatch(await page.$eval('main', (el) => el.textContent ?? ''), /Loading the cluster/);
    await page.close(); // with its interception: every page after this one is asked as it is
  });

  test('a task followed from a chosen list opens at its top; back returns to the list as chosen', async () => {
    const ids = await c.submitMany('picked', 3, { constraints: ['node.labels.nowhere == x'] });
    const page = await newPage(1280, 360); // short: the tasks table is down the page
    await signIn(page, url, c.token);
    await markPage(page);
    await waitForText(page, 'picked-2');
    type Win = { scrollY: number; location: { hash: string }; document: { activeElement: { id: string } | null } };
    const win = async (): Promise<{ y: number; hash: string; focused: string }> =>
      page.evaluate(() => {
        const w = globalThis as unknown as Win;
        return { y: w.scrollY, hash: w.location.hash, focused: w.document.activeElement?.id ?? '' };
      });
    const names = async (): Promise<string[]> => (await rows(page, 'section.tasks table')).map(([name]) => name ?? '');
    const chosen = async (): Promise<{ pressed: string; find: string }> => ({
      pressed: await page.$eval('.counts button[aria-pressed=true]', (el) => (el.textContent ?? '').trim()),
      find: await page.$eval('#task-find', (el) => (el as unknown as { value: string }).value),
    });
    await page.click('button[data-state=Pending]');
    await page.type('#task-find', 'picked-1');
    await waitFor(async () => (JSON.stringify(await names()) === '["picked-1"]' ? true : undefined), {
      what: 'picked-1 alone listed',
    });
    assert.equal((await win()).hash, '#/?state=Pending&find=picked-1', 'the choice is in the address');
    const link = await page.waitForSelector(`section.tasks a[href="#/tasks/${ids[1] ?? ''}"]`);
    await link?.evaluate((el) =>
      (el as unknown as { scrollIntoView(o: { block: string }): void }).scrollIntoView({ block: 'end' }),
    );
    assert.ok((await win()).y > 0, 'the list is down the page');
    await link?.click();
    await waitForText(page, 'Task picked-1');
    assert.equal((await win()).y, 0, 'the task page opens at its top');
    // the skip link moves the focus to the content, and stays on this page
    await page.focus('a.skip');
    await page.keyboard.press('Enter');
    const skipped = await win();
    assert.deepEqual([skipped.hash, skipped.focused], [`#/tasks/${ids[1] ?? ''}`, 'main']);
    await waitForText(page, 'Task picked-1');
    await page.goBack();
    await waitFor(async () => (JSON.stringify(await names()) === '["picked-1"]' ? true : undefined), {
      what: 'back: picked-1 alone listed again',
    });
    const back = await chosen();
    assert.equal(back.find, 'picked-1');
    assert.match(back.pressed, /^Pending \d+$/);
    // the brand link is the overview as it opens: every task
    await (await page.waitForSelector('a.brand'))?.click();
    await waitFor(async () => ((await chosen()).find === '' ? true : undefined), { what: 'the find box emptied' });
    assert.match((await chosen()).pressed, /^All \d+$/);
    assert.ok(await stillSamePage(page), 'the page was never reloaded');
    for (const id of ids) await c.client.stopTask(id);
  });

  test('a service of 60 replicas lists the first 50 by slot, its actions in reach; one further down is found', async () => {
    await c.client.createService(
      serviceSpec(c, 'wide', { replicas: 60 }, { constraints: ['node.labels.nowhere == x'] }),
    );
    const page = await newPage();
    await signIn(page, url, c.token);
    await markPage(page);
    await open(page, `${url}/ui#/services/wide`);
    await waitForText(page, 'Showing the first 50 of 60 replicas by slot', 60_000);
    const slots = (await rows(page, 'section[aria-labelledby=replicas-by-slot] table')).map(([slot]) => slot);
    assert.deepEqual(
      slots,
      Array.from({ length: 50 }, (_, i) => String(i + 1)),
    );
    await page.waitForSelector('main button::-p-text(Scale)');
    await screenshot(page, 'wide', 'service-page');
    await (await page.waitForSelector('a::-p-text(find one by its name on the overview)'))?.click();
    await waitFor(
      async () =>
        (await page.$eval('#task-find', (el) => (el as unknown as { value: string }).value)) === 'wide-'
          ? true
          : undefined,
      { what: "the overview finding the service's replicas" },
    );
    await page.click('#task-find', { count: 3 });
    await page.keyboard.type('wide-57');
    const names = async (): Promise<string[]> => (await rows(page, 'section.tasks table')).map(([name]) => name ?? '');
    await waitFor(async () => (JSON.stringify(await names()) === '["wide-57"]' ? true : undefined), {
      what: 'wide-57 alone listed',
    });
    await c.client.removeService('wide');
  });

  test('63-character names leave every column in view at 1280x800; a task among many is found by its name', async () => {
    const nowhere = ['node.labels.nowhere == x']; // placed nowhere: no container for any of them
    const long = 'a-task-name-as-long-as-a-dns-label-may-be-sixty-three-characte';
    const longService = 'a-service-name-as-long-as-a-dns-label-may-be-sixty-three-charss';
    const ids = [(await c.client.submit(c.task(`${long}s`, { constraints: nowhere }))).id];
    await c.client.createService(serviceSpec(c, longService, { replicas: 1 }, { constraints: nowhere }));
    ids.push(...(await c.submitMany('many', 60, { constraints: nowhere })));
    const page = await newPage(1280, 800);
    await signIn(page, url, c.token);
    await waitForText(page, 'many-59');
    await waitForText(page, longService);
    assert.deepEqual(await cutOff(page), [], 'the overview at 1280x800');
    await screenshot(page, 'many', 'overview-1280x800');
    const names = async (): Promise<string[]> => (await rows(page, 'section.tasks table')).map(([name]) => name ?? '');
    assert.ok(!(await names()).includes('many-7'), 'an older task is past the newest 50');
    await page.type('#task-find', 'many-7');
    await waitFor(async () => JSON.stringify(await names()) === JSON.stringify(['many-7']), {
      what: 'many-7 alone listed',
    });
    await page.click('#task-find', { count: 3 });
    await page.keyboard.type('no-such-task');
    await waitForText(page, 'No task whose name has "no-such-task" or whose id starts so.');
    await accessible(page, 'the overview with a task found');
    await c.client.removeService(longService);
    for (const id of ids) await c.client.stopTask(id);
  });

  test("a task page's logs go on after the manager restarts under it, every line once, and say where they were cut", async () => {
    // many lines a second on both streams: asked for again from a whole second, that second's lines come again
    const talker = await c.client.submit(
      c.task('talker-3', {
        command: ['sh', '-c', 'i=0; while true; do echo spoke-$i; echo erred-$i >&2; i=$((i+1)); sleep 0.05; done'],
      }),
    );
    await c.allInState([talker.id], 'Running');
    const page = await newPage();
    await signIn(page, url, c.token);
    await markPage(page);
    await open(page, `${url}/ui#/tasks/${talker.id}`);
    await waitForText(page, 'spoke-3');
    await c.restartManager();
    const numbers = async (word: string): Promise<number[]> => {
      const text = await page.$eval('pre.logs', (el) => el.textContent ?? '');
      return [...text.matchAll(new RegExp(`^${word}-(\\d+)$`, 'gm'))].map((m) => Number(m[1]));
    };
    await waitForText(page, 'Live updates: live', 60_000);
    const after = Math.max(...(await numbers('spoke')));
    await waitForText(page, `spoke-${after + 20}`, 60_000); // written after the restart: followed again
    await waitForText(page, 'Logs: following');
    for (const word of ['spoke', 'erred']) {
      const seen = await numbers(word);
      const first = seen[0] ?? 0;
      const each = Array.from({ length: seen.length }, (_, i) => first + i);
      assert.deepEqual(seen, each, `every ${word} line once, in order, none missed`);
    }
    await waitForText(
      page,
      /--- the stream was cut off; followed again after the last line shown \(\d\d:\d\d:\d\d\.\d{3} UTC\) ---/,
    );
    assert.ok(await stillSamePage(page), 'the page was never reloaded');
    await screenshot(page, 'logs-reconnect', 'task-page');
    await c.client.stopTask(talker.id);
  });

  test('a token revoked under an open page: it signs out, says why and how to sign in again, and asks no more', async () => {
    const made = await c.client.createToken({ scope: 'read', name: 'revoked-while-open' });
    const page = await newPage();
    let refused = 0;
    page.on('response', (r) => void (r.status() === 401 && (refused += 1)));
    await signIn(page, url, made.token);
    await waitForText(page, 'Live updates: live');
    await c.client.revokeToken(made.id);
    // nothing is asked of the page: the manager ends the stream of a token it refuses now
    await waitForText(page, `Signed out: this token no longer works (token ${made.id} was revoked)`, 30_000);
    await page.waitForSelector('#token');
    const atSignOut = refused;
    // longer than the stream's longest wait between two tries: none is made
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    assert.equal(refused, atSignOut, 'no call after the sign-out');
    assert.ok(atSignOut <= 3, `${atSignOut} refused calls`);
    await accessible(page, 'signed out by a revoked token');
    await screenshot(page, 'revoked-while-open', 'sign-in');
  });

  test('while the manager does not answer, each page says its figures are as of then, greyed, and offers no action', async () => {
    await c.client.createService(serviceSpec(c, 'unheard', { replicas: 1 }));
    const sleeper = await c.client.submit(c.task('unheard-task'));
    await c.allInState([sleeper.id], 'Running', 60_000);
    const a = (await c.client.listNodes()).find((n) => n.name === c.workerName('a'));
    assert.ok(a !== undefined);
    const page = await newPage();
    await signIn(page, url, c.token);
    await waitForText(page, 'Live updates: live');
    await open(page, `${url}/ui#/nodes/${a.id}`);
    await waitForText(page, /CPU busy.*\(\d+ samples?\)/);
    await markPage(page);
    const go = async (hash: string): Promise<void> =>
      page.evaluate(
        (h: string) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h),
        hash,
      );
    /** The value of a fact of the page's first list of facts (State, Node, …). */
    const fact = async (name: string): Promise<string> =>
      page.$eval(
        'dl.facts',
        (dl, n: string) => {
          const dt = [...dl.querySelectorAll('dt')].find((el) => (el.textContent ?? '').trim() === n);
          return (dt?.nextElementSibling?.textContent ?? '').trim().replace(/\s+/g, ' ');
        },
        name,
      );
    const disabled = async (label: string): Promise<boolean> => {
      const button = await page.waitForSelector(`main button::-p-text(${label})`);
      return (await button?.evaluate((el) => (el as unknown as { disabled: boolean }).disabled)) ?? false;
    };
    const greyed = async (): Promise<boolean> => page.$eval('main', (el) => /\blost\b/.test(el.className));
    const samples = async (): Promise<number> =>
      page.$eval('figure.chart figcaption', (el) => Number(/\((\d+) samples?\)/.exec(el.textContent ?? '')?.[1] ?? -1));

    await c.manager.kill();
    await waitForText(page, /Lost the manager \d+s ago/, 60_000);
    // the node page: its state as of then, greyed, no drain offered (whether it was done could not be known)
    await waitFor(async () => (/^Up as of \d+[sm] ago$/.test(await fact('State')) ? true : undefined), {
      what: 'the node state said as of then',
    });
    assert.ok(await greyed(), 'the node page greyed');
    assert.ok(await disabled('Drain'), 'no drain while the manager does not answer');
    await waitForText(page, '(not while the manager does not answer)');
    // what it last answered is no sample of now: the charts take none, however long
    const before = await samples();
    await new Promise((resolve) => setTimeout(resolve, 11_000)); // two sampling periods
    assert.equal(await samples(), before, 'no sample taken while the manager does not answer');
    await accessible(page, 'the node page while the manager does not answer');
    await screenshot(page, 'unheard', 'node-page');

    await go('#/services/unheard');
    await waitForText(page, /1\/1 healthy, version 1, image \S+ as of \d+[sm] ago/);
    assert.ok(await greyed(), 'the service page greyed');
    for (const label of ['Scale', 'Roll back', 'Remove service']) assert.ok(await disabled(label), `no ${label}`);
    await screenshot(page, 'unheard', 'service-page');
    await go('#/');
    await page.waitForSelector('section.nodes');
    assert.ok(await greyed(), 'the overview greyed');

    // the task page, followed by its link: its state as of then, no stop, its kept events not said to be none
    await go(`#/tasks/${sleeper.id}`);
    await waitFor(
      async () => (/^Running \(wanted running\) as of \d+[sm] ago$/.test(await fact('State')) ? true : undefined),
      { what: 'the task state said as of then' },
    );
    assert.ok(await greyed(), 'the task page greyed');
    assert.ok(await disabled('Stop task'), 'no stop while the manager does not answer');
    await waitForText(page, 'Those the manager kept did not come (it does not answer)');
    assert.doesNotMatch(await page.$eval('main', (el) => el.textContent ?? ''), /No event of it is kept/);
    await screenshot(page, 'unheard', 'task-page');

    await c.restartManager();
    await waitForText(page, 'Live updates: live', 60_000);
    // the task's kept events, asked for again on the same page once the manager answers
    await waitForText(page, 'every one the manager kept since the task was submitted', 30_000);
    assert.equal(await fact('State'), 'Running (wanted running)');
    assert.ok(!(await greyed()), 'live again: not greyed');
    assert.ok(!(await disabled('Stop task')), 'live again: stop offered');
    await go('#/services/unheard');
    await waitForText(page, /1\/1 healthy, version 1, image \S+$/m);
    assert.ok(!(await disabled('Scale')), 'live again: scale offered');
    assert.ok(await stillSamePage(page), 'the page was never reloaded');
    await c.client.removeService('unheard');
    await c.client.stopTask(sleeper.id);
  });

  test('the page reconnects on its own when the manager restarts, reloads, and is live again', async () => {
    const page = await newPage();
    await signIn(page, url, c.token);
    await waitForText(page, 'Live updates: live');
    await markPage(page);
    // watched from before the kill: the manager may be back within a second
    const sawReconnecting = waitForText(page, 'Live updates: reconnecting (the manager does not answer', 60_000);
    const sawLost = waitForText(page, /Lost the manager \d+s ago: what this page shows is as of then\./, 60_000);
    await c.restartManager();
    await sawReconnecting;
    await sawLost;
    await screenshot(page, 'reconnect', 'reconnecting');
    await waitForText(page, 'Live updates: live', 60_000);
    const said = await page.$eval('body', (el) => (el as unknown as { innerText: string }).innerText);
    assert.doesNotMatch(said, /Lost the manager|Failed to fetch/, 'live again: nothing said of the loss');
    // what happens after the reconnect shows without a reload
    await c.client.submit(c.task('after-restart', { command: ['sleep', '600'] }));
    await waitForText(page, /after-restart\s+Running/, 60_000);
    assert.ok(await stillSamePage(page), 'the page was never reloaded');
    await screenshot(page, 'reconnect', 'live-again');
  });

  // last: the manager's node checks see its workers' heartbeats late once it runs again
  test('a manager that hangs (it holds the connection and says nothing) is said lost, not live', async () => {
    const page = await newPage();
    await signIn(page, url, c.token);
    await waitForText(page, 'Live updates: live');
    await markPage(page);
    process.kill(c.manager.pid, 'SIGSTOP'); // as a machine gone without a reset: no error, no word
    try {
      // the event stream's keep-alives stop: within two of them and some slack
      await waitForText(page, /Lost the manager \d+s ago: what this page shows is as of then\./, 90_000);
      await waitForText(page, 'Live updates: reconnecting (the manager does not answer; trying again)');
      await screenshot(page, 'hung', 'lost');
    } finally {
      process.kill(c.manager.pid, 'SIGCONT');
    }
    await waitForText(page, 'Live updates: live', 90_000);
    assert.ok(await stillSamePage(page), 'the page was never reloaded');
  });
});
