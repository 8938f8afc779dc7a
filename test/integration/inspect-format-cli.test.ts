import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from './helpers/cluster.js';
import { TEST_IMAGE } from './helpers/docker.js';
import { serviceSpec, untilSettled } from './helpers/services.js';

// --format (-f) on the inspect commands and service ps, as a docker user types them, against a real
// manager and worker: the template reads the same view --json prints.

describe('poseidon inspect -f and service ps --format, the CLI', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    await c.client.createService(serviceSpec(c, 'fmt-web', { replicas: 1 }));
    await untilSettled(c, 'fmt-web', 1);
  });
  after(() => c.close());

  test('service inspect -f, status TASK --format and node inspect -f print fields of their views', async () => {
    const service = await c.cli([
      'service',
      'inspect',
      'fmt-web',
      '-f',
      '{{.Name}} {{.Spec.Task.Image}} {{.Replicas}}',
    ]);
    assert.deepEqual([service.code, service.stdout], [0, `fmt-web ${TEST_IMAGE} 1\n`], service.stderr);
    const spec = await c.cli(['service', 'inspect', 'fmt-web', '--format', '{{json .Spec.Task.Command}}']);
    assert.equal(spec.stdout, '["sleep","600"]\n');

    const ps = await c.cli(['service', 'ps', 'fmt-web', '-f', 'desired-state=running', '--format', '{{.Name}}']);
    assert.deepEqual([ps.code, ps.stderr], [0, '']);
    const [task = ''] = ps.stdout.split('\n');
    const status = await c.cli(['status', task, '--format', '{{.State}} {{.Service}} {{.Node}}']);
    assert.equal(status.stdout, `Running fmt-web ${c.workerName('a')}\n`, status.stderr);

    const node = await c.cli(['node', 'inspect', c.workerName('a'), '-f', '{{.Name}} {{.State}}']);
    assert.equal(node.stdout, `${c.workerName('a')} Up\n`, node.stderr);
  });

  test('a field the view lacks is one line on stderr naming what it has, and exit status 1', async () => {
    const typo = await c.cli(['service', 'inspect', 'fmt-web', '-f', '{{.Spec.Imgae}}']);
    assert.equal(typo.code, 1);
    assert.equal(typo.stdout, '');
    assert.match(
      typo.stderr,
      /^poseidon: --format has \{\{\.Spec\.Imgae\}\}, but \.Spec has no field Imgae: it has .*\.Task/,
    );
    assert.equal(typo.stderr.trimEnd().split('\n').length, 1, 'one line, no stack');
  });
});
