import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { FileView } from '../../../src/api/index.js';
import { captured } from '../../helpers/captured-output.js';
import {
  createFile,
  fileTable,
  inspectFiles,
  listFiles,
  readValue,
  removeFiles,
  shownView,
  usersOf,
  type ValueInput,
} from '../../../src/cli/file-action.js';

// `poseidon secret|config create|ls|inspect|rm`: the value read from a file or a pipe (never a
// terminal, never more than 500 KiB), the table, inspect's view of a config's value, and rm going
// on past a name it cannot remove.

const NOW = Date.parse('2026-12-05T12:00:00Z');
const view = (name: string, over: Partial<FileView> = {}): FileView => ({
  name,
  kind: 'secret',
  size: 12,
  labels: {},
  createdAt: '2026-12-05T11:00:00Z',
  inUseBy: [],
  ...over,
});

test('ls: name, size for people, age, and the first users of each, task ids short', () => {
  const table = fileTable(
    [
      view('db_password'),
      view('tls.key', {
        size: 3 * 1024 + 512,
        createdAt: '2026-12-03T12:00:00Z',
        inUseBy: ['shop-web', '3f2a1b4c-0000-4000-8000-000000000001'],
      }),
      view('w\u001b[2Jx', { size: 500 * 1024, inUseBy: ['a', 'b', 'c', 'd'] }),
    ],
    NOW,
  );
  assert.equal(
    table,
    [
      'NAME         SIZE     CREATED  IN USE BY',
      'db_password  12 B     1h ago   -',
      'tls.key      3.5 KiB  2d ago   shop-web,3f2a1b4c',
      'w\\x1b[2Jx    500 KiB  1h ago   a,b (+2)',
    ].join('\n'),
  );
  assert.equal(usersOf([]), '-');
  assert.equal(usersOf(['x']), 'x');
});

/** stdin as a test makes it: a pipe, or a terminal. */
function input(chunks: readonly (string | Buffer)[], isTTY = false): ValueInput {
  return Object.assign(Readable.from(chunks), { isTTY });
}

test("create reads the value from a FILE, or stdin when FILE is - or absent; a terminal's stdin is refused", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-file-action-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'pw');
  await writeFile(file, Buffer.from([0, 1, 2, 255]));
  assert.deepEqual(await readValue('secret', 'pw', file, input([])), Buffer.from([0, 1, 2, 255]));
  assert.equal((await readValue('secret', 'pw', '-', input(['hun', Buffer.from('ter2')]))).toString(), 'hunter2');
  assert.equal((await readValue('secret', 'pw', undefined, input(['x']))).toString(), 'x');
  assert.equal((await readValue('config', 'c', undefined, input([]))).length, 0);
  await assert.rejects(readValue('secret', 'pw', undefined, input([], true)), {
    code: 'invalid_request',
    message:
      'FILE is missing and stdin is a terminal: give a FILE or pipe the value in ' +
      '(printf %s VALUE | poseidon secret create pw -)',
  });
  await assert.rejects(readValue('secret', 'pw', '-', input([], true)), { message: /^FILE is missing and stdin/ });
  await assert.rejects(readValue('secret', 'pw', join(dir, 'nope'), input([])), {
    code: 'invalid_request',
    message: `${join(dir, 'nope')} cannot be read: no such file or directory; check the path`,
  });
  await assert.rejects(readValue('secret', 'pw', dir, input([])), {
    message: `${dir} cannot be read: it is a directory; give a file`,
  });
});

test('a value over 500 KiB, or an empty secret, is refused before it is sent; 500 KiB exactly is taken', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-file-action-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const max = 500 * 1024;
  const exact = join(dir, 'exact');
  const big = join(dir, 'big');
  await writeFile(exact, Buffer.alloc(max, 1));
  await writeFile(big, Buffer.alloc(max + 1, 1));
  assert.equal((await readValue('config', 'c', exact, input([]))).length, max);
  await assert.rejects(readValue('config', 'c', big, input([])), {
    code: 'invalid_request',
    message: `${big} holds more than 500 KiB (512000 bytes), the most a config holds; put a larger file in a volume instead`,
  });
  // an empty secret is most often an unset variable piped in; an empty config may be meant
  await assert.rejects(readValue('secret', 's', '-', input([])), {
    code: 'invalid_request',
    message: 'stdin is empty: a secret needs a value (was the variable you piped unset?)',
  });
  assert.equal((await readValue('config', 'c', '-', input([]))).length, 0);
  const chunks = Array.from({ length: 11 }, () => Buffer.alloc(50 * 1024));
  await assert.rejects(readValue('secret', 's', '-', input(chunks)), {
    message: /^stdin holds more than 500 KiB \(512000 bytes\), the most a secret holds/,
  });
});

