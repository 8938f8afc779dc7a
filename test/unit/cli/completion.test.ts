import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { buildProgram } from '../../../src/cli/commands.js';
import { complete, completeLine } from '../../../src/cli/completion-action.js';

// What `poseidon __complete line -- WORDS` offers for the last word: commands, subcommands and
// flags from the CLI's own definition; task ids and names, service, stack, node and volume names from the manager a flag,
// the environment or the saved login names; nothing (and no error) when it cannot be reached.

let server: Server;
let url: string;
const asked: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    const path = (req.url ?? '').split('?')[0];
    const body =
      path === '/tasks'
        ? [
            { id: 'aaaa1111-0000-4000-8000-000000000001', name: 'api' },
            { id: 'bbbb2222-0000-4000-8000-000000000002', name: 'batch' },
          ]
        : path === '/services'
          ? [
              { name: 'web', spec: { labels: { 'poseidon.stack': 'shop' } } },
              { name: 'worker-queue', spec: {} },
              { name: 'shop-api', spec: { labels: { 'poseidon.stack': 'shop' } } },
              { name: 'blog-db', spec: { labels: { 'poseidon.stack': 'blog' } } },
            ]
          : path === '/nodes'
            ? [{ name: 'edge-1' }, { name: 'edge-2' }]
            : path === '/secrets'
              ? [{ name: 'db_password' }, { name: 'tls.key' }]
              : path === '/configs'
                ? [{ name: 'nginx.conf' }]
                : path === '/volumes'
                  ? [{ name: 'pgdata' }, { name: 'pgdata' }, { name: 'cache' }]
                  : undefined;
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const line = (...words: string[]): Promise<string[]> => completeLine(buildProgram(), words);

test('commands, subcommands and flags complete from the CLI definition; the hidden one is not offered', async () => {
  assert.deepEqual(await line('st'), ['status', 'stop', 'stats', 'stack']);
  assert.deepEqual(await line('stack', ''), ['deploy', 'ls', 'services', 'ps', 'rm']);
  const all = await line('');
  assert.ok(all.includes('manager') && all.includes('install-units') && all.includes('completion'), all.join(' '));
  assert.ok(!all.includes('__complete'));
  assert.deepEqual(await line('service', 'r'), ['rollback', 'rm']);
  const flags = await line('status', '--');
  assert.ok(flags.includes('--state') && flags.includes('--json') && flags.includes('--manager'), flags.join(' '));
  assert.deepEqual(await line('manager', '--print'), ['--print-config']);
  assert.deepEqual(await line('completion', ''), ['bash', 'zsh', 'fish']);
  for (const command of [['run'], ['service', 'create'], ['service', 'update']]) {
    const offered = await line(...command, '--');
    for (const flag of ['--entrypoint', '--user', '--workdir', '--stop-signal', '--stop-grace-period', '--read-only'])
      assert.ok(offered.includes(flag), `${command.join(' ')} ${flag}`);
  }
  assert.deepEqual(await line('service', 'update', '--no-r'), ['--no-read-only']);
  assert.deepEqual(await line('run', '--tmp'), ['--tmpfs']);
  assert.deepEqual(await line('service', 'create', '--tmp'), ['--tmpfs']);
  assert.deepEqual(await line('service', 'update', '--tmp'), ['--tmpfs-add', '--tmpfs-rm']);
  assert.deepEqual(await line('run', '--stop-signal', ''), [], "a flag's value: the shell's");
  assert.deepEqual(await line('install-units', 'w'), ['worker']);
});

test("a flag's value gets nothing (the shell offers files), and the words after it count on", async () => {
  assert.deepEqual(await line('run', '--timeout', ''), []);
  assert.deepEqual(await line('deploy', '-f', ''), []);
  assert.deepEqual(await line('manager', '--config', '/etc/x.yaml', '--po'), ['--port']);
});

