import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from './bench-error.js';
import { LABEL_TEST_RUN, removeForce } from '../testkit/cleanup.js';
import { LABEL_BENCH_SAMPLE, poseidonCli, startCluster, type BenchCluster } from './cluster-processes.js';
import { formatPhases, series, signedMs, toMicroseconds, type Series } from './cluster-table.js';
import type { BenchContext, Benchmark } from './context.js';
import { dockerCli, timedCommand, type CommandRun } from './docker-cli.js';
import { assertImagePresent, BENCH_IMAGE, inPool, removeContainers, workersNetwork } from './docker-engine.js';
import type { NetworkInfo } from '../src/driver/index.js';
import { ContainerEventLog } from './docker-event-log.js';
import { goalLine, headline, publishReport } from './report.js';
import { rotated } from './rotation.js';
import { summarize } from './stats.js';
import { count, formatGrid, ms, SUMMARY_HEADER, summaryCells } from './table.js';

const COMMAND = ['sleep', '300'];
/** bench/cli-floor-client.ts of this build. */
const FLOOR_CLIENT = fileURLToPath(new URL('./cli-floor-client.js', import.meta.url));
const REPS = 20;
const WARMUP_REPS = 1;
/** The tasks the `status` manager holds, and the containers `docker ps` lists. */
const STATUS_TASKS = 1_000;
const PS_CONTAINERS = 20;
/** Submissions in flight while the `status` manager is filled (untimed). */
const FILL_CONCURRENCY = 16;
const CLI_TIMEOUT_MS = 60_000;
/** How long the engine's create/start events may trail a measured run. */
const EVENT_TIMEOUT_MS = 5_000;

/** Goals (issue 10): `--version` within 30 ms of `node -e 0`, `status` within 100 ms of it, `run --wait` within 100 ms of `docker run -d`. */
const GOAL_VERSION_MAX_MS = 30;
const GOAL_STATUS_MAX_MS = 100;
const GOAL_RUN_MAX_MS = 100;

type Side =
  | 'node'
  | 'poseidonVersion'
  | 'dockerVersion'
  | 'poseidonStatus'
  | 'dockerPs'
  | 'poseidonRun'
  | 'dockerRun'
  | 'dockerRunNet'
  | 'floorStatus'
  | 'floorRun';
const SIDES: readonly Side[] = [
  'node',
  'poseidonVersion',
  'dockerVersion',
  'poseidonStatus',
  'dockerPs',
  'poseidonRun',
  'dockerRun',
  'dockerRunNet',
  'floorStatus',
  'floorRun',
];

const METRIC: Record<Side, string> = {
  node: 'node -e 0',
  poseidonVersion: 'poseidon --version',
  dockerVersion: 'docker version',
  poseidonStatus: `poseidon status [${count(STATUS_TASKS)} tasks]`,
  dockerPs: `docker ps [${PS_CONTAINERS} running]`,
  poseidonRun: 'poseidon run --wait',
  dockerRun: 'docker run -d',
  dockerRunNet: 'docker run -d --dns GATEWAY',
  floorStatus: `floor: status [${count(STATUS_TASKS)} tasks]`,
  floorRun: 'floor: run --wait',
};

/** Each Poseidon row's Docker counterpart, for the `vs docker` column. */
const DOCKER_SIDE: Partial<Record<Side, Side>> = {
  poseidonVersion: 'dockerVersion',
  poseidonStatus: 'dockerPs',
  poseidonRun: 'dockerRun',
  floorStatus: 'dockerPs',
  floorRun: 'dockerRun',
};

const TIMED: Record<Side, string> = {
  node: "`node -e 0` (this Node, the bench's own): Node's start-up and exit, the floor of any CLI written for it",
  poseidonVersion: '`node bin/poseidon.js --version`',
  dockerVersion: '`docker version` (client and server: one call to the engine)',
  poseidonStatus: `\`node bin/poseidon.js status --manager URL\` against a \`poseidon manager\` holding ${count(STATUS_TASKS)} tasks, all Pending (the manager has no workers), printing the table`,
  dockerPs: `\`docker ps --filter label=${LABEL_BENCH_SAMPLE}=<id>\` with ${PS_CONTAINERS} containers running (\`sleep 300\`) that carry it, printing the table`,
  poseidonRun:
    '`node bin/poseidon.js run FILE --wait --manager URL` against `poseidon manager` with one `poseidon worker --manager` (separate processes), until it exits saying Running (it watches 0.2 s after hearing Running, for a command that exits at once: src/cli/wait-task.ts SETTLE_MS)',
  dockerRun: '`docker run -d IMAGE sleep 300` (no --init, as a person types it)',
  dockerRunNet:
    "`docker run -d --network bridge --dns GATEWAY IMAGE sleep 300`: the same as a worker's task container goes by default, on Docker's default bridge with the Poseidon network's gateway as its DNS server",
  floorStatus:
    '`node dist/bench/cli-floor-client.js status` against the same manager as `poseidon status`: the least a Node program does for it (the same request over the same TLS, one line per task; no parser, config or table): the floor of any CLI written for Node',
  floorRun:
    "`node dist/bench/cli-floor-client.js run FILE` against the same manager and worker as `poseidon run --wait`: the event stream opened, the file posted, exit on the task's task.started event; nothing else",
};

