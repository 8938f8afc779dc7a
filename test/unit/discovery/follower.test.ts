import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { EndpointsApplied, EndpointsMessage } from '../../../src/api/endpoints.js';
import { EndpointsFollower, EndpointTable, type EndpointsSource } from '../../../src/discovery/index.js';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { endpoint, service } from '../dns/table-fixture.js';

// The follower between the manager's endpoint stream and a host's table: it applies every
// message, reports the revision it serves (coalesced, with the proxy's open counts of draining
// endpoints), and after a broken or silent stream reconnects and takes the new snapshot as the
// whole truth. The manager is a fake here: a stream the test writes into.

const log = pino({ level: 'silent' });

/** One watch connection: the test pushes messages or ends it. */
class Connection {
  readonly #queue: Array<EndpointsMessage | Error | 'end'> = [];
  #wake: (() => void) | undefined;
  constructor(readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.#wake?.());
  }
  push(m: EndpointsMessage | Error | 'end'): void {
    this.#queue.push(m);
    this.#wake?.();
  }
  async *messages(): AsyncGenerator<EndpointsMessage> {
    for (;;) {
      const next = this.#queue.shift();
      if (next === 'end' || this.signal.aborted) return;
      if (next instanceof Error) throw next;
      if (next !== undefined) yield next;
      else await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

class FakeManager implements EndpointsSource {
  readonly connections: Connection[] = [];
  readonly applied: EndpointsApplied[] = [];
  holdApplied: Promise<void> | undefined;
  watchEndpoints(signal: AbortSignal): AsyncIterable<EndpointsMessage> {
    const c = new Connection(signal);
    this.connections.push(c);
    return c.messages();
  }
  async endpointsApplied(body: EndpointsApplied): Promise<void> {
    await this.holdApplied;
    this.applied.push(structuredClone(body));
  }
  get last(): Connection {
    const c = this.connections.at(-1);
    assert.ok(c);
    return c;
  }
}

const web = (revision: number, ...states: Parameters<typeof endpoint>[1][]) => ({
  ...service(
    'web',
    '10.213.128.1',
    states.map((s, i) => endpoint(i + 1, s)),
  ),
  revision,
});
const snapshot = (epoch: string, revision: number, services: ReturnType<typeof web>[]): EndpointsMessage => ({
  type: 'snapshot',
  epoch,
  revision,
  services,
});

function follower(
  manager: FakeManager,
  table: EndpointTable,
  extra: Partial<ConstructorParameters<typeof EndpointsFollower>[0]> = {},
) {
  return new EndpointsFollower({
    source: manager,
    table,
    log,
    backoff: { initialMs: 5, maxMs: 20 },
    random: () => 0.5,
    ...extra,
  });
}

test('a snapshot fills the table and its revision is reported; each change after it too', async (t) => {
  const manager = new FakeManager();
  const table = new EndpointTable();
  const f = follower(manager, table);
  t.after(() => f.stop());
  f.start();
  await waitFor(() => manager.connections.length === 1, { timeoutMs: 2_000 });
  manager.last.push(snapshot('e1', 3, [web(3, 'ready', 'starting')]));
  await f.synced();
  assert.deepEqual(
    table.ready('web').map((e) => e.address),
    ['10.213.0.1'],
  );
  await waitFor(() => manager.applied.length === 1, { timeoutMs: 2_000 });
  assert.deepEqual(manager.applied[0], { epoch: 'e1', revision: 3 });
  manager.last.push({ type: 'service', epoch: 'e1', revision: 4, service: web(4, 'ready', 'ready') });
  await waitFor(() => manager.applied.at(-1)?.revision === 4, { timeoutMs: 2_000 });
  assert.deepEqual(
    table.ready('web').map((e) => e.address),
    ['10.213.0.1', '10.213.0.2'],
  );
});

test('reports are coalesced: while one is in flight, changes wait and the next carries the latest revision', async (t) => {
  const manager = new FakeManager();
  const table = new EndpointTable();
  const f = follower(manager, table);
  t.after(() => f.stop());
  let release: () => void = () => undefined;
  manager.holdApplied = new Promise((resolve) => (release = resolve));
  f.start();
  await waitFor(() => manager.connections.length === 1, { timeoutMs: 2_000 });
  manager.last.push(snapshot('e1', 1, [web(1, 'ready')]));
  for (let r = 2; r <= 10; r += 1)
    manager.last.push({ type: 'service', epoch: 'e1', revision: r, service: web(r, 'ready') });
  await waitFor(() => table.revision === 10, { timeoutMs: 2_000 });
  release();
  manager.holdApplied = undefined;
  await waitFor(() => manager.applied.at(-1)?.revision === 10, { timeoutMs: 2_000 });
  assert.equal(manager.applied.length, 2, `reports: ${manager.applied.map((a) => a.revision).join(', ')}`);
});

test('after the stream breaks it reconnects, and the new snapshot is the whole truth', async (t) => {
  const manager = new FakeManager();
  const table = new EndpointTable();
  const f = follower(manager, table);
  t.after(() => f.stop());
  f.start();
  await waitFor(() => manager.connections.length === 1, { timeoutMs: 2_000 });
  const db = { ...service('db', '10.213.128.2', [endpoint(9, 'ready')]), revision: 2 };
  manager.last.push(snapshot('e1', 2, [web(2, 'ready'), db]));
  await f.synced();
  assert.ok(table.service('db'));
  manager.last.push(new Error('connection reset'));
  await waitFor(() => manager.connections.length === 2, { timeoutMs: 2_000 });
  // a new manager run: db went away while the stream was down
  manager.last.push(snapshot('e2', 1, [web(1, 'ready', 'ready')]));
  await waitFor(() => table.epoch === 'e2', { timeoutMs: 2_000 });
  assert.equal(table.service('db'), undefined);
  assert.deepEqual(table.ready('web').length, 2);
  await waitFor(() => manager.applied.at(-1)?.epoch === 'e2', { timeoutMs: 2_000 });
});

test('a stream that falls silent (no message, not even a ping) is reopened', async (t) => {
  const manager = new FakeManager();
  const f = follower(manager, new EndpointTable(), { silenceMs: 100 });
  t.after(() => f.stop());
  f.start();
  await waitFor(() => manager.connections.length === 1, { timeoutMs: 2_000 });
  manager.last.push(snapshot('e1', 1, []));
  await waitFor(() => manager.connections.length === 2, { timeoutMs: 2_000 });
  assert.equal(manager.connections[0]?.signal.aborted, true);
});

test('open connections of draining endpoints go with the report, again until none is left', async (t) => {
  const manager = new FakeManager();
  const table = new EndpointTable();
  const open: Record<string, number> = { 'task-1': 2 };
  const f = follower(manager, table, { openConnections: () => ({ ...open }), drainingReportMs: 20 });
  t.after(() => f.stop());
  f.start();
  await waitFor(() => manager.connections.length === 1, { timeoutMs: 2_000 });
  manager.last.push(snapshot('e1', 5, [web(5, 'draining', 'ready')]));
  await waitFor(() => manager.applied.length >= 2, { timeoutMs: 2_000 });
  assert.deepEqual(manager.applied[0], { epoch: 'e1', revision: 5, draining: { 'task-1': 2 } });
  open['task-1'] = 0;
  await waitFor(() => manager.applied.at(-1)?.draining?.['task-1'] === 0, { timeoutMs: 2_000 });
});

test('stop ends the stream and the loop', async () => {
  const manager = new FakeManager();
  const f = follower(manager, new EndpointTable());
  f.start();
  await waitFor(() => manager.connections.length === 1, { timeoutMs: 2_000 });
  await f.stop();
  assert.equal(manager.last.signal.aborted, true);
  assert.equal(manager.connections.length, 1);
});
