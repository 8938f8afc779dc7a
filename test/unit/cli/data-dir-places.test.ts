import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

// A data dir that cannot hold the store and keys is refused in one line, saying what is wrong and
// what to give instead. `--data-dir /proc/x` hung before, a core busy: Node's recursive mkdir
// makes the parent again for ever when mkdir says ENOENT under one that is there (/proc takes no
// new entry). Each case runs in a process of its own, so that a hang is a failure of its own and
// not the test file's: its guard is far above a start's time.

const START_PLACES = new URL('../../../src/cli/start-places.js', import.meta.url).href;
const ERROR_LINE = new URL('../../../src/cli/error-line.js', import.meta.url).href;
const HANG_GUARD_MS = 60_000;

/** What the CLI prints when `makeDataDir(dir)` fails, run in a process of its own (as `uid`, when given). */
function refusal(dir: string, uid?: number): Promise<string> {
  const script = `
    const { makeDataDir } = await import(${JSON.stringify(START_PLACES)});
    const { errorLine } = await import(${JSON.stringify(ERROR_LINE)});
    try { makeDataDir(${JSON.stringify(dir)}); console.log('made'); } catch (err) { process.stdout.write((await errorLine(err)) ?? 'a stack'); }`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: HANG_GUARD_MS, ...(uid === undefined ? {} : { uid, gid: uid }) },
      (err, stdout) => (err === null ? resolve(stdout) : reject(err)),
    );
  });
}

test('a data dir under /proc, which takes no new directory, is refused in one line instead of hanging', async () => {
  assert.equal(
    await refusal('/proc/x'),
    'poseidon: --data-dir is "/proc/x", which cannot be made a directory: /proc takes no new entries ' +
      '(a kernel file system such as /proc or /sys); give a directory on a disk\n',
  );
  assert.equal(
    await refusal('/proc'),
    'poseidon: --data-dir is "/proc", a directory this process cannot write in (its store and keys go there): ' +
      '/proc takes no new entries (a kernel file system such as /proc or /sys); give a directory on a disk\n',
  );
});

test('a data dir this user cannot write in, or make, is refused in one line before anything is written', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'poseidon-data-dir-places-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const locked = join(root, 'locked');
  await mkdir(locked);
  await chmod(root, 0o755);
  await chmod(locked, 0o555);
  // root may write anywhere: the check runs as nobody then
  const uid = process.getuid?.() === 0 ? 65534 : undefined;
  const denied = 'permission denied; run as a user who may use it, or change its permissions (chmod)';
  assert.equal(
    await refusal(locked, uid),
    `poseidon: --data-dir is "${locked}", a directory this process cannot write in ` +
      `(its store and keys go there): ${denied}\n`,
  );
  assert.equal(
    await refusal(join(locked, 'manager'), uid),
    `poseidon: --data-dir is "${join(locked, 'manager')}", which cannot be made a directory: ${denied}\n`,
  );
  // its missing parents are made, as mkdir -p makes them
  assert.equal(await refusal(join(root, 'a', 'b', 'manager')), 'made\n');
});
