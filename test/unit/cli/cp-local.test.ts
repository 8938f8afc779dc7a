import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { create } from 'tar';
import { pack, renamed, unpack } from '../../../src/cli/cp-local.js';

// `poseidon cp`'s local end: archives of local files, named as the copy asks, and archives from a
// task unpacked here, never outside the place they go (an archive comes from a worker, which a
// user trusts less than this machine).

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poseidon-cp-local-'));
  await mkdir(join(dir, 'src', 'sub'), { recursive: true });
  await writeFile(join(dir, 'src', 'a'), 'one');
  await writeFile(join(dir, 'src', 'sub', 'b'), 'two');
  await symlink('a', join(dir, 'src', 'link'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const nothing = (): void => undefined;

/** Every path under `root`, sorted, a directory with a trailing slash. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.map((e) => `${join(e.parentPath, e.name).slice(root.length + 1)}${e.isDirectory() ? '/' : ''}`).sort();
}

test('an entry path has the top entry renamed, a directory or its contents (./)', () => {
  assert.equal(renamed('a', 'a', 'b.txt'), 'b.txt');
  assert.equal(renamed('src/', 'src', 'site'), 'site/');
  assert.equal(renamed('src/sub/b', 'src', 'site'), 'site/sub/b');
  assert.equal(renamed('./', '.', 'site'), 'site/');
  assert.equal(renamed('./sub/b', '.', 'site'), 'site/sub/b');
  assert.equal(renamed('other/x', 'src', 'site'), 'other/x');
});

test('a directory packed under a new name unpacks as that name, its symlink a link still', async () => {
  const out = await mkdtemp(join(dir, 'out-'));
  await unpack(pack(join(dir, 'src'), { rename: 'site' }), { kind: 'into', dir: out }, nothing);
  assert.deepEqual(await tree(out), ['site/', 'site/a', 'site/link', 'site/sub/', 'site/sub/b']);
  assert.equal(await readlink(join(out, 'site', 'link')), 'a');
  assert.equal(await readFile(join(out, 'site', 'sub', 'b'), 'utf8'), 'two');
});

test("`dir/.` packs the directory's contents; unpacked `as` a new path, the scratch directory goes", async () => {
  const out = await mkdtemp(join(dir, 'out-'));
  await unpack(pack(`${join(dir, 'src')}/.`, {}), { kind: 'as', target: join(out, 'copy'), entry: null }, nothing);
  assert.deepEqual(await tree(out), ['copy/', 'copy/a', 'copy/link', 'copy/sub/', 'copy/sub/b']);
  await unpack(pack(join(dir, 'src', 'a'), {}), { kind: 'as', target: join(out, 'copy', 'a'), entry: 'a' }, nothing);
  assert.equal(await readFile(join(out, 'copy', 'a'), 'utf8'), 'one', 'a file replaced by the copy');
  assert.deepEqual((await readdir(out)).sort(), ['copy'], 'no .poseidon-cp- scratch directory is left');
});

/** An archive whose entries are named `names[i]` for the local files `files[i]` (symlinks as links). */
function crafted(files: string[], names: string[]): Readable {
  let i = 0;
  return create(
    {
      cwd: join(dir, 'evil'),
      onWriteEntry: (entry: { path: string }) => {
        entry.path = names[i++] ?? entry.path;
      },
    },
    files,
  ) as unknown as Readable;
}

test('an archive that reaches out (.., an absolute path, through a symlink) writes nothing outside', async () => {
  const outside = await mkdtemp(join(dir, 'outside-'));
  await mkdir(join(dir, 'evil'), { recursive: true });
  await writeFile(join(dir, 'evil', 'f'), 'pwned');
  await writeFile(join(dir, 'evil', 'g'), 'pwned');
  await writeFile(join(dir, 'evil', 'h'), 'pwned');
  await symlink(outside, join(dir, 'evil', 'door'));
  const target = await mkdtemp(join(dir, 'target-'));
  const warnings: string[] = [];
  const archive = crafted(['f', 'g', 'door', 'h'], ['../../escaped', `${outside}/abs`, 'door', 'door/through']);
  await unpack(archive, { kind: 'into', dir: target }, (line) => warnings.push(line));
  assert.deepEqual(await readdir(outside), [], `nothing written outside; warnings: ${warnings.join(' | ')}`);
  await assert.rejects(lstat(join(dir, 'escaped')), { code: 'ENOENT' });
  assert.ok(warnings.length >= 2, `each refused entry is said: ${warnings.join(' | ')}`);
});
