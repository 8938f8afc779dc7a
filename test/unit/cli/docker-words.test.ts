import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProgram } from '../../../src/cli/commands.js';
import { withDockerWord } from '../../../src/cli/docker-words.js';

/** What the CLI writes on stderr for a command line commander refuses. */
async function refusal(args: string[]): Promise<string> {
  const program = buildProgram(args[0]);
  let written = '';
  program.configureOutput({ ...program.configureOutput(), writeErr: (s) => (written += s) });
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

test('another unknown command is left as commander says it, its nearest names included', async () => {
  assert.equal(withDockerWord("error: unknown command 'toString'\n"), "error: unknown command 'toString'\n");
  assert.match(
    await refusal(['statu']),
    /^poseidon: unknown command 'statu'\n\(Did you mean one of stats, status\?\)\n$/,
  );
});
