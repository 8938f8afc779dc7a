import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { PoseidonClient } from '../../../src/client/index.js';
import { InvalidField } from '../../../src/errors/index.js';

// createFile's value, as a script passes it: a Buffer, or a string (what a script without types
// most often has). A string sent as if it were base64 would be stored as other bytes, or none
// ("data is empty"), so it is sent as its UTF-8 bytes; anything else is refused naming data.

let server: Server;
let url = '';
const bodies: Array<{ name: string; data: string }> = [];

before(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as { name: string; data: string };
      bodies.push(body);
      res.writeHead(201, { 'content-type': 'application/json' });
      const view = { name: body.name, kind: 'secret', size: 0, labels: {}, createdAt: '', inUseBy: [] };
      res.end(JSON.stringify(view));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

test('a value given as a string is sent as its UTF-8 bytes, as a Buffer is', async () => {
  const client = new PoseidonClient({ url });
  await client.createFile('secret', { name: 'pw', data: 'hello wörld' });
  await client.createFile('secret', { name: 'buf', data: Buffer.from('hello wörld') });
  await client.createFile('secret', { name: 'u8', data: new TextEncoder().encode('hello wörld') });
  assert.deepEqual(
    bodies.map((b) => [b.name, Buffer.from(b.data, 'base64').toString('utf8')]),
    [
      ['pw', 'hello wörld'],
      ['buf', 'hello wörld'],
      ['u8', 'hello wörld'],
    ],
  );
});

test('a value of another kind is refused naming data, before anything is sent', async () => {
  const client = new PoseidonClient({ url });
  const before = bodies.length;
  await assert.rejects(
    client.createFile('secret', { name: 'n', data: 42 as unknown as string }),
    (err: unknown) =>
      err instanceof InvalidField && err.field === 'data' && /is number; give the value as a Buffer/.test(err.message),
  );
  assert.equal(bodies.length, before);
});
