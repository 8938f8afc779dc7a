import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { configText, installUnits, workerNameOf } from '../../../src/cli/units-action.js';
import { InvalidField } from '../../../src/errors/index.js';

// `poseidon install-units manager|worker --dir D --config-dir F`: both places are checked before
// anything is written. A --config-dir that is a file once left a unit whose ExecStart named
// F/manager.yaml, then failed to make F with a stack trace.

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poseidon-units-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('a --config-dir that is a file is refused naming the flag, and no unit is written', async () => {
  const file = join(dir, 'a-file');
  await writeFile(file, 'not a directory\n');
  const units = join(dir, 'units-1');
  const said: string[] = [];
  const err = await installUnits('manager', { dir: units, configDir: file }, (t) => said.push(t)).catch(
    (e: unknown) => e,
  );
  assert.ok(err instanceof InvalidField, String(err));
  assert.equal(err.field, '--config-dir');
  assert.equal(err.message, `--config-dir is ${file}, a file, not a directory; give a directory (nothing was written)`);
  assert.equal(existsSync(units), false, 'not even the unit directory is made');
  assert.deepEqual(said, []);
  // a path under the file is refused the same way, naming the file in the way
  const under = join(file, 'etc');
  await assert.rejects(
    installUnits('worker', { dir: units, configDir: under }, () => undefined),
    {
      message: `--config-dir is ${under}, under ${file}, a file; give a directory (nothing was written)`,
    },
  );
  // and so is a --dir that is a file, before the config file
  const configDir = join(dir, 'config-1');
  await assert.rejects(
    installUnits('worker', { dir: file, configDir }, () => undefined),
    { name: 'InvalidField' },
  );
  assert.equal(existsSync(configDir), false);
});

test("a --dir the system refuses to look at is said in words, not as Node's code", async () => {
  const loop = join(dir, 'loop');
  await symlink(loop, loop);
  await assert.rejects(
    installUnits('worker', { dir: join(loop, 'units'), configDir: join(dir, 'config-0') }, () => undefined),
    {
      message: `--dir is ${join(loop, 'units')}, which cannot be made (its symbolic links go round in a loop); give a directory`,
    },
  );
});

test('with both places usable, the unit and the config file are written, the unit naming that file', async () => {
  const units = join(dir, 'units-2', 'nested');
  const configDir = join(dir, 'config-2');
  const said: string[] = [];
  await installUnits('manager', { dir: units, configDir }, (t) => said.push(t));
  assert.deepEqual(await readdir(units), ['poseidon-manager.service']);
  const unit = readFileSync(join(units, 'poseidon-manager.service'), 'utf8');
  assert.match(unit, new RegExp(`^ExecStart=.* manager --config ${join(configDir, 'manager.yaml')}$`, 'm'));
  assert.ok(existsSync(join(configDir, 'manager.yaml')));
  assert.equal(said.length, 3);
});

test("a worker's new config file is said to need its manager and join token before the unit starts", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-units-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const said: string[] = [];
  const configDir = join(dir, 'etc');
  await installUnits('worker', { dir: join(dir, 'units'), configDir }, (text) => said.push(text));
  assert.deepEqual(said.slice(2), [
    `then: set manager and join-token in ${join(configDir, 'worker.yaml')} (the manager's <data-dir>/join-token); and\n`,
    'then: systemctl daemon-reload && systemctl enable --now poseidon-worker\n',
  ]);
  // one that exists is the operator's, set already
  said.length = 0;
  await installUnits('worker', { dir: join(dir, 'units'), configDir }, (text) => said.push(text));
  assert.equal(said.at(-1), 'then: systemctl daemon-reload && systemctl enable --now poseidon-worker\n');
  assert.equal(said.length, 3);
});

/** The keys a config file sets (its lines that are not comments), as YAML reads them. */
function keysSet(text: string): Record<string, unknown> {
  return (parse(text) as Record<string, unknown> | null) ?? {};
}

test("the config file has every key commented out but the data dir, and a worker's name: its host's", () => {
  assert.deepEqual(keysSet(configText('manager', 'mgr-1')), { 'data-dir': '/var/lib/poseidon/manager' });
  const worker = configText('worker', 'Web-01.example.com');
  assert.deepEqual(keysSet(worker), { 'data-dir': '/var/lib/poseidon/worker', name: 'web-01' });
  // each key set says why, on the line above it
  assert.match(worker, /^# set: this host's name: each worker of a cluster needs its own .*\nname: web-01$/m);
  assert.match(worker, /^# set: the unit's StateDirectory, which systemd makes\ndata-dir: /m);
  // a host name that is no DNS label leaves name commented out, and the file says to set it
  const odd = configText('worker', 'my_host');
  assert.deepEqual(keysSet(odd), { 'data-dir': '/var/lib/poseidon/worker' });
  assert.match(
    odd,
    /^# Set name: each worker of a cluster needs its own \(this host's, my_host, is no DNS label\)\.$/m,
  );
  assert.match(odd, /^# name: worker-1$/m);
});

test("a worker's name is its host's short name, lowercased, when that is a DNS label", () => {
  assert.equal(workerNameOf('node-7'), 'node-7');
  assert.equal(workerNameOf('Web-01.example.com'), 'web-01');
  assert.equal(workerNameOf('my_host'), undefined);
  assert.equal(workerNameOf(''), undefined);
});