/** One timed command; `sample` is the LABEL_BENCH_SAMPLE of the container it started, if it started one. */
interface CliSample {
  run: CommandRun;
  sample?: string;
}

/** A run split at the engine's create and start events (ms). */
interface Phases {
  toCreateMs: number;
  createToStartMs: number;
  startToExitMs: number;
}

/** A command printed something other than what it was asked for. */
class UnexpectedOutput extends BenchError {}

export const cliBenchmark: Benchmark = {
  name: 'cli',
  description: `the CLI from spawn to exit beside node -e 0 and the docker CLI: --version, status (${count(STATUS_TASKS)} tasks), run --wait; ${REPS} reps each, interleaved`,
  run: runCli,
};

interface Setup {
  dir: string;
  events: ContainerEventLog;
  /** A manager with no workers, holding STATUS_TASKS Pending tasks. */
  status: BenchCluster;
  /** A manager and one worker, for `run --wait`. */
  cluster: BenchCluster;
  /** The LABEL_BENCH_SAMPLE value `docker ps` filters on. */
  psLabel: string;
  /** The workers' network, which `docker run -d --network` joins too. */
  network: NetworkInfo;
}

async function runCli(ctx: BenchContext): Promise<void> {
  await assertImagePresent(ctx.docker);
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-bench-'));
  ctx.resources.trackTempDir(dir);
  const closers: Array<() => Promise<void>> = [];
  try {
    const events = await ContainerEventLog.follow(ctx.docker, `${LABEL_TEST_RUN}=${ctx.runId}`, ctx.signal);
    closers.push(() => events.close());
    const status = await startCluster(ctx, { tag: 'cli-status', workers: 0 });
    closers.push(() => status.stop());
    await fillManager(ctx, status);
    const cluster = await startCluster(ctx, { tag: 'cli-run', workers: 1 });
    closers.push(() => cluster.stop());
    const psLabel = `cli-ps-${ctx.runId}`;
    const psIds = await startPsContainers(ctx, psLabel);
    closers.push(() => removeContainers(ctx.docker, psIds));

    const network = await workersNetwork(ctx.docker);
    const setup: Setup = { dir, events, status, cluster, psLabel, network };
    const measured = await measure(ctx, setup);
    // everything goes now, not at the end of the whole run: a later benchmark gets an idle machine
    await closeAll(closers);
    await report(ctx, measured);
  } finally {
    await closeAll(closers);
  }
}

/** Closes what was opened, last first; each closer runs once, and the first failure is thrown after all ran. */
async function closeAll(closers: Array<() => Promise<void>>): Promise<void> {
  const results = [];
  for (const close of closers.splice(0).reverse())
    results.push(
      await close().then(
        () => null,
        (err: unknown) => err,
      ),
    );
  const failure = results.find((r) => r !== null);
  if (failure !== undefined) throw failure;
}

/** Submits STATUS_TASKS tasks to a manager with no workers: they stay Pending ("no nodes"), durably stored. */
async function fillManager(ctx: BenchContext, status: BenchCluster): Promise<void> {
  await inPool(STATUS_TASKS, FILL_CONCURRENCY, async (i) => {
    ctx.signal.throwIfAborted();
    const { body } = status.task(`bench-cli-${i}`, { image: BENCH_IMAGE, command: COMMAND });
    await status.client.submit(body);
  });
  const held = await status.client.listTasks();
  if (held.length !== STATUS_TASKS)
    throw new BenchError(`the status manager holds ${held.length} tasks instead of ${STATUS_TASKS}`);
  ctx.progress(`cli: the status manager ${status.access.url} holds ${STATUS_TASKS} Pending tasks`);
}

