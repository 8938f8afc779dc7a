import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildServer } from '../../../src/http/index.js';
import { EventStreams } from '../../../src/manager/event-stream.js';
import { EventBus, type ClusterEvent } from '../../../src/manager/events.js';

// `GET /events?since=…&until=…` over real HTTP: every kept event of the window, then the end.

const T0 = Date.UTC(2026, 11, 5, 10, 0, 0);

/** A server with only `GET /events`, over `bus`; its URL (and its streams, `served`). */
async function serve(t: TestContext, bus: EventBus, served?: (s: EventStreams) => void): Promise<string> {
  const app = buildServer({ log: pino({ level: 'silent' }), metrics: new Registry(), component: 'manager' });
  const streams = new EventStreams({
    bus,
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
  });
  served?.(streams);
  app.get<{ Querystring: { since?: string; until?: string; task?: string } }>('/events', async (req, reply) => {
    const { since, until, task } = req.query;
    streams.serve(req, reply, {
      ...(since === undefined ? {} : { sinceMs: Number(since) }),
      ...(until === undefined ? {} : { untilMs: Number(until) }),
      ...(task === undefined ? {} : { taskId: task }),
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** The whole body, read once it ended; rejects if the stream broke first. */
function body(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

test('a window in the past with more than 64 KiB of kept events sends every one of them, then ends', async (t) => {
  const bus = new EventBus(1_000);
  // some 200 bytes each: far past what a response takes before it waits for its reader
  for (let i = 0; i < 600; i++)
    bus.publish({
      time: new Date(T0 + i * 1_000).toISOString(),
      type: 'node.up',
      node: `node-${i}`,
      reason: 'x'.repeat(120),
    } as ClusterEvent);
  const url = await serve(t, bus);
  // until after all of them (and long past): the stream ends at once after the kept ones
  const text = await body(`${url}/events?since=${T0}&until=${T0 + 600_000}`);
  assert.ok(Buffer.byteLength(text) > 64 * 1024, `${Buffer.byteLength(text)} bytes`);
  const lines = text.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 600);
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as ClusterEvent).node),
    Array.from({ length: 600 }, (_, i) => `node-${i}`),
  );
  // a window that ends before the last: only the ones before it (until is exclusive)
  const part = await body(`${url}/events?since=${T0 + 100_000}&until=${T0 + 500_000}`);
  assert.equal(part.split('\n').filter((l) => l !== '').length, 400);
});

test("?task= sends that task's events alone, kept and live, and ends at until as any stream does", async (t) => {
  const bus = new EventBus(1_000);
  const event = (i: number, taskId?: string): ClusterEvent =>
    ({
      time: new Date(T0 + i * 1_000).toISOString(),
      type: taskId === undefined ? 'node.up' : 'task.started',
      ...(taskId === undefined ? { node: `node-${i}` } : { taskId, restarts: i }),
    }) as ClusterEvent;
  // the task's first events, buried under 300 of the others: what a page listing the latest 200 misses
  bus.publish(event(0, 'a'));
  for (let i = 1; i <= 300; i++) bus.publish(event(i, i % 2 === 0 ? 'b' : undefined));
  bus.publish(event(301, 'a'));
  let streams: EventStreams | undefined;
  const url = await serve(t, bus, (s) => (streams = s));
  // an until still to come: the stream stays open for what happens live, until an event at that time
  const until = Date.now() + 3_600_000;
  const text = body(`${url}/events?task=a&since=${T0}&until=${until}`);
  // subscribed: what happens now comes live, the other tasks' and the nodes' left out
  await waitUntil(() => streams?.count === 1);
  bus.publish(event(302, 'b'));
  bus.publish(event(303, 'a'));
  bus.publish(event(304));
  bus.publish({ ...event(0), time: new Date(until).toISOString() }); // at until, of no task: the stream ends
  const lines = (await text).split('\n').filter((l) => l !== '');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as ClusterEvent).map((e) => [e.taskId, e.restarts]),
    [
      ['a', 0],
      ['a', 301],
      ['a', 303],
    ],
  );
});

/** Yields to i/o until `ok` holds, a bounded number of tries. */
async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(ok(), 'the condition came true');
}
