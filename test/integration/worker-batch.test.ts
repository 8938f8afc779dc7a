import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { BatchStartResult } from '../../src/api/index.js';
import { asManager } from '../../testkit/manager-access.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { containersWithLabel } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';
import { TestWorker } from './helpers/worker.js';

const w = new TestWorker();

async function postBatch(
  body: unknown,
  query = '',
): Promise<{ status: number; body: { results?: BatchStartResult[]; error?: { code: string; message: string } } }> {
  const res = await tlsFetch(`${w.proc.url}/tasks/batch${query}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    tls: asManager(w.manager),
  });
  return { status: res.status, body: res.json() as { results?: BatchStartResult[] } };
}

describe('POST /tasks/batch on a real worker', () => {
  before(() => w.start());
  after(() => w.close());

  test('starts each good task, refuses a bad one alone by its result, in order; a second send starts nothing', async () => {
    const ids = [randomUUID(), randomUUID()];
    const body = {
      tasks: [
        { spec: w.spec('batch-a', { id: ids[0], command: ['sleep', '300'] }), generation: 1 },
        { spec: w.spec('batch-bad', { memroy: '5Mi' }), generation: 1 },
        { spec: w.spec('batch-b', { id: ids[1], command: ['sleep', '300'] }), generation: 4 },
      ],
    };
    const first = await postBatch(body, '?wait=10s');
    assert.equal(first.status, 200);
    const [a, bad, b] = first.body.results ?? [];
    assert.ok(a !== undefined && 'task' in a && b !== undefined && 'task' in b, JSON.stringify(first.body));
    assert.equal(a.task.id, ids[0]);
    assert.equal(a.task.state, 'Running');
    assert.equal(b.task.id, ids[1]);
    assert.equal(b.task.generation, 4);
    assert.deepEqual(bad, {
      error: { code: 'invalid_request', status: 400, message: 'memroy is not a known field (did you mean memory?)' },
    });

    const again = await postBatch(body, '?wait=0');
    assert.deepEqual(
      again.body.results?.map((r) => ('task' in r ? [r.task.id, r.task.containerId] : r.error.code)),
      [[ids[0], a.task.containerId], 'invalid_request', [ids[1], b.task.containerId]],
    );
    for (const id of ids)
      assert.equal((await containersWithLabel('poseidon.task-id', id)).length, 1, `one container for ${id}`);
  });

  test('a body that is not a batch gets a 400 naming the field, and starts nothing', async () => {
    const before = (await w.client.listTasks()).length;
    const cases: Array<[unknown, RegExp]> = [
      [{}, /tasks/],
      [{ tasks: [] }, /^body\.tasks /],
      [{ tasks: [{ spec: w.spec('x') }] }, /generation/],
      [{ tasks: [{ spec: w.spec('x'), generation: -1 }] }, /^body\.tasks\[0\]\.generation /],
      [{ tasks: [{ spec: w.spec('x'), generation: 1, extra: true }] }, /extra|additional/],
    ];
    for (const [body, message] of cases) {
      const res = await postBatch(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error?.message ?? '', message, JSON.stringify(res.body));
    }
    assert.equal((await w.client.listTasks()).length, before);
  });

  test('a higher generation of a finished task starts it again and removes the old container', async () => {
    const id = randomUUID();
    const spec = w.spec('batch-again', { id, command: ['sh', '-c', 'exit 2'] });
    await postBatch({ tasks: [{ spec, generation: 1 }] }, '?wait=0');
    const failed = await w.taskIn(id, 'Failed');
    assert.equal(failed.exitCode, 2);
    await postBatch({ tasks: [{ spec: { ...spec, command: ['sleep', '300'] }, generation: 2 }] }, '?wait=0');
    const running = await w.taskUntil(
      id,
      'Running at generation 2',
      (t) => t.state === 'Running' && t.generation === 2,
    );
    assert.notEqual(running.containerId, failed.containerId);
    // the old container goes in the background, right after the new one runs
    const left = await waitFor(
      async () => {
        const ids = await containersWithLabel('poseidon.task-id', id);
        return ids.length === 1 ? ids : undefined;
      },
      { what: `only the new container of ${id}` },
    );
    assert.deepEqual(left, [running.containerId]);
  });
});
