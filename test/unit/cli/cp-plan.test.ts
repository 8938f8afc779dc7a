import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyArgs, copyEnd, planCopyIn, planCopyOut } from '../../../src/cli/cp-plan.js';
import { InvalidField } from '../../../src/errors/index.js';

// `poseidon cp SRC DEST`: which end is the task's, and where what goes, by docker cp's rules.

const refused = (fn: () => unknown, message: RegExp): void =>
  assert.throws(fn, (err: unknown) => err instanceof InvalidField && message.test(err.message));

test('TASK:PATH is a task end; a local path may hold a colon after a slash; a relative task path is from /', () => {
  assert.deepEqual(copyEnd('web.1:/etc/nginx'), { task: 'web.1', path: '/etc/nginx' });
  assert.deepEqual(copyEnd('web.1:etc'), { task: 'web.1', path: '/etc' });
  assert.deepEqual(copyEnd('./a:b'), { local: './a:b' });
  assert.deepEqual(copyEnd('/tmp/a:b'), { local: '/tmp/a:b' });
  assert.deepEqual(copyEnd('dir/a:b'), { local: 'dir/a:b' });
  assert.deepEqual(copyEnd('-'), { local: '-' });
  assert.deepEqual(copyEnd(':x'), { local: ':x' }, 'no task name: a local name');
  refused(() => copyEnd('web.1:'), /names no path in the task/);
});

test('one end is a task: both or neither are refused, naming the arguments', () => {
  assert.deepEqual(copyArgs('box:/d', '.'), { direction: 'out', task: 'box', path: '/d', local: '.' });
  assert.deepEqual(copyArgs('f', 'box:/tmp'), { direction: 'in', task: 'box', path: '/tmp', local: 'f' });
  refused(() => copyArgs('a:/x', 'b:/y'), /^DEST is a task path too/);
  refused(() => copyArgs('a', 'b'), /^SRC and DEST are both local/);
});

test('out: into a directory that is there; as a new name; a directory onto a file is refused', () => {
  const file = { path: '/d/a', directory: false, name: 'a' };
  const dir = { path: '/d', directory: true, name: 'd' };
  const contents = { path: '/d/.', directory: true, name: '.' };
  assert.deepEqual(planCopyOut(file, 'out', 'directory'), { kind: 'into', dir: 'out' });
  assert.deepEqual(planCopyOut(dir, 'out', 'directory'), { kind: 'into', dir: 'out' });
  assert.deepEqual(planCopyOut(contents, 'out', 'directory'), { kind: 'into', dir: 'out' });
  assert.deepEqual(planCopyOut(file, 'new', 'missing'), { kind: 'as', target: 'new', entry: 'a' });
  assert.deepEqual(planCopyOut(file, 'old', 'other'), { kind: 'as', target: 'old', entry: 'a' }, 'a file replaced');
  assert.deepEqual(planCopyOut(dir, 'new', 'missing'), { kind: 'as', target: 'new', entry: 'd' });
  assert.deepEqual(planCopyOut(contents, 'new', 'missing'), { kind: 'as', target: 'new', entry: null });
  refused(() => planCopyOut(dir, 'old', 'other'), /^old is a file here; a directory cannot be copied onto a file/);
  refused(() => planCopyOut(file, 'x/', 'missing'), /^x\/ is not a directory here/);
  refused(() => planCopyOut({ ...file, path: '/d/a/' }, 'x', 'missing'), /^\/d\/a\/ is not a directory in the task/);
});

test('in: into a directory that is there; else in its parent under the new name', () => {
  const file = { path: 'f', directory: false };
  const dir = { path: 'up', directory: true };
  assert.deepEqual(planCopyIn(file, '/tmp', 'directory'), { dir: '/tmp' });
  assert.deepEqual(planCopyIn(dir, '/tmp/', 'directory'), { dir: '/tmp/' });
  assert.deepEqual(planCopyIn(file, '/tmp/new.txt', 'missing'), { dir: '/tmp', rename: 'new.txt' });
  assert.deepEqual(planCopyIn(file, '/etc/hosts', 'other'), { dir: '/etc', rename: 'hosts' });
  assert.deepEqual(planCopyIn(dir, '/srv/site/', 'missing'), { dir: '/srv', rename: 'site' });
  assert.deepEqual(planCopyIn({ path: 'up/.', directory: true }, '/srv/x', 'missing'), { dir: '/srv', rename: 'x' });
  refused(() => planCopyIn(dir, '/etc/hosts', 'other'), /^\/etc\/hosts is a file in the task/);
  refused(() => planCopyIn(file, '/nodir/', 'missing'), /^\/nodir\/ is not a directory in the task/);
  refused(() => planCopyIn(file, '/tmp/..', 'missing'), /names no file to copy to/);
});
