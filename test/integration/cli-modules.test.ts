import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// A CLI that answers at once loads only what its command uses (issue 10): these run the real
// `poseidon` as a user does, with a probe that records every module the process loads, and
// check which packages were among them. What a module costs to load is measured in bench/ (cli).

/** bin/poseidon.js and the probe, from dist/test/integration/. */
const POSEIDON_BIN = fileURLToPath(new URL('../../../bin/poseidon.js', import.meta.url));
const PROBE = fileURLToPath(new URL('./helpers/module-probe.js', import.meta.url));
/** What scripts/bundle-cli.mjs bundled into which file of dist/cli/, which the bin loads. */
const BUNDLE_META = fileURLToPath(new URL('../../cli/meta.json', import.meta.url));

/** What only `manager`, `worker` and `dev` need: the server, the schemas, the store, Docker's client, metrics, logs. */
const SERVER_SIDE = [
  'fastify',
  '@fastify/type-provider-typebox',
  '@sinclair/typebox',
  'lmdb',
  'dockerode',
  'prom-client',
  'pino',
] as const;

interface Probed {
  code: number | null;
  stdout: string;
  stderr: string;
  /** npm packages the process loaded, by name. */
  packages: Set<string>;
  /** The process's own modules (under dist/src/, bundled or not), e.g. "cli/main.js". */
  own: Set<string>;
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poseidon-cli-modules-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `node ARGS` with the module probe preloaded, to its exit. */
async function probe(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Probed> {
  const file = join(dir, `${randomUUID()}.modules`);
  await writeFile(file, '');
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        ['--import', PROBE, ...args],
        { env: { ...process.env, POSEIDON_MODULE_PROBE: file, XDG_CONFIG_HOME: dir, ...env }, timeout: 30_000 },
        (err, out, errOut) =>
          resolve({ code: err === null ? 0 : (err.code as number | null), stdout: out, stderr: errOut }),
      );
    },
  );
  const urls = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  const packages = new Set<string>();
  const own = new Set<string>();
  const bundled = await bundleInputs();
  // a file of the CLI's bundle (dist/cli/) stands for the modules bundled into it
  for (const url of urls.flatMap((u) => bundled.get(/\/(dist\/cli\/[^/]+)$/.exec(u)?.[1] ?? '') ?? [u])) {
    // the innermost package: a dependency's own dependency counts as itself
    const pkg = /(?:^|.*\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (pkg !== undefined) packages.add(pkg);
    const mine = /(?:^|\/)dist\/src\/(.+)$/.exec(url)?.[1];
    if (mine !== undefined) own.add(mine);
  }
  return { code, stdout, stderr, packages, own };
}

/** Each output file of the CLI's bundle (`dist/cli/main.js`) with the modules in it, from esbuild's metafile. */
async function bundleInputs(): Promise<Map<string, string[]>> {
  const meta = JSON.parse(await readFile(BUNDLE_META, 'utf8')) as { outputs: Record<string, { inputs: object }> };
  return new Map(Object.entries(meta.outputs).map(([out, o]) => [out, Object.keys(o.inputs)]));
}

