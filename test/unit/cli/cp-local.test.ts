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

test('a copy out whose local parent is missing, or a file, is refused saying which', async () => {
  const out = await mkdtemp(join(dir, 'out-'));
  await writeFile(join(out, 'file'), 'x');
  const as = (target: string) => ({ kind: 'as' as const, target, entry: 'a' });
  await assert.rejects(unpack(pack(join(dir, 'src', 'a'), {}), as(join(out, 'no', 'a')), nothing), {
    message: `${join(out, 'no', 'a')} cannot be made here: ${join(out, 'no')} is not there; make it first`,
  });
  await assert.rejects(unpack(pack(join(dir, 'src', 'a'), {}), as(join(out, 'file', 'a')), nothing), {
    message: `${join(out, 'file', 'a')} cannot be made here: ${join(out, 'file')} is not a directory`,
  });
});

/** An archive whose entries are named `names[i]` for the local files `files[i]` (symlinks as links). */
function crafted(files: string[], names: string[]): Readable {
  let i = 0;
  return create(
    {
      cwd: join(dir, 'evil'),
      jobs: 1, // entries in the order given, so each gets its name
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
  assert.equal(await readlink(join(target, 'door')), outside, 'the symlink itself is made, its target as it was');
  assert.ok(
    warnings.some((w) => w.includes('door/through: not written: it is under the symlink door')),
    warnings.join(' | '),
  );
});

test('symlinks keep their targets exactly, as docker cp does: absolute, leading out, dangling; none followed', async () => {
  const outside = await mkdtemp(join(dir, 'outside-'));
  const links = join(dir, 'links');
  await mkdir(join(links, 'sub'), { recursive: true });
  const targets: Record<string, string> = {
    abs: outside, // a directory outside: making the link must not write into it
    'sub/up': '../../escaped-by-link',
    dangling: '/no/such/file',
    rel: 'sub',
  };
  for (const [name, to] of Object.entries(targets)) await symlink(to, join(links, name));
  const target = await mkdtemp(join(dir, 'target-'));
  const warnings: string[] = [];
  await unpack(pack(links, {}), { kind: 'into', dir: target }, (line) => warnings.push(line));
  for (const [name, to] of Object.entries(targets))
    assert.equal(await readlink(join(target, 'links', name)), to, `${name} -> ${to}`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(await readdir(outside), [], 'nothing written through a link');
  // the top entry a symlink, copied `as` a new name: the link, not what it points to
  const as = join(target, 'copied-link');
  await unpack(pack(join(links, 'abs'), {}), { kind: 'as', target: as, entry: 'abs' }, nothing);
  assert.equal(await readlink(as), outside);
});

test('an archive entry at a symlink it made replaces it; a symlink already here is never gone through', async () => {
  const outside = await mkdtemp(join(dir, 'outside-'));
  await mkdir(join(dir, 'evil2'), { recursive: true });
  await writeFile(join(dir, 'evil2', 'f'), 'file wins');
  await symlink(outside, join(dir, 'evil2', 'l'));
  const target = await mkdtemp(join(dir, 'target-'));
  await symlink(outside, join(target, 'mine')); // the user's own link, in the destination before the copy
  // the symlink l, then a file by the same name
  const archive = create({ cwd: join(dir, 'evil2'), jobs: 1, onWriteEntry: rename(['l', 'l']) }, [
    'l',
    'f',
  ]) as unknown as Readable;
  const named = create({ cwd: join(dir, 'evil2'), jobs: 1, onWriteEntry: rename(['mine/x']) }, [
    'l',
  ]) as unknown as Readable;
  const warnings: string[] = [];
  await unpack(archive, { kind: 'into', dir: target }, (line) => warnings.push(line));
  await unpack(named, { kind: 'into', dir: target }, (line) => warnings.push(line));
  assert.equal(await readFile(join(target, 'l'), 'utf8'), 'file wins', 'the later entry wins, as tar has it');
  assert.deepEqual(await readdir(outside), [], `nothing outside; warnings: ${warnings.join(' | ')}`);
  assert.ok(warnings.some((w) => w.startsWith('mine/x: not made: mine on its way is not a directory here')));
});

/** onWriteEntry naming the archive's entries `names[i]` in turn. */
function rename(names: string[]): (entry: { path: string }) => void {
  let i = 0;
  return (entry) => {
    entry.path = names[i++] ?? entry.path;
  };
}