test("inspect shows a config's value as text when it is UTF-8, else as base64; a secret has none to show", () => {
  const text = view('motd', { kind: 'config', data: Buffer.from('héllo\n').toString('base64') });
  const { data: _, ...rest } = text;
  assert.deepEqual(shownView(text), { ...rest, value: 'héllo\n' });
  const binary = view('blob', { kind: 'config', data: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') });
  assert.deepEqual(shownView(binary), binary);
  assert.deepEqual(shownView(view('pw')), view('pw'));
});

// the commands against a stand-in manager, their output captured

let server: Server;
let url: string;
const requests: string[] = [];
const bodies: unknown[] = [];

before(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      if (text !== '') bodies.push(JSON.parse(text));
      const send = (status: number, body: unknown): void =>
        void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const route = `${req.method} ${req.url}`;
      if (route === 'POST /secrets') {
        const body = JSON.parse(text) as { name: string; data: string; labels?: Record<string, string> };
        send(201, view(body.name, { size: Buffer.from(body.data, 'base64').length, labels: body.labels ?? {} }));
      } else if (route === 'GET /secrets') send(200, []);
      else if (route === 'GET /configs') send(200, [view('motd', { kind: 'config', inUseBy: ['shop-web'] })]);
      else if (route === 'GET /configs/motd')
        send(200, view('motd', { kind: 'config', data: Buffer.from('hello').toString('base64') }));
      else if (route === 'DELETE /secrets/pw') send(200, view('pw'));
      else if (route === 'DELETE /secrets/used')
        send(409, {
          error: {
            code: 'file_in_use',
            message: 'secret used is in use by service shop-web; update or remove the service first',
          },
        });
      else
        send(404, {
          error: {
            code: 'file_not_found',
            message: 'no secret named nope: create it with `poseidon secret create nope FILE`',
          },
        });
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const run = captured;

test('create sends the value as base64 with its labels and prints the name', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-file-action-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'pw'), 'hunter2');
  bodies.length = 0;
  const done = await run((io) =>
    createFile('secret', 'pw', join(dir, 'pw'), { manager: url, label: ['env=prod'] }, io),
  );
  assert.deepEqual(done, { out: 'pw\n', err: '', code: undefined });
  assert.deepEqual(bodies, [{ name: 'pw', data: Buffer.from('hunter2').toString('base64'), labels: { env: 'prod' } }]);
  await assert.rejects(createFile('secret', 'pw', join(dir, 'pw'), { manager: url, label: ['=x'] }), {
    message: '--label is "=x"; use NAME=value',
  });
});

test('ls prints the table, names alone with -q, and says when there are none', async () => {
  const configs = await run((io) => listFiles('config', { manager: url }, io));
  assert.match(configs.out, /^NAME {2}SIZE {2}CREATED +IN USE BY\nmotd {2}12 B {2}\S+ ago +shop-web\n$/);
  assert.equal((await run((io) => listFiles('config', { manager: url, quiet: true }, io))).out, 'motd\n');
  assert.equal((await run((io) => listFiles('secret', { manager: url }, io))).out, 'no secrets\n');
  assert.equal((await run((io) => listFiles('secret', { manager: url, json: true }, io))).out, '[]\n');
});

test("inspect prints a JSON array, a config's value as text", async () => {
  const { out, code } = await run((io) => inspectFiles('config', ['motd'], { manager: url }, io));
  assert.equal(code, undefined);
  const views = JSON.parse(out) as Array<Record<string, unknown>>;
  assert.deepEqual(
    views.map((v) => [v['name'], v['value'], v['data']]),
    [['motd', 'hello', undefined]],
  );
});

test('rm removes each name in turn: one that fails is said on stderr, the others still go, and the exit status is 1', async () => {
  requests.length = 0;
  const { out, err, code } = await run((io) => removeFiles('secret', ['nope', 'pw', 'used'], { manager: url }, io));
  assert.deepEqual(requests, ['DELETE /secrets/nope', 'DELETE /secrets/pw', 'DELETE /secrets/used']);
  assert.equal(out, 'pw\n');
  assert.equal(
    err,
    'poseidon: no secret named nope: create it with `poseidon secret create nope FILE`\n' +
      'poseidon: secret used is in use by service shop-web; update or remove the service first\n',
  );
  assert.equal(code, 1);
  assert.deepEqual(await run((io) => removeFiles('secret', ['pw'], { manager: url }, io)), {
    out: 'pw\n',
    err: '',
    code: undefined,
  });
});
