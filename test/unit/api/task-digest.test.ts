import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { digestOf, TaskDigestBuilder } from '../../../src/api/index.js';

test('the digest of no tasks is a count of 0 and a hash of zeros', () => {
  assert.deepEqual(digestOf([]), { count: 0, hash: '0000000000000000' });
});

test('the digest depends on the generation, not only on the task id', () => {
  assert.notEqual(digestOf([{ taskId: 't1', generation: 1 }]).hash, digestOf([{ taskId: 't1', generation: 2 }]).hash);
});

const arbTasks = fc.uniqueArray(fc.record({ taskId: fc.uuid(), generation: fc.nat({ max: 9 }) }), {
  selector: (t) => t.taskId,
  maxLength: 30,
});

test('the digest does not depend on the order of the tasks', () => {
  fc.assert(
    fc.property(arbTasks, fc.nat(), (tasks, seed) => {
      const shuffled = [...tasks].sort(
        (a, b) =>
          (a.taskId.charCodeAt(seed % 36) ?? 0) - (b.taskId.charCodeAt(seed % 36) ?? 0) ||
          (a.taskId < b.taskId ? 1 : -1),
      );
      assert.deepEqual(digestOf(shuffled), digestOf(tasks));
    }),
  );
});

test('adding tasks and removing some gives the digest of those left', () => {
  fc.assert(
    fc.property(arbTasks, fc.array(fc.boolean(), { maxLength: 30 }), (tasks, keep) => {
      const b = new TaskDigestBuilder();
      for (const t of tasks) b.add(t.taskId, t.generation);
      const left = tasks.filter((_, i) => keep[i] ?? true);
      for (const [i, t] of tasks.entries()) if (!(keep[i] ?? true)) b.remove(t.taskId, t.generation);
      assert.deepEqual(b.value, digestOf(left));
    }),
  );
});