function poseidon(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Probed> {
  return probe([POSEIDON_BIN, ...args], env);
}

function assertNoServerSide(p: Probed): void {
  const loaded = SERVER_SIDE.filter((name) => p.packages.has(name));
  assert.deepEqual(loaded, [], `loaded ${loaded.join(', ')}; all packages: ${[...p.packages].join(', ')}`);
}

/** A stand-in Manager API on 127.0.0.1, port 0: `answer` handles every request and records it. */
async function fakeManager(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    answer(req, res);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

test('the probe sees a package the process loads', async () => {
  const p = await probe(['--input-type=module', '-e', "import 'fastify'; import 'pino';"]);
  assert.equal(p.code, 0, p.stderr);
  assert.ok(p.packages.has('fastify') && p.packages.has('pino'), [...p.packages].join(', '));
});

test('poseidon --version answers from package.json before the CLI loads: no package, nothing of Poseidon', async () => {
  const p = await poseidon(['--version']);
  assert.equal(p.code, 0, p.stderr);
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(p.stdout, `${pkg.version}\n`);
  assert.deepEqual([...p.packages], []);
  const beyondCli = [...p.own].filter((m) => !m.startsWith('cli/'));
  assert.deepEqual(beyondCli, [], `loaded ${beyondCli.join(', ')}`);
  const actions = [...p.own].filter((m) => m.endsWith('-action.js') || m.endsWith('-runtime.js'));
  assert.deepEqual(actions, [], `loaded ${actions.join(', ')}`);
});

test('poseidon status --json asks the manager without loading the server, schemas, store, Docker, metrics or logger', async () => {
  const manager = await fakeManager((req, res) => {
    if (req.method === 'GET' && req.url === '/tasks') json(res, 200, []);
    else json(res, 404, { error: { code: 'not_found', message: `no route ${req.url}` } });
  });
  try {
    const p = await poseidon(['status', '--json', '--manager', manager.url]);
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(JSON.parse(p.stdout), []);
    assert.deepEqual(manager.requests, ['GET /tasks']);
    assert.ok(p.own.has('client/manager-client.js'), 'the probe saw the HTTP client load');
    assertNoServerSide(p);
  } finally {
    await closeServer(manager.server);
  }
});

test('poseidon service ls --json asks the manager and loads nothing server-side', async () => {
  const manager = await fakeManager((req, res) => {
    if (req.method === 'GET' && req.url === '/services') json(res, 200, []);
    else json(res, 404, { error: { code: 'not_found', message: `no route ${req.url}` } });
  });
  try {
    const p = await poseidon(['service', 'ls', '--json', '--manager', manager.url]);
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(JSON.parse(p.stdout), []);
    assert.deepEqual(manager.requests, ['GET /services']);
    assert.ok(p.own.has('cli/service-action.js'));
    assertNoServerSide(p);
  } finally {
    await closeServer(manager.server);
  }
});

test('poseidon secret create sends the value and loads nothing server-side', async () => {
  let body = '';
  const manager = await fakeManager((req, res) => {
    if (req.method !== 'POST' || req.url !== '/secrets') {
      json(res, 404, { error: { code: 'not_found', message: `no route ${req.url}` } });
      return;
    }
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () =>
      json(res, 201, { name: 'pw', kind: 'secret', size: 2, labels: {}, createdAt: 'now', inUseBy: [] }),
    );
  });
  try {
    const file = join(dir, 'pw.txt');
    await writeFile(file, 'hi');
    const p = await poseidon(['secret', 'create', 'pw', file, '--manager', manager.url]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout, 'pw\n');
    assert.deepEqual(JSON.parse(body), { name: 'pw', data: Buffer.from('hi').toString('base64') });
    assert.ok(p.own.has('cli/file-action.js'));
    assertNoServerSide(p);
  } finally {
    await closeServer(manager.server);
  }
});

test('poseidon status against a closed port fails in one line, and loads nothing server-side either', async () => {
  const closed = await fakeManager(() => undefined);
  const url = closed.url;
  await closeServer(closed.server);
  const p = await poseidon(['status', '--manager', url]);
  assert.equal(p.code, 1);
  assert.equal(p.stderr, `poseidon: cannot reach manager at ${url}: is \`poseidon manager\` running?\n`);
  assertNoServerSide(p);
});

test('poseidon run FILE --wait submits, waits for Running and loads nothing server-side', async () => {
  const id = randomUUID();
  const view = (state: string): Record<string, unknown> => ({ id, name: 'web', state, node: 'w1', reason: '' });
  const manager = await fakeManager((req, res) => {
    if (req.method === 'POST' && req.url === '/tasks') json(res, 201, view('Pending'));
    else if (req.method === 'GET' && req.url === '/events')
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).flushHeaders();
    else if (req.method === 'GET' && req.url === `/tasks/${id}`) json(res, 200, view('Running'));
    else json(res, 404, { error: { code: 'not_found', message: `no route ${req.url}` } });
  });
  try {
    const file = join(dir, 'web.json');
    await writeFile(file, JSON.stringify({ id, name: 'web', image: 'poseidon/busybox:latest' }));
    const p = await poseidon(['run', file, '--wait', '--manager', manager.url]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout, `${id} Running on w1\n`);
    assert.ok(manager.requests.includes('POST /tasks'), manager.requests.join(', '));
    assertNoServerSide(p);
  } finally {
    await closeServer(manager.server);
  }
});

