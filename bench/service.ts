import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './bench-error.js';
import { formatComparison, series, signedMs, toMicroseconds, type Series } from './cluster-table.js';
import type { BenchContext, Benchmark } from './context.js';
import { assertImagePresent, BENCH_IMAGE } from './docker-engine.js';
import { goalLine, headline, publishReport } from './report.js';
import { rotated } from './rotation.js';
import { HEALTH, ROLLOUT, type ServiceObservation, type ServiceSide } from './service-sides.js';
import { startPoseidonSide } from './service-poseidon.js';
import { SwarmServiceSide } from './service-swarm.js';
import { imageId, SwarmSession } from './swarm.js';
import { ms } from './table.js';

// Services side by side with Swarm on the same engine, in one run: scale 0 → 50 until all run, a
// rolling update of 10 replicas (parallelism 2, health-gated) until done, and an update whose new
// version exits 1 until every replica is back on the old one. Each round runs every scenario on
// every side; the order of the sides rotates each round. Both sides are polled the same way.

const ROUNDS = 3;
const SCALE_TO = 50;
const UPDATE_REPLICAS = 10;
const POLL_MS = 50;
/** A scenario not done by then fails the benchmark (bounded in time). */
const SCENARIO_DEADLINE_MS = 180_000;
/** Untimed pause after each side's clean-up, so the engine's teardown is over before the next. */
const SETTLE_MS = 1_000;

type Scenario = 'scale' | 'update' | 'rollback';
const SCENARIOS: readonly Scenario[] = ['scale', 'update', 'rollback'];
const TITLE: Record<Scenario, string> = {
  scale: `scale 0 → ${SCALE_TO} until all run`,
  update: `rolling update of ${UPDATE_REPLICAS} replicas, parallelism ${ROLLOUT.parallelism}, health-gated, until done`,
  rollback: `a failed update (new version exits 1) until all ${UPDATE_REPLICAS} are back on the old version`,
};

/** One timed scenario on one side. */
interface Sample {
  ms: number;
  /** The fewest healthy replicas any poll saw from the request to the end. */
  fewestHealthy: number;
  polls: number;
}

export const serviceBenchmark: Benchmark = {
  name: 'service',
  description: `services vs. Swarm: scale 0 → ${SCALE_TO}, a rolling update of ${UPDATE_REPLICAS}, a failed update rolled back; ${ROUNDS} rounds`,
  run: runService,
};

async function runService(ctx: BenchContext): Promise<void> {
  await assertImagePresent(ctx.docker);
  const image = await imageId(ctx.docker, BENCH_IMAGE);
  let swarm: SwarmSession | undefined;
  const poseidon = await startPoseidonSide(ctx);
  try {
    swarm = await SwarmSession.join(ctx);
    const sides: ServiceSide[] = [poseidon.side, new SwarmServiceSide(ctx, image)];
    const samples = new Map<string, Sample[]>();
    const failures: Failure[] = [];
    const order: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of SCENARIOS) {
        const line: string[] = [];
        for (const side of rotated(sides, round)) {
          ctx.signal.throwIfAborted();
          const s = await runScenario(ctx, side, scenario, round).catch((err: unknown) => {
            // one side's rollout that paused or ran past its deadline is a result, not the end of the run
            if (!(err instanceof ScenarioFailed)) throw err;
            return err;
          });
          if (s instanceof ScenarioFailed) {
            failures.push({ round, scenario, metric: side.metric, reason: s.message });
            line.push(`${side.metric} failed (${s.message})`);
          } else {
            const key = `${scenario}|${side.metric}`;
            samples.set(key, [...(samples.get(key) ?? []), s]);
            line.push(`${side.metric} ${ms(s.ms)} (fewest healthy ${s.fewestHealthy})`);
          }
          order.push(`${round}:${scenario}:${side.metric}`);
          await sleep(SETTLE_MS, undefined, { signal: ctx.signal });
        }
        ctx.progress(`service: round ${round + 1}/${ROUNDS}, ${scenario}: ${line.join(', ')}`);
      }
    }
    await poseidon.stop();
    await swarm.leave();
    await report(ctx, sides, samples, failures, order, swarm.createdHere);
  } finally {
    await poseidon.stop();
    await swarm?.leave();
  }
}

async function runScenario(ctx: BenchContext, side: ServiceSide, scenario: Scenario, round: number): Promise<Sample> {
  const name = `${ctx.runId}-${scenario}-${round}-${side.metric.replace(/[^a-z0-9]+/g, '-')}`.slice(0, 63);
  const sample = randomUUID();
  const replicas = scenario === 'scale' ? 0 : UPDATE_REPLICAS;
  await side.create(name, replicas, sample, scenario !== 'scale');
  try {
    if (replicas > 0) await until(ctx, side, `${name}: ${replicas} healthy`, (o) => o.healthy >= replicas);
    const t0 = performance.now();
    if (scenario === 'scale') await side.scale(SCALE_TO);
    else await side.update(scenario === 'update' ? 'good' : 'bad');
    const done =
      scenario === 'scale'
        ? (o: ServiceObservation): boolean => o.healthy >= SCALE_TO
        : scenario === 'update'
          ? (o: ServiceObservation): boolean => o.rollout === 'completed' && o.healthy >= UPDATE_REPLICAS
          : (o: ServiceObservation): boolean => o.rollout === 'rolled_back' && o.healthy >= UPDATE_REPLICAS;
    const seen = await until(ctx, side, `${name}: ${scenario} done`, done);
    return { ms: seen.atMs - t0, fewestHealthy: seen.fewestHealthy, polls: seen.polls };
  } finally {
    await side.remove();
  }
}

