import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { ManagerTaskView } from '../../src/api/index.js';
import { readLines } from '../../src/ndjson/index.js';
import { asManager, cliEnv } from '../../testkit/manager-access.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { containersWithLabel } from './helpers/docker.js';
import { TestCluster } from './helpers/cluster.js';
import { POSEIDON_BIN } from '../../testkit/spawner.js';
import { waitFor } from './helpers/wait-for.js';

interface Event {
  time: string;
  type: string;
  taskId?: string;
  delayMs?: number;
}

/** Collects the manager's event stream from the moment it is opened. */
async function collectEvents(c: TestCluster): Promise<{ events: Event[]; close(): void }> {
  const abort = new AbortController();
  const events: Event[] = [];
  const body = await c.client.events(abort.signal);
  void (async () => {
    try {
      for await (const line of readLines(body, abort.signal)) events.push(JSON.parse(line) as Event);
    } catch {
      // the manager went away (close() ends the lines quietly)
    }
  })();
  return { events, close: () => abort.abort() };
}

describe('self-healing and visibility, against real Docker', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
  });
  after(() => c.close());

  const until = (
    id: string,
    pred: (t: ManagerTaskView) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<ManagerTaskView> =>
    waitFor(
      async () => {
        const t = await c.client.getTask(id);
        return pred(t) ? t : undefined;
      },
      { what, timeoutMs },
    );

  test('a task whose HTTP check fails is restarted, and with maxRestarts 3 ends Failed with restart count 3 and the reason', async () => {
    const t = await c.client.submit(
      c.task('bad-check', {
        command: ['httpd', '-f', '-p', '80', '-h', '/www'],
        ports: [{ container: 80 }],
        healthCheck: {
          type: 'http',
          port: 80,
          path: '/missing',
          interval: '200ms',
          timeout: '150ms',
          failureThreshold: 2,
        },
        restartPolicy: { mode: 'on-failure', maxRestarts: 3, backoff: { initial: '100ms', max: '400ms' } },
      }),
    );
    const done = await until(
      t.id,
      (x) => x.state === 'Failed' && x.restartAt === null && x.restarts === 3,
      'Failed after 3 restarts',
      60_000,
    );
    assert.match(done.reason, /^unhealthy: .*HTTP 404.*gave up after 3 restarts$/);
  });

  test('a task that exits 1 under on-failure is restarted with growing delays', async () => {
    const stream = await collectEvents(c);
    try {
      const t = await c.client.submit(
        c.task('exit-1', {
          command: ['sh', '-c', 'sleep 0.2; exit 1'],
          restartPolicy: { mode: 'on-failure', maxRestarts: 3, backoff: { initial: '200ms', max: '5s' } },
        }),
      );
      await until(t.id, (x) => x.state === 'Failed' && x.restartAt === null, 'Failed for good', 60_000);
      const mine = stream.events.filter((e) => e.taskId === t.id);
      const delays = mine.filter((e) => e.type === 'task.restarting').map((e) => e.delayMs ?? 0);
      assert.equal(delays.length, 3);
      for (let i = 1; i < delays.length; i++)
        assert.ok((delays[i] ?? 0) > (delays[i - 1] ?? 0), `delays grow: ${delays.join(', ')}`);
      // and the gaps between an exit and the restart that follows it grow too
      const gaps: number[] = [];
      for (const [i, e] of mine.entries()) {
        if (e.type !== 'task.exited') continue;
        const next = mine.slice(i).find((x) => x.type === 'task.restarted');
        if (next !== undefined) gaps.push(Date.parse(next.time) - Date.parse(e.time));
      }
      assert.equal(gaps.length, 3);
      assert.ok((gaps[2] ?? 0) > (gaps[0] ?? 0), `gaps grow: ${gaps.join(', ')}`);
    } finally {
      stream.close();
    }
  });

  test('under never, a task that exits 1 stays Failed', async () => {
    const t = await c.client.submit(
      c.task('never', { command: ['sh', '-c', 'exit 1'], restartPolicy: { mode: 'never' } }),
    );
    const failed = await until(t.id, (x) => x.state === 'Failed', 'Failed');
    assert.equal(failed.restarts, 0);
    assert.equal(failed.restartAt, null);
    assert.equal(failed.reason, 'exited with code 1');
  });

  test('under always, a task that exits 0 is started again', async () => {
    const t = await c.client.submit(
      c.task('always', {
        command: ['sh', '-c', 'sleep 0.3; exit 0'],
        restartPolicy: { mode: 'always', maxRestarts: 100, backoff: { initial: '100ms' } },
      }),
    );
    const again = await until(t.id, (x) => x.restarts >= 2, 'restarted twice');
    assert.ok(again.restarts >= 2);
    await c.client.stopTask(t.id);
  });

  test('a task stopped by the user stays stopped, even under always', async () => {
    const t = await c.client.submit(
      c.task('stopme', { command: ['sleep', '600'], restartPolicy: { mode: 'always', backoff: { initial: '100ms' } } }),
    );
    await until(t.id, (x) => x.state === 'Running', 'Running');
    await c.client.stopTask(t.id);
    const stopped = await until(t.id, (x) => x.state === 'Completed', 'Completed');
    assert.equal(stopped.desiredState, 'stopped');
    assert.equal(stopped.restartAt, null);
    assert.equal(stopped.restarts, 0);
    assert.equal((await containersWithLabel('poseidon.task-id', t.id)).length, 0);
  });

  test('a tcp check and an exec check each detect a broken task', async () => {
    const tcp = await c.client.submit(
      c.task('tcp-broken', {
        command: ['sleep', '600'],
        ports: [{ container: 8080 }],
        healthCheck: { type: 'tcp', port: 8080, interval: '200ms', timeout: '150ms', failureThreshold: 2 },
        restartPolicy: { mode: 'never' },
      }),
    );
    const exec = await c.client.submit(
      c.task('exec-broken', {
        command: ['sleep', '600'],
        healthCheck: {
          type: 'exec',
          command: ['sh', '-c', 'test -f /tmp/ready'],
          interval: '200ms',
          timeout: '150ms',
          failureThreshold: 2,
        },
        restartPolicy: { mode: 'never' },
      }),
    );
    const t1 = await until(tcp.id, (x) => x.state === 'Failed', 'tcp check to fail the task');
    assert.match(t1.reason, /^unhealthy: /);
    assert.equal(t1.health.status, 'unhealthy');
    const t2 = await until(exec.id, (x) => x.state === 'Failed', 'exec check to fail the task');
    assert.match(t2.reason, /^unhealthy: /);
  });

  test('the event stream shows a task that fails twice and is then healthy', async () => {
    const stream = await collectEvents(c);
    try {
      // POSEIDON_GENERATION grows with every placement: the third copy serves and passes its check
      const t = await c.client.submit(
        c.task('third-time', {
          command: [
            'sh',
            '-c',
            'if [ "$POSEIDON_GENERATION" -lt 3 ]; then sleep 0.3; exit 1; fi; exec httpd -f -p 80 -h /www',
          ],
          ports: [{ container: 80 }],
          healthCheck: {
            type: 'http',
            port: 80,
            path: '/',
            interval: '200ms',
            timeout: '150ms',
            failureThreshold: 2,
            startPeriod: '1s',
          },
          restartPolicy: { mode: 'on-failure', maxRestarts: 5, backoff: { initial: '100ms' } },
        }),
      );
      await waitFor(() => stream.events.some((e) => e.taskId === t.id && e.type === 'task.healthy'), {
        what: 'task.healthy event',
        timeoutMs: 30_000,
      });
      const sequence = stream.events.filter((e) => e.taskId === t.id).map((e) => e.type);
      assert.deepEqual(sequence, [
        'task.submitted',
        'task.scheduled',
        'task.started',
        'task.exited',
        'task.restarting',
        'task.restarted',
        'task.started',
        'task.exited',
        'task.restarting',
        'task.restarted',
        'task.started',
        'task.healthy',
      ]);
      await c.client.stopTask(t.id);
    } finally {
      stream.close();
    }
  });

  test('poseidon logs -f shows lines the container prints after the command started', async () => {
    const t = await c.client.submit(
      c.task('ticker', { command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.1; done'] }),
    );
    await until(t.id, (x) => x.state === 'Running', 'Running');
    const child = spawn(process.execPath, [POSEIDON_BIN, 'logs', '-f', '--tail', '1', t.id.slice(0, 8)], {
      env: { ...process.env, ...cliEnv(c.access) },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    try {
      // the highest tick printed before following began, then ticks after it arriving live
      const firstTick = await waitFor(() => /tick-(\d+)/.exec(out)?.[1], { what: 'first followed line' });
      const later = await waitFor(
        () => {
          const ticks = [...out.matchAll(/tick-(\d+)/g)].map((m) => Number(m[1]));
          return ticks.some((n) => n >= Number(firstTick) + 5) ? ticks : undefined;
        },
        { what: 'lines printed after logs -f started' },
      );
      assert.ok(later.length >= 5);
    } finally {
      child.kill('SIGINT');
    }
    await c.client.stopTask(t.id);
  });

  test('poseidon logs -f waits for the container, follows the task across its restarts, and ends with it', async () => {
    const t = await c.client.submit(
      c.task('thrice', {
        command: ['sh', '-c', 'echo run; sleep 1; exit 3'],
        restartPolicy: { mode: 'on-failure', maxRestarts: 2, backoff: { initial: '200ms', max: '200ms' } },
      }),
    );
    // started at once: the task has no container yet
    const logs = await c.cli(['logs', '-f', t.id.slice(0, 8)]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, 'run\nrun\nrun\n', 'each of its three containers, whole');
    assert.match(logs.stderr, /restarted \(restart 1\):\n.*restarted \(restart 2\):\n$/s);
    const ended = await c.client.getTask(t.id);
    assert.equal(ended.state, 'Failed');
    assert.match(ended.reason, /gave up after 2 restarts/);
  });

  test('GET /metrics of the manager and the worker passes promtool check metrics', async () => {
    // the manager's for a token that reads, the worker's for the manager's certificate
    const asAdmin = { tls: { ca: c.access.caPem }, token: c.access.adminToken };
    for (const [url, as] of [
      [c.manager.url, asAdmin],
      [c.workers.get('a')?.url ?? '', { tls: asManager(c.access) }],
    ] as const) {
      const text = (await tlsFetch(`${url}/metrics`, as)).text();
      assert.match(text, /poseidon_/);
      const child = execFile('promtool', ['check', 'metrics']);
      child.stdin?.end(text);
      const [code, stderr] = await new Promise<[number | null, string]>((resolve) => {
        let err = '';
        child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
        child.stdout?.on('data', (d: Buffer) => (err += d.toString('utf8')));
        child.on('exit', (code) => resolve([code, err]));
      });
      assert.equal(code, 0, `promtool on ${url}/metrics: ${stderr}`);
    }
  });

  test('poseidon status ID shows the cpu and memory use of the running container', async () => {
    const t = await c.client.submit(c.task('busy', { command: ['sleep', '600'] }));
    await until(t.id, (x) => x.state === 'Running', 'Running');
    const out = await c.cli(['status', t.id]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Usage:\s+cpu [0-9.]+% of a core, memory [0-9.]+ (KiB|MiB|B)/);
    await c.client.stopTask(t.id);
  });
});
