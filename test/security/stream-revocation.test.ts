import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { CreatedTokenView } from '../../src/api/index.js';
import { TestCluster } from '../integration/helpers/cluster.js';
import { POSEIDON_BIN } from '../../testkit/spawner.js';
import { waitFor } from '../integration/helpers/wait-for.js';

// Found on a real cluster (issue 12): `poseidon logs -f` kept streaming after its token was revoked;
// only `GET /events` was asked again while open. Every open request of the manager is now asked
// again every 5 s: a token revoked meanwhile ends its `logs -f`, its exec (with a line saying why)
// and its `events`, and the CLI then says the token was revoked. The admin's streams go on.

/** A CLI command left running: its output so far, and its exit. */
interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

describe('a token revoked while its streams are open', () => {
  const c = new TestCluster();
  let taskId: string;
  let doomed: CreatedTokenView;
  /** Every CLI process the test started, killed by the end if still running. */
  const children: ChildProcess[] = [];

  function run(args: string[], token: string): Running {
    const child = spawn(process.execPath, [POSEIDON_BIN, ...args], {
      env: { ...process.env, ...c.cliEnv(), POSEIDON_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
    children.push(child);
    const exit = once(child, 'exit').then(([code]) => code as number | null);
    return { child, stdout: () => out, stderr: () => err, exit };
  }

  before(async () => {
    await c.startManager();
    await c.startWorker('w1');
    const task = await c.client.submit(
      c.task('ticking', { command: ['sh', '-c', 'while true; do echo tick; sleep 1; done'] }),
    );
    taskId = task.id;
    await c.allInState([taskId], 'Running');
    const r = await c.cli(['token', 'create', '--scope', 'deploy', '--json']);
    assert.equal(r.code, 0, r.stderr);
    doomed = JSON.parse(r.stdout) as CreatedTokenView;
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await c.close();
  });

  test('ends its logs -f, exec and events, each saying why; the admin token streams on', async () => {
    const logs = run(['logs', '-f', taskId], doomed.token);
    const exec = run(['exec', taskId, '--', 'sh', '-c', 'echo started; sleep 120'], doomed.token);
    const events = run(['events'], doomed.token);
    const kept = run(['logs', '-f', taskId], c.token);
    await waitFor(() => logs.stdout().includes('tick') && exec.stdout().includes('started'), {
      what: 'logs -f and exec streaming',
    });
    await waitFor(() => kept.stdout().includes('tick'), { what: "the admin's logs -f streaming" });
    const revoked = await c.cli(['token', 'revoke', doomed.id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const [logsCode, execCode, eventsCode] = await Promise.all([logs.exit, exec.exit, events.exit]);
    const why = `token ${doomed.id} was revoked`;
    assert.notEqual(logsCode, 0);
    assert.ok(logs.stderr().includes(why), logs.stderr());
    assert.notEqual(execCode, 0);
    assert.ok(exec.stderr().includes(`the manager ended the exec stream: ${why}`), exec.stderr());
    assert.notEqual(eventsCode, 0);
    assert.ok(events.stderr().includes(why), events.stderr());
    // the admin's stream is still open and still gets lines
    const before = kept.stdout().length;
    await waitFor(() => kept.stdout().length > before, { what: "the admin's logs -f going on" });
    assert.equal(kept.child.exitCode, null);
    kept.child.kill('SIGINT');
    await kept.exit;
  });
});