/** A side's scenario that did not finish: its rollout paused, or the deadline passed. */
class ScenarioFailed extends BenchError {}

interface Failure {
  round: number;
  scenario: Scenario;
  metric: string;
  reason: string;
}

/** Polls every POLL_MS until `done`; a paused rollout or the deadline fails the scenario (ScenarioFailed). */
async function until(
  ctx: BenchContext,
  side: ServiceSide,
  what: string,
  done: (o: ServiceObservation) => boolean,
): Promise<{ atMs: number; fewestHealthy: number; polls: number }> {
  const deadline = performance.now() + SCENARIO_DEADLINE_MS;
  let fewestHealthy = Number.POSITIVE_INFINITY;
  let polls = 0;
  for (;;) {
    const o = await side.observe();
    const atMs = performance.now();
    polls += 1;
    fewestHealthy = Math.min(fewestHealthy, o.healthy);
    if (done(o)) return { atMs, fewestHealthy, polls };
    if (o.rollout === 'paused') throw new ScenarioFailed(`${side.metric} ${what}: the rollout paused (${o.detail})`);
    if (atMs > deadline)
      throw new ScenarioFailed(
        `${side.metric} ${what}: not done after ${SCENARIO_DEADLINE_MS} ms (${o.healthy} healthy, ${o.detail})`,
      );
    await sleep(POLL_MS, undefined, { signal: ctx.signal });
  }
}

async function report(
  ctx: BenchContext,
  sides: readonly ServiceSide[],
  samples: ReadonlyMap<string, Sample[]>,
  failures: readonly Failure[],
  order: readonly string[],
  swarmCreatedHere: boolean,
): Promise<void> {
  const date = new Date().toISOString();
  const [poseidon, swarm] = sides.map((s) => s.metric);
  const of = (scenario: Scenario, metric: string | undefined): Sample[] => samples.get(`${scenario}|${metric}`) ?? [];
  const lines: string[] = [
    headline(
      `service: services side by side with Swarm, ms (${ROUNDS} rounds, sides interleaved; polled every ${POLL_MS} ms)`,
      date,
      ctx.machine,
    ),
  ];
  const goals: { statement: string; differenceMs: number; failedRounds: number; met: boolean }[] = [];
  const failed = (scenario: Scenario, metric: string | undefined): Failure[] =>
    failures.filter((f) => f.scenario === scenario && f.metric === metric);
  const tables: Record<string, Series[]> = {};
  for (const scenario of SCENARIOS) {
    // a side that finished no round has no row (a summary of no samples is not a number)
    const rows = sides
      .filter((side) => of(scenario, side.metric).length > 0)
      .map((side) =>
        series(
          side.metric,
          of(scenario, side.metric).map((s) => s.ms),
        ),
      );
    tables[scenario] = rows;
    const reference = rows.some((r) => r.metric === swarm) ? [{ metric: swarm ?? '', title: 'swarm' }] : [];
    lines.push('', `${TITLE[scenario]}:`, formatComparison(rows, reference));
    for (const f of failures.filter((x) => x.scenario === scenario))
      lines.push(`failed, round ${f.round + 1}: ${f.reason} (not in the table)`);
    if (scenario !== 'scale') {
      for (const side of sides) {
        const fewest = of(scenario, side.metric).map((s) => s.fewestHealthy);
        if (fewest.length > 0)
          lines.push(
            `fewest healthy replicas seen, ${side.metric}: ${Math.min(...fewest)} of ${UPDATE_REPLICAS} (per round: ${fewest.join(', ')})`,
          );
      }
    }
    const median = (metric: string | undefined): number =>
      rows.find((r) => r.metric === metric)?.summary.medianMs ?? Number.NaN;
    const difference = median(poseidon) - median(swarm);
    const poseidonFailed = failed(scenario, poseidon).length;
    // a round Poseidon did not finish fails the goal; Swarm's failed rounds are left out of its median
    const met = poseidonFailed === 0 && (difference < 0 || of(scenario, swarm).length === 0);
    const statement = `${scenario}: Poseidon faster than Swarm, every round finished`;
    goals.push({ statement, differenceMs: toMicroseconds(difference), failedRounds: poseidonFailed, met });
    const failedText = poseidonFailed === 0 ? '' : `; Poseidon failed ${poseidonFailed} round(s)`;
    lines.push(goalLine(statement, `Poseidon median − Swarm median = ${signedMs(difference)} ms${failedText}`, met));
  }
  await publishReport(
    ctx,
    { benchmark: 'service', date, lines },
    {
      method: {
        image: BENCH_IMAGE,
        rounds: ROUNDS,
        pollMs: POLL_MS,
        healthCheck: HEALTH,
        rollout: { ...ROLLOUT, failureAction: 'rollback' },
        interleaving: 'each round runs every scenario on every side; the order of the sides rotates by one each round',
        settleMsAfterEachSide: SETTLE_MS,
        swarm: swarmCreatedHere
          ? 'initialized by the run on 127.0.0.1, left at the end'
          : 'already active; left as found',
        timed: {
          scale: `from sending the scale (0 → ${SCALE_TO}) until a poll saw ${SCALE_TO} slots with a running task (no health check)`,
          update: 'from sending the new version until a poll saw the rollout completed and every slot healthy',
          rollback:
            'from sending a version that exits 1 until a poll saw the rollout rolled back and every slot healthy',
        },
        untimed: 'creating each service (and waiting until its replicas are healthy), removing it and its containers',
      },
      tables,
      samples: Object.fromEntries(samples),
      failures,
      order,
      goals,
    },
  );
}
