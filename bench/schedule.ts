import {
  DEFAULT_FILTERS,
  DEFAULT_PROBES,
  DEFAULT_SAMPLE_SIZE,
  DEFAULT_SCHEDULER_SEED,
  EpvmScorer,
  NodePool,
  Scheduler,
  seededRandom,
  strategyByName,
  type NodeView,
  type StrategyName,
} from '../src/scheduler/index.js';
import { loadavg } from 'node:os';
import type { TaskRequest } from '../src/task/index.js';
import { placeIn } from '../testkit/place-in.js';
import type { BenchContext, Benchmark } from './context.js';
import { goalLine, headline, publishReport, verdict } from './report.js';
import {
  GiB,
  MiB,
  PlainCluster,
  simulatedNodes,
  simulatedTasks,
  type ClusterShape,
  type TaskShape,
} from './schedule-cluster.js';
import { spreadOf, type Spread } from './schedule-quality.js';
import { percent, perSecond, points, ratio, signedPercent, thousands } from './schedule-report.js';
import { summarize, type Summary } from './stats.js';
import { formatGrid, formatTable, type TableRow } from './table.js';

// The scheduler alone, in-process, on simulated nodes: only the cluster state is fake
// (schedule-cluster.ts); filters, scorers, the index and the sampler are the real ones.
// JavaScript runs this on one thread, so every figure is for one core.

const SIZES = [100, 1_000, 10_000] as const;
const STRATEGIES: readonly StrategyName[] = ['roundrobin', 'epvm'];
type Path = 'full' | 'fast';
const PATHS: readonly Path[] = ['full', 'fast'];
const PATH_LABEL: Record<Path, string> = { full: 'full scan', fast: 'fast path' };

const REPS = 11;
const WARMUP_REPS = 1;
/** Placements per timed rep on the fast path: enough to cycle a 10,000-node cluster through the cache, so a rep measures placing, not the first touch of each node. */
const FAST_BATCH = 20_000;
/** Placements per timed rep on the full scan: about 10^6 node visits, so a rep takes 0.1–0.3 s at any size. */
const fullBatch = (nodes: number): number => Math.min(5_000, Math.max(100, Math.round(1_000_000 / nodes)));

const MILLION = 1_000_000;
const MILLION_NODES = 10_000;
const MILLION_CHUNK = 50_000;
/** The 1,000,000-placement runs stop here, each, and report how far they got. */
const MILLION_BUDGET_MS = 60_000;

const QUALITY_NODES = 1_000;
const QUALITY_TASKS = 40_000;
const QUALITY_SEEDS = [1, 2, 3, 4, 5] as const;

const GOAL_PLACEMENTS_PER_SECOND = 20_000;

/** Big nodes and small tasks: 1,000,000 of them fit on 10,000 nodes with room to spare. */
const SPEED_CLUSTER: Omit<ClusterShape, 'nodes'> = {
  capacity: { cpuCores: 64, memoryBytes: 256 * GiB, diskBytes: 1024 * GiB },
  downShare: 0.01,
  preload: {
    cpuCores: { min: 0, max: 16 },
    memoryBytes: { min: 0, max: 64 * GiB },
    taskCount: { min: 0, max: 40 },
    usedPorts: { min: 0, max: 3 },
  },
  measuredShare: 0.8,
  cpuUsage: { min: 0, max: 0.5 },
};
const SPEED_TASKS: TaskShape = {
  cpuCores: { min: 0.01, max: 0.1 },
  memoryBytes: { min: 16 * MiB, max: 128 * MiB },
  diskBytes: { min: 0, max: 512 * MiB },
  hostPortShare: 0.02,
  hostPorts: { min: 30_000, max: 39_999 },
};
/** Smaller nodes filled to about two thirds of their memory, so the spread is worth measuring. */
const QUALITY_CLUSTER: ClusterShape = {
  nodes: QUALITY_NODES,
  capacity: { cpuCores: 16, memoryBytes: 64 * GiB, diskBytes: 1024 * GiB },
  downShare: 0.01,
  preload: {
    cpuCores: { min: 0, max: 0 },
    memoryBytes: { min: 0, max: 0 },
    taskCount: { min: 0, max: 0 },
    usedPorts: { min: 0, max: 0 },
  },
  measuredShare: 0.5,
  cpuUsage: { min: 0, max: 0.3 },
};
const QUALITY_TASK_SHAPE: TaskShape = {
  cpuCores: { min: 0.05, max: 0.5 },
  memoryBytes: { min: 128 * MiB, max: 2 * GiB },
  diskBytes: { min: 0, max: 0 },
  hostPortShare: 0,
  hostPorts: { min: 0, max: 0 },
};

