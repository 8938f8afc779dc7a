import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runningCli } from '../../testkit/running-cli.js';
import { TestCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/wait-for.js';

// `poseidon logs -f TASK` (a real process) against a real manager, worker and engine while the
// manager is stopped (SIGTERM, its streams ended whole) and started again on its port and data
// dir, then killed (SIGKILL, the connection broken) and started again: the command carries on
// through each restart, and the task's numbered lines (one every 200 ms) come each once, none
// missed, those written while the manager was away too.

describe('poseidon logs -f across manager restarts', () => {
  const c = new TestCluster();
  let id = '';
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    const command = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.2; done'];
    id = (await c.client.submit(c.task('counter', { command }))).id;
    await c.allInState([id], 'Running');
  });
  after(() => c.close());

  test('it follows again after a stop and after a kill, each line once and none missed', async () => {
    const logs = runningCli(['logs', '-f', id], c.cliEnv(), (p) => c.track(p));
    const numbers = (): number[] => [...logs.out().matchAll(/^line (\d+)$/gm)].map((m) => Number(m[1]));
    const last = (): number => numbers().at(-1) ?? 0;
    const goesOn = async (what: string): Promise<void> => {
      const from = last();
      await waitFor(() => last() >= from + 10, { what: `${what} (stderr: ${logs.err()})`, timeoutMs: 60_000 });
    };
    await goesOn('logs -f streams');
    for (const how of ['stop', 'kill'] as const) {
      await c.restartManager(how);
      await goesOn(`lines after the manager's ${how} and start`);
    }
    const seen = numbers();
    assert.deepEqual(
      seen,
      seen.map((_, i) => i + 1),
      'every line from the first, once each, in order',
    );
    const note =
      `poseidon: the log stream of task ${id.slice(0, 8)} was cut (a manager stopped, or the leader changed); ` +
      `following again from the last line shown, through ${c.manager.url}\n`;
    assert.equal(logs.err(), note.repeat(2), 'said once for each restart');
    assert.equal(await logs.interrupt(), 0, 'Ctrl-C ends it quietly');
  });
});