/** PS_CONTAINERS `sleep 300` containers through the Engine API, labelled for the run and for `docker ps`'s filter. */
async function startPsContainers(ctx: BenchContext, psLabel: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for (let i = 0; i < PS_CONTAINERS; i++) {
      const container = await ctx.docker.createContainer({
        Image: BENCH_IMAGE,
        Cmd: COMMAND,
        Labels: labels(ctx, psLabel),
        HostConfig: { Init: true },
        abortSignal: ctx.signal,
      });
      ids.push(container.id);
      await container.start({ abortSignal: ctx.signal });
    }
  } catch (err) {
    await removeContainers(ctx.docker, ids);
    throw err;
  }
  ctx.progress(`cli: ${PS_CONTAINERS} containers running for docker ps`);
  return ids;
}

function labels(ctx: BenchContext, sample: string): Record<string, string> {
  return { [LABEL_TEST_RUN]: ctx.runId, [LABEL_BENCH_SAMPLE]: sample };
}

interface Measurements {
  samples: Record<Side, CliSample[]>;
  phases: Partial<Record<Side, Phases[]>>;
  warmupMs: Record<Side, number[]>;
  /** Which side went first, second... in each counted rep. */
  order: Side[][];
  /** The 1-minute load average before and after: on a shared machine, other work moves every figure. */
  load: { before: number; after: number };
}

async function measure(ctx: BenchContext, s: Setup): Promise<Measurements> {
  const cli = { signal: ctx.signal, timeoutMs: CLI_TIMEOUT_MS };
  const run: Record<Side, (rep: number) => Promise<CliSample>> = {
    node: async () => ({ run: await timedCommand(process.execPath, ['-e', '0'], cli) }),
    poseidonVersion: async () => ({
      run: checked(await poseidonCli(['--version'], cli), (out) => /^[0-9]+\.[0-9]+\.[0-9]+\n$/.test(out)),
    }),
    dockerVersion: async () => ({ run: await dockerCli(['version'], cli) }),
    poseidonStatus: async () => ({
      run: checked(
        await poseidonCli(['status', '--manager', s.status.client.baseUrl], { ...cli, env: s.status.cliEnv }),
        (out) => lineCount(out) === STATUS_TASKS + 1,
      ),
    }),
    dockerPs: async () => ({
      run: checked(
        await dockerCli(['ps', '--filter', `label=${LABEL_BENCH_SAMPLE}=${s.psLabel}`], cli),
        (out) => lineCount(out) === PS_CONTAINERS + 1,
      ),
    }),
    poseidonRun: (rep) => runViaPoseidon(ctx, s, rep),
    dockerRun: () => runViaDocker(ctx),
    dockerRunNet: () => runViaDocker(ctx, s.network),
    floorStatus: async () => ({
      run: checked(
        await timedCommand(process.execPath, [FLOOR_CLIENT, 'status'], { ...cli, env: s.status.cliEnv }),
        (out) => lineCount(out) === STATUS_TASKS + 1,
      ),
    }),
    floorRun: (rep) => runViaPoseidon(ctx, s, rep, 'floor'),
  };
  const m: Measurements = {
    samples: bySide(() => []),
    phases: { poseidonRun: [], dockerRun: [], dockerRunNet: [], floorRun: [] },
    warmupMs: bySide(() => []),
    order: [],
    load: { before: loadavg()[0] ?? Number.NaN, after: Number.NaN },
  };
  for (let rep = 0; rep < WARMUP_REPS + REPS; rep++) {
    const counted = rep >= WARMUP_REPS;
    // rotate who goes first, so each side follows every other about equally often
    const order = rotated(SIDES, rep);
    const line: string[] = [];
    for (const side of order) {
      ctx.signal.throwIfAborted();
      const sample = await run[side](rep);
      if (counted) {
        m.samples[side].push(sample);
        if (sample.sample !== undefined) m.phases[side]?.push(await phasesOf(s.events, sample.run, sample.sample));
      } else {
        m.warmupMs[side].push(sample.run.wallMs);
      }
      line.push(`${side} ${ms(sample.run.wallMs)}`);
    }
    if (counted) m.order.push(order);
    ctx.progress(
      `cli: ${counted ? `rep ${rep - WARMUP_REPS + 1}/${REPS}` : `warm-up ${rep + 1}/${WARMUP_REPS}`} (ms): ${line.join(', ')}`,
    );
  }
  m.load.after = loadavg()[0] ?? Number.NaN;
  return m;
}

function bySide<T>(make: () => T): Record<Side, T> {
  return Object.fromEntries(SIDES.map((side) => [side, make()])) as Record<Side, T>;
}