export const scheduleBenchmark: Benchmark = {
  name: 'schedule',
  description:
    'the scheduler alone on 100, 1,000 and 10,000 simulated nodes: full scan vs. fast path, 1,000,000 placements, E-PVM spread',
  run: runSchedule,
};

interface SpeedSeries {
  metric: string;
  nodes: number;
  strategy: StrategyName;
  path: Path;
  batch: number;
  /** µs per placement, one per counted rep. */
  samplesUs: number[];
  summary: Summary;
  unplaced: number;
}

interface MillionRun {
  strategy: StrategyName;
  attempted: number;
  placed: number;
  elapsedMs: number;
  perSecond: number;
  chunkUs: number[];
  summary: Summary;
  spread: Spread;
}

interface QualityResult {
  full: Spread;
  fullElapsedMs: number;
  fast: { seed: number; spread: Spread; elapsedMs: number }[];
  roundrobin: Spread;
  /** One mean task's memory as a share of a node's: the granularity of any placement. */
  toleranceShare: number;
}

async function runSchedule(ctx: BenchContext): Promise<void> {
  const began = performance.now();
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const clusters = new Map(
    SIZES.map((n) => [n, simulatedNodes({ ...SPEED_CLUSTER, nodes: n }, seededRandom(1_000 + n))]),
  );
  // two phases: a full scan streams the whole cluster through the cpu caches, and would leave
  // every fast-path rep after it starting cold
  const speed = [...(await measureSpeed(ctx, clusters, 'fast')), ...(await measureSpeed(ctx, clusters, 'full'))];
  const identical = checkRoundRobin(clusters);
  const million: MillionRun[] = [];
  for (const strategy of ['epvm', 'roundrobin'] as const)
    million.push(await placeMillion(ctx, clusterOf(clusters, MILLION_NODES), strategy));
  const quality = await measureQuality(ctx);
  ctx.progress(`schedule: done in ${((performance.now() - began) / 1000).toFixed(0)} s`);
  await report(ctx, speed, identical, million, quality, { before: loadBefore, after: loadavg()[0] ?? Number.NaN });
}

/** The 1-minute load average: on a shared machine, other work moves every figure here. */
interface Load {
  before: number;
  after: number;
}

function clusterOf(clusters: ReadonlyMap<number, NodeView[]>, n: number): NodeView[] {
  const nodes = clusters.get(n);
  if (nodes === undefined) throw new RangeError(`no simulated cluster of ${n} nodes`);
  return nodes;
}

function scheduler(strategy: StrategyName, seed = DEFAULT_SCHEDULER_SEED): Scheduler {
  return new Scheduler(strategyByName(strategy), DEFAULT_FILTERS, { random: seededRandom(seed) });
}

/** Places a batch, timed, then gives it all back (untimed), so every rep starts from the same cluster. Returns µs per placement and the unplaced count. */
type Rep = (tasks: readonly TaskRequest[]) => { us: number; unplaced: number };

function fastRep(nodes: readonly NodeView[], strategy: StrategyName): Rep {
  const pool = new NodePool(nodes);
  const s = scheduler(strategy);
  return (tasks) => {
    const chosen: (string | null)[] = new Array<string | null>(tasks.length).fill(null);
    const t0 = performance.now();
    for (let i = 0; i < tasks.length; i++) {
      const p = placeIn(s, pool, tasks[i] as TaskRequest);
      if (p.ok) chosen[i] = p.nodeId;
    }
    const elapsedMs = performance.now() - t0;
    chosen.forEach((id, i) => id !== null && pool.release(id, tasks[i] as TaskRequest));
    return { us: (elapsedMs * 1000) / tasks.length, unplaced: chosen.filter((id) => id === null).length };
  };
}

