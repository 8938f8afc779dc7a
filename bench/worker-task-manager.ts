// The manager's side of bench/worker-task.ts, in a process of its own (forked by it), so that
// what the measured process spends is the worker's alone: a minimal fake manager over mutual TLS
// (register and heartbeats answered, reports counted) and a dispatcher sending start batches to
// the worker's real routes as the manager's start-batches.ts does. Driven over IPC:
//   parent → {kind:'setup', creds}            answered {kind:'listening', url}
//   parent → {kind:'worker', url}             the worker's API
//   parent → {kind:'round', prefix, tasks}    answered {kind:'done'} once each task was reported Running
import { randomUUID } from 'node:crypto';
import { createServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { BatchStart, HeartbeatReply, TaskReport } from '../src/api/index.js';
import { WorkerClient, type ClientTls } from '../src/client/index.js';

export interface SideCredentials {
  ca: string;
  cert: string;
  key: string;
}

export type ToSide =
  | { kind: 'setup'; creds: SideCredentials; batch: number; inFlight: number }
  | { kind: 'worker'; url: string }
  | { kind: 'round'; prefix: string; tasks: number };
export type FromSide = { kind: 'listening'; url: string } | { kind: 'done'; reportRequests: number };

const BEAT: HeartbeatReply = { nextBeatInMs: 1_000 };

let creds: SideCredentials | undefined;
let batchSize = 16;
let inFlight = 4;
let worker: WorkerClient | undefined;
/** The tasks of the round that are not reported Running yet, and what to call once none is left. */
let waiting = new Set<string>();
let roundDone: (() => void) | undefined;
let reportRequests = 0;

function send(msg: FromSide): void {
  process.send?.(msg);
}

function took(reports: readonly TaskReport[]): void {
  for (const r of reports) if (r.state === 'Running') waiting.delete(r.taskId);
  if (waiting.size === 0) roundDone?.();
}

function listen(c: SideCredentials): void {
  const opts: ServerOptions = { cert: c.cert, key: c.key, ca: c.ca, requestCert: true, rejectUnauthorized: true };
  const server = createServer(opts, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.endsWith('/reports')) {
        reportRequests += 1;
        took((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { tasks: TaskReport[] }).tasks);
        res.writeHead(204).end();
        return;
      }
      const text = JSON.stringify(BEAT);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    send({ kind: 'listening', url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
}

/** The spec the manager sends for a task submitted as bench/submit-load.ts's body (toSpec of its request). */
function specOf(prefix: string, i: number): BatchStart {
  return {
    spec: {
      id: randomUUID(),
      name: `${prefix}-${i}`,
      image: 'poseidon/busybox:latest',
      command: ['sleep', '300'],
      cpu: 0.01,
      memory: 6 * 2 ** 20,
      labels: { 'poseidon.test-run': 'bench-worker-task' },
    },
    generation: 1,
  };
}

async function round(prefix: string, tasks: number): Promise<void> {
  const client = worker;
  if (client === undefined) throw new Error('no worker yet');
  const all = Array.from({ length: tasks }, (_, i) => specOf(prefix, i));
  waiting = new Set(all.map((t) => (t.spec as { id: string }).id));
  const reported = new Promise<void>((resolve) => (roundDone = resolve));
  reportRequests = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < all.length) {
      const batch = all.slice(next, next + batchSize);
      next += batch.length;
      await client.startTasks(batch, { waitMs: 0 });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  await reported;
  send({ kind: 'done', reportRequests });
}

process.on('message', (msg: ToSide) => {
  if (msg.kind === 'setup') {
    creds = msg.creds;
    batchSize = msg.batch;
    inFlight = msg.inFlight;
    listen(msg.creds);
  } else if (msg.kind === 'worker') {
    const tls: ClientTls = { ...(creds as SideCredentials), serverRole: 'worker' };
    worker = new WorkerClient(msg.url, 30_000, { tls });
  } else {
    round(msg.prefix, msg.tasks).catch((err: unknown) => {
      process.stderr.write(`worker-task manager side: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
  }
});
process.on('disconnect', () => process.exit(0));
