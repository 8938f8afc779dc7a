import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HealthMonitor, nextHealth, type CheckOutcome } from '../../../src/worker/health/health-monitor.js';
import type { Prober, ProbeResult, ProbeTarget } from '../../../src/worker/health/prober.js';
import type { HealthCheck } from '../../../src/task/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const OK: ProbeResult = { healthy: true, output: 'HTTP 200' };
const DOWN: ProbeResult = { healthy: false, output: 'connect ECONNREFUSED 172.17.0.9:80' };
const TARGET: ProbeTarget = { containerId: 'c1', ipAddress: '172.17.0.9' };

function check(extra: Partial<HealthCheck> = {}): HealthCheck {
  return {
    type: 'http',
    port: 80,
    path: '/',
    expectedStatusMin: 200,
    expectedStatusMax: 399,
    command: [],
    intervalMs: 100,
    timeoutMs: 50,
    failureThreshold: 3,
    startPeriodMs: 0,
    ...extra,
  };
}

/** Answers with the scripted results in order (healthy once they run out); not under test here. */
class ScriptedProber implements Prober {
  readonly calls: ProbeTarget[] = [];
  readonly signals: AbortSignal[] = [];
  constructor(readonly script: Array<ProbeResult | Promise<ProbeResult>> = []) {}
  async probe(target: ProbeTarget, _check: HealthCheck, signal: AbortSignal): Promise<ProbeResult> {
    this.calls.push(target);
    this.signals.push(signal);
    return this.script.shift() ?? OK;
  }
}

function setup(script: Array<ProbeResult | Promise<ProbeResult>> = []) {
  const clock = new FakeClock();
  const prober = new ScriptedProber(script);
  const outcomes: CheckOutcome[] = [];
  const errors: object[] = [];
  const monitor = new HealthMonitor({
    clock,
    probers: { http: prober, tcp: prober, exec: prober },
    onCheck: async (_id, outcome) => void outcomes.push(outcome),
    log: { error: (obj) => void errors.push(obj) },
  });
  /** Lets `n` intervals pass, one check each: the next timer is set only once a check settles. */
  const checks = async (n: number, intervalMs = 100): Promise<void> => {
    for (let i = 0; i < n; i++) {
      clock.advance(intervalMs);
      await monitor.idle();
    }
  };
  const statuses = (): string[] => outcomes.map((o) => o.health.status);
  return { clock, prober, outcomes, errors, monitor, checks, statuses, startedAtMs: clock.now() };
}

