import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/commands.js';
import { managerOptions, type ManagerFlags } from '../../../src/cli/manager-action.js';
import { managerUrls, serverUrl, serverUrls } from '../../../src/client/index.js';
import { workerOptions, type WorkerFlags } from '../../../src/cli/worker-action.js';

// A manager's or a worker's address as people type it: HOST, HOST:PORT, [IPv6]:PORT or a URL,
// read by one parser wherever one is taken. Without a scheme it is https (all either serves), and
// a HOST alone is the server's default port; a bad one is a line naming the flag and what to type.

test('HOST, HOST:PORT and [IPv6]:PORT mean https, with the default port when none is given', () => {
  const cases: Array<[string, string]> = [
    ['10.0.0.5', 'https://10.0.0.5:5555'],
    ['10.0.0.5:7000', 'https://10.0.0.5:7000'],
    ['manager.example', 'https://manager.example:5555'],
    ['[::1]', 'https://[::1]:5555'],
    ['[fe80::1]:7000', 'https://[fe80::1]:7000'],
    // a port given is kept, even the one https means anyway
    ['10.0.0.5:443', 'https://10.0.0.5'],
    [' 10.0.0.5:7000 ', 'https://10.0.0.5:7000'],
    // a URL is taken as written: its scheme kept (http:// is answered with its hint later), no port added
    ['https://10.0.0.5:7000/', 'https://10.0.0.5:7000'],
    ['http://10.0.0.5:5555', 'http://10.0.0.5:5555'],
    ['https://manager.example', 'https://manager.example'],
    ['HTTPS://[::1]:5555', 'https://[::1]:5555'],
  ];
  for (const [typed, url] of cases) assert.equal(managerUrls('--manager', typed), url, typed);
  // a group's, comma-separated, each read alike
  assert.equal(
    managerUrls('--manager', '10.0.0.5, 10.0.0.6:7000,https://[::1]:5555'),
    'https://10.0.0.5:5555,https://10.0.0.6:7000,https://[::1]:5555',
  );
  // another server's default port, or none: then the port must be given
  assert.equal(serverUrl('--workers', 'w1', 5556), 'https://w1:5556');
  assert.equal(serverUrls('--advertise', 'w1:7001', undefined), 'https://w1:7001');
});

test('a bad address is one line naming where it came from and what to type', () => {
  const forms = 'use HOST, HOST:PORT, [IPv6]:PORT or a URL such as https://10.0.0.5:5555 (HOST alone: port 5555)';
  const cases: Array<[string, string, string]> = [
    ['--manager', '10.0.0.5:', `--manager is "10.0.0.5:"; ${forms}`],
    ['--manager', '10.0.0.5:http', `--manager is "10.0.0.5:http"; ${forms}`],
    ['POSEIDON_MANAGER', 'ma nager:5555', `POSEIDON_MANAGER is "ma nager:5555"; ${forms}`],
    ['--manager', '10.0.0.5:99999', `--manager is "10.0.0.5:99999"; ${forms}`],
    ['--manager', ':5555', `--manager is ":5555"; ${forms}`],
    ['--manager', '[::1]x', `--manager is "[::1]x"; ${forms}`],
    ['--manager', 'https://', `--manager is "https://"; ${forms}`],
    ['URL', 'ftp://10.0.0.5', 'URL is "ftp://10.0.0.5"; use an https:// URL, or HOST:PORT'],
    ['--manager', '::1', '--manager is "::1"; put an IPv6 address in brackets: [::1]:5555'],
    ['--manager', 'a,,b', '--manager is "a,,b"; use ADDRESS[,ADDRESS...] with no empty entry'],
    ['--manager', '', '--manager is ""; use ADDRESS[,ADDRESS...] with no empty entry'],
  ];
  for (const [from, typed, message] of cases) assert.throws(() => managerUrls(from, typed), { message }, typed);
  assert.throws(() => serverUrl('--advertise', 'w1', undefined), {
    message: '--advertise is "w1"; it names no port: write w1:PORT, or a URL',
  });
});

/** The flags `poseidon NAME ARGS` gives its action, as the CLI parses them. */
async function flagsOf<F>(name: 'manager' | 'worker', args: string[]): Promise<F> {
  const program = buildProgram(name);
  const cmd = program.commands.find((c) => c.name() === name) as Command;
  let flags: F | undefined;
  cmd.action((f: F) => {
    flags = f;
  });
  await program.parseAsync(['node', 'poseidon', name, ...args]);
  return flags as F;
}

test("the worker's --manager and --advertise, and the manager's --advertise and --workers, take addresses", async () => {
  const worker = workerOptions(
    await flagsOf<WorkerFlags>('worker', [
      '--manager',
      '10.0.0.5,10.0.0.6:7000',
      '--advertise',
      'w1',
      '--port',
      '7001',
    ]),
  );
  assert.equal(worker.managerUrl, 'https://10.0.0.5:5555,https://10.0.0.6:7000');
  // --advertise is the worker itself: a HOST alone is the port it listens on
  assert.equal(worker.advertiseUrl, 'https://w1:7001');
  const manager = managerOptions(
    await flagsOf<ManagerFlags>('manager', ['--advertise', 'm1', '--port', '7000', '--workers', 'w1,w2:7001']),
  );
  assert.deepEqual(manager.advertise, ['https://m1:7000']);
  assert.deepEqual(manager.staticWorkers, ['https://w1:5556', 'https://w2:7001']);
  // --port 0 picks a port only at the start: --advertise must name one
  for (const [name, check] of [
    ['manager', managerOptions],
    ['worker', workerOptions],
  ] as const) {
    const flags = await flagsOf<ManagerFlags & WorkerFlags>(name, ['--advertise', 'h1', '--port', '0']);
    assert.throws(() => check(flags), { message: '--advertise is "h1"; it names no port: write h1:PORT, or a URL' });
  }
  const v6 = await flagsOf<WorkerFlags>('worker', ['--manager', '::1']);
  assert.throws(() => workerOptions(v6), {
    message: '--manager is "::1"; put an IPv6 address in brackets: [::1]:5555',
  });
});
