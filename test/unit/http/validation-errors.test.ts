import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildServer } from '../../../src/http/index.js';

test('a value that must be one of several constants is answered with the constants, each once', async (t) => {
  const app = buildServer({ log: pino({ level: 'silent' }), metrics: new Registry(), component: 'manager' });
  t.after(() => app.close());
  const states = ['Pending', 'Running'].flatMap((s) => [Type.Literal(s), Type.Literal(s.toLowerCase())]);
  const querystring = Type.Object(
    { state: Type.Optional(Type.Union(states)), size: Type.Optional(Type.String({ maxLength: 2 })) },
    { additionalProperties: false },
  );
  app.get('/tasks', { schema: { querystring } }, async () => ({ ok: true }));
  const bad = await app.inject({ method: 'GET', url: '/tasks?state=bogus' });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json(), {
    error: { code: 'invalid_request', message: 'querystring.state must be one of Pending, Running' },
  });
  assert.equal((await app.inject({ method: 'GET', url: '/tasks?state=running' })).statusCode, 200);
  // any other check keeps its own words
  const long = await app.inject({ method: 'GET', url: '/tasks?size=abc' });
  assert.equal(
    long.json<{ error: { message: string } }>().error.message,
    'querystring.size must NOT have more than 2 characters',
  );
});

test('a schema that says in words what it wants (hint) is answered with those words', async (t) => {
  const app = buildServer({ log: pino({ level: 'silent' }), metrics: new Registry(), component: 'manager' });
  t.after(() => app.close());
  const body = Type.Object(
    { name: Type.String({ pattern: '^[a-z]+$', hint: 'must be lowercase letters, such as web' }) },
    { additionalProperties: false },
  );
  app.post('/things', { schema: { body } }, async () => ({ ok: true }));
  const bad = await app.inject({ method: 'POST', url: '/things', payload: { name: 'A/B' } });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json(), {
    error: { code: 'invalid_request', message: 'body.name must be lowercase letters, such as web' },
  });
  assert.equal((await app.inject({ method: 'POST', url: '/things', payload: { name: 'web' } })).statusCode, 200);
});

test('a field in a list of a JSON body is named as files name it: body.tasks[0].port, a map key stays a key', async (t) => {
  const app = buildServer({ log: pino({ level: 'silent' }), metrics: new Registry(), component: 'manager' });
  t.after(() => app.close());
  const body = Type.Object({
    tasks: Type.Array(Type.Object({ port: Type.Integer({ maximum: 65535 }) })),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
  });
  app.post('/things', { schema: { body } }, async () => ({ ok: true }));
  const inList = await app.inject({
    method: 'POST',
    url: '/things',
    payload: { tasks: [{ port: 80 }, { port: 70000 }] },
  });
  assert.equal(inList.statusCode, 400);
  assert.match(inList.json<{ error: { message: string } }>().error.message, /^body\.tasks\[1\]\.port must be <= 65535/);
  const inMap = await app.inject({ method: 'POST', url: '/things', payload: { tasks: [], env: { '0': 1 } } });
  assert.match(inMap.json<{ error: { message: string } }>().error.message, /^body\.env\.0 must be string/);
});

test('a field missing is named itself, and a body of the wrong kind says what to send', async (t) => {
  const app = buildServer({ log: pino({ level: 'silent' }), metrics: new Registry(), component: 'manager' });
  t.after(() => app.close());
  const body = Type.Object(
    { command: Type.Array(Type.String()), opts: Type.Optional(Type.Object({ tty: Type.Boolean() })) },
    { additionalProperties: false },
  );
  app.post('/exec', { schema: { body } }, async () => ({ ok: true }));
  const said = async (payload: unknown): Promise<string> =>
    (await app.inject({ method: 'POST', url: '/exec', payload: payload as object })).json<{
      error: { message: string };
    }>().error.message;
  assert.equal(await said({ cmd: ['ls'] }), 'body.command is required');
  // Ajv's words for a field not known stay: peers of other versions read them (isUnknownFieldRefusal)
  assert.equal(await said({ command: ['ls'], cmd: 'x' }), 'body must NOT have additional properties');
  assert.equal(await said({ command: ['ls'], opts: {} }), 'body.opts.tty is required');
  assert.equal(await said(['ls']), 'body must be a JSON object of fields ({"key": value})');
  assert.equal(await said({ command: 'ls' }), 'body.command must be a JSON list (["a", "b"])');
});
