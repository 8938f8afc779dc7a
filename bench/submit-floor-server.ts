// The `submit` benchmark's floor: the least a Node program does for a durable submission, over
// the same TLS as the manager (src/http/server-tls.ts: a certificate from a cluster CA, client
// certificates asked for) and for the same keep-alive clients, and nothing else: node:https, the
// bearer token compared, the JSON body parsed, one LMDB put with the manager's store settings
// (group commit, the promise resolving once the commit is on disk), and a 201 with a task view's
// worth of JSON. No framework, no validation, no placement, no dispatch, no workers: what no
// manager written for Node can go under on the machine, measured in the same run as Poseidon.
//
//   POSEIDON_FLOOR_TOKEN=T node submit-floor-server.js DIR
//
// DIR holds ca.crt, floor.crt and floor.key (PEM); the store goes in DIR/store. It logs
// {"msg":"submit floor listening","url":...} once it listens (the form testkit/spawner.ts waits
// for), and runs until it is stopped.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { open } from 'lmdb';
import { httpsOptions } from '../src/http/server-tls.js';

const dir = process.argv[2] ?? '.';
const expected = Buffer.from(`Bearer ${process.env.POSEIDON_FLOOR_TOKEN ?? ''}`);
const db = open<Record<string, unknown>, string>({
  path: join(dir, 'store'),
  overlappingSync: false,
  compression: false,
});

function allowed(header: string | undefined): boolean {
  if (header === undefined) return false;
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const server = createServer(
  httpsOptions({
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    cert: readFileSync(join(dir, 'floor.crt'), 'utf8'),
    key: readFileSync(join(dir, 'floor.key'), 'utf8'),
  }),
  (req, res) => {
    if (req.method !== 'POST' || req.url !== '/tasks') {
      res.writeHead(404).end();
      return;
    }
    if (!allowed(req.headers.authorization)) {
      res.writeHead(401).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      const id = randomUUID();
      const at = new Date().toISOString();
      const view = {
        id,
        ...(body as Record<string, unknown>),
        state: 'Pending',
        node: null,
        createdAt: at,
        updatedAt: at,
        history: [{ state: 'Pending', at, reason: 'submitted; waiting for the scheduler' }],
      };
      db.put(`tasks/${id}`, view).then(
        () => {
          const out = JSON.stringify(view);
          res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
        },
        () => res.writeHead(500).end(),
      );
    });
  },
);
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'submit floor listening', url: `https://127.0.0.1:${port}` })}\n`);
});
