import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { claimDataDir, releaseDataDir, runningDev } from '../../../src/cli/dev-lock.js';

const LOCK = new URL('../../../src/cli/dev-lock.js', import.meta.url).href;

async function dataDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-dev-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A process of its own that lives until the test ends; `script` runs in it first, and its first line out is read. */
async function child(t: TestContext, script: string): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', `${script}; setInterval(() => {}, 1000);`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => proc.kill('SIGKILL'));
  const [chunk] = (await once(proc.stdout!, 'data')) as [Buffer];
  return { proc, line: chunk.toString().trim() };
}

test('a poseidon dev that runs on the data dir is found, and a second claim is refused naming its pid', async (t) => {
  const dir = await dataDir(t);
  const { proc } = await child(
    t,
    `const { claimDataDir } = await import(${JSON.stringify(LOCK)}); await claimDataDir(${JSON.stringify(dir)}); console.log('claimed')`,
  );
  assert.equal(await runningDev(dir), proc.pid);
  await assert.rejects(claimDataDir(dir), {
    message: `--data-dir ${dir} is used by another poseidon dev (pid ${proc.pid}); stop it first`,
  });
});

test('a pid file left by a process that died is ignored, and the data dir claimed again', async (t) => {
  const dir = await dataDir(t);
  const { proc } = await child(
    t,
    `const { claimDataDir } = await import(${JSON.stringify(LOCK)}); await claimDataDir(${JSON.stringify(dir)}); console.log('claimed')`,
  );
  proc.kill('SIGKILL');
  await once(proc, 'exit');
  assert.equal(await runningDev(dir), undefined);
  await claimDataDir(dir);
  assert.equal(await readFile(join(dir, 'dev.pid'), 'utf8'), `${process.pid}\n`, 'the pid alone, as pid files hold');
  assert.match(await readFile(join(dir, 'dev.process'), 'utf8'), new RegExp(`^${process.pid} [0-9]+ [-0-9a-f]+\\n$`));
  assert.equal(await runningDev(dir), undefined, 'this process is not another one');
  await releaseDataDir(dir);
  assert.deepEqual(await readdir(dir), []);
});

test('a pid now held by another process (reused, or after a reboot) is not taken for the dev that wrote it', async (t) => {
  const dir = await dataDir(t);
  const { proc } = await child(t, `console.log('up')`);
  const boot = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  // the pid of a live process, with the start time and boot of the one that wrote the files
  await writeFile(join(dir, 'dev.pid'), `${proc.pid}\n`);
  await writeFile(join(dir, 'dev.process'), `${proc.pid} 1 ${boot}\n`);
  assert.equal(await runningDev(dir), undefined, 'started at another time');
  await writeFile(join(dir, 'dev.process'), `${proc.pid} 1 another-boot\n`);
  assert.equal(await runningDev(dir), undefined, 'another boot');
  // a dev from before the start time was written left the pid alone: taken as it was then
  await rm(join(dir, 'dev.process'));
  assert.equal(await runningDev(dir), proc.pid);
});

test('a zombie (killed, its parent not yet waiting for it) is not a running dev', async (t) => {
  const dir = await dataDir(t);
  // sh starts a short child, prints its pid, and becomes a sleep that never reaps it
  const { line } = await child(
    t,
    `import { spawn } from 'node:child_process';
     const sh = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
     sh.stdout.once('data', (d) => console.log(sh.pid + ' ' + String(d).trim()))`,
  );
  const [sleeper, zombie] = line.split(' ').map(Number) as [number, number];
  t.after(() => process.kill(sleeper, 'SIGKILL'));
  const stateOf = async (): Promise<string> => {
    const stat = await readFile(`/proc/${zombie}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
  };
  const began = Date.now();
  while ((await stateOf()) !== 'Z') {
    assert.ok(Date.now() - began < 30_000, `process ${zombie} never became a zombie`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  process.kill(zombie, 0); // it still answers a signal 0
  await writeFile(join(dir, 'dev.pid'), `${zombie}\n`);
  assert.equal(await runningDev(dir), undefined);
});
