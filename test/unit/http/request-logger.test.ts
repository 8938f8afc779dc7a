import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildServer } from '../../../src/http/index.js';

test("a request's logger is made on its first use: its lines carry the reqId, a quiet request makes none", async (t) => {
  const lines: Record<string, unknown>[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'info' }, out);
  let children = 0;
  const spied = log as unknown as { child: (...args: unknown[]) => unknown };
  const child = spied.child.bind(log);
  spied.child = (...args: unknown[]) => {
    children += 1;
    return child(...args);
  };
  const app = buildServer({ log, metrics: new Registry(), component: 'manager' });
  t.after(() => app.close());
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('kaboom');
  });
  app.get('/twice', async (req) => {
    req.log.info({ step: 1 }, 'first');
    req.log.warn('second');
    assert.equal(req.log.level, 'info');
    return { ok: true };
  });
  await app.ready();
  const before = children;
  assert.equal((await app.inject({ method: 'GET', url: '/quiet' })).statusCode, 200);
  assert.equal(children, before, 'a request that logs nothing makes no child logger');
  assert.equal(lines.length, 0);

  assert.equal((await app.inject({ method: 'GET', url: '/boom' })).statusCode, 500);
  await new Promise((resolve) => setImmediate(resolve));
  const failed = lines.find((l) => l['msg'] === 'request failed');
  assert.ok(failed !== undefined, JSON.stringify(lines));
  assert.equal(failed['level'], 50);
  assert.equal(typeof failed['reqId'], 'string');
  assert.equal((failed['err'] as { message: string }).message, 'kaboom');

  lines.length = 0;
  assert.equal((await app.inject({ method: 'GET', url: '/twice' })).statusCode, 200);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    lines.map((l) => [l['level'], l['msg'], l['step']]),
    [
      [30, 'first', 1],
      [40, 'second', undefined],
    ],
  );
  assert.equal(lines[0]?.['reqId'], lines[1]?.['reqId'], 'one child for the request');
  assert.notEqual(lines[0]?.['reqId'], failed['reqId']);
});
