import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { followedAgain } from '../../src/cli/events-action.js';
import { runningCli } from '../../testkit/running-cli.js';
import { TestCluster } from './helpers/cluster.js';
import { serviceSpec } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// `poseidon logs -f TASK` (a real process) against a real manager, worker and engine while the
// manager is stopped (SIGTERM, its streams ended whole) and started again on its port and data
// dir, then killed (SIGKILL, the connection broken) and started again: the command carries on
// through each restart, and the task's numbered lines (one every 200 ms, the even ones to stderr)
// come each once on their stream, none missed, those written while the manager was away too.
// `poseidon events` likewise carries on through a stop and start, and shows a task started after
// it, once. `service logs -f` follows a replica scaled up after a restart too (its events are asked
// for again), each replica's line once.

describe('poseidon logs -f across manager restarts', () => {
  const c = new TestCluster();
  let id = '';
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    const command = [
      'sh',
      '-c',
      'i=0; while :; do i=$((i+1)); if [ $((i % 2)) = 0 ]; then echo "line $i" >&2; else echo "line $i"; fi; ' +
        'sleep 0.2; done',
    ];
    id = (await c.client.submit(c.task('counter', { command }))).id;
    await c.allInState([id], 'Running');
  });
  after(() => c.close());

  test('it follows again after a stop and after a kill, each line once on its stream and none missed', async () => {
    const logs = runningCli(['logs', '-f', id], c.cliEnv(), (p) => c.track(p));
    const numbersIn = (text: string): number[] => [...text.matchAll(/^line (\d+)$/gm)].map((m) => Number(m[1]));
    const numbers = (): number[] => [...numbersIn(logs.out()), ...numbersIn(logs.err())].sort((a, b) => a - b);
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
    // ended first: a line on one stream may have reached this test before one written earlier on the other
    assert.equal(await logs.interrupt(), 0, 'Ctrl-C ends it quietly');
    const seen = numbers();
    assert.deepEqual(
      seen,
      seen.map((_, i) => i + 1),
      'every line from the first, once each',
    );
    const odd = numbersIn(logs.out());
    assert.deepEqual(
      odd,
      odd.map((_, i) => 2 * i + 1),
      'the odd ones on stdout, in order',
    );
    const even = numbersIn(logs.err());
    assert.deepEqual(
      even,
      even.map((_, i) => 2 * i + 2),
      'the even ones on stderr, in order',
    );
    const note =
      `poseidon: the log stream of task ${id.slice(0, 8)} was cut (a manager stopped, or the leader changed); ` +
      `following again from the last line shown, through ${c.manager.url}\n`;
    const notes = logs.err().replace(/^line \d+\n/gm, '');
    assert.equal(notes, note.repeat(2), 'said once for each restart');
  });

  test('events carries on after a stop and start, and shows a task started after it, once', async () => {
    const events = runningCli(['events', '--type', 'task'], c.cliEnv(), (p) => c.track(p));
    const started = (taskId: string): number =>
      events
        .out()
        .split('\n')
        .filter((l) => / task\.started +/.test(l) && l.includes(`(${taskId.slice(0, 8)})`)).length;
    // a task started while it follows: its line says the stream is open
    const before = (await c.client.submit(c.task('before-restart'))).id;
    await waitFor(() => started(before) > 0, { what: `events streams (stderr: ${events.err()})`, timeoutMs: 30_000 });
    await c.restartManager('stop');
    const after = (await c.client.submit(c.task('after-restart'))).id;
    await c.allInState([after], 'Running', 60_000);
    await waitFor(() => started(after) > 0, {
      what: `events shows a task started after the restart (stdout: ${events.out()}; stderr: ${events.err()})`,
      timeoutMs: 60_000,
    });
    assert.equal(started(after), 1, events.out());
    assert.equal(started(before), 1, events.out());
    assert.equal(events.err(), `poseidon: ${followedAgain(c.manager.url)}\n`, 'said once');
    assert.equal(await events.interrupt(), 0, 'Ctrl-C ends it quietly');
  });

  test('service logs -f after a stop and start follows a replica scaled up after it, each line once', async () => {
    const command = ['sh', '-c', 'echo hello; exec sleep 3600'];
    await c.client.createService(serviceSpec(c, 'talk', { replicas: 1 }, { command }));
    const logs = runningCli(['service', 'logs', '-f', 'talk'], c.cliEnv(), (p) => c.track(p));
    const said = (slot: number): string[] =>
      logs
        .out()
        .split('\n')
        .filter((l) => l.startsWith(`talk-${slot}.`) && l.endsWith(' | hello'));
    await waitFor(() => said(1).length > 0, {
      what: `talk-1's line (${logs.out()}; ${logs.err()})`,
      timeoutMs: 60_000,
    });
    await c.restartManager('stop');
    await c.client.scaleService('talk', 2);
    await waitFor(() => said(2).length > 0, {
      what: `talk-2's line, scaled up after the restart (stdout: ${logs.out()}; stderr: ${logs.err()})`,
      timeoutMs: 60_000,
    });
    assert.deepEqual([said(1).length, said(2).length], [1, 1], logs.out());
    assert.equal(await logs.interrupt(), 0, 'Ctrl-C ends it quietly');
    await c.client.removeService('talk');
  });
});
