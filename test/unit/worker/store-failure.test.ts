import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { systemClock } from '../../../src/clock/index.js';
import type { ContainerState, Driver } from '../../../src/driver/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import { ClusterCa, newKeyAndCsr, publicKeyOfCsr, type CertRole } from '../../../src/pki/index.js';
import { parseSubmission, type TaskRequest } from '../../../src/task/index.js';
import { createWorkerServer, Worker, type WorkerTaskRecord } from '../../../src/worker/index.js';
import { tlsFetch } from '../../../testkit/tls-fetch.js';
import { waitFor } from '../../integration/helpers/wait-for.js';

// A worker's record is durable before anything acts on it: when the write fails (a full disk),
// the submission fails with a 5xx, memory still holds what the store holds, and no container
// was started for a record that was never saved.

/** A store whose next put fails, as a full disk makes it. */
class FailingStore extends MemoryStore<WorkerTaskRecord> {
  #fail = false;
  failNext(): void {
    this.#fail = true;
  }
  override async put(key: string, value: WorkerTaskRecord): Promise<void> {
    if (this.#fail) {
      this.#fail = false;
      throw new Error('MDB_MAP_FULL: Environment mapsize limit reached');
    }
    await super.put(key, value);
  }
}

/** The engine, not under test: counts starts and answers each with a running container. */
class CountingDriver implements Partial<Driver> {
  starts: string[] = [];
  async ping(): Promise<void> {}
  async list(): Promise<ContainerState[]> {
    return [];
  }
  watch(_onEvent: unknown, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  async start(task: TaskRequest, options: { generation: number }): Promise<ContainerState> {
    this.starts.push(`${task.id} g${options.generation}`);
    return {
      containerId: `ctr-${task.id}-${options.generation}`,
      taskId: task.id,
      generation: options.generation,
      running: true,
      exitCode: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      oomKilled: false,
      error: '',
      ports: [],
      ipAddress: '',
      image: task.image,
      command: task.command,
      labels: {},
    };
  }
}

async function worker(): Promise<{ worker: Worker; store: FailingStore; driver: CountingDriver }> {
  const store = new FailingStore();
  const driver = new CountingDriver();
  const w = new Worker({
    name: 'w1',
    driver: driver as unknown as Driver,
    store,
    clock: systemClock,
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    stopGraceSeconds: 1,
  });
  await w.start();
  return { worker: w, store, driver };
}

const request = (): TaskRequest => parseSubmission({ name: 'web', image: 'busybox' });

test('a submission whose record cannot be written fails, leaves no task in memory and starts no container', async () => {
  const { worker: w, store, driver } = await worker();
  try {
    store.failNext();
    await assert.rejects(w.submit(request(), 1, 0), /MDB_MAP_FULL/);
    assert.deepEqual(w.list(), []);
    assert.deepEqual(await store.list('task/'), []);
    assert.deepEqual(driver.starts, []);
  } finally {
    await w.stop();
  }
});

test('a newer generation for a running task whose write fails leaves the generation as stored', async () => {
  const { worker: w, store } = await worker();
  try {
    const req = request();
    await w.submit(req, 1, 0);
    await waitFor(() => w.get(req.id).state === 'Running', { what: 'the task Running' });
    store.failNext();
    await assert.rejects(w.submit(req, 2, 0), /MDB_MAP_FULL/);
    assert.equal(w.get(req.id).generation, 1);
    assert.equal((await store.get(`task/${req.id}`))?.generation, 1);
  } finally {
    await w.stop();
  }
});

/** A node certificate of `ca` (PEM), for 127.0.0.1. */
async function certificate(ca: ClusterCa, nodeId: string, role: CertRole): Promise<{ cert: string; key: string }> {
  const { keyPem, csrPem } = await newKeyAndCsr();
  const now = Date.now();
  const cert = await ca.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId,
    role,
    addresses: ['127.0.0.1'],
    notBeforeMs: now - 60_000,
    notAfterMs: now + 3_600_000,
  });
  return { cert, key: keyPem };
}

test('over HTTP the failed write answers 500, and the worker lists nothing', async () => {
  const { worker: w, store, driver } = await worker();
  // the Worker API as it is served: mutual TLS, for a manager certificate of its cluster
  const { ca } = await ClusterCa.create(Date.now());
  const served = await certificate(ca, '11111111-1111-4111-8111-111111111111', 'worker');
  const manager = { ca: ca.certPem, ...(await certificate(ca, '22222222-2222-4222-8222-222222222222', 'manager')) };
  const app = await createWorkerServer({
    worker: w,
    driver: driver as unknown as Driver,
    limits: {},
    readHost: () => Promise.reject(new Error('not used')),
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    clock: systemClock,
    tls: { ...served, ca: ca.certPem },
  });
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    store.failNext();
    const res = await tlsFetch(`${url}/tasks?wait=0`, {
      method: 'POST',
      body: JSON.stringify({ name: 'web', image: 'busybox' }),
      headers: { 'content-type': 'application/json' },
      tls: manager,
    });
    assert.equal(res.status, 500);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'internal');
    assert.deepEqual((await tlsFetch(`${url}/tasks`, { tls: manager })).json(), []);
    assert.deepEqual(driver.starts, []);
  } finally {
    await app.close();
    await w.stop();
  }
});