test('poseidon run -f FILE submits as run FILE does; none or two files are refused before any request', async () => {
  const id = randomUUID();
  const manager = await fakeManager((req, res) => {
    if (req.method === 'POST' && req.url === '/tasks') json(res, 201, { id, name: 'web', state: 'Pending' });
    else json(res, 404, { error: { code: 'not_found', message: `no route ${req.url}` } });
  });
  try {
    const file = join(dir, 'web-f.json');
    await writeFile(file, JSON.stringify({ id, name: 'web', image: 'poseidon/busybox:latest' }));
    const p = await poseidon(['run', '-f', file, '--manager', manager.url]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout, `${id}\n`);
    const none = await poseidon(['run', '--manager', manager.url]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /missing the image or task file: poseidon run IMAGE \[COMMAND...\] or poseidon run FILE/);
    // `task` takes a file and nothing else: `task inspect web` (kubectl's habit) says where to look
    const inspect = await poseidon(['task', 'inspect', 'web', '--manager', manager.url]);
    assert.equal(inspect.code, 1);
    assert.equal(
      inspect.stderr,
      'poseidon: poseidon task inspect is not a command: poseidon task -f FILE submits a task file; ' +
        'poseidon status lists tasks, poseidon status TASK shows one\n',
    );
    const two = await poseidon(['run', file, '-f', file, '--manager', manager.url]);
    assert.equal(two.code, 1);
    assert.match(two.stderr, /two task files/);
    const missing = await poseidon(['run', join(dir, 'nope.yaml'), '--manager', manager.url]);
    assert.match(
      missing.stderr,
      /^poseidon: task file .*nope\.yaml cannot be read: no such file or directory; check the path$/m,
    );
    assert.deepEqual(manager.requests, ['POST /tasks'], 'one submission, from -f');
  } finally {
    await closeServer(manager.server);
  }
});

test('poseidon login, token ls and status send the token and load nothing server-side', async () => {
  const seen: string[] = [];
  const manager = await fakeManager((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
    const me = { id: '0123456789ab', name: '', scope: 'admin', state: 'active', createdAt: '', expiresAt: null };
    if (req.method === 'GET' && req.url === '/whoami') json(res, 200, { ...me, revokedAt: null, lastUsedAt: null });
    else if (req.method === 'GET' && (req.url === '/tokens' || req.url === '/tasks')) json(res, 200, []);
    else json(res, 404, { error: { code: 'not_found', message: `no route ${req.url}` } });
  });
  const home = { XDG_CONFIG_HOME: join(dir, 'login-home'), POSEIDON_TOKEN: '', POSEIDON_MANAGER: '' };
  try {
    const login = await poseidon(['login', manager.url, '--token', 'saved-token'], home);
    assert.equal(login.code, 0, login.stderr);
    assertNoServerSide(login);
    const ls = await poseidon(['token', 'ls', '--json'], home);
    assert.equal(ls.code, 0, ls.stderr);
    assertNoServerSide(ls);
    const status = await poseidon(['status', '--json', '--token', 'flag-token'], home);
    assert.equal(status.code, 0, status.stderr);
    assertNoServerSide(status);
    assert.deepEqual(seen, [
      'GET /whoami Bearer saved-token',
      'GET /tokens Bearer saved-token',
      'GET /tasks Bearer flag-token',
    ]);
  } finally {
    await closeServer(manager.server);
  }
});

test('poseidon completion and __complete (what every <Tab> runs) load nothing server-side', async () => {
  const script = await poseidon(['completion', 'bash']);
  assert.equal(script.code, 0, script.stderr);
  assertNoServerSide(script);
  const manager = await fakeManager((req, res) => {
    if (req.method === 'GET' && req.url === '/tasks?fields=id%2Cname') json(res, 200, [{ id: 'abc', name: 'web' }]);
    else json(res, 404, { error: { code: 'not_found', message: `no route ${req.url}` } });
  });
  try {
    const p = await poseidon(['__complete', 'line', '--', 'stop', '--manager', manager.url, '']);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout, 'abc\nweb\n');
    assertNoServerSide(p);
  } finally {
    await closeServer(manager.server);
  }
});
