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

/** A server with only `GET /events`, over `bus`; its URL. */
async function serve(t: TestContext, bus: EventBus): Promise<string> {
  const app = buildServer({ log: pino({ level: 'silent' }), metrics: new Registry(), component: 'manager' });
  const streams = new EventStreams({ bus, log: pino({ level: 'silent' }), metrics: new Registry() });
  app.get<{ Querystring: { since?: string; until?: string } }>('/events', async (req, reply) => {
    const { since, until } = req.query;
    streams.serve(req, reply, {
      ...(since === undefined ? {} : { sinceMs: Number(since) }),
      ...(until === undefined ? {} : { untilMs: Number(until) }),
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
