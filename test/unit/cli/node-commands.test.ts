import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/commands.js';
import { moveLeadingFlags } from '../../../src/cli/leading-flags.js';

type Parsed = { command: string; words: unknown[]; flags: Record<string, unknown> };

/**
 * What the CLI makes of a command line, as main.ts parses it (leading connection flags moved
 * after the command), with every action replaced by one that records its command, its
 * arguments and its flags (its own and its parents').
 */
async function parse(args: string[]): Promise<Parsed> {
  const argv = moveLeadingFlags(args);
  const program = buildProgram(argv[0]);
  let seen: Parsed | undefined;
  const record = (cmd: Command, path: string): void => {
    for (const sub of cmd.commands) {
      const name = `${path} ${sub.name()}`.trim();
      sub.action((...given: unknown[]) => {
        seen = { command: name, words: given.slice(0, -2), flags: sub.optsWithGlobals() };
      });
      record(sub, name);
    }
  };
  record(program, '');
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  await program.parseAsync(argv, { from: 'user' });
  assert.ok(seen !== undefined, `no action ran for ${args.join(' ')}`);
  return seen;
}

test('node subcommands take --token, --manager and --ca after them, as every command does', async () => {
  assert.deepEqual(await parse(['node', 'rm', 'w1', '--token', 'T']), {
    command: 'node rm',
    words: ['w1'],
    flags: { token: 'T' },
  });
  // several nodes, as docker node inspect takes them
  assert.deepEqual(await parse(['node', 'inspect', 'w1', 'w2', '--manager', 'https://m:5555', '--ca', 'ca.crt']), {
    command: 'node inspect',
    words: [['w1', 'w2']],
    flags: { manager: 'https://m:5555', ca: 'ca.crt' },
  });
  assert.deepEqual(await parse(['node', 'drain', 'w1', '--token=T', '--json']), {
    command: 'node drain',
    words: ['w1'],
    flags: { token: 'T', json: true },
  });
  assert.deepEqual((await parse(['node', 'update', 'w1', '--label-add', 'zone=a', '--token', 'T'])).flags, {
    labelAdd: ['zone=a'],
    token: 'T',
  });
  assert.deepEqual((await parse(['node', 'activate', 'w1', '--ca', 'ca.crt'])).flags, { ca: 'ca.crt' });
});

test('node subcommands take the connection flags before the command too', async () => {
  assert.deepEqual(await parse(['--token', 'T', 'node', 'rm', 'w1']), {
    command: 'node rm',
    words: ['w1'],
    flags: { token: 'T' },
  });
  assert.deepEqual(await parse(['--manager', 'https://m:5555', 'node', 'inspect', 'w1']), {
    command: 'node inspect',
    words: [['w1']],
    flags: { manager: 'https://m:5555' },
  });
  assert.deepEqual(await parse(['--token=T', 'node', 'rm', 'w1', '--dead']), {
    command: 'node rm',
    words: ['w1'],
    flags: { token: 'T', dead: true },
  });
});

test('node ls (and inspect, rm, update) take --json', async () => {
  assert.deepEqual(await parse(['node', 'ls', '--json']), { command: 'node ls', words: [], flags: { json: true } });
  assert.deepEqual((await parse(['node', 'inspect', 'w1', '--json'])).flags, { json: true });
  // inspect's --format (-f, as docker node inspect's) is its own, not node ls' list format
  assert.deepEqual((await parse(['node', 'inspect', 'w1', '-f', '{{.State}}'])).flags, { format: '{{.State}}' });
  assert.deepEqual((await parse(['node', 'inspect', 'w1', '--format', 'json'])).flags, { format: 'json' });
  assert.deepEqual((await parse(['node', 'rm', 'w1', '--json'])).flags, { json: true });
  assert.deepEqual((await parse(['node', 'update', 'w1', '--availability', 'pause', '--json'])).flags, {
    availability: 'pause',
    json: true,
  });
});

test("node's own flags still reach its subcommands, and node alone still lists", async () => {
  assert.deepEqual(await parse(['node', '--token', 'T', 'rm', 'w1']), {
    command: 'node rm',
    words: ['w1'],
    flags: { token: 'T' },
  });
  assert.deepEqual(await parse(['node', '--json']), { command: 'node', words: [], flags: { json: true } });
  assert.deepEqual(await parse(['--token', 'T', 'node']), { command: 'node', words: [], flags: { token: 'T' } });
});

test('every subcommand of a command group takes the connection flags and --json, after it or before the command', async () => {
  const cases: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['node ls', ['node', 'ls']],
    ['service ls', ['service', 'ls']],
    ['stack ls', ['stack', 'ls']],
    ['token ls', ['token', 'ls']],
    ['secret ls', ['secret', 'ls']],
    ['config ls', ['config', 'ls']],
    ['volume ls', ['volume', 'ls']],
    ['cluster status', ['cluster', 'status']],
  ];
  for (const [command, words] of cases) {
    const after = await parse([...words, '--manager', 'https://m:5555', '--token', 'T', '--ca', 'ca.crt', '--json']);
    assert.deepEqual(after, {
      command,
      words: [],
      flags: { manager: 'https://m:5555', token: 'T', ca: 'ca.crt', json: true },
    });
    const before = await parse(['--manager', 'https://m:5555', '--token', 'T', '--ca', 'ca.crt', ...words]);
    assert.deepEqual(before, { command, words: [], flags: { manager: 'https://m:5555', token: 'T', ca: 'ca.crt' } });
  }
});

test('logs and service logs take -n for --tail, as docker logs does', async () => {
  assert.deepEqual(await parse(['logs', 'web', '-n', '5', '-f']), {
    command: 'logs',
    words: ['web'],
    flags: { tail: '5', follow: true },
  });
  assert.deepEqual(await parse(['service', 'logs', 'web', '-n', 'all']), {
    command: 'service logs',
    words: ['web'],
    flags: { tail: 'all' },
  });
});
