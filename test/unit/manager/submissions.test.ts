import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Submissions } from '../../../src/manager/submissions.js';

test('a pass takes every waiting submission; they resolve together once written', async () => {
  const subs = new Submissions();
  const a = subs.add('a');
  const b = subs.add('b');
  assert.equal(subs.durable('a'), a);
  const taken = subs.take();
  assert.deepEqual([...taken.ids()], ['a', 'b']);
  assert.equal(subs.size, 0);
  const later = subs.add('c');
  taken.written();
  await Promise.all([a, b]);
  assert.equal(subs.take().size, 1);
  void later;
});

test('when the write fails every submission it carried fails with the error', async () => {
  const subs = new Submissions();
  const a = subs.add('a');
  subs.take().failed(new Error('disk full'));
  await assert.rejects(a, /disk full/);
});