function fullRep(nodes: readonly NodeView[], strategy: StrategyName): Rep {
  const cluster = new PlainCluster(nodes);
  const s = scheduler(strategy);
  return (tasks) => {
    const chosen: (string | null)[] = new Array<string | null>(tasks.length).fill(null);
    const t0 = performance.now();
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i] as TaskRequest;
      const p = s.place(task, cluster.views);
      if (p.ok) {
        cluster.reserve(p.nodeId, task);
        chosen[i] = p.nodeId;
      }
    }
    const elapsedMs = performance.now() - t0;
    chosen.forEach((id, i) => id !== null && cluster.release(id, tasks[i] as TaskRequest));
    return { us: (elapsedMs * 1000) / tasks.length, unplaced: chosen.filter((id) => id === null).length };
  };
}

/**
 * Every (size, strategy) of one path in each rep, the starting one rotating from rep to rep, so
 * a slow moment of a shared machine lands on all of them rather than on one.
 */
async function measureSpeed(
  ctx: BenchContext,
  clusters: ReadonlyMap<number, NodeView[]>,
  path: Path,
): Promise<SpeedSeries[]> {
  interface Config {
    key: Omit<SpeedSeries, 'samplesUs' | 'summary' | 'unplaced'>;
    tasks: readonly TaskRequest[];
    rep: Rep;
    samplesUs: number[];
    unplaced: number;
  }
  const configs: Config[] = SIZES.flatMap((n) => {
    const nodes = clusterOf(clusters, n);
    const batch = path === 'fast' ? FAST_BATCH : fullBatch(n);
    const tasks = simulatedTasks(SPEED_TASKS, batch, seededRandom(2_000 + n));
    return STRATEGIES.map((strategy) => ({
      key: { metric: `${strategy} · ${PATH_LABEL[path]} · ${thousands(n)} nodes`, nodes: n, strategy, path, batch },
      tasks,
      rep: path === 'fast' ? fastRep(nodes, strategy) : fullRep(nodes, strategy),
      samplesUs: [],
      unplaced: 0,
    }));
  });
  for (let rep = 0; rep < WARMUP_REPS + REPS; rep++) {
    const counted = rep >= WARMUP_REPS;
    for (let k = 0; k < configs.length; k++) {
      const c = configs[(rep + k) % configs.length];
      if (c === undefined) continue;
      ctx.signal.throwIfAborted();
      const r = c.rep(c.tasks);
      if (counted) {
        c.samplesUs.push(round3(r.us));
        c.unplaced += r.unplaced;
      }
    }
    ctx.progress(
      `schedule: ${PATH_LABEL[path]} ${counted ? `rep ${rep - WARMUP_REPS + 1}/${REPS}` : `warm-up ${rep + 1}/${WARMUP_REPS}`}`,
    );
    await yieldToEvents(); // let a Ctrl-C reach the signal
  }
  return configs.map((c) => ({
    ...c.key,
    samplesUs: c.samplesUs,
    summary: summarize(c.samplesUs),
    unplaced: c.unplaced,
  }));
}

/** Round-robin's fast path should make exactly the full scan's choices; the unit tests prove it on small clusters, this on large ones. */
function checkRoundRobin(
  clusters: ReadonlyMap<number, NodeView[]>,
): { nodes: number; compared: number; identical: number }[] {
  return SIZES.map((n) => {
    const nodes = clusterOf(clusters, n);
    const tasks = simulatedTasks(SPEED_TASKS, fullBatch(n), seededRandom(3_000 + n));
    const pool = new NodePool(nodes);
    const cluster = new PlainCluster(nodes);
    const fast = scheduler('roundrobin');
    const full = scheduler('roundrobin');
    let identical = 0;
    for (const task of tasks) {
      const a = placeIn(fast, pool, task);
      const b = full.place(task, cluster.views);
      if (b.ok) cluster.reserve(b.nodeId, task);
      if (a.ok === b.ok && (!a.ok || (b.ok && a.nodeId === b.nodeId))) identical += 1;
    }
    return { nodes: n, compared: tasks.length, identical };
  });
}