function lineCount(text: string): number {
  return text.split('\n').filter((l) => l.trim() !== '').length;
}

/** The run, if its output passes `check`: a command that printed the wrong thing was not measured doing its job. */
function checked(run: CommandRun, check: (stdout: string) => boolean): CommandRun {
  if (!check(run.stdout))
    throw new UnexpectedOutput(`unexpected output (${lineCount(run.stdout)} lines): ${run.stdout.slice(0, 300)}`);
  return run;
}

/**
 * `poseidon run FILE --wait` as a person types it (or the floor client's `run FILE`); the task is
 * stopped afterwards, untimed.
 */
async function runViaPoseidon(ctx: BenchContext, s: Setup, rep: number, client?: 'floor'): Promise<CliSample> {
  const sample = randomUUID();
  const { id, body } = s.cluster.task('bench-cli-run', { image: BENCH_IMAGE, command: COMMAND }, sample);
  const file = join(s.dir, `run-${rep}.json`);
  await writeFile(file, JSON.stringify(body));
  const opts = { signal: ctx.signal, timeoutMs: CLI_TIMEOUT_MS, env: s.cluster.cliEnv };
  const run =
    client === 'floor'
      ? await timedCommand(process.execPath, [FLOOR_CLIENT, 'run', file], opts)
      : await poseidonCli(['run', file, '--wait', '--manager', s.cluster.client.baseUrl], opts);
  if (!run.stdout.startsWith(`${id} Running`))
    throw new UnexpectedOutput(
      `${client ?? 'poseidon'} run --wait printed "${run.stdout.trim()}" instead of "${id} Running on ..."`,
    );
  await s.cluster.stopAndWait(id);
  return { run, sample };
}

/** `docker run -d` as a person types it (plus our labels); the container is removed afterwards, untimed. */
/** `docker run -d`, on Docker's default bridge or on `network` as a worker's tasks are. */
async function runViaDocker(ctx: BenchContext, network?: NetworkInfo): Promise<CliSample> {
  const sample = randomUUID();
  const labelArgs = Object.entries(labels(ctx, sample)).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const networkArgs = network === undefined ? [] : ['--network', network.joins, '--dns', network.gateway];
  const run = await dockerCli(['run', '-d', ...labelArgs, ...networkArgs, BENCH_IMAGE, ...COMMAND], {
    signal: ctx.signal,
    timeoutMs: CLI_TIMEOUT_MS,
  });
  await removeForce(ctx.docker, run.stdout.trim());
  return { run, sample };
}

async function phasesOf(events: ContainerEventLog, run: CommandRun, sample: string): Promise<Phases> {
  const ofSample = (action: string) => (e: { action: string; attributes: Readonly<Record<string, string>> }) =>
    e.action === action && e.attributes[LABEL_BENCH_SAMPLE] === sample;
  const created = await events.waitFor(ofSample('create'), `the create of sample ${sample}`, EVENT_TIMEOUT_MS);
  const started = await events.waitFor(ofSample('start'), `the start of sample ${sample}`, EVENT_TIMEOUT_MS);
  return {
    toCreateMs: created.atMs - run.startedAtMs,
    createToStartMs: started.atMs - created.atMs,
    startToExitMs: run.exitedAtMs - started.atMs,
  };
}

/** "+12.3 ms (x1.03)": the median's difference first, since each goal is a budget in ms. */
function versus(row: Series, ref: Series): string {
  const diff = row.summary.medianMs - ref.summary.medianMs;
  return `${signedMs(diff)} ms (x${(row.summary.medianMs / ref.summary.medianMs).toFixed(2)})`;
}

const PHASE_TITLES = ['spawn → create event', 'create → start event', 'start event → exit'];

