import assert from 'node:assert/strict';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { buildServer, type ServerOptions, type ServerTls } from '../src/http/index.js';

// For tests of what a server's streams do when it stops (SIGTERM): a server built as Poseidon's
// are, whose log lines' levels a test reads (nothing at warn or error for a stream it ended on
// purpose), and a request whose status, first bytes and whole body come apart.

/** Pino's levels: 40 is warn, 50 error. */
const WARN = 40;

/** Nothing logged at warn or error: a stream a server ended on purpose is no failure. */
export function assertQuiet(levels: readonly number[]): void {
  assert.deepEqual(
    levels.filter((l) => l >= WARN),
    [],
    'nothing at warn or error',
  );
}

/** A stream the stopping server had not answered yet: 503 server_stopping, saying `message`. */
export async function assertStoppedFirst(
  answer: { head: Promise<number>; body: Promise<string> },
  message: string,
): Promise<void> {
  assert.equal(await answer.head, 503, message);
  assert.deepEqual(JSON.parse(await answer.body), {
    error: { code: 'server_stopping', message, retryAfterMs: 1000 },
  });
}

/**
 * A Poseidon server (buildServer; no credentials asked; over `tls` if given; `first` made with its
 * logger, as a group follower's hook is) and the levels of each line it logged.
 */
export function serverWithLevels(
  tls?: ServerTls,
  first?: (log: Logger) => ServerOptions['first'],
): { app: FastifyInstance; levels: number[] } {
  const levels: number[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l !== '') levels.push((JSON.parse(l) as { level: number }).level);
      done();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const app = buildServer({
    log,
    metrics: new Registry(),
    component: 'manager',
    ...(tls === undefined ? {} : { tls }),
    ...(first === undefined ? {} : { first: first(log) }),
  });
  return { app, levels };
}

/**
 * A request (https:// trusting `ca`): its status once in, its first bytes once they came, and its
 * whole body (rejects on a reset).
 */
export function call(
  url: string,
  method: 'GET' | 'POST' = 'GET',
  json?: unknown,
  ca?: string,
): { head: Promise<number>; first: Promise<void>; body: Promise<string> } {
  let head!: (status: number) => void;
  let firstCame!: () => void;
  const status = new Promise<number>((resolve) => (head = resolve));
  const first = new Promise<void>((resolve) => (firstCame = resolve));
  const body = new Promise<string>((resolve, reject) => {
    const headers = json === undefined ? {} : { 'content-type': 'application/json' };
    const send = url.startsWith('https:') ? httpsRequest : request;
    send(url, { method, headers, ...(ca === undefined ? {} : { ca }) }, (res) => {
      head(res.statusCode ?? 0);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        firstCame();
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    })
      .on('error', reject)
      .end(json === undefined ? undefined : JSON.stringify(json));
  });
  return { head: status, first, body };
}
