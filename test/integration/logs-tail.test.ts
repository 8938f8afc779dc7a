import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_LOG_TAIL_LINES } from '../../src/api/index.js';
import { asManager } from '../../testkit/manager-access.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { TestWorker } from './helpers/worker.js';

// A logs read without follow is gathered whole before it is sent, so it returns at most the last
// MAX_LOG_TAIL_LINES lines; asking for more is refused naming tail.

describe('logs without follow are bounded by a tail', () => {
  const w = new TestWorker();
  let id = '';
  before(async () => {
    await w.start();
    const t = await w.client.startTask(w.spec('many-lines', { command: ['seq', '1', '12000'] }));
    id = t.id;
    await w.taskIn(id, 'Completed');
  });
  after(async () => {
    await w.close();
  });

  const read = async (query: string): Promise<{ status: number; text: string }> => {
    const res = await tlsFetch(`${w.proc.url}/tasks/${id}/logs${query}`, { tls: asManager(w.manager) });
    return { status: res.status, text: res.text() };
  };

  test(`without a tail, the last ${MAX_LOG_TAIL_LINES} lines`, async () => {
    const { status, text } = await read('');
    assert.equal(status, 200);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, MAX_LOG_TAIL_LINES);
    assert.equal(lines[0], '2001');
    assert.equal(lines.at(-1), '12000');
  });

  test('a tail within the bound is honoured', async () => {
    const { text } = await read('?tail=3');
    assert.equal(text, '11998\n11999\n12000\n');
  });

  test('a tail past the bound is refused naming tail', async () => {
    const { status, text } = await read('?tail=12000');
    assert.equal(status, 400);
    assert.equal(
      (JSON.parse(text) as { error: { message: string } }).error.message,
      'tail is 12000 lines; at most 10000',
    );
  });
});