describe('HealthMonitor', () => {
  test('a task is starting until its first check, and healthy after a success', async () => {
    const s = setup([OK]);
    const health = s.monitor.start('t1', TARGET, check(), { startedAtMs: s.startedAtMs });
    assert.deepEqual(health, { status: 'starting', failures: 0, lastOutput: '', lastCheckedAt: null });
    s.clock.advance(99);
    await s.monitor.idle();
    assert.equal(s.prober.calls.length, 0, 'the first check waits one interval');
    await s.checks(1, 1);
    assert.deepEqual(s.prober.calls, [TARGET]);
    assert.deepEqual(s.outcomes[0]?.health, {
      status: 'healthy',
      failures: 0,
      lastOutput: 'HTTP 200',
      lastCheckedAt: new Date(s.clock.now()).toISOString(),
    });
    assert.equal(s.outcomes[0]?.changed, true);
  });

  test('a starting task gets early looks: a failed one counts for nothing, the first success makes it healthy at once', async () => {
    const s = setup([DOWN, DOWN, OK]);
    s.monitor.start('t1', TARGET, check({ intervalMs: 1_000, failureThreshold: 1 }), { startedAtMs: s.startedAtMs });
    // looks at 100, 200 and 400 ms: two failures (not even one counts, with a threshold of 1), then healthy
    for (const ms of [100, 100, 200]) {
      s.clock.advance(ms);
      await s.monitor.idle();
    }
    assert.equal(s.prober.calls.length, 3);
    assert.deepEqual(s.statuses(), ['healthy'], 'the failed looks are not reported');
    assert.equal(s.outcomes[0]?.health.failures, 0);
    // then the regular checks, one interval apart
    await s.checks(1, 999);
    assert.equal(s.prober.calls.length, 3);
    await s.checks(1, 1);
    assert.equal(s.prober.calls.length, 4);
  });

  test('early looks end where the first interval does: a task never healthy is checked and judged as before', async () => {
    const s = setup(Array.from({ length: 10 }, () => DOWN));
    s.monitor.start('t1', TARGET, check({ intervalMs: 1_000, failureThreshold: 2 }), { startedAtMs: s.startedAtMs });
    for (const ms of [100, 100, 200, 400]) {
      s.clock.advance(ms);
      await s.monitor.idle();
    }
    assert.equal(s.prober.calls.length, 4, 'looks at 100, 200, 400 and 800 ms');
    assert.deepEqual(s.statuses(), []);
    await s.checks(1, 200);
    assert.deepEqual(s.statuses(), ['starting'], 'the check at one interval counts');
    await s.checks(1, 1_000);
    assert.deepEqual(s.statuses(), ['starting', 'unhealthy']);
    assert.equal(s.prober.calls.length, 6);
  });

  test('a healthy task resumed after a worker restart gets no early looks', async () => {
    const s = setup();
    const health = { status: 'healthy' as const, failures: 0, lastOutput: 'HTTP 200', lastCheckedAt: null };
    s.monitor.start('t1', TARGET, check({ intervalMs: 1_000 }), { startedAtMs: s.startedAtMs, health });
    await s.checks(1, 999);
    assert.equal(s.prober.calls.length, 0);
    await s.checks(1, 1);
    assert.equal(s.prober.calls.length, 1);
  });

  test('failures during the start period are not counted, and the count starts when it ends', async () => {
    const s = setup(Array.from({ length: 12 }, () => DOWN));
    s.monitor.start('t1', TARGET, check({ startPeriodMs: 1_000, failureThreshold: 2 }), { startedAtMs: s.startedAtMs });
    await s.checks(9); // checks at 100..900 ms, all inside the start period
    assert.ok(s.outcomes.every((o) => o.health.status === 'starting' && o.health.failures === 0));
    assert.equal(s.monitor.isWatching('t1'), true);
    await s.checks(1); // 1000 ms: the start period is over; the first counted failure
    assert.deepEqual([s.outcomes.at(-1)?.health.status, s.outcomes.at(-1)?.health.failures], ['starting', 1]);
    await s.checks(1);
    assert.deepEqual([s.outcomes.at(-1)?.health.status, s.outcomes.at(-1)?.health.failures], ['unhealthy', 2]);
  });

  test('after the first success the start period no longer shields failures', async () => {
    const s = setup([OK, DOWN, DOWN]);
    s.monitor.start('t1', TARGET, check({ startPeriodMs: 60_000, failureThreshold: 2 }), {
      startedAtMs: s.startedAtMs,
    });
    await s.checks(3);
    assert.deepEqual(s.statuses(), ['healthy', 'healthy', 'unhealthy']);
  });

  test('a start period counts from the container start, so an adopted container gets no new one', async () => {
    const s = setup([DOWN, DOWN]);
    s.monitor.start('t1', TARGET, check({ startPeriodMs: 1_000, failureThreshold: 2 }), {
      startedAtMs: s.startedAtMs - 5_000,
    });
    await s.checks(2);
    assert.deepEqual(s.statuses(), ['starting', 'unhealthy']);
  });

  test('only consecutive failures count: a success resets the count', async () => {
    const s = setup([DOWN, DOWN, OK, DOWN, DOWN, OK, DOWN, DOWN, DOWN]);
    s.monitor.start('t1', TARGET, check({ failureThreshold: 3 }), { startedAtMs: s.startedAtMs });
    await s.checks(9);
    assert.deepEqual(
      s.outcomes.map((o) => `${o.health.status}/${o.health.failures}`),
      [
        'starting/1',
        'starting/2',
        'healthy/0',
        'healthy/1',
        'healthy/2',
        'healthy/0',
        'healthy/1',
        'healthy/2',
        'unhealthy/3',
      ],
    );
  });

  test('an unhealthy task is no longer checked and holds no timer', async () => {
    const s = setup([DOWN, DOWN]);
    s.monitor.start('t1', TARGET, check({ failureThreshold: 2 }), { startedAtMs: s.startedAtMs });
    await s.checks(2);
    assert.deepEqual(s.statuses(), ['starting', 'unhealthy']);
    assert.equal(s.monitor.isWatching('t1'), false);
    assert.equal(s.clock.pendingTimers, 0);
    await s.checks(5);
    assert.equal(s.prober.calls.length, 2);
  });

  test('stop cancels the task timer: no check runs afterwards', async () => {
    const s = setup();
    s.monitor.start('t1', TARGET, check(), { startedAtMs: s.startedAtMs });
    s.monitor.start('t2', { containerId: 'c2', ipAddress: '172.17.0.10' }, check(), { startedAtMs: s.startedAtMs });
    assert.equal(s.clock.pendingTimers, 2, 'one timer per task');
    s.monitor.stop('t1');
    s.monitor.stop('t1'); // idempotent
    assert.equal(s.clock.pendingTimers, 1);
    await s.checks(3);
    assert.deepEqual(
      s.prober.calls.map((t) => t.containerId),
      ['c2', 'c2', 'c2'],
    );
  });

  test('stop during a check aborts its signal and drops its answer', async () => {
    let answer!: (r: ProbeResult) => void;
    const s = setup([new Promise<ProbeResult>((resolve) => (answer = resolve))]);
    s.monitor.start('t1', TARGET, check(), { startedAtMs: s.startedAtMs });
    s.clock.advance(100);
    await Promise.resolve();
    assert.equal(s.prober.calls.length, 1, 'the check is in flight');
    s.monitor.stop('t1');
    assert.equal(s.prober.signals[0]?.aborted, true);
    answer(DOWN);
    await s.monitor.idle();
    assert.deepEqual(s.outcomes, []);
    assert.equal(s.clock.pendingTimers, 0);
  });

  test('stopAll stops every task, waits for checks in flight, and refuses new watches', async () => {
    let answer!: (r: ProbeResult) => void;
    const s = setup([new Promise<ProbeResult>((resolve) => (answer = resolve))]);
    s.monitor.start('t1', TARGET, check(), { startedAtMs: s.startedAtMs });
    s.monitor.start('t2', { containerId: 'c2', ipAddress: '' }, check(), { startedAtMs: s.startedAtMs });
    s.clock.advance(100);
    let stopped = false;
    const stopping = s.monitor.stopAll().then(() => (stopped = true));
    await Promise.resolve();
    assert.equal(stopped, false, 'a check is still in flight');
    answer(OK);
    await stopping;
    assert.equal(s.clock.pendingTimers, 0);
    s.monitor.start('t3', TARGET, check(), { startedAtMs: s.startedAtMs });
    assert.equal(s.monitor.isWatching('t3'), false);
    assert.equal(s.clock.pendingTimers, 0);
  });

  test('starting again for the same container keeps the watch; a new container starts afresh', async () => {
    const s = setup([OK]);
    s.monitor.start('t1', TARGET, check(), { startedAtMs: s.startedAtMs });
    await s.checks(1);
    const again = s.monitor.start('t1', TARGET, check(), { startedAtMs: s.startedAtMs });
    assert.equal(again.status, 'healthy', 'a resync does not reset health');
    assert.equal(s.clock.pendingTimers, 1);
    const fresh = s.monitor.start('t1', { containerId: 'c9', ipAddress: '172.17.0.11' }, check(), {
      startedAtMs: s.clock.now(),
    });
    assert.equal(fresh.status, 'starting');
    assert.equal(s.clock.pendingTimers, 1, 'the old container lost its timer');
  });

  test('a health resumed after a worker restart keeps its status and failure count', async () => {
    const s = setup([DOWN]);
    const stored = {
      status: 'healthy' as const,
      failures: 2,
      lastOutput: 'HTTP 500',
      lastCheckedAt: '2025-01-01T00:00:00.000Z',
    };
    assert.deepEqual(
      s.monitor.start('t1', TARGET, check({ failureThreshold: 3 }), { startedAtMs: s.startedAtMs, health: stored }),
      stored,
    );
    await s.checks(1);
    assert.deepEqual(s.statuses(), ['unhealthy']);
  });

  test('a prober that throws counts as a failed check with the error as output', async () => {
    const s = setup([Promise.reject(new Error('connect EHOSTUNREACH 172.17.0.9:80'))]);
    s.monitor.start('t1', TARGET, check(), { startedAtMs: s.startedAtMs });
    await s.checks(1);
    assert.deepEqual(s.outcomes[0]?.result, { healthy: false, output: 'connect EHOSTUNREACH 172.17.0.9:80' });
    assert.equal(s.outcomes[0]?.health.failures, 1);
  });

  test('an onCheck that fails is logged and the checks go on', async () => {
    const clock = new FakeClock();
    const prober = new ScriptedProber();
    const errors: object[] = [];
    const monitor = new HealthMonitor({
      clock,
      probers: { http: prober, tcp: prober, exec: prober },
      onCheck: async () => {
        throw new Error('store is closed');
      },
      log: { error: (obj) => void errors.push(obj) },
    });
    monitor.start('t1', TARGET, check(), { startedAtMs: clock.now() });
    for (let i = 0; i < 2; i++) {
      clock.advance(100);
      await monitor.idle();
    }
    assert.equal(prober.calls.length, 2);
    assert.equal(errors.length, 2);
  });
});

