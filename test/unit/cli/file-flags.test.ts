import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editedFileRefs, fileRefOf } from '../../../src/cli/file-flags.js';
import { imageTemplate } from '../../../src/cli/run-image.js';
import { updatedSpec } from '../../../src/cli/service-update.js';
import { InvalidField } from '../../../src/errors/index.js';

test('--secret and --config take a name, or source=,target=,uid=,gid=,mode= as docker service create does', () => {
  assert.deepEqual(fileRefOf('--secret', 'db-pass'), { source: 'db-pass' });
  assert.deepEqual(fileRefOf('--secret', 'src=db-pass,target=/etc/pw,uid=1000,gid=1000,mode=0400'), {
    source: 'db-pass',
    target: '/etc/pw',
    uid: '1000',
    gid: '1000',
    mode: '0400',
  });
  for (const bad of ['', 'a,b', 'target=/x', 'source=a,colour=red', 'source=', 'source=a,target']) {
    assert.throws(
      () => fileRefOf('--config', bad),
      (err: unknown) =>
        err instanceof InvalidField && err.message.startsWith('--config ') && /use NAME/.test(err.message),
      bad,
    );
  }
  const spec = imageTemplate('busybox', [], { secret: ['pw'], config: ['source=site,target=/etc/site.conf'] });
  assert.deepEqual(spec.secrets, [{ source: 'pw' }]);
  assert.deepEqual(spec.configs, [{ source: 'site', target: '/etc/site.conf' }]);
});

test('service update --secret-add takes the place of one at the same target; --secret-rm removes by name', () => {
  const base = {
    name: 'web',
    task: { image: 'busybox', secrets: [{ source: 'old' }, { source: 'keep', target: '/etc/keep' }], configs: [] },
  };
  const spec = updatedSpec(base, { secretAdd: ['source=new,target=old'], configAdd: ['site'] });
  assert.deepEqual(spec.task.secrets, [
    { source: 'keep', target: '/etc/keep' },
    { source: 'new', target: 'old' },
  ]);
  assert.deepEqual(spec.task.configs, [{ source: 'site' }]);
  const removed = updatedSpec(base, { secretRm: ['old', 'keep', 'absent'] });
  assert.deepEqual(removed.task.secrets, []);
  assert.equal('secrets' in updatedSpec({ name: 'web', task: { image: 'busybox' } }, {}).task, false);
  assert.deepEqual(editedFileRefs(undefined, ['x'], [], 'config'), undefined, 'nothing to remove from nothing');
});
