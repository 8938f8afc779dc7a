import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from './helpers/cluster.js';
import { TEST_IMAGE } from './helpers/docker.js';

// `poseidon run --wait` exits as `docker run` does when the container's command cannot be found
// (127) or run (126), on a real manager and worker and the real engine, so a script tells a typo
// in the command from another failure (1, as a command that exits at once with its own code).

describe('run --wait: the exit status of a command not found or not runnable', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
  });
  after(() => c.close());

  const run = (name: string, command: readonly string[]) =>
    c.cli([
      'run',
      '--name',
      name,
      '-l',
      `poseidon.test-run=${c.runId}`,
      '--restart',
      'never',
      '--wait',
      TEST_IMAGE,
      ...command,
    ]);

  test('127 for a command not found, 126 for one not executable, 1 for a command that failed', async () => {
    const missing = await run('no-cmd', ['no-such-program']);
    assert.equal(missing.code, 127, `${missing.stdout}${missing.stderr}`);
    assert.match(missing.stdout, /Failed on .*: exited with code 127\n$/);
    const notExecutable = await run('no-exec', ['/etc/passwd']);
    assert.equal(notExecutable.code, 126, `${notExecutable.stdout}${notExecutable.stderr}`);
    const failed = await run('exit-3', ['sh', '-c', 'exit 3']);
    assert.equal(failed.code, 1, 'a failure of its own stays 1, as the README has it');
    assert.match(failed.stdout, /exited with code 3\n$/);
  });
});
