import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterTaskUsageView } from '../../../src/api/index.js';
import { pick, statsTable } from '../../../src/cli/stats-action.js';

// `poseidon stats`: which tasks are shown, and how, as `docker stats` lays them out.

const usage = (name: string, extra: Partial<ClusterTaskUsageView> = {}): ClusterTaskUsageView => ({
  id: `${name.padEnd(8, '0')}-1111-2222`,
  name,
  node: 'worker-a',
  cpu: 0.5,
  memoryBytes: 16 * 1024 * 1024,
  memoryLimitBytes: 64 * 1024 * 1024,
  ...extra,
});

test('a task by name or id prefix (4 characters at least), a service by name; all when none is named', () => {
  const tasks = [usage('db'), usage('web-1', { service: 'web' }), usage('web-2', { service: 'web' })];
  assert.deepEqual(
    pick(tasks, []).map((t) => t.name),
    ['db', 'web-1', 'web-2'],
  );
  assert.deepEqual(
    pick(tasks, ['web']).map((t) => t.name),
    ['web-1', 'web-2'],
  );
  assert.deepEqual(
    pick(tasks, ['db00', 'web-2']).map((t) => t.name),
    ['db', 'web-2'],
  );
  assert.deepEqual(pick(tasks, ['d']), [], 'a prefix too short to name a task');
});

test("cpu as a share of one core, memory against its limit; '-' where there is no limit", () => {
  const shown = statsTable([usage('db', { cpu: 1.5 }), usage('web-1', { memoryLimitBytes: 0, node: 'worker-b' })]);
  assert.equal(
    shown,
    [
      'NAME   ID        NODE      CPU %    MEM USAGE / LIMIT  MEM %',
      'db     db000000  worker-a  150.00%  16 MiB / 64 MiB    25.00%',
      'web-1  web-1000  worker-b  50.00%   16 MiB / -         -',
    ].join('\n'),
  );
});