async function placeMillion(
  ctx: BenchContext,
  nodes: readonly NodeView[],
  strategy: StrategyName,
): Promise<MillionRun> {
  const pool = new NodePool(nodes);
  const s = scheduler(strategy);
  const taskRandom = seededRandom(4_000);
  const chunkUs: number[] = [];
  let attempted = 0;
  let placed = 0;
  let elapsedMs = 0;
  while (attempted < MILLION && elapsedMs < MILLION_BUDGET_MS) {
    ctx.signal.throwIfAborted();
    // tasks are made before the clock starts: the bench times placing, not building requests
    const tasks = simulatedTasks(SPEED_TASKS, Math.min(MILLION_CHUNK, MILLION - attempted), taskRandom, attempted);
    const t0 = performance.now();
    for (const task of tasks) if (placeIn(s, pool, task).ok) placed += 1;
    const ms = performance.now() - t0;
    elapsedMs += ms;
    attempted += tasks.length;
    chunkUs.push(round3((ms * 1000) / tasks.length));
    if (attempted % 200_000 === 0)
      ctx.progress(
        `schedule: ${strategy} ${thousands(attempted)} placements on ${thousands(nodes.length)} nodes, ${thousands((attempted * 1000) / elapsedMs)}/s`,
      );
    await yieldToEvents();
  }
  return {
    strategy,
    attempted,
    placed,
    elapsedMs: round3(elapsedMs),
    perSecond: (attempted * 1000) / elapsedMs,
    chunkUs,
    summary: summarize(chunkUs),
    spread: spreadOf(pool.views(), new EpvmScorer()),
  };
}

/** The same 40,000 tasks on the same 1,000 empty nodes: E-PVM's full scan once (it is deterministic), its fast path once per seed. */
async function measureQuality(ctx: BenchContext): Promise<QualityResult> {
  const nodes = simulatedNodes(QUALITY_CLUSTER, seededRandom(5_000));
  const tasks = simulatedTasks(QUALITY_TASK_SHAPE, QUALITY_TASKS, seededRandom(6_000));
  const epvm = new EpvmScorer();

  const cluster = new PlainCluster(nodes);
  const full = new Scheduler(new EpvmScorer());
  let t0 = performance.now();
  for (const task of tasks) {
    const p = full.place(task, cluster.views);
    if (p.ok) cluster.reserve(p.nodeId, task);
  }
  const fullElapsedMs = performance.now() - t0;
  ctx.progress(
    `schedule: quality, E-PVM full scan placed ${thousands(QUALITY_TASKS)} tasks in ${(fullElapsedMs / 1000).toFixed(1)} s`,
  );
  await yieldToEvents();

  const fast: QualityResult['fast'] = [];
  for (const seed of QUALITY_SEEDS) {
    ctx.signal.throwIfAborted();
    const pool = new NodePool(nodes);
    const s = new Scheduler(new EpvmScorer(), DEFAULT_FILTERS, { random: seededRandom(seed) });
    t0 = performance.now();
    for (const task of tasks) placeIn(s, pool, task);
    fast.push({ seed, spread: spreadOf(pool.views(), epvm), elapsedMs: round3(performance.now() - t0) });
  }
  const rrPool = new NodePool(nodes);
  const rr = scheduler('roundrobin');
  for (const task of tasks) placeIn(rr, rrPool, task);

  const meanTaskMemory = tasks.reduce((a, t) => a + t.memoryBytes, 0) / tasks.length;
  return {
    full: spreadOf(cluster.views, epvm),
    fullElapsedMs: round3(fullElapsedMs),
    fast,
    roundrobin: spreadOf(rrPool.views(), epvm),
    toleranceShare: meanTaskMemory / QUALITY_CLUSTER.capacity.memoryBytes,
  };
}

