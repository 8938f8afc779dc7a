import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EVENTS_ENDED, followEvents, followedAgain, type EventsSink } from '../../../src/cli/events-action.js';
import type { Patience } from '../../../src/cli/stream-again.js';
import { ManagerClient } from '../../../src/client/index.js';
import { serve } from '../../helpers/fake-manager.js';
import { waitFor } from '../../integration/helpers/wait-for.js';

// `poseidon events` given one manager that stops (its stream ended whole) and starts again on the
// same address: the stream is asked for again from the last event shown, said once, none shown
// twice; one that does not come back ends the command with one line once the window (a minute,
// shortened here) has passed.

const SECOND: Patience = { windowMs: 1_000, pauseMs: 10, maxPauseMs: 50 };

const event = (n: number, type = 'task.started'): string =>
  JSON.stringify({ time: `2026-12-07T01:00:0${n}.000Z`, type, taskId: `t${n}000000`, taskName: `web-${n}` });

const SHOW = { json: true, keep: () => true, window: {} };

function sink(): EventsSink & { lines: string[]; notes: string[] } {
  const s = { lines: [] as string[], notes: [] as string[] };
  return { ...s, line: (text) => void s.lines.push(text), note: (text) => void s.notes.push(text) };
}

const isEvents = (req: IncomingMessage): boolean => req.url?.startsWith('/events') === true;

function ndjson(res: ServerResponse, lines: string[], end: boolean): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.write(lines.map((l) => `${l}\n`).join(''));
  if (end) res.end();
}

/** Ends the answer whole, as a manager that stops does, and the server with it (no connection kept). */
function stops(server: Server, res: ServerResponse, lines: string[]): void {
  res.setHeader('connection', 'close');
  ndjson(res, lines, true);
  server.close();
}

test('a manager stopped and started again on its address: followed again from the last event, once', async (t) => {
  const first = await serve(t, (req, res) => {
    if (!isEvents(req)) return void res.writeHead(404).end();
    // ended whole as the manager stops, and it is gone
    stops(first.server, res, [event(1), event(2)]);
  });
  const port = Number(new URL(first.url).port);
  const asked: string[] = [];
  const client = new ManagerClient(first.url);
  const got = sink();
  const abort = new AbortController();
  const following = followEvents(client, SHOW, abort.signal, got, SECOND);
  // asked again while it is away (refused), then it is back: it kept only what came since it started,
  // and gives the last event shown again (the same time), which is left out
  await sleep(200);
  await serve(
    t,
    (req, res) => {
      asked.push(decodeURIComponent(new URL(req.url ?? '', 'http://here').search));
      ndjson(res, [event(2), event(3, 'task.exited')], false);
    },
    port,
  );
  await waitFor(() => got.lines.length >= 3, { what: `the event after the restart (${got.lines.join(' ')})` });
  abort.abort();
  await following; // Ctrl-C ends it quietly
  assert.deepEqual(got.lines, [event(1), event(2), event(3, 'task.exited')]);
  assert.deepEqual(asked, ['?since=2026-12-07T01:00:02.000Z']);
  assert.deepEqual(got.notes, [followedAgain(first.url)]);
  assert.equal(
    followedAgain(first.url),
    'the event stream ended (a manager stopped, or the leader changed); following again from the last event ' +
      `shown, through ${first.url}`,
  );
});

test('a manager that ended the stream and does not come back: one line once the window passed', async (t) => {
  const first = await serve(t, (_req, res) => {
    stops(first.server, res, [event(1)]);
  });
  const got = sink();
  await assert.rejects(followEvents(new ManagerClient(first.url), SHOW, new AbortController().signal, got, SECOND), {
    name: 'StreamEnded',
    message: `${EVENTS_ENDED}; no manager served it again within 1 s; run poseidon events again`,
  });
  assert.equal(EVENTS_ENDED, 'the manager ended the event stream (it is stopping)');
  assert.deepEqual(got.lines, [event(1)]);
  assert.deepEqual(got.notes, []);
});

test('a stream served again and quiet for longer than the window, then ended: a new cut, said again', async (t) => {
  let opened = 0;
  const { url } = await serve(t, (_req, res) => {
    opened += 1;
    if (opened === 1) return ndjson(res, [event(1)], true);
    // served again with nothing new, quiet past the window, then ended (a second restart)
    if (opened === 2) {
      ndjson(res, [], false);
      return void setTimeout(() => res.end(), 300).unref();
    }
    ndjson(res, [event(2)], false);
  });
  const got = sink();
  const abort = new AbortController();
  const short: Patience = { windowMs: 200, pauseMs: 10, maxPauseMs: 50 };
  const following = followEvents(new ManagerClient(url), SHOW, abort.signal, got, short);
  await waitFor(() => got.lines.length >= 2, { what: `the event after the second end (${got.notes.join(' ')})` });
  abort.abort();
  await following;
  assert.deepEqual(got.lines, [event(1), event(2)]);
  assert.deepEqual(got.notes, [followedAgain(url), followedAgain(url)]);
});
