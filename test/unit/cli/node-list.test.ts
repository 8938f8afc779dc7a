import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { nodeFormat } from '../../../src/cli/node-format.js';
import { showNodes } from '../../../src/cli/status-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';
import { nodeStatusView } from '../../helpers/node-status-view.js';

// `poseidon node ls` with docker node ls' everyday flags: -q and --format, against a stand-in
// manager, their output captured.

const NOW = Date.parse('2026-12-04T12:00:00Z');
const NODES = [
  nodeStatusView(),
  nodeStatusView({ id: '9e1d0000-0000-4000-8000-000000000002', name: 'n2', availability: 'drain', labels: {} }),
];

async function manager(t: TestContext): Promise<string> {
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(NODES));
  });
  return url;
}

test('the table is as before: a node a row, its state, resources allocated of capacity, heartbeat, labels', () => {
  assert.equal(
    nodeFormat(undefined, NOW).print(NODES),
    [
      'NAME  STATE        ADDRESS                CPU (alloc/cap)  MEMORY (alloc/cap)  FREE MEMORY  TASKS  LOAD  ' +
        'HEARTBEAT  VERSION  LABELS',
      'n1    Up           https://10.0.0.1:5556  1.5/4            2 GiB/8 GiB         6 GiB        2      0.50  ' +
        '2s ago     0.1.0    zone=a,disk=ssd',
      'n2    Up, drained  https://10.0.0.1:5556  1.5/4            2 GiB/8 GiB         6 GiB        2      0.50  ' +
        '2s ago     0.1.0    -',
      '',
    ].join('\n'),
  );
});

test('node ls -q prints the ids alone; --format as docker node ls takes it; with --json it is refused', async (t) => {
  const url = await manager(t);
  const quiet = await captured((io) => showNodes({ manager: url, quiet: true }, io));
  assert.equal(quiet.out, `${NODES.map((n) => n.id).join('\n')}\n`);
  const template = await captured((io) =>
    showNodes({ manager: url, format: '{{.Hostname}} {{.Availability}} {{.Labels}}' }, io),
  );
  assert.equal(template.out, 'n1 active zone=a,disk=ssd\nn2 drain -\n');
  const table = await captured((io) => showNodes({ manager: url, format: 'table {{.Name}}\t{{.Status}}' }, io));
  assert.equal(table.out, 'NAME  STATE\nn1    Up\nn2    Up, drained\n');
  await assert.rejects(showNodes({ manager: url, json: true, format: 'json' }), {
    message: '--json and --format both say how to print: give one (--format json prints a line a node)',
  });
  await assert.rejects(
    showNodes({ manager: url, format: '{{.EngineVersion}}' }),
    /--format has \{\{\.EngineVersion\}\}/,
  );
});
