import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/commands.js';
import { runConfigured } from '../../../src/cli/config-file.js';
import { managerOptions, type ManagerFlags } from '../../../src/cli/manager-action.js';

// A secret on a command line shows in `ps` to every user of the host: each flag that takes one
// has an environment variable too (or takes a file), and its --help names it.

const TOKEN = `PSDN-1-${'a'.repeat(64)}-${'5ec7e7'.repeat(5)}ab`;
const VARS = ['POSEIDON_MANAGER_JOIN_TOKEN', 'POSEIDON_JOIN_TOKEN'];
const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

/** Every command of the CLI, subcommands too, with its path: `token create`. */
function commands(cmd: Command, path: string[] = []): Array<[string, Command]> {
  return cmd.commands.flatMap((c) => [
    [[...path, c.name()].join(' '), c] as [string, Command],
    ...commands(c, [...path, c.name()]),
  ]);
}

test('every flag that takes a token has an environment variable, and --help names it', () => {
  const found: string[] = [];
  for (const [name, cmd] of commands(buildProgram())) {
    for (const option of cmd.options) {
      if (option.long === undefined || !/token/.test(option.long) || !option.required) continue;
      found.push(`${name} ${option.long}`);
      const help = cmd.helpInformation().replace(/\s+/g, ' ');
      const variable = option.envVar ?? /\(env (POSEIDON_[A-Z_]+)/.exec(option.description)?.[1];
      assert.ok(variable !== undefined, `${name} ${option.long} has no environment variable`);
      assert.ok(help.includes(variable), `${name} --help does not name ${variable}`);
    }
  }
  assert.ok(found.includes('manager --join-token') && found.includes('worker --join-token'), found.join(', '));
  assert.ok(found.includes('login --token') && found.includes('token create --token'), found.join(', '));
});

/** `poseidon manager ARGS` parsed as the CLI does, its flags checked as the start checks them. */
async function managerFlags(args: string[]): Promise<ReturnType<typeof managerOptions>> {
  const program = buildProgram('manager');
  const cmd = program.commands.find((c) => c.name() === 'manager') as Command;
  let options: ReturnType<typeof managerOptions> | undefined;
  cmd.action(async (_f: unknown, command: Command) => {
    const run = async (f: ManagerFlags) => void (options = managerOptions(f));
    await runConfigured<ManagerFlags>(command, 'manager', { check: managerOptions, run });
  });
  await program.parseAsync(['node', 'poseidon', 'manager', '--config', '/dev/null', ...args]);
  return options as ReturnType<typeof managerOptions>;
}

test("the manager's join token comes from POSEIDON_MANAGER_JOIN_TOKEN, never from the worker's variable", async () => {
  const etcd = ['--store', 'etcd://127.0.0.1:2379'];
  process.env.POSEIDON_JOIN_TOKEN = TOKEN;
  assert.equal((await managerFlags(etcd)).joinToken, undefined, "the worker's token is no manager's");
  process.env.POSEIDON_MANAGER_JOIN_TOKEN = TOKEN;
  assert.equal((await managerFlags(etcd)).joinToken, TOKEN);
  assert.equal((await managerFlags([...etcd, '--join-token', 'PSDN-flag'])).joinToken, 'PSDN-flag', 'a flag wins');
  // a lone manager with the variable set is told where its token came from
  await assert.rejects(managerFlags([]), {
    message:
      '--join-token joins a manager group, which runs on etcd: add --store etcd://host:port ' +
      '(the token came from POSEIDON_MANAGER_JOIN_TOKEN: unset it for a lone manager)',
  });
  process.env.POSEIDON_MANAGER_JOIN_TOKEN = '';
  assert.equal((await managerFlags([])).joinToken, undefined, 'an empty variable is none');
});
