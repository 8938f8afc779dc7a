// Entry of a process of fake workers (see fake-worker-fleet.ts, which starts it):
//   POSEIDON_JOIN_TOKEN=TOKEN node dist/testkit/fake-worker-process.js --manager URL --workers N --name-prefix NAME
// Runs N fake workers, each the real Worker, its routes and its reporter over a fake driver,
// each joined to the cluster with the join token (as `poseidon worker --join-token` joins), serving
// mutual TLS on 127.0.0.1 and reporting to the manager, and a control server on 127.0.0.1, port 0:
//   GET /dispatched?after=K  the first dispatch of each task from the K-th on: [[taskId, epochMs], ...]
//   GET /heartbeats          the workers' heartbeat counts, summed
// It logs {"msg":"fake workers listening","url":<control URL>} once every worker listens, and
// stops them all on SIGTERM or SIGINT.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { poolConnections } from '../src/client/index.js';
import { FAKE_WORKER_CAPACITY, FakeWorker, type HeartbeatCounts } from './fake-worker.js';
import { ReferenceStore } from './reference-store.js';

const { values } = parseArgs({
  options: {
    manager: { type: 'string' },
    workers: { type: 'string', default: '1' },
    'name-prefix': { type: 'string', default: 'fake' },
  },
});
const managerUrl = values.manager;
const joinToken = process.env.POSEIDON_JOIN_TOKEN;
const count = Number(values.workers);
if (managerUrl === undefined || joinToken === undefined || !Number.isInteger(count) || count < 1) {
  process.stderr.write(
    'usage: POSEIDON_JOIN_TOKEN=T fake-worker-process --manager URL --workers N [--name-prefix NAME]\n',
  );
  process.exit(2);
}

/** Each task's first dispatch to any worker here, in arrival order: [taskId, epoch ms]. */
const dispatched: Array<[string, number]> = [];
const seen = new Set<string>();
const workers: FakeWorker[] = [];
for (let i = 0; i < count; i++) {
  workers.push(
    new FakeWorker({
      name: `${values['name-prefix']}-${String(i).padStart(3, '0')}`,
      recordDriverCalls: false,
      // as `poseidon worker` on a host of the cores it offers: twice its cores at once
      startConcurrency: 2 * FAKE_WORKER_CAPACITY.cpuCores,
      store: new ReferenceStore(), // a copy per write would be most of a fake worker's cost
      onDispatch: (taskId) => {
        if (seen.has(taskId)) return;
        seen.add(taskId);
        dispatched.push([taskId, performance.timeOrigin + performance.now()]);
      },
    }),
  );
}

const control = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://control');
  let body: unknown;
  if (url.pathname === '/dispatched') body = dispatched.slice(Number(url.searchParams.get('after') ?? 0));
  else if (url.pathname === '/heartbeats') body = summed(workers.map((w) => w.heartbeats));
  else {
    res.writeHead(404).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
});

let stopping: Promise<void> | undefined;
const stop = (): Promise<void> =>
  (stopping ??= (async () => {
    await Promise.all(workers.map((w) => w.stop()));
    control.closeAllConnections();
    await new Promise<void>((resolve) => control.close(() => resolve()));
  })());
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

await poolConnections(); // as `poseidon worker` calls the manager
await Promise.all(workers.map((w) => w.join(managerUrl, joinToken)));
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const { port } = control.address() as AddressInfo;
process.stdout.write(
  `${JSON.stringify({ msg: 'fake workers listening', url: `http://127.0.0.1:${port}`, workers: workers.map((w) => ({ name: w.name, url: w.url })) })}\n`,
);

function summed(all: readonly HeartbeatCounts[]): HeartbeatCounts {
  const sum: HeartbeatCounts = { sent: 0, failed: 0, resyncs: 0, lastError: undefined };
  for (const c of all) {
    sum.sent += c.sent;
    sum.failed += c.failed;
    sum.resyncs += c.resyncs;
    sum.lastError = c.lastError ?? sum.lastError;
  }
  return sum;
}
