import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { TokenBook, type TokenRecord } from '../../src/auth/index.js';
import { systemClock } from '../../src/clock/index.js';
import { createManagerServer, Manager, type ManagerRecord, type WorkerCalls } from '../../src/manager/index.js';
import { MAX_EVENT_BUFFER_BYTES, MAX_EVENT_SUBSCRIBERS } from '../../src/manager/event-stream.js';
import { EVENT_HISTORY } from '../../src/manager/events.js';
import { strategyByName } from '../../src/scheduler/index.js';
import { NodeAuthority } from '../../src/pki/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { waitFor } from '../integration/helpers/wait-for.js';
import { codeOf, sender, type Caller, type Send } from './helpers.js';

// GET /events against a real manager server on loopback: a reader that stops reading is cut off
// once what waits for it passes the bound (not buffered without end), and subscribers beyond the
// limit are refused. The bounds are lowered here so the test needs few events; their defaults
// are checked below.

const MAX_SUBSCRIBERS = 3;
const MAX_BUFFERED = 64 * 1024;

const noWorkers = (): WorkerCalls => {
  throw new Error('no worker is called in this test');
};

describe('GET /events bounds its subscribers and what each leaves unread', () => {
  let manager: Manager;
  let app: FastifyInstance;
  let url: string;
  let dir: string;
  /** A reader with a read token, over TLS that trusts the cluster's CA, as a person's client is. */
  let reader: Caller;
  let send: Send;
  const metrics = new Registry();
  const lines: string[] = [];
  before(async () => {
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    // the server as the manager's runtime builds it: HTTPS with a certificate of the cluster's CA,
    // every route but /healthz for a token or a node certificate
    dir = await mkdtemp(join(tmpdir(), 'poseidon-events-test-'));
    const authority = await NodeAuthority.open({ dataDir: dir, clock: systemClock, log, certTtlMs: 3_600_000 });
    const creds = await authority.managerCredentials(['127.0.0.1'], Math.random);
    const tokens = new TokenBook({ store: new MemoryStore<TokenRecord>(), clock: systemClock, log });
    await tokens.load();
    reader = { ca: authority.ca.certPem, token: (await tokens.create({ scope: 'read', name: 'reader' })).token };
    send = sender(reader);
    manager = new Manager({
      store: new MemoryStore<ManagerRecord>(),
      clock: systemClock,
      strategy: strategyByName('roundrobin'),
      log,
      metrics,
      heartbeatPeriodMs: 1_000,
      heartbeatGraceMs: 600_000,
      sweepMs: 600_000,
      workerClient: noWorkers,
    });
    await manager.start();
    app = await createManagerServer({
      manager,
      log,
      metrics,
      clock: systemClock,
      tokens,
      authority,
      tls: { cert: creds.certPem, key: creds.keyPem, ca: creds.caPem },
      workers: () => {
        throw new Error('no worker is called in this test');
      },
      limits: { maxEventSubscribers: MAX_SUBSCRIBERS, maxEventBufferBytes: MAX_BUFFERED },
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await manager.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const subscribers = async (): Promise<number> => {
    const text = (await send('GET', `${url}/metrics`)).body as string;
    return Number(/^poseidon_manager_event_subscribers (\d+)$/m.exec(text)?.[1]);
  };

  /** A subscriber that sends its request and then never reads: its socket is paused. */
  async function stalledReader(): Promise<{ socket: TLSSocket; closed: Promise<void> }> {
    const { port } = new URL(url);
    const socket = connect({ port: Number(port), host: '127.0.0.1', ca: reader.ca });
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    socket.write(`GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${reader.token ?? ''}\r\n\r\n`);
    socket.pause();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return { socket, closed };
  }

  test('the defaults: 64 subscribers, 1 MiB unread each', () => {
    assert.equal(MAX_EVENT_SUBSCRIBERS, 64);
    assert.equal(MAX_EVENT_BUFFER_BYTES, 1024 * 1024);
  });

  test('a reader that stops reading is cut off once its unread bytes pass the bound, and the manager keeps going', async () => {
    const reader = await stalledReader();
    await waitFor(async () => (await subscribers()) === 1, { what: 'the stalled reader subscribed' });
    const cutCount = async (): Promise<number> =>
      (await metrics.getSingleMetric('poseidon_manager_event_subscribers_cut_total')?.get())?.values[0]?.value ?? 0;
    // events as a busy cluster makes them, faster than a reader that does not read takes them:
    // the kernel's socket buffers fill first, then the bound is passed
    const reason = 'x'.repeat(900);
    let published = 0;
    while ((await cutCount()) === 0 && published < 400_000) {
      for (let i = 0; i < 200; i++) {
        manager.events.publish({
          time: new Date().toISOString(),
          type: 'task.exited',
          taskId: `t${published}`,
          reason,
        });
        published += 1;
      }
      await yieldToIo();
    }
    assert.equal(await cutCount(), 1, `the reader was cut off (after ${published} events)`);
    reader.socket.resume(); // reading again, it finds the connection closed by the manager
    await reader.closed;
    await waitFor(async () => (await subscribers()) === 0, { what: 'the subscription to end' });
    assert.ok(
      lines.some((l) => l.includes('events subscriber cut off: it reads too slowly')),
      'the cut is logged',
    );
    assert.equal((await send('GET', `${url}/healthz`)).status, 200);
  });

  test('a reader asking for the kept events gets them all, past the unread bound, then the live ones', async () => {
    // the kept events: EVENT_HISTORY of about 1 KB, far past the 64 KiB a reader may leave unread
    const reason = 'x'.repeat(900);
    for (let i = 0; i < EVENT_HISTORY; i++)
      manager.events.publish({ time: new Date().toISOString(), type: 'task.exited', taskId: `k${i}`, reason });
    const cutBefore =
      (await metrics.getSingleMetric('poseidon_manager_event_subscribers_cut_total')?.get())?.values[0]?.value ?? 0;
    const until = new Date(Date.now() + 1_500).toISOString();
    const answer = send('GET', `${url}/events?since=0&until=${until}`);
    manager.events.publish({ time: new Date().toISOString(), type: 'task.started', taskId: 'marker' });
    const { status, body } = await answer;
    assert.equal(status, 200);
    const ids = String(body)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { taskId: string }).taskId);
    assert.ok(ids.length >= EVENT_HISTORY, `${ids.length} events`);
    assert.deepEqual(
      [ids.at(-1), ids.filter((id) => id === 'marker').length],
      ['marker', 1],
      'the live one last, once',
    );
    const cutAfter =
      (await metrics.getSingleMetric('poseidon_manager_event_subscribers_cut_total')?.get())?.values[0]?.value ?? 0;
    assert.equal(cutAfter, cutBefore, 'not cut off');
  });

  test(`beyond ${MAX_SUBSCRIBERS} subscribers a new one gets 503 too_many_subscribers, until one leaves`, async () => {
    const open = await Promise.all(Array.from({ length: MAX_SUBSCRIBERS }, () => stalledReader()));
    await waitFor(async () => (await subscribers()) === MAX_SUBSCRIBERS, { what: 'every subscriber in' });
    const refused = await send('GET', `${url}/events`);
    assert.equal(refused.status, 503);
    assert.equal(codeOf(refused), 'too_many_subscribers');
    assert.equal(await subscribers(), MAX_SUBSCRIBERS, 'the refused one did not count');
    open[0]?.socket.destroy();
    await waitFor(async () => (await subscribers()) === MAX_SUBSCRIBERS - 1, { what: 'one subscriber gone' });
    const again = await stalledReader();
    await waitFor(async () => (await subscribers()) === MAX_SUBSCRIBERS, { what: 'a new subscriber in' });
    for (const r of [...open, again]) r.socket.destroy();
    await waitFor(async () => (await subscribers()) === 0, { what: 'all subscribers gone' });
  });
});
