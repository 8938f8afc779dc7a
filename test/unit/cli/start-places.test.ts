import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { runConfigured } from '../../../src/cli/config-file.js';
import { errorLine } from '../../../src/cli/error-line.js';
import { startManager } from './start-manager.js';
import { listenOn } from '../../../src/cli/start-places.js';

// A manager (worker, dev) given a data dir that cannot be a directory, or a host name that resolves
// to nothing, printed Node's stack (`Error: EEXIST: file already exists, mkdir …`, `getaddrinfo
// ENOTFOUND foo`) and no word of which flag or key to fix. Each is one line naming it now.

const start = (dataDir: string, host = '127.0.0.1') => startManager(dataDir, host);

/** What the CLI prints for a failed start: its one line, or undefined for a stack. */
async function lineOf(run: Promise<unknown>): Promise<string | undefined> {
  const err = await run.then(
    () => assert.fail('it started'),
    (e: unknown) => e,
  );
  return errorLine(err);
}

test('a data dir that is a file, or under one, is refused in one line naming --data-dir', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-start-places-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'poseidon-0.1.0.tgz');
  await writeFile(file, 'not a directory');
  assert.equal(
    await lineOf(start(file)),
    `poseidon: --data-dir is "${file}", a file, not a directory; give a directory\n`,
  );
  assert.equal(
    await lineOf(start(join(file, 'manager'))),
    `poseidon: --data-dir is "${join(file, 'manager')}", which cannot be made a directory: ` +
      'a part of its path is a file, not a directory; check the path\n',
  );
});

test('a host name that resolves to nothing is refused in one line naming --host, or the key of the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-start-places-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // .invalid never resolves (RFC 6761); the resolver may say ENOTFOUND or, unreachable, EAI_AGAIN
  const line = await lineOf(start(join(dir, 'manager'), 'no-such-host.invalid'));
  assert.match(
    line ?? '',
    /^poseidon: --host is "no-such-host\.invalid", a name that resolves to no address here \((ENOTFOUND|EAI_AGAIN)\); give an address of this host, such as 127\.0\.0\.1, or 0\.0\.0\.0 for all of them\n$/,
  );

  // from a config file, the file and key are named (as every value of the file is)
  const config = join(dir, 'manager.yaml');
  await writeFile(config, 'host: no-such-host.invalid\n');
  const cmd = new Command('manager').option('--host <address>', 'address', '127.0.0.1').option('--config <file>');
  cmd.parse(['--config', config], { from: 'user' });
  const refused = runConfigured(cmd, 'manager', {
    check: () => undefined,
    run: async (flags: { host: string }) =>
      void (await listenOn({ listen: async () => fail(flags.host) }, flags.host, 0)),
  });
  assert.match((await lineOf(refused)) ?? '', new RegExp(`^poseidon: ${config}: host is "no-such-host\\.invalid", `));
});

/** What fastify's listen rejects with for a name that does not resolve. */
function fail(host: string): never {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
    code: 'ENOTFOUND',
    syscall: 'getaddrinfo',
    hostname: host,
  });
}

test('listen failures other than a name are left to the CLI line that says them', async () => {
  const taken = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', syscall: 'listen', port: 1 });
  await assert.rejects(
    listenOn(
      {
        listen: async () => {
          throw taken;
        },
      },
      '127.0.0.1',
      1,
    ),
    (err) => err === taken,
  );
});
