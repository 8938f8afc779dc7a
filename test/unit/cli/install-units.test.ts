import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { installUnits } from '../../../src/cli/units-action.js';
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