async function report(
  ctx: BenchContext,
  speed: SpeedSeries[],
  identical: ReturnType<typeof checkRoundRobin>,
  million: MillionRun[],
  quality: QualityResult,
  load: Load,
): Promise<void> {
  const date = new Date().toISOString();
  const median = (strategy: StrategyName, path: Path, n: number): number =>
    speed.find((s) => s.strategy === strategy && s.path === path && s.nodes === n)?.summary.medianMs ?? Number.NaN;
  // "grows no faster than log n": cost(n) ≤ c · log n, with c set at the smallest size, i.e.
  // cost(n) / cost(100) ≤ log n / log 100; the step ratios are printed beside it
  const logGrowth = [Math.log(1_000) / Math.log(100), Math.log(10_000) / Math.log(1_000)] as const;
  const logFrom100 = [Math.log(1_000) / Math.log(100), Math.log(10_000) / Math.log(100)] as const;

  // growth and throughput, per strategy and path
  const growth = STRATEGIES.flatMap((strategy) =>
    PATHS.map((path) => {
      const [a, b, c] = SIZES.map((n) => median(strategy, path, n)) as [number, number, number];
      return { strategy, path, us: [a, b, c], steps: [b / a, c / b] as const, from100: [b / a, c / a] as const };
    }),
  );
  const fastGrowth = growth.filter((g) => g.path === 'fast');
  const growthMet = fastGrowth.every((g) => g.from100[0] <= logFrom100[0] && g.from100[1] <= logFrom100[1]);
  const stepsOver = fastGrowth.filter((g) => g.steps[1] > logGrowth[1] || g.steps[0] > logGrowth[0]);
  const slowestMillion = Math.min(...million.map((m) => m.perSecond));
  const rateMet = million.every((m) => m.attempted === MILLION) && slowestMillion >= GOAL_PLACEMENTS_PER_SECOND;
  const worstFast = quality.fast.reduce((w, f) => (f.spread.peakMemory > w.spread.peakMemory ? f : w));
  const peakExcess = worstFast.spread.peakMemory - quality.full.peakMemory;
  const qualityMet = peakExcess <= quality.toleranceShare;
  const medianOf = (pick: (s: Spread) => number): number => summarize(quality.fast.map((f) => pick(f.spread))).medianMs;

  const order = (s: SpeedSeries): number =>
    SIZES.indexOf(s.nodes as (typeof SIZES)[number]) * 4 + STRATEGIES.indexOf(s.strategy) * 2 + PATHS.indexOf(s.path);
  const speedRows: TableRow[] = [...speed]
    .sort((a, b) => order(a) - order(b))
    .map((s) => ({ metric: s.metric, summary: s.summary }));
  const growthRows = growth.map((g) => [
    `${g.strategy} · ${PATH_LABEL[g.path]}`,
    ...g.us.map((us) => `${thousands(perSecond(us))}/s`),
    ratio(g.steps[0]),
    ratio(g.steps[1]),
    ratio(g.from100[1]),
  ]);
  growthRows.push([
    "log n (the goal's bound)",
    '',
    '',
    '',
    ratio(logGrowth[0]),
    ratio(logGrowth[1]),
    ratio(logFrom100[1]),
  ]);
  const millionRows: TableRow[] = million.map((m) => ({
    metric: `${m.strategy} · fast path · ${thousands(MILLION_NODES)} nodes, per ${thousands(MILLION_CHUNK)}-placement chunk`,
    summary: m.summary,
  }));
  const spreadRow = (label: string, s: Spread): string[] => [
    label,
    percent(s.meanMemory),
    percent(s.peakMemory),
    s.peakToMeanMemory.toFixed(4),
    s.cvMemory.toFixed(4),
    s.cvTasks.toFixed(4),
    thousands(s.epvmCost),
  ];
  const qualityRows = [
    spreadRow('epvm · full scan', quality.full),
    ...quality.fast.map((f) => spreadRow(`epvm · fast path · seed ${f.seed}`, f.spread)),
    spreadRow('roundrobin (load-blind, for scale)', quality.roundrobin),
  ];

  const out = [
    headline('schedule: the scheduler alone on simulated nodes, one core', date, ctx.machine),
    `fast path: Scheduler.chooseIn on a NodePool, then NodePool.reserve (testkit/place-in.ts), scoring ${DEFAULT_SAMPLE_SIZE} feasible nodes (${DEFAULT_PROBES} probes); full scan: Scheduler.place over every node (the manager places through the fast path too, and scans every node only to explain a task that fits nowhere)`,
    `load average (1 min) ${load.before.toFixed(2)} at the start, ${load.after.toFixed(2)} at the end, on ${ctx.machine.cpuCount} cores`,
    '',
    `cost per placement, µs (= ms per 1,000 placements); ${REPS} reps each after ${WARMUP_REPS} warm-up, interleaved within each path (fast paths first, then full scans); ` +
      `a rep is ${thousands(FAST_BATCH)} placements on the fast path, ${SIZES.map((n) => thousands(fullBatch(n))).join(' / ')} on the full scan at ${SIZES.map(thousands).join(' / ')} nodes:`,
    formatTable(speedRows),
    '',
    'placements per second (from the medians) and how the cost per placement grows with the node count:',
    formatGrid(
      [
        'strategy · path',
        `${thousands(SIZES[0])} nodes`,
        `${thousands(SIZES[1])} nodes`,
        `${thousands(SIZES[2])} nodes`,
        '× cost 100→1,000',
        '× cost 1,000→10,000',
        '× cost 100→10,000',
      ],
      growthRows,
    ),
    '',
    `round-robin's fast path made the full scan's choices: ${identical.map((i) => `${thousands(i.identical)}/${thousands(i.compared)} at ${thousands(i.nodes)} nodes`).join(', ')}`,
    '',
    `${thousands(MILLION)} placements on ${thousands(MILLION_NODES)} nodes, fast path (stop after ${MILLION_BUDGET_MS / 1000} s each), µs per placement per chunk:`,
    formatTable(millionRows),
    ...million.map(
      (m) =>
        `${m.strategy}: ${thousands(m.attempted)} attempted, ${thousands(m.placed)} placed in ${(m.elapsedMs / 1000).toFixed(1)} s = ${thousands(m.perSecond)}/s; ` +
        `after it, memory use ${percent(m.spread.meanMemory)} mean, ${percent(m.spread.peakMemory)} peak (CV ${m.spread.cvMemory.toFixed(4)}), tasks per node CV ${m.spread.cvTasks.toFixed(4)}`,
    ),
    '',
    `E-PVM spread: ${thousands(QUALITY_TASKS)} tasks (${QUALITY_TASK_SHAPE.cpuCores.min}–${QUALITY_TASK_SHAPE.cpuCores.max} cores, 128 MiB–2 GiB) on ${thousands(QUALITY_NODES)} empty nodes (16 cores, 64 GiB; 1% down), the same tasks in the same order:`,
    formatGrid(['run', 'mean mem', 'peak mem', 'peak/mean', 'CV mem', 'CV tasks', 'E-PVM cost Σ(b^u−1)'], qualityRows),
    `(full scan ${(quality.fullElapsedMs / 1000).toFixed(1)} s; fast path ${(summarize(quality.fast.map((f) => f.elapsedMs)).medianMs / 1000).toFixed(2)} s median per seed)`,
    '',
    goalLine(
      `≥ ${thousands(GOAL_PLACEMENTS_PER_SECOND)} placements/s at ${thousands(MILLION_NODES)} nodes`,
      `${million.map((m) => `${m.strategy} ${thousands(m.perSecond)}/s`).join(', ')} over ${thousands(MILLION)} placements`,
      rateMet,
    ),
    `Goal: cost per placement grows no faster than log n, i.e. cost(n) / cost(100) ≤ log n / log 100 (${ratio(logFrom100[0])} at 1,000 nodes, ${ratio(logFrom100[1])} at 10,000): ` +
      `${fastGrowth.map((g) => `${g.strategy} ${ratio(g.from100[0])} and ${ratio(g.from100[1])}`).join('; ')} (${verdict(growthMet)}); ` +
      (stepsOver.length === 0
        ? `every step too (log n: ${ratio(logGrowth[0])}, ${ratio(logGrowth[1])})`
        : `step by step, ${stepsOver.map((g) => `${g.strategy} ${ratio(g.steps[0])} then ${ratio(g.steps[1])}`).join(', ')} against log n's ${ratio(logGrowth[0])} then ${ratio(logGrowth[1])} (over on a step)`) +
      `; the full scan: ${growth
        .filter((g) => g.path === 'full')
        .map((g) => `${g.strategy} ${ratio(g.from100[1])}`)
        .join(', ')} from 100 to 10,000 nodes`,
    `Goal: E-PVM's fast path no worse than its full scan on peak memory utilization, within one mean task (${points(quality.toleranceShare).slice(1)} of a node): ` +
      `full ${percent(quality.full.peakMemory)}, fast ${percent(worstFast.spread.peakMemory)} at worst of ${QUALITY_SEEDS.length} seeds (${points(peakExcess)}) (${verdict(qualityMet)}); ` +
      `CV ${quality.full.cvMemory.toFixed(4)} vs ${medianOf((s) => s.cvMemory).toFixed(4)} median, E-PVM cost ${signedPercent(medianOf((s) => s.epvmCost) / quality.full.epvmCost - 1)} vs the full scan`,
  ];
  await publishReport(
    ctx,
    { benchmark: 'schedule', date, lines: out },
    {
      loadAverage: load,
      method: {
        sizes: SIZES,
        strategies: STRATEGIES,
        reps: REPS,
        warmupReps: WARMUP_REPS,
        fastBatch: FAST_BATCH,
        fullBatch: Object.fromEntries(SIZES.map((n) => [n, fullBatch(n)])),
        interleaving:
          'fast-path phase, then full-scan phase; within a phase every (size, strategy) once per rep, the first one rotating; each rep undoes its placements (untimed)',
        fastPath: { sampleSize: DEFAULT_SAMPLE_SIZE, probes: DEFAULT_PROBES, seed: DEFAULT_SCHEDULER_SEED },
        fullScan: 'Scheduler.place over a NodeView array + reserve on the chosen view, as Manager#placeAll does',
        speedCluster: SPEED_CLUSTER,
        speedTasks: SPEED_TASKS,
        million: { placements: MILLION, nodes: MILLION_NODES, chunk: MILLION_CHUNK, budgetMs: MILLION_BUDGET_MS },
        qualityCluster: QUALITY_CLUSTER,
        qualityTasks: { shape: QUALITY_TASK_SHAPE, count: QUALITY_TASKS, seeds: QUALITY_SEEDS },
      },
      speed: speed.map((s) => ({ ...s, unitOfSamples: 'µs per placement' })),
      growth: growth.map((g) => ({
        strategy: g.strategy,
        path: g.path,
        medianUs: g.us,
        placementsPerSecond: g.us.map(perSecond),
        steps: g.steps,
        from100: g.from100,
      })),
      roundRobinIdentical: identical,
      million,
      quality,
      goals: {
        placementsPerSecond: {
          goal: GOAL_PLACEMENTS_PER_SECOND,
          measured: Object.fromEntries(million.map((m) => [m.strategy, m.perSecond])),
          met: rateMet,
        },
        growth: {
          criterion: 'cost(n) / cost(100) ≤ log n / log 100, fast path, medians',
          logFrom100,
          logSteps: logGrowth,
          fast: fastGrowth.map((g) => ({ strategy: g.strategy, from100: g.from100, steps: g.steps })),
          met: growthMet,
          stepsOverLog: stepsOver.map((g) => g.strategy),
        },
        quality: {
          figure: 'peak node memory utilization after the same tasks, E-PVM fast path (worst seed) vs full scan',
          toleranceShare: quality.toleranceShare,
          full: quality.full.peakMemory,
          fastWorst: worstFast.spread.peakMemory,
          excess: peakExcess,
          met: qualityMet,
        },
      },
    },
  );
}

/** Microseconds with three decimals are plenty in the file. */
function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** The loops are synchronous; a turn of the event loop between steps lets a Ctrl-C abort the signal. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
