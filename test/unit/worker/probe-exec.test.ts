import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { execProber } from '../../../src/worker/health/probe-exec.js';
import type { ProbeResult } from '../../../src/worker/health/prober.js';
import type { HealthCheck } from '../../../src/task/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

// Exec checks take turns: at most `atOnce` execs at a time on a worker, and a check's timeout
// starts when its exec does, not while it waits for a turn.

const CHECK: HealthCheck = {
  type: 'exec',
  port: 0,
  path: '/',
  expectedStatusMin: 200,
  expectedStatusMax: 399,
  command: ['true'],
  intervalMs: 100,
  timeoutMs: 50,
  failureThreshold: 3,
  startPeriodMs: 0,
};

/** An engine whose execs end when the test says, by container id. */
function heldEngine() {
  const running = new Map<string, (exitCode: number) => void>();
  const started: string[] = [];
  return {
    started,
    finish: (id: string, exitCode = 0): void => running.get(id)?.(exitCode),
    driver: {
      exec: (containerId: string): Promise<{ exitCode: number; output: string }> => {
        started.push(containerId);
        return new Promise((resolve) => running.set(containerId, (exitCode) => resolve({ exitCode, output: '' })));
      },
    },
  };
}

function probeOf(prober: ReturnType<typeof execProber>, id: string, signal = new AbortController().signal) {
  return prober.probe({ containerId: id, ipAddress: '' }, CHECK, signal);
}

test('two at once: the third waits its turn, and its timeout counts from its own start', async () => {
  const clock = new FakeClock();
  const engine = heldEngine();
  const prober = execProber(clock, engine.driver, 2);
  const results = new Map<string, ProbeResult>();
  for (const id of ['a', 'b', 'c']) void probeOf(prober, id).then((r) => results.set(id, r));
  await turn();
  assert.deepEqual(engine.started, ['a', 'b']);

  clock.advance(30);
  engine.finish('a');
  await turn();
  assert.deepEqual(results.get('a'), { healthy: true, output: 'the check exited with code 0' });
  assert.deepEqual(engine.started, ['a', 'b', 'c'], 'c starts once a is done');

  clock.advance(30); // 60 ms: b's deadline (50) has passed, c's (30 + 50) has not
  await turn();
  assert.deepEqual(results.get('b'), { healthy: false, output: 'timed out after 50ms' });
  assert.equal(results.has('c'), false);
  engine.finish('c', 1);
  await turn();
  assert.deepEqual(results.get('c'), { healthy: false, output: 'the check exited with code 1' });
});

test('a check cancelled while it waits never runs, and gives up no turn of the others', async () => {
  const clock = new FakeClock();
  const engine = heldEngine();
  const prober = execProber(clock, engine.driver, 1);
  const first = probeOf(prober, 'a');
  const stop = new AbortController();
  const waiting = probeOf(prober, 'b', stop.signal);
  stop.abort();
  assert.deepEqual(await waiting, { healthy: false, output: 'check cancelled' });
  engine.finish('a');
  await first;
  const next = probeOf(prober, 'c');
  await turn();
  assert.deepEqual(engine.started, ['a', 'c'], 'b never ran; c had the free turn at once');
  engine.finish('c');
  assert.equal((await next).healthy, true);
});
