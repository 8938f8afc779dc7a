import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { WorkerStatsView } from '../../../src/api/index.js';
import { nodeIdFor, StaticWorkers } from '../../../src/manager/static-workers.js';
import { revokedVersion } from '../../../src/pki/revoked-version.js';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { registration, startManager, W1, type Harness } from './manager-harness.js';

// A worker the manager polls (`--workers`) sends no heartbeat: it hears of removed nodes from the
// poll. Its stats say which version of the revoked list it holds; the manager puts its own list
// there whenever that differs (again on the next poll if the put failed), and never to a worker
// that says no version (older than PUT /revoked).

const URL_ = 'https://127.0.0.1:1';
const GiB = 1024 ** 3;

/** A polled worker that holds the list it was last put, and says its version unless `older`. */
function polledWorker(opts: { older?: boolean; failPuts?: number } = {}) {
  let held: readonly string[] = [];
  let failPuts = opts.failPuts ?? 0;
  const puts: string[][] = [];
  const stats = async (): Promise<WorkerStatsView> => ({
    worker: 'static-1',
    host: {
      cpuCores: 2,
      cpuUsage: 0,
      load: { load1: 0, load5: 0, load15: 0 },
      memory: { totalBytes: 4 * GiB, availableBytes: 4 * GiB },
      disk: { path: '/', totalBytes: 10 * GiB, freeBytes: 10 * GiB },
      uptimeSeconds: 1,
    },
    taskCount: 0,
    tasksByState: {},
    tasks: [],
    ...(opts.older === true ? {} : { revokedVersion: revokedVersion(held) }),
  });
  const client = {
    stats,
    listTasks: async () => [],
    putRevoked: async (ids: readonly string[]) => {
      puts.push([...ids]);
      if (failPuts-- > 0) throw new Error('connection reset');
      held = ids;
    },
  };
  return { client, puts, held: () => held };
}

/** The node id the static worker's certificate names (it got it when it joined), not its URL's. */
const CERT_ID = '55555555-5555-4555-8555-555555555555';

async function polling(
  h: Harness,
  client: ReturnType<typeof polledWorker>['client'],
  certNodeId: () => Promise<string> = async () => CERT_ID,
): Promise<StaticWorkers> {
  const statics = new StaticWorkers(
    {
      manager: h.manager,
      clock: h.clock,
      log: pino({ level: 'silent' }),
      periodMs: 1_000,
      client: () => client,
      certNodeId,
    },
    [URL_],
  );
  statics.start();
  await waitFor(() => h.manager.listNodes().some((n) => n.id === nodeIdFor(URL_)), { what: 'the first poll' });
  return statics;
}

/** Runs `polls` more polls, each to its end. */
async function poll(h: Harness, w: ReturnType<typeof polledWorker>, polls: number): Promise<void> {
  for (let i = 0; i < polls; i++) {
    const before = h.manager.listNodes().find((n) => n.id === nodeIdFor(URL_))?.lastHeartbeat;
    h.clock.advance(1_000);
    await waitFor(() => h.manager.listNodes().find((n) => n.id === nodeIdFor(URL_))?.lastHeartbeat !== before, {
      what: 'a poll',
    });
    await new Promise((resolve) => setImmediate(resolve)); // its put, if any, is done
  }
}

test('a polled worker is put the revoked list when its version differs, again if the put failed, then not', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const w = polledWorker({ failPuts: 1 });
  const statics = await polling(h, w.client);
  t.after(() => statics.stop());
  assert.deepEqual(w.puts, [], 'nothing removed: nothing put');
  await h.manager.removeNode(W1.id);
  await poll(h, w, 1);
  assert.deepEqual(w.puts, [[W1.id]], 'put, and it failed');
  await poll(h, w, 1);
  assert.deepEqual(w.puts, [[W1.id], [W1.id]], 'put again');
  assert.deepEqual(w.held(), [W1.id]);
  await poll(h, w, 2);
  assert.equal(w.puts.length, 2, 'it holds the version: nothing more');
});

test('a polled worker that says no version (older) is put nothing', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const w = polledWorker({ older: true });
  const statics = await polling(h, w.client);
  t.after(() => statics.stop());
  await h.manager.removeNode(W1.id);
  await poll(h, w, 2);
  assert.deepEqual(w.puts, []);
});

// The manager keys a static worker by its URL; its certificate names the id it joined with. A
// removal revokes that id too, read from its certificate on the first poll (and again once it
// answers after a failed poll: it may have joined anew, with another id).

test('node rm of a static worker revokes the node id its certificate names, and each it named before', async (t) => {
  const h = await startManager(t);
  const w = polledWorker();
  const ids = [CERT_ID, '66666666-6666-4666-8666-666666666666'];
  let reads = 0;
  let down = false;
  let failed = 0;
  const stats = w.client.stats;
  w.client.stats = async () => {
    if (!down) return stats();
    failed++;
    throw new Error('connection refused');
  };
  const statics = await polling(h, w.client, async () => ids[Math.min(reads++, 1)] ?? CERT_ID);
  t.after(() => statics.stop());
  await poll(h, w, 2);
  assert.equal(reads, 1, 'read once while it answers');
  // it is away for a poll, and comes back having joined anew
  down = true;
  h.clock.advance(1_000);
  await waitFor(() => failed === 1, { what: 'a failed poll' });
  down = false;
  await poll(h, w, 1);
  assert.equal(reads, 2, 'read again once it answers');
  await h.manager.removeNode(nodeIdFor(URL_));
  for (const id of [nodeIdFor(URL_), ...ids]) assert.ok(h.manager.isRevoked(id), id);
});

test('a static worker that joined and was never polled is removed by its id; its polls are refused then', async (t) => {
  const h = await startManager(t);
  await h.manager.certIssued(CERT_ID, h.clock.now() + 60_000); // it joined: the CA issued it a certificate
  const removed = await h.manager.removeNode(CERT_ID);
  assert.equal(removed.nodeId, CERT_ID);
  assert.ok(h.manager.isRevoked(CERT_ID));
  await assert.rejects(h.manager.removeNode(CERT_ID), { code: 'node_not_found' }, 'removed once');
  let polls = 0;
  const w = polledWorker();
  const stats = w.client.stats;
  w.client.stats = async () => {
    polls++;
    return stats();
  };
  const statics = new StaticWorkers(
    {
      manager: h.manager,
      clock: h.clock,
      log: pino({ level: 'silent' }),
      periodMs: 1_000,
      client: () => w.client,
      certNodeId: async () => CERT_ID,
    },
    [URL_],
  );
  statics.start();
  t.after(() => statics.stop());
  await waitFor(
    () => {
      h.clock.advance(1_000); // the next poll, once the last has set its timer
      return polls >= 2;
    },
    { what: 'two polls' },
  );
  assert.equal(
    h.manager.listNodes().some((n) => n.id === nodeIdFor(URL_)),
    false,
    'its certificate is revoked: not a node',
  );
});

test('an id the CA never issued a certificate to is not found, as before', async (t) => {
  const h = await startManager(t);
  await assert.rejects(h.manager.removeNode(CERT_ID), { code: 'node_not_found' });
});
