import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/wait-for.js';

// `poseidon logs --since`, `--until` and `-t` against a real manager, worker and engine: a task writes one
// line, waits three seconds and writes another; the times the engine recorded say which is which.

const STAMPED = /^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\.[0-9]+Z (early|late)$/;

describe('poseidon logs --since and --timestamps on the real engine', () => {
  const c = new TestCluster();
  let id = '';
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    const command = ['sh', '-c', 'echo early; sleep 3; echo late; sleep 600'];
    id = (await c.client.submit(c.task('two-lines', { command }))).id;
    await c.allInState([id], 'Running');
    await waitFor(async () => (await c.cli(['logs', id])).stdout === 'early\nlate\n' || undefined, {
      what: 'both lines written',
      timeoutMs: 30_000,
    });
  });
  after(() => c.close());

  test('-t puts the time the engine recorded before each line; --since a time leaves out what came before it', async () => {
    const stamped = await c.cli(['logs', '-t', 'two-lines']);
    assert.equal(stamped.code, 0, stamped.stderr);
    const lines = stamped.stdout.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => STAMPED.exec(l)?.[2]),
      ['early', 'late'],
      stamped.stdout,
    );
    const lateSecond = (STAMPED.exec(lines[1] as string) as RegExpExecArray)[1] as string;
    const since = await c.cli(['logs', '--since', `${lateSecond}Z`, 'two-lines']);
    assert.deepEqual([since.code, since.stdout], [0, 'late\n'], 'the line from 3 s before is left out');
    const unix = String(Math.floor(Date.parse(`${lateSecond}Z`) / 1000));
    assert.equal((await c.cli(['logs', '--since', unix, 'two-lines'])).stdout, 'late\n', 'seconds since 1970 too');
  });

  test('--until a time leaves out what came after it, as docker logs --until does; not with -f', async () => {
    const lines = (await c.cli(['logs', '-t', 'two-lines'])).stdout.trimEnd().split('\n');
    const earlySecond = (STAMPED.exec(lines[0] as string) as RegExpExecArray)[1] as string;
    const until = new Date(Date.parse(`${earlySecond}Z`) + 1000).toISOString();
    const early = await c.cli(['logs', '--until', until, 'two-lines']);
    assert.deepEqual([early.code, early.stdout], [0, 'early\n'], 'the line from 3 s after is left out');
    const both = await c.cli(['logs', '--since', `${earlySecond}Z`, '--until', '0s', 'two-lines']);
    assert.equal(both.stdout, 'early\nlate\n');
    const followed = await c.cli(['logs', '-f', '--until', until, 'two-lines']);
    assert.deepEqual(
      [followed.code, followed.stderr],
      [1, 'poseidon: --until ends a read of the past: leave out -f, or --until\n'],
    );
  });

  test('--since how long ago, with --tail and -f; a --since that is neither is refused before anything is read', async () => {
    assert.equal((await c.cli(['logs', '--since', '1h', 'two-lines'])).stdout, 'early\nlate\n');
    assert.equal((await c.cli(['logs', '--since', '1h', '--tail', '1', 'two-lines'])).stdout, 'late\n');
    const bad = await c.cli(['logs', '--since', 'yesterday', 'two-lines']);
    assert.deepEqual(
      [bad.code, bad.stdout, bad.stderr],
      [
        1,
        '',
        'poseidon: --since is "yesterday"; give a time (2026-12-04T10:00:00Z) or how long ago (10m, 1h30m, 2d)\n',
      ],
    );
  });
});