test('task ids and names, service and node names come from the manager the command line names', async () => {
  asked.length = 0;
  assert.deepEqual(await line('stop', '--manager', url, 'b'), ['bbbb2222-0000-4000-8000-000000000002', 'batch']);
  assert.deepEqual(await line('service', 'rm', '--manager', url, ''), ['web', 'worker-queue', 'shop-api', 'blog-db']);
  assert.deepEqual(await line('service', 'logs', '--manager', url, 'w'), ['web', 'worker-queue']);
  // a stack is the label its services carry; stack rm takes several
  assert.deepEqual(await line('stack', 'rm', '--manager', url, 'shop', ''), ['shop', 'blog']);
  assert.deepEqual(await line('node', '--manager', url, 'rm', 'edge-'), ['edge-1', 'edge-2']);
  assert.deepEqual(await line('node', '--manager', url, 'inspect', 'edge-2'), ['edge-2']);
  assert.deepEqual(await line('logs', '--manager', url, 'aaaa'), ['aaaa1111-0000-4000-8000-000000000001']);
  // a second operand is not a name, except where the command takes several (stop ID...)
  assert.deepEqual(await line('logs', '--manager', url, 'aaaa', ''), []);
  assert.deepEqual(await line('stop', '--manager', url, 'aaaa', 'b'), [
    'bbbb2222-0000-4000-8000-000000000002',
    'batch',
  ]);
  assert.deepEqual(await line('stats', '--manager', url, 'batch', 'a'), [
    'aaaa1111-0000-4000-8000-000000000001',
    'api',
  ]);
  assert.deepEqual(asked, [
    'GET /tasks?fields=id%2Cname',
    'GET /services',
    'GET /services',
    'GET /services',
    'GET /nodes',
    'GET /nodes',
    'GET /tasks?fields=id%2Cname',
    'GET /tasks?fields=id%2Cname',
    'GET /tasks?fields=id%2Cname',
  ]);
});

test('secret and config: their subcommands, and the names inspect and rm take from the manager', async () => {
  assert.deepEqual(await line('se'), ['service', 'secret']);
  assert.deepEqual(await line('secret', ''), ['create', 'ls', 'inspect', 'rm']);
  assert.deepEqual(await line('config', 'i'), ['inspect']);
  const flags = await line('secret', 'create', '--');
  assert.ok(flags.includes('--label') && flags.includes('--json') && flags.includes('--manager'), flags.join(' '));
  assert.deepEqual(await line('secret', 'ls', '-'), ['--manager', '--token', '--ca', '--quiet', '--json', '--help']);
  asked.length = 0;
  assert.deepEqual(await line('secret', 'rm', '--manager', url, ''), ['db_password', 'tls.key']);
  // rm and inspect take several
  assert.deepEqual(await line('secret', 'inspect', '--manager', url, 'db_password', 't'), ['tls.key']);
  assert.deepEqual(await line('config', 'rm', '--manager', url, 'n'), ['nginx.conf']);
  // create names a new one, then a file: nothing from the manager (the shell offers files)
  assert.deepEqual(await line('secret', 'create', '--manager', url, ''), []);
  assert.deepEqual(await line('secret', 'create', '--manager', url, 'pw', ''), []);
  assert.deepEqual(asked, ['GET /secrets', 'GET /secrets', 'GET /configs']);
  const out = await captured((write) => complete(buildProgram(), 'configs', [], { manager: url }, write));
  assert.equal(out, 'nginx.conf\n');
});

test('volume inspect and rm take the names of the named volumes from the manager, several each', async () => {
  assert.deepEqual(await line('volume', ''), ['ls', 'inspect', 'rm']);
  asked.length = 0;
  assert.deepEqual(await line('volume', 'rm', '--manager', url, ''), ['pgdata', 'cache']);
  assert.deepEqual(await line('volume', 'inspect', '--manager', url, 'p'), ['pgdata']);
  // rm and inspect take several, as docker volume rm and inspect do; ls takes none
  assert.deepEqual(await line('volume', 'rm', '--manager', url, 'pgdata', 'c'), ['cache']);
  assert.deepEqual(await line('volume', 'inspect', '--manager', url, 'pgdata', ''), ['pgdata', 'cache']);
  assert.deepEqual(await line('volume', 'ls', '--manager', url, ''), []);
  assert.deepEqual(asked, ['GET /volumes', 'GET /volumes', 'GET /volumes', 'GET /volumes']);
  const out = await captured((write) => complete(buildProgram(), 'volumes', [], { manager: url }, write));
  assert.equal(out, 'pgdata\ncache\n');
});

test('__complete prints one candidate a line, and nothing at all when the manager cannot be reached', async () => {
  const out = await captured((write) => complete(buildProgram(), 'nodes', [], { manager: url }, write));
  assert.equal(out, 'edge-1\nedge-2\n');
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await new Promise((resolve) => closed.once('listening', resolve));
  const gone = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve));
  const unreachable = ['status', '--manager', gone, ''];
  assert.equal(await captured((write) => complete(buildProgram(), 'line', unreachable, {}, write)), '');
  assert.equal(await captured((write) => complete(buildProgram(), 'tasks', [], { manager: 'not a url' }, write)), '');
});

async function captured(fn: (write: (text: string) => void) => Promise<void>): Promise<string> {
  let out = '';
  await fn((text) => (out += text));
  return out;
}
