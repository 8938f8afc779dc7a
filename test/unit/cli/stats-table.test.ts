import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterTaskUsageView } from '../../../src/api/index.js';
import { STDIO } from '../../../src/cli/each-name.js';
import { pick, printStats, statsFormat, statsTable } from '../../../src/cli/stats-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';

// `poseidon stats`: which tasks are shown, and how, as `docker stats` lays them out (--format too).

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

test('--format: docker stats placeholders, as a template, a table of its columns or JSON lines; --no-trunc', () => {
  const tasks = [usage('db', { cpu: 1.5 }), usage('web-1', { memoryLimitBytes: 0, service: 'web' })];
  const shown = (format: string): string => statsFormat(format).print(tasks);
  assert.equal(shown('{{.Name}} {{.CPUPerc}} {{.MemPerc}}'), 'db 150.00% 25.00%\nweb-1 50.00% -\n');
  assert.equal(
    shown('table {{.Container}}\\t{{.Service}}\\t{{.MemUsage}}'),
    'CONTAINER  SERVICE  MEM USAGE / LIMIT\ndb                  16 MiB / 64 MiB\nweb-1      web      16 MiB / -\n',
  );
  assert.deepEqual(JSON.parse(shown('json').split('\n')[0] ?? ''), {
    Name: 'db',
    Container: 'db',
    ID: 'db000000',
    Node: 'worker-a',
    Service: '',
    CPUPerc: '150.00%',
    MemUsage: '16 MiB / 64 MiB',
    MemPerc: '25.00%',
  });
  assert.equal(shown('table'), `${statsTable(tasks)}\n`, '"table" is the default table');
  assert.equal(statsFormat('{{.ID}}', true).print(tasks), 'db000000-1111-2222\nweb-1000-1111-2222\n', '--no-trunc');
  assert.match(statsFormat(undefined, true).print(tasks), /^db +db000000-1111-2222 +worker-a /m, 'the table too');
  assert.throws(() => statsFormat('{{.NetIO}}'), /^InvalidField: --format has \{\{\.NetIO\}\}, which is not a field/);
});

test('stats --no-stream --format prints each task by the template; --format with --json is refused', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ tasks: [usage('db'), usage('web-1')], unanswered: [] }));
  });
  const printed = await captured((io) =>
    printStats(['db'], { manager: url, stream: false, format: '{{.Name}} on {{.Node}}' }, io),
  );
  assert.deepEqual(printed, { out: 'db on worker-a\n', err: '', code: undefined });
  await assert.rejects(printStats([], { manager: url, stream: false, json: true, format: 'json' }, STDIO), {
    message: '--json and --format both say how to print: give one (--format json prints a line a task)',
  });
});

test('stats of a name no running task or service has: the one a typo away is named, and how to list them', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ tasks: [usage('db'), usage('web-1')], unanswered: [] }));
  });
  const printed = await captured((io) =>
    assert.rejects(printStats(['web-l'], { manager: url, stream: false }, io), {
      message:
        '"web-l" matches no running task or service (did you mean web-1?); poseidon stats lists the running ones',
    }),
  );
  assert.deepEqual(printed, { out: '', err: '', code: undefined }, 'nothing printed before the refusal');
  await assert.rejects(printStats(['ghost', 'db', 'nope'], { manager: url, stream: false }, STDIO), {
    message: '"ghost", "nope" match no running task or service; poseidon stats lists the running ones',
  });
});
