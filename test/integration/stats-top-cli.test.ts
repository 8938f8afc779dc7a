import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClusterUsageView } from '../../src/api/index.js';
import { runPoseidon } from '../../testkit/spawner.js';
import { TestCluster } from './helpers/cluster.js';

// `poseidon stats` and `poseidon top` as a user types them, against a real manager and two real
// workers over mutual TLS and the real engine: every running task's cpu and memory, wherever it
// runs, filtered by task or service (a node that does not answer is said, its tasks left out, and
// the others still shown); and the processes of one task's container, with ps's options.

describe('poseidon stats and top on the real engine', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    await c.startWorker('b');
    // placed by name: each worker runs a task whatever the scheduler would choose
    const on = (w: string): { constraints: string[] } => ({ constraints: [`node.name == ${c.workerName(w)}`] });
    const burner = await c.client.submit(
      c.task('burner', { command: ['sh', '-c', 'while :; do :; done'], memory: '64Mi', ...on('a') }),
    );
    const sleepers = [
      (await c.client.submit(c.task('sleeper-0', on('a')))).id,
      (await c.client.submit(c.task('sleeper-1', on('b')))).id,
    ];
    await c.allInState([burner.id, ...sleepers], 'Running');
  });
  after(async () => {
    await c.close();
  });

  async function sample(args: string[] = []): Promise<ClusterUsageView> {
    const r = await c.cli(['stats', '--no-stream', '--json', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as ClusterUsageView;
  }

  test('every running task, on its node, with its cpu and memory against its limit', async () => {
    const all = await sample();
    assert.deepEqual(
      all.tasks.map((t) => t.name),
      ['burner', 'sleeper-0', 'sleeper-1'],
    );
    assert.deepEqual(all.unanswered, []);
    const tasks = await c.client.listTasks();
    for (const t of all.tasks)
      assert.equal(t.node, tasks.find((v) => v.id === t.id)?.node, `${t.name} is shown on the node it runs on`);
    const burner = all.tasks[0];
    assert.ok(burner !== undefined && burner.cpu > 0, `a busy loop uses cpu: ${JSON.stringify(burner)}`);
    assert.equal(burner.memoryLimitBytes, 64 * 1024 * 1024, 'its limit is what it asked for');
    assert.ok(burner.memoryBytes > 0);
    const shown = await c.cli(['stats', '--no-stream', 'burner']);
    assert.equal(shown.code, 0, shown.stderr);
    const [head, row, more] = shown.stdout.split('\n');
    assert.match(head ?? '', /^NAME\s+ID\s+NODE\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %$/);
    assert.match(
      row ?? '',
      new RegExp(`^burner\\s+${burner.id.slice(0, 8)}\\s+${burner.node}\\s+[0-9.]+%\\s+.+ / 64 MiB\\s+[0-9.]+%$`),
    );
    assert.equal(more, '');
  });

  test('a name that matches nothing is refused; a read token may look, at stats and top', async () => {
    const none = await c.cli(['stats', '--no-stream', 'ghost']);
    assert.deepEqual(
      [none.code, none.stderr],
      [1, 'poseidon: "ghost" matches no running task or service; poseidon stats lists the running ones\n'],
    );
    const { token } = await c.client.createToken({ scope: 'read', name: 'watcher' });
    const read = await runPoseidon(['stats', '--no-stream', 'sleeper-0'], { ...c.cliEnv(), POSEIDON_TOKEN: token });
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /\nsleeper-0 /);
    const top = await runPoseidon(['top', 'sleeper-0'], { ...c.cliEnv(), POSEIDON_TOKEN: token });
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, / sleep 600\n/);
  });

  test("top: the container's processes as ps lists them, with ps's options; what it refuses", async () => {
    const plain = await c.cli(['top', 'sleeper-0']);
    assert.equal(plain.code, 0, plain.stderr);
    const [titles, ...rows] = plain.stdout.trimEnd().split('\n');
    assert.match(titles ?? '', /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    assert.ok(
      rows.some((r) => / sleep 600$/.test(r)),
      plain.stdout,
    );
    const chosen = await c.cli(['top', 'sleeper-0', '-o', 'pid,comm']);
    assert.equal(chosen.code, 0, chosen.stderr);
    // the container's own processes: its command, under the engine's init (docker-init) when it runs one
    assert.match(chosen.stdout, /^PID\s+COMMAND\n([0-9]+\s+docker-init\n)?[0-9]+\s+sleep\n$/);
    const bad = await c.cli(['top', 'sleeper-0', '-o', 'pid;id']);
    assert.deepEqual(
      [bad.code, bad.stderr],
      [1, 'poseidon: ps OPTIONS are "-o pid;id"; use at most 64 letters, digits, spaces and , = _ -\n'],
    );
    // options the engine's ps refuses: said as ps OPTIONS, with ps's words, never as an API field
    const refused = await c.cli(['top', 'sleeper-0', '--json']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^poseidon: ps OPTIONS "--json" were refused by ps on the node \(ps: .+\); give options ps takes, such as -o pid,comm\n$/,
    );
    const ended = await c.client.submit(c.task('ended', { command: ['true'], restartPolicy: { mode: 'never' } }));
    await c.allInState([ended.id], 'Completed');
    const gone = await c.cli(['top', 'ended']);
    assert.equal(gone.code, 1);
    assert.match(
      gone.stderr,
      /^poseidon: task ended \([0-9a-f]{8}\) is Completed, not Running; top lists what a running container runs\n$/,
    );
  });

  test('a node that does not answer is said, its tasks left out, the rest shown', async () => {
    const frozen = c.workers.get('b');
    assert.ok(frozen !== undefined);
    const tasks = await c.client.listTasks({ state: 'Running' });
    const onB = tasks.filter((t) => t.node === c.workerName('b')).map((t) => t.name);
    assert.deepEqual(onB, ['sleeper-1']);
    process.kill(frozen.pid, 'SIGSTOP'); // frozen: its port takes connections, nothing answers
    try {
      const r = await c.cli(['stats', '--no-stream']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`^poseidon: node ${c.workerName('b')} did not answer: `));
      for (const name of onB) assert.doesNotMatch(r.stdout, new RegExp(`\n${name} `), `${name} is left out`);
      const onA = tasks.filter((t) => t.node === c.workerName('a')).map((t) => t.name);
      for (const name of onA) assert.match(r.stdout, new RegExp(`\n${name} `), `${name} is shown`);
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
  });
});
