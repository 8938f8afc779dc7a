import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ServiceTaskView } from '../../../src/api/index.js';
import { serviceTasks, type ServiceFlags } from '../../../src/cli/service-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';

// `poseidon service ps NAME` with docker service ps' --format and -f, against a stand-in manager:
// two live replicas (slot 2 on w2) and slot 1's replica that failed before.

const replica = (id: string, slot: number, node: string): ServiceTaskView => ({
  ...managerTaskView({
    id,
    name: `web.${slot}`,
    node,
    health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null },
  }),
  service: 'web',
  slot,
  version: 2,
});
const LIVE = [
  replica('aaaaaaaa-0000-4000-8000-000000000001', 1, 'w1'),
  replica('bbbbbbbb-0000-4000-8000-000000000002', 2, 'w2'),
];
const ENDED = {
  ...managerTaskView({ id: 'cccccccc-0000-4000-8000-000000000003', name: 'web.1', state: 'Failed' }),
  desiredState: 'stopped',
  reason: 'exited with code 1',
  node: 'w1',
  service: 'web',
  slot: 1,
  version: 1,
  finishedAt: '2026-12-03T00:00:01.000Z',
};

async function manager(t: TestContext): Promise<string> {
  const { url } = await serve(t, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = path === '/services/web/tasks' ? LIVE : [...LIVE, ENDED];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return url;
}

async function ps(url: string, flags: ServiceFlags): Promise<string> {
  const { out, err } = await captured((io) => serviceTasks('web', { manager: url, ...flags }, io));
  assert.equal(err, '');
  return out;
}

test('service ps --format: a template a task, in the table order (each slot, then its ended tasks)', async (t) => {
  const url = await manager(t);
  assert.equal(
    await ps(url, { format: '{{.ID}} {{.Name}} {{.State}} {{.DesiredState}} {{.Node}}' }),
    'aaaaaaaa web.1 Running running w1\ncccccccc web.1 Failed stopped w1\nbbbbbbbb web.2 Running running w2\n',
  );
  assert.equal(
    await ps(url, { format: 'table {{.ID}}\t{{.Version}}\t{{.Reason}}', trunc: false }),
    'TASK                                  VERSION  REASON\n' +
      'aaaaaaaa-0000-4000-8000-000000000001  2        running\n' +
      'cccccccc-0000-4000-8000-000000000003  1        exited with code 1\n' +
      'bbbbbbbb-0000-4000-8000-000000000002  2        running\n',
  );
});

test('service ps -f keeps what matches: node=, state=, desired-state= (any case), name=, id=', async (t) => {
  const url = await manager(t);
  const ids = (filter: string[]): Promise<string> => ps(url, { filter, quiet: true });
  assert.equal(await ids(['node=w2']), 'bbbbbbbb-0000-4000-8000-000000000002\n');
  assert.equal(await ids(['state=failed']), 'cccccccc-0000-4000-8000-000000000003\n');
  assert.equal(
    await ids(['desired-state=Running']),
    'aaaaaaaa-0000-4000-8000-000000000001\nbbbbbbbb-0000-4000-8000-000000000002\n',
  );
  assert.equal(await ids(['desired-state=shutdown', 'node=w1']), 'cccccccc-0000-4000-8000-000000000003\n');
  assert.equal(await ids(['id=bbbb', 'id=cccc', 'name=web.1']), 'cccccccc-0000-4000-8000-000000000003\n');
  const table = await ps(url, { filter: ['node=w1'] });
  assert.match(table, /^SLOT +TASK +VERSION +STATE +NODE +REASON\n1 +aaaaaaaa .*\n1 +\\_ cccccccc .*\n$/);
  assert.equal(await ps(url, { filter: ['node=w9'], format: '{{.ID}}' }), '', 'none kept, no lines');
});

test('service ps refuses a filter it does not take, a state it does not know and --json beside them', async (t) => {
  const url = await manager(t);
  const refused = (flags: ServiceFlags, message: RegExp): Promise<void> =>
    assert.rejects(
      captured((io) => serviceTasks('web', { manager: url, ...flags }, io)),
      { message },
    );
  await refused({ filter: ['label=a'] }, /^--filter is "label=a"; use id=PREFIX, name=PART, node=NAME, state=STATE/);
  await refused({ filter: ['state=up'] }, /^--filter state= is "up"; use one of Pending, /);
  await refused({ filter: ['desired-state=gone'] }, /^--filter desired-state= is "gone"; use running, or shutdown/);
  await refused({ format: '{{.Command}}' }, /^--format has \{\{\.Command\}\}, which is not a field/);
  await refused({ json: true, filter: ['node=w1'] }, /^--json prints every task: --format and -f are for the lines/);
});
