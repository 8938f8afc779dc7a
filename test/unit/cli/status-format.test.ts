import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { showStatus } from '../../../src/cli/status-action.js';
import { statusFilterOf } from '../../../src/cli/status-filter.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';

// `poseidon status` with docker ps' everyday flags: -f KEY=VALUE, --no-trunc and --format, against a
// stand-in manager, their output captured.

const TASKS = [
  managerTaskView({ id: '1a2b3c4d-0000-4000-8000-000000000001', name: 'web-1' }),
  managerTaskView({ id: '9f8e7d6c-0000-4000-8000-000000000002', name: 'db', state: 'Failed', reason: 'exited' }),
];

/** A manager that lists TASKS (by --state as it filters); the queries asked, in order. */
async function manager(t: TestContext): Promise<{ url: string; asked: URLSearchParams[] }> {
  const asked: URLSearchParams[] = [];
  const { url } = await serve(t, (req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    asked.push(query);
    const state = query.get('state');
    const tasks = TASKS.filter((task) => state === null || task.state === state);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tasks));
  });
  return { url, asked };
}

test('-f state=, status=, node= and service= are the flags the manager is asked; name= and id= are kept here', () => {
  assert.deepEqual(statusFilterOf({ filter: ['status=running', 'node=w1', 'Service=web'] }), {
    state: 'running',
    node: 'w1',
    service: 'web',
  });
  assert.deepEqual(statusFilterOf({ state: 'Failed', filter: ['name=web', 'id=1a2b'] }), {
    state: 'Failed',
    name: 'web',
    id: '1a2b',
  });
  assert.throws(() => statusFilterOf({ filter: ['label=a'] }), {
    message: '--filter is "label=a"; use state=STATE, node=NAME, service=NAME, name=PART or id=PREFIX (once each)',
  });
  assert.throws(() => statusFilterOf({ filter: ['name=a', 'name=b'] }), /^InvalidField: --filter has name= twice/);
  assert.throws(() => statusFilterOf({ node: 'w1', filter: ['node=w2'] }), /has node= twice, or beside --node/);
});

test('status -f name= keeps the tasks whose name has it, -f status= is asked of the manager as --state', async (t) => {
  const { url, asked } = await manager(t);
  const named = await captured((io) => showStatus(undefined, { manager: url, filter: ['name=web'], quiet: true }, io));
  assert.deepEqual(named, { out: '1a2b3c4d-0000-4000-8000-000000000001\n', err: '', code: undefined });
  const failed = await captured((io) =>
    showStatus(undefined, { manager: url, filter: ['status=failed'], format: '{{.Name}}' }, io),
  );
  assert.equal(failed.out, 'db\n');
  assert.equal(asked.at(-1)?.get('state'), 'Failed');
});

test('status --format: a template a task, a table of its columns, JSON lines; --no-trunc gives whole ids', async (t) => {
  const { url } = await manager(t);
  const print = async (flags: { format?: string; trunc?: boolean }): Promise<string> =>
    (await captured((io) => showStatus(undefined, { manager: url, ...flags }, io))).out;
  assert.equal(
    await print({ format: '{{.ID}} {{.Names}} {{.State}}' }),
    '1a2b3c4d web-1 Running\n9f8e7d6c db Failed\n',
  );
  assert.equal(
    await print({ format: 'table {{.ID}}\t{{.Status}}', trunc: false }),
    'ID                                    STATE\n' +
      '1a2b3c4d-0000-4000-8000-000000000001  Running\n' +
      '9f8e7d6c-0000-4000-8000-000000000002  Failed\n',
  );
  assert.equal(
    (JSON.parse((await print({ format: 'json' })).split('\n')[1] ?? '') as { Reason: string }).Reason,
    'exited',
  );
  assert.match(await print({ trunc: false }), /^1a2b3c4d-0000-4000-8000-000000000001  web-1 /m, 'the table too');
  assert.match(await print({}), /^1a2b3c4d  web-1 /m, 'ids cut to 8 without it');
  await assert.rejects(
    captured((io) => showStatus(undefined, { manager: url, format: '{{.Command}}' }, io)),
    /^InvalidField: --format has \{\{\.Command\}\}, which is not a field/,
  );
});

test("status --format table has the default table's headers (a plain task has no SERVICE column)", async (t) => {
  const { url } = await manager(t);
  const header = async (format?: string): Promise<string[]> => {
    const { out } = await captured((io) =>
      showStatus(undefined, { manager: url, ...(format === undefined ? {} : { format }) }, io),
    );
    return (out.split('\n')[0] ?? '').split(/ {2,}/);
  };
  assert.deepEqual(await header('table'), await header());
  assert.deepEqual(await header(), ['ID', 'NAME', 'IMAGE', 'STATE', 'NODE', 'PORTS', 'RESTARTS', 'AGE', 'REASON']);
});

test('a state is the same in any case: --state running beside -f state=Running is no conflict', () => {
  assert.deepEqual(statusFilterOf({ state: 'running', filter: ['state=Running'] }), { state: 'Running' });
  assert.deepEqual(statusFilterOf({ state: 'Failed', filter: ['status=FAILED'] }), { state: 'FAILED' });
  assert.throws(() => statusFilterOf({ state: 'running', filter: ['state=failed'] }), /beside --state/);
  assert.throws(() => statusFilterOf({ node: 'W1', filter: ['node=w1'] }), /beside --node/, 'a node name is as it is');
});
