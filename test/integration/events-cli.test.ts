import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { ManagerAccess } from '../../testkit/manager-access.js';
import { POSEIDON_BIN } from '../../testkit/spawner.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { TestCluster } from './helpers/cluster.js';
import { serviceSpec } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// `poseidon events` with filters, as `docker events --filter` takes them: a real manager and a
// real worker on the real engine, and `poseidon events` processes left running as a user's are.

describe('poseidon events --task, --service, --node and --type', () => {
  const c = new TestCluster();
  const children: ChildProcessWithoutNullStreams[] = [];

  /** `poseidon events ARGS` left running; the lines it printed so far, once it is connected. */
  async function follow(args: string[]): Promise<() => string[]> {
    const child = spawn(process.execPath, [POSEIDON_BIN, 'events', ...args], {
      env: { ...process.env, ...c.cliEnv() },
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    // connected once the manager counts it among its subscribers
    await waitFor(async () => ((await subscribers(c.access)) >= children.length ? true : undefined), {
      what: 'the events stream open',
    });
    // each line without its time
    return () =>
      out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.replace(/^\S+ {2}/, ''));
  }

  before(async () => {
    await c.startManager();
    await c.startWorker('a');
  });
  after(async () => {
    for (const child of children) child.kill('SIGINT');
    await c.close();
  });

  test('each flag keeps its events; a flag repeated is any of its values, two flags are both', async () => {
    const byTask = await follow(['--task', 'watched', '--json']);
    const stopsAndServices = await follow(['--type', 'task.stopped', '--type', 'service']);
    const byService = await follow(['--service', 'shop', '--type', 'task.started']);
    const byNode = await follow(['--node', 'nowhere']);

    const watched = await c.client.submit(c.task('watched'));
    const other = await c.client.submit(c.task('other'));
    await c.allInState([watched.id, other.id], 'Running');
    await c.client.stopTask(watched.id);
    await c.client.stopTask(other.id);
    await c.client.createService(serviceSpec(c, 'shop', { replicas: 2 }));

    const started = await waitFor(() => (byService().length >= 2 ? byService() : undefined), {
      what: "the service's two replicas started",
    });
    // a replica's task events carry its service; the service's own event is no task.started
    const node = c.workerName('a');
    assert.deepEqual(started.map((l) => l.replace(/\([0-9a-f]{8}\)/, '(id)')).sort(), [
      `task.started       shop-1 (id) on ${node}: running`,
      `task.started       shop-2 (id) on ${node}: running`,
    ]);
    await waitFor(() => (stopsAndServices().length >= 3 ? true : undefined), { what: 'two stops and a service' });
    assert.deepEqual(stopsAndServices(), [
      `task.stopped       watched (${watched.id.slice(0, 8)}) on ${node}: stop requested`,
      `task.stopped       other (${other.id.slice(0, 8)}) on ${node}: stop requested`,
      'service.created    shop: 2 replicas; version 1',
    ]);
    const types = byTask().map((l) => JSON.parse(l) as { type: string; taskName: string });
    assert.ok(
      types.every((e) => e.taskName === 'watched'),
      `only the watched task's events: ${JSON.stringify(types)}`,
    );
    for (const type of ['task.submitted', 'task.started', 'task.stopped'])
      assert.ok(
        types.some((e) => e.type === type),
        `${type} in ${types.map((e) => e.type).join(', ')}`,
      );
    assert.deepEqual(byNode(), [], 'no event of a node that is not there');
  });

  test('--since shows the events the manager kept first, in order; --until ends the command', async () => {
    // the first test's tasks, a few seconds ago
    const kept = await c.cli(['events', '--since', '10m', '--until', 'now', '--task', 'watched']);
    assert.equal(kept.code, 0, kept.stderr);
    const types = kept.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(/ +/)[1]);
    assert.deepEqual(
      types.filter((t) => t === 'task.submitted' || t === 'task.started' || t === 'task.stopped'),
      ['task.submitted', 'task.started', 'task.stopped'],
      kept.stdout,
    );
    const before = await c.cli(['events', '--since', '2020-01-01T00:00:00Z', '--until', '2020-01-02T00:00:00Z']);
    assert.deepEqual([before.code, before.stdout], [0, ''], before.stderr);

    // an --until a few seconds ahead: what happens meanwhile, then the command ends by itself
    const from = new Date().toISOString();
    const until = new Date(Date.now() + 3_000).toISOString();
    const live = c.cli(['events', '--since', from, '--until', until, '--task', 'late', '--json']);
    const late = await c.client.submit(c.task('late'));
    const r = await live;
    assert.equal(r.code, 0, r.stderr);
    const lateTypes = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { type: string; taskId: string });
    assert.ok(
      lateTypes.some((e) => e.type === 'task.submitted' && e.taskId === late.id),
      `late's submission shown: ${r.stdout}`,
    );
    assert.ok(
      Date.now() >= Date.parse(until),
      `it ended no earlier than --until (${Date.parse(until) - Date.now()} ms early)`,
    );
  });

  test("the client library's watchEvents takes the same window", async () => {
    const seen: string[] = [];
    const until = new Date();
    const since = new Date(until.getTime() - 10 * 60_000);
    for await (const e of await c.client.watchEvents(undefined, { since, until }))
      if (e.taskName === 'watched') seen.push(e.type);
    assert.deepEqual(
      seen.filter((t) => t === 'task.submitted' || t === 'task.stopped'),
      ['task.submitted', 'task.stopped'],
      'the kept events, in order, and the iteration ended at until',
    );
  });

  test('a time that cannot be read is refused, naming the flag or the field', async () => {
    const r = await c.cli(['events', '--since', 'yesterday']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^poseidon: --since is "yesterday"; give a time/);
    for (const [query, field] of [
      ['since=soon', 'since'],
      ['until=2026-13-45T00:00:00Z', 'until'],
    ] as const) {
      const res = await tlsFetch(`${c.access.url}/events?${query}`, {
        tls: { ca: c.access.caPem },
        token: c.access.adminToken,
      });
      assert.equal(res.status, 400, res.text());
      assert.match(res.text(), new RegExp(`querystring.${field}`));
    }
  });

  test('a --type that is no event type or kind is refused before anything is followed, naming what it takes', async () => {
    const r = await c.cli(['events', '--type', 'task.faild']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^poseidon: --type is "task\.faild", no event type; use a kind \(task, node, service, update, job, secret, config\) or a type: task\.submitted, /,
    );
    assert.equal(r.stdout, '');
  });
});

/** Open `GET /events` streams, as the manager's metrics count them. */
async function subscribers(access: ManagerAccess): Promise<number> {
  const res = await tlsFetch(`${access.url}/metrics`, { tls: { ca: access.caPem }, token: access.adminToken });
  const m = /^poseidon_manager_event_subscribers (\d+)$/m.exec(res.text());
  return Number(m?.[1] ?? 0);
}