async function report(ctx: BenchContext, m: Measurements): Promise<void> {
  const rows = new Map(
    SIDES.map((side) => [
      side,
      series(
        METRIC[side],
        m.samples[side].map((x) => x.run.wallMs),
      ),
    ]),
  );
  const row = (side: Side): Series => rows.get(side) as Series;
  const median = (side: Side): number => row(side).summary.medianMs;
  const table = formatGrid(
    [...SUMMARY_HEADER, `vs ${METRIC.node}`, 'vs docker'],
    SIDES.map((side) => {
      const docker = DOCKER_SIDE[side];
      return [
        ...summaryCells(METRIC[side], row(side).summary),
        side === 'node' ? 'ref' : versus(row(side), row('node')),
        docker === undefined ? '' : versus(row(side), row(docker)),
      ];
    }),
  );
  const phaseSides = ['poseidonRun', 'floorRun', 'dockerRun', 'dockerRunNet'] as const;
  const phaseRows = phaseSides.map((side) => {
    const p = m.phases[side] ?? [];
    const med = (f: (x: Phases) => number): number => summarize(p.map(f)).medianMs;
    return {
      metric: METRIC[side],
      n: p.length,
      phasesMs: [med((x) => x.toCreateMs), med((x) => x.createToStartMs), med((x) => x.startToExitMs)],
    };
  });

  const goals = [
    {
      goal: `\`poseidon --version\` within ${GOAL_VERSION_MAX_MS} ms of \`node -e 0\``,
      side: 'poseidonVersion',
      ref: 'node',
      maxMs: GOAL_VERSION_MAX_MS,
    },
    {
      goal: `\`poseidon status\` (${count(STATUS_TASKS)} tasks) within ${GOAL_STATUS_MAX_MS} ms of \`node -e 0\``,
      side: 'poseidonStatus',
      ref: 'node',
      maxMs: GOAL_STATUS_MAX_MS,
    },
    {
      goal: `\`poseidon run --wait\` within ${GOAL_RUN_MAX_MS} ms of \`docker run -d\``,
      side: 'poseidonRun',
      ref: 'dockerRun',
      maxMs: GOAL_RUN_MAX_MS,
    },
    {
      goal: `\`poseidon run --wait\` within ${GOAL_RUN_MAX_MS} ms of \`docker run -d\` as the worker runs it (Dns set)`,
      side: 'poseidonRun',
      ref: 'dockerRunNet',
      maxMs: GOAL_RUN_MAX_MS,
    },
  ] as const;
  const verdicts = goals.map((g) => {
    const differenceMs = median(g.side) - median(g.ref);
    return { ...g, differenceMs, met: differenceMs <= g.maxMs };
  });
  const date = new Date().toISOString();
  const out = [
    headline(
      `cli: a command from spawn to exit, ms (${REPS} reps each after ${WARMUP_REPS} warm-up; interleaved)`,
      date,
      ctx.machine,
    ),
    table,
    `load average (1 min) ${m.load.before.toFixed(2)} at the start, ${m.load.after.toFixed(2)} at the end, on ${ctx.machine.cpuCount} cores`,
    '',
    'where `run` spends its time (medians, ms; engine event times):',
    formatPhases(phaseRows, PHASE_TITLES),
    '',
    ...verdicts.map((v) =>
      goalLine(v.goal, `${METRIC[v.side]} median − ${METRIC[v.ref]} median = ${signedMs(v.differenceMs)} ms`, v.met),
    ),
    `The floor (a bare Node client, dist/bench/cli-floor-client.js): status ${signedMs(median('floorStatus') - median('node'))} ms ` +
      `over node -e 0, run --wait ${signedMs(median('floorRun') - median('dockerRun'))} ms over docker run -d: ` +
      'what no CLI written for Node goes under on this machine.',
  ];
  await publishReport(
    ctx,
    { benchmark: 'cli', date, lines: out },
    {
      method: {
        image: BENCH_IMAGE,
        command: COMMAND,
        reps: REPS,
        warmupReps: WARMUP_REPS,
        interleaving: 'each rep runs every side once; the order rotates by one each rep',
        timed: Object.fromEntries(SIDES.map((side) => [METRIC[side], TIMED[side]])),
        untimed:
          "filling the status manager, starting docker ps's containers, and the stop or removal after each run sample",
      },
      series: SIDES.map(row),
      warmupSamplesMs: Object.fromEntries(SIDES.map((side) => [METRIC[side], m.warmupMs[side].map(toMicroseconds)])),
      phases: phaseSides.map((side) => ({
        metric: METRIC[side],
        toCreateMs: (m.phases[side] ?? []).map((p) => toMicroseconds(p.toCreateMs)),
        createToStartMs: (m.phases[side] ?? []).map((p) => toMicroseconds(p.createToStartMs)),
        startToExitMs: (m.phases[side] ?? []).map((p) => toMicroseconds(p.startToExitMs)),
      })),
      order: m.order.map((o) => o.join(',')),
      loadAverage: m.load,
      goals: verdicts.map((v) => ({
        statement: `${METRIC[v.side]}: median within ${v.maxMs} ms of ${METRIC[v.ref]}'s`,
        differenceMs: toMicroseconds(v.differenceMs),
        met: v.met,
      })),
      allGoalsMet: verdicts.every((v) => v.met),
    },
  );
}
