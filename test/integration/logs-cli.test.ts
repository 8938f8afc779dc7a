import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DETAILS } from '../../src/cli/logs-action.js';
import { TestCluster } from './helpers/cluster.js';
import { dockerLogs, TEST_IMAGE } from './helpers/docker.js';
import { serviceSpec } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// `poseidon logs --since`, `--until` and `-t` against a real manager, worker and engine: a task writes one
// line, waits three seconds and writes another; the times the engine recorded say which is which.
// And `logs` and `service logs` keep the container's stdout and stderr apart, as `docker logs` does:
// a task writes `out` to stdout and `err` to stderr, a second later `out-late` and `err-late`.

const STAMPED = /^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\.[0-9]+Z (early|late)$/;

const SPLIT = 'echo out; echo err >&2; sleep 1; echo out-late; echo err-late >&2';
/** Fails at once (a wait ends at Running), after both streams' lines. */
const FAIL = 'echo out; echo err >&2; echo out-late; echo err-late >&2; exit 3';
const STAMP = '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]+Z';

describe('poseidon logs --since and --timestamps, and stdout and stderr apart, on the real engine', () => {
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
    // --details: refused with why, by logs and service logs alike
    for (const args of [
      ['logs', '--details', 'two-lines'],
      ['service', 'logs', '--details', 'two-lines'],
    ]) {
      const details = await c.cli(args);
      assert.deepEqual([details.code, details.stdout, details.stderr], [1, '', `poseidon: --details ${DETAILS}\n`]);
    }
  });

  test("the container's stdout goes to stdout, its stderr to stderr; with --tail and -t too", async () => {
    const command = ['sh', '-c', SPLIT];
    const split = (await c.client.submit(c.task('split', { command, restartPolicy: { mode: 'never' } }))).id;
    await c.allInState([split], 'Completed');
    const all = await c.cli(['logs', split]);
    assert.deepEqual([all.code, all.stdout, all.stderr], [0, 'out\nout-late\n', 'err\nerr-late\n']);
    // --tail counts the lines of both streams, as docker logs --tail does
    const tail = await c.cli(['logs', '--tail', '2', split]);
    assert.deepEqual([tail.code, tail.stdout, tail.stderr], [0, 'out-late\n', 'err-late\n']);
    // --tail -1, as docker logs takes it: every line (not a flag of its own)
    const every = await c.cli(['logs', '--tail', '-1', split]);
    assert.deepEqual([every.code, every.stdout, every.stderr], [0, 'out\nout-late\n', 'err\nerr-late\n']);
    const stamped = await c.cli(['logs', '-t', split]);
    assert.equal(stamped.code, 0, stamped.stderr);
    assert.match(stamped.stdout, new RegExp(`^${STAMP} out\n${STAMP} out-late\n$`));
    assert.match(stamped.stderr, new RegExp(`^${STAMP} err\n${STAMP} err-late\n$`));
  });

  test('bytes that are not UTF-8 come out as docker logs shows them: json-file stored them as text', async () => {
    const command = ['sh', '-c', "printf '\\377\\376\\n'; echo ok >&2"];
    const raw = (await c.client.submit(c.task('raw-bytes', { command, restartPolicy: { mode: 'never' } }))).id;
    const [done] = await c.allInState([raw], 'Completed');
    const docker = await dockerLogs(done?.containerId ?? 'none');
    // the engine's json-file driver writes each line as a JSON string: bytes that are not UTF-8 become U+FFFD there
    assert.deepEqual([docker.stdout, docker.stderr.toString()], [Buffer.from('\ufffd\ufffd\n'), 'ok\n']);
    for (const args of [
      ['logs', raw],
      ['logs', '-f', raw],
      ['logs', '--tail', '2', raw],
    ]) {
      const r = await c.cli(args);
      assert.deepEqual([r.code, r.stdoutBytes, r.stderr], [0, docker.stdout, 'ok\n'], args.join(' '));
    }
  });

  test('-f puts each stream where it goes until the task ends', async () => {
    const command = ['sh', '-c', `sleep 1; ${SPLIT}`];
    const followed = (await c.client.submit(c.task('split-f', { command, restartPolicy: { mode: 'never' } }))).id;
    const r = await c.cli(['logs', '-f', followed]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'out\nout-late\n', 'err\nerr-late\n']);
  });

  test('run --wait on a task that fails: its last output, each line on the stream it was written to', async () => {
    const run = ['run', '--name', 'split-fail', '--restart', 'never', '-l', `poseidon.test-run=${c.runId}`, '--wait'];
    const r = await c.cli([...run, TEST_IMAGE, 'sh', '-c', FAIL]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^[0-9a-f-]{36} Failed on \S+: exited with code 3\n {2}out\n {2}out-late\n$/);
    assert.match(
      r.stderr,
      /^poseidon: its last output \(poseidon logs [0-9a-f]{8} for all of it\):\n {2}err\n {2}err-late\n$/,
    );
  });

  test('service logs: each line after its replica, on the stream it was written to; --until as logs', async () => {
    const command = ['sh', '-c', `${SPLIT}; sleep 600`];
    await c.client.createService(serviceSpec(c, 'split-svc', { replicas: 1 }, { command }));
    const prefix = 'split-svc-1\\.[0-9a-f]{8}@\\S+ +\\| ';
    const r = await waitFor(
      async () => {
        const got = await c.cli(['service', 'logs', 'split-svc']);
        return got.stdout.includes('out-late') && got.stderr.includes('err-late') ? got : undefined;
      },
      { what: 'both lines of each stream in service logs', timeoutMs: 30_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${prefix}out\n${prefix}out-late\n$`));
    assert.match(r.stderr, new RegExp(`^${prefix}err\n${prefix}err-late\n$`));
    // the two late lines are written a moment apart on two pipes: the engine may log either first,
    // so the tail takes both (the second apart from the first by a second)
    const tail = await c.cli(['service', 'logs', '--tail', '2', 'split-svc']);
    assert.deepEqual(
      [tail.stdout.replace(new RegExp(prefix), ''), tail.stderr.replace(new RegExp(prefix), '')],
      ['out-late\n', 'err-late\n'],
    );
    // every line with all or -1, as logs; what is not a count is refused naming --tail
    for (const every of [
      ['--tail', 'all'],
      ['-n', '-1'],
    ]) {
      const all = await c.cli(['service', 'logs', ...every, 'split-svc']);
      assert.deepEqual([all.code, all.stdout.split('\n').length, all.stderr.split('\n').length], [0, 3, 3]);
    }
    const some = await c.cli(['service', 'logs', '--tail', 'some', 'split-svc']);
    assert.deepEqual(
      [some.code, some.stdout, some.stderr],
      [1, '', 'poseidon: --tail is "some"; use a number of lines, or all (or -1) for every line\n'],
    );
    // --until as logs takes it, to the millisecond: between the first two lines and the late ones
    const stamped = await c.cli(['service', 'logs', '-t', 'split-svc']);
    const when = (text: string, line: string): number =>
      Date.parse(new RegExp(`(${STAMP}) ${line}\n`).exec(text)?.[1] ?? 'none');
    const early = Math.max(when(stamped.stdout, 'out'), when(stamped.stderr, 'err'));
    const late = Math.min(when(stamped.stdout, 'out-late'), when(stamped.stderr, 'err-late'));
    assert.ok(early < late, `${stamped.stdout}${stamped.stderr}`);
    const until = new Date(Math.floor((early + late) / 2)).toISOString();
    const before = await c.cli(['service', 'logs', '--until', until, 'split-svc']);
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, new RegExp(`^${prefix}out\n$`));
    assert.match(before.stderr, new RegExp(`^${prefix}err\n$`));
    const followed = await c.cli(['service', 'logs', '-f', '--until', until, 'split-svc']);
    assert.deepEqual(
      [followed.code, followed.stderr],
      [1, 'poseidon: --until ends a read of the past: leave out -f, or --until\n'],
    );
    assert.equal((await c.cli(['service', 'rm', 'split-svc'])).code, 0);
  });
});
