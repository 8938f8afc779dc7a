import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/commands.js';
import { withDockerFlag, withDockerWord } from '../../../src/cli/docker-words.js';

/** What the CLI writes on stderr for a command line commander refuses. */
async function refusal(args: string[]): Promise<string> {
  const program = buildProgram(args[0]);
  let written = '';
  // each command keeps the output settings it was made with: a subcommand's refusal is its own
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.configureOutput({ ...c.configureOutput(), writeErr: (s) => (written += s) });
  await assert.rejects(program.parseAsync(args, { from: 'user' }));
  return written;
}

test("docker's ps, inspect, rm, kill, restart and start are answered with Poseidon's commands for them", async () => {
  assert.equal(
    await refusal(['ps']),
    "poseidon: unknown command 'ps': poseidon status lists tasks (poseidon service ps NAME, the replicas of a service)\n",
  );
  assert.match(
    await refusal(['rm', 'web']),
    /^poseidon: unknown command 'rm': poseidon stop TASK stops a task for good/,
  );
  for (const word of ['inspect', 'kill', 'restart', 'start'])
    assert.match(await refusal([word]), new RegExp(`^poseidon: unknown command '${word}': poseidon `));
});

test('another unknown command is said on one line, its nearest names included, with the help to read', async () => {
  assert.equal(withDockerWord("error: unknown command 'toString'\n"), "error: unknown command 'toString'\n");
  assert.equal(
    await refusal(['statu']),
    "poseidon: unknown command 'statu' (did you mean one of stats, status?); see poseidon --help\n",
  );
});

test("a subcommand is no docker command: token rm is not answered with docker rm's word", async () => {
  assert.equal(await refusal(['token', 'rm', 'x']), "poseidon: unknown command 'rm'; see poseidon token --help\n");
  assert.equal(
    await refusal(['secret', 'remove', 'x']),
    "poseidon: unknown command 'remove'; see poseidon secret --help\n",
  );
});

test("a command's own refusal, which says what to do, is left as it is", async () => {
  assert.equal(
    await refusal(['deploy', '-f', 'a.yml', '-c', 'b.yml']),
    'poseidon: both -f and -c: name every Compose file with one of them (-c base.yml -c prod.yml)\n',
  );
});

test('a missing or extra argument, or an unknown flag, says which command and where its help is', async () => {
  assert.equal(await refusal(['logs']), "poseidon: missing required argument 'task'; see poseidon logs --help\n");
  assert.equal(
    await refusal(['status', 'a', 'b']),
    "poseidon: too many arguments for 'status'. Expected 1 argument but got 2; see poseidon status --help\n",
  );
  assert.equal(
    await refusal(['service', 'create', '--cpuz', '1', 'nginx']),
    "poseidon: unknown option '--cpuz' (did you mean --cpu?); see poseidon service create --help\n",
  );
});

test("docker run's flags Poseidon spells otherwise, or has no need of, are answered with what to type", async () => {
  assert.equal(
    await refusal(['run', '--cpus', '2', 'busybox']),
    "poseidon: unknown option '--cpus': --cpu N reserves cores (a share of the cpu by weight); --cpu-limit N " +
      'holds it to N, as --cpus does\n',
    "in place of commander's (Did you mean --cpu?)",
  );
  assert.match(
    await refusal(['run', '-it', 'busybox', 'sh']),
    /^poseidon: unknown option '-it': .* poseidon exec -it /,
  );
  assert.match(await refusal(['run', '-d', 'nginx']), /^poseidon: unknown option '-d': .*; leave -d out\n$/);
  assert.match(await refusal(['run', '--detach=true', 'nginx']), /^poseidon: unknown option '--detach': /);
  assert.match(
    await refusal(['run', '--image', 'nginx']),
    /^poseidon: unknown option '--image': the image is the first/,
  );
  assert.match(
    await refusal(['service', 'create', '--limit-cpu', '1', 'nginx']),
    /^poseidon: unknown option '--limit-cpu': --cpu-limit N\n$/,
  );
  // each names a flag that exists
  const run = buildProgram('run').commands.find((c) => c.name() === 'run');
  for (const flag of [
    '--cpu',
    '--cpu-limit',
    '--memory',
    '--pids-limit',
    '--stop-grace-period',
    '--tmpfs',
    '--log-opt',
  ])
    assert.ok(
      run?.options.some((o) => o.long === flag),
      flag,
    );
});

test('an unknown option docker does not have either, or on a command that is not docker run, is left as it is', async () => {
  assert.equal(withDockerFlag("error: unknown option '--toString'\n"), "error: unknown option '--toString'\n");
  assert.match(
    await refusal(['stop', '-t', '5', 'web']),
    /^poseidon: unknown option '-t'; see poseidon stop --help\n$/,
    "docker stop's -t is a timeout",
  );
  assert.match(
    await refusal(['run', '--bogus', 'nginx']),
    /^poseidon: unknown option '--bogus'; see poseidon run --help\n$/,
  );
});

test("docker stack deploy's flags Poseidon has no need of are answered with why, on deploy and stack deploy", async () => {
  assert.match(
    await refusal(['stack', 'deploy', '--with-registry-auth', '-c', 'a.yml', 'shop']),
    /^poseidon: unknown option '--with-registry-auth': workers pull with their own credentials .*; leave it out\n$/,
  );
  assert.match(
    await refusal(['deploy', '--resolve-image', 'never', '-c', 'a.yml', 'shop']),
    /^poseidon: unknown option '--resolve-image': a worker pulls the image as the file names it/,
  );
  assert.match(
    await refusal(['deploy', '-d', '-c', 'a.yml']),
    /^poseidon: unknown option '-d': poseidon deploy returns/,
  );
  // docker run's answers are not given here: deploy has no --cpus to be told of
  assert.doesNotMatch(await refusal(['deploy', '--cpus', '2']), /--cpu-limit/);
});
