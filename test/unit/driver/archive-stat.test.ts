import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pathStatOf } from '../../../src/driver/docker/archive.js';

// The engine's stat of a path in a container (`X-Docker-Container-Path-Stat`: base64 JSON with
// Go's os.FileMode) in Poseidon's terms, as `poseidon cp` reads it.

const header = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64');

test("a directory, a file, a symlink and a device: their kind, and only the mode's permission bits", () => {
  // as Engine 20.10 answered for /d (drwxr-xr-x) and /d/a (-rw-r--r--)
  const dir = pathStatOf(
    header({ name: 'd', size: 4096, mode: 2147484141, mtime: '2026-12-05T04:34:39Z', linkTarget: '' }),
  );
  assert.deepEqual(dir, { name: 'd', kind: 'directory', size: 4096, mode: 0o755, mtime: '2026-12-05T04:34:39Z' });
  const file = pathStatOf(header({ name: 'a', size: 3, mode: 420, mtime: 't', linkTarget: '' }));
  assert.deepEqual([file.kind, file.mode], ['file', 0o644]);
  const link = pathStatOf(header({ name: 'l', size: 1, mode: 2 ** 27 + 0o777, mtime: 't', linkTarget: 'a' }));
  assert.deepEqual([link.kind, link.mode, link.linkTarget], ['symlink', 0o777, 'a']);
  const device = pathStatOf(header({ name: 'null', size: 0, mode: 2 ** 26 + 2 ** 21 + 0o666, mtime: 't' }));
  assert.equal(device.kind, 'other');
  const sticky = pathStatOf(header({ name: 'tmp', size: 0, mode: 2 ** 31 + 2 ** 20 + 0o777, mtime: 't' }));
  assert.deepEqual([sticky.kind, sticky.mode], ['directory', 0o1777]);
});