describe('nextHealth: what is worth a write', () => {
  const c = { failureThreshold: 3, startPeriodMs: 0 };
  const at = '2025-01-01T00:00:00.000Z';
  const fail = (output: string): ProbeResult => ({ healthy: false, output });

  test('a status change, a new failure output, or a reset failure count is a change; a steady check is not', () => {
    const script: Array<[ProbeResult, boolean]> = [
      [OK, true], // starting -> healthy
      [OK, false],
      [OK, false],
      [fail('HTTP 500'), true], // a failure with something new to say
      [fail('HTTP 500'), false], // the same again: only the count moved
      [fail('HTTP 503'), true],
      [OK, true], // the failures are reset
      [OK, false],
    ];
    let health = { status: 'starting' as const, failures: 0, lastOutput: '', lastCheckedAt: null } as ReturnType<
      typeof nextHealth
    >['health'];
    const changed: boolean[] = [];
    for (const [result] of script) {
      const next = nextHealth(health, result, c, 10_000, at);
      changed.push(next.changed);
      health = next.health;
    }
    assert.deepEqual(
      changed,
      script.map(([, want]) => want),
    );
  });

  test('a failure during the start period keeps the task starting with no failures counted', () => {
    const prev = { status: 'starting' as const, failures: 0, lastOutput: '', lastCheckedAt: null };
    assert.deepEqual(nextHealth(prev, fail('HTTP 502'), { failureThreshold: 1, startPeriodMs: 500 }, 499, at), {
      health: { status: 'starting', failures: 0, lastOutput: 'HTTP 502', lastCheckedAt: at },
      changed: true,
    });
    assert.equal(
      nextHealth(prev, fail('HTTP 502'), { failureThreshold: 1, startPeriodMs: 500 }, 500, at).health.status,
      'unhealthy',
    );
  });
});
