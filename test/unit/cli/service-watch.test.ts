import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceWatch } from '../../../src/cli/service-watch.js';
import type { Patience } from '../../../src/cli/stream-again.js';
import { ManagerClient } from '../../../src/client/index.js';
import { serve } from '../../helpers/fake-manager.js';
import { waitFor } from '../../integration/helpers/wait-for.js';

// `service logs -f`'s watch of the service's events, given one manager that stops (its stream
// ended whole) and starts again on its address: the events are asked for again from the last one
// it sent, and a replica started after the restart wakes the look for new replicas.

const SHORT: Patience = { windowMs: 5_000, pauseMs: 10, maxPauseMs: 50 };

const event = (n: number, service: string): string =>
  JSON.stringify({ time: `2026-12-07T01:00:0${n}.000Z`, type: 'task.started', taskId: `t${n}000000`, service });

function ndjson(res: ServerResponse, lines: string[]): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.write(lines.map((l) => `${l}\n`).join(''));
}

test('the events are followed again after the manager restarts: a replica started after it wakes the look', async (t) => {
  const first = await serve(t, (_req, res) => {
    res.setHeader('connection', 'close');
    ndjson(res, [event(1, 'web'), event(2, 'db')]);
    res.end(); // ended whole as the manager stops, and it is gone
    first.server.close();
  });
  const abort = new AbortController();
  t.after(() => abort.abort());
  const watch = new ServiceWatch(new ManagerClient(first.url), 'web', abort.signal, SHORT);
  assert.equal(await watch.wake.after(60_000), 'event', 'web-1 started');
  await waitFor(() => !watch.isOpen, { what: 'the stream ended' });
  await sleep(100); // asked again while it is away (refused)
  const asked: string[] = [];
  let started: (() => void) | undefined;
  await serve(
    t,
    (req, res) => {
      asked.push(decodeURIComponent(new URL(req.url ?? '', 'http://here').search));
      ndjson(res, []); // open, and quiet until a replica starts
      started = () => res.write(`${event(3, 'web')}\n`);
    },
    Number(new URL(first.url).port),
  );
  await waitFor(() => watch.isOpen, { what: 'the stream asked for again' });
  assert.deepEqual(asked, ['?since=2026-12-07T01:00:02.000Z'], 'from the last event it sent');
  started?.();
  assert.equal(await watch.wake.after(60_000), 'event', 'web-3, started after the restart, wakes the look');
});
