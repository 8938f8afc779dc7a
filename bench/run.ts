// Entry point of `npm run bench [-- NAME...]`: runs the named benchmarks (all when none is
// named) in order, and always cleans up what the run made: processes by pid, containers by
// the run's label, temp dirs; on failure and on Ctrl-C too.
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { BenchError } from './bench-error.js';
import { burstBenchmark } from './burst.js';
import { RunCleanup, type CleanupReport } from '../testkit/cleanup.js';
import { cliBenchmark } from './cli.js';
import { consoleBenchmark } from './console.js';
import { dnsBenchmark } from './dns.js';
import type { Benchmark, BenchContext } from './context.js';
import { failoverBenchmark } from './failover.js';
import { haBenchmark } from './ha.js';
import { lbBenchmark } from './lb.js';
import { machineInfo } from './machine.js';
import { memoryBenchmark } from './memory.js';
import { restartBenchmark } from './restart.js';
import { scheduleBenchmark } from './schedule.js';
import { serviceBenchmark } from './service.js';
import { startBenchmark } from './start.js';
import { stopBenchmark } from './stop.js';
import { submitBenchmark } from './submit.js';
import { tlsBenchmark } from './tls.js';

const BENCHMARKS: readonly Benchmark[] = [
  startBenchmark,
  burstBenchmark,
  restartBenchmark,
  stopBenchmark,
  failoverBenchmark,
  submitBenchmark,
  tlsBenchmark,
  memoryBenchmark,
  scheduleBenchmark,
  cliBenchmark,
  serviceBenchmark,
  lbBenchmark,
  dnsBenchmark,
  haBenchmark,
  consoleBenchmark,
];
const DOCKER_SOCKET = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';

class UnknownBenchmark extends BenchError {
  constructor(name: string) {
    super(`unknown benchmark "${name}"; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  }
}

class EngineUnreachable extends BenchError {
  constructor(socket: string, options: ErrorOptions) {
    super(`cannot reach the Docker engine at ${socket}: is dockerd running?`, options);
  }
}

class Interrupted extends BenchError {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

function select(names: readonly string[]): Benchmark[] {
  if (names.length === 0) return [...BENCHMARKS];
  return names.map((name) => {
    const found = BENCHMARKS.find((b) => b.name === name);
    if (found === undefined) throw new UnknownBenchmark(name);
    return found;
  });
}

async function main(argv: readonly string[]): Promise<number> {
  let selected: Benchmark[];
  try {
    selected = select(argv);
  } catch (err) {
    if (!(err instanceof BenchError)) throw err;
    process.stderr.write(`bench: ${err.message}\n`);
    return 1;
  }

  const docker = new Docker({ socketPath: DOCKER_SOCKET });
  try {
    await docker.ping();
  } catch (err) {
    process.stderr.write(`bench: ${new EngineUnreachable(DOCKER_SOCKET, { cause: err }).message}\n`);
    return 1; // nothing made yet, and nothing to clean up with
  }
  const runId = `bench-${randomUUID().slice(0, 8)}`;
  const resources = new RunCleanup(runId, docker);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // a second Ctrl-C: clean up now instead of waiting for the benchmark to unwind
      process.stderr.write(`bench: ${signal} again; cleaning up now\n`);
      void resources
        .release()
        .then(
          (r) => printCleanup(runId, r),
          (err: unknown) => printCleanupFailure(runId, err),
        )
        .finally(() => process.exit(130));
      return;
    }
    process.stderr.write(`bench: ${signal}; stopping and cleaning up (again to hurry)\n`);
    controller.abort(new Interrupted(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode = 0;
  try {
    const ctx: BenchContext = {
      runId,
      docker,
      resources,
      machine: await machineInfo(docker),
      signal: controller.signal,
      progress: (line) => process.stderr.write(`${line}\n`),
    };
    process.stderr.write(`bench: run ${runId}: ${selected.map((b) => b.name).join(', ')}\n`);
    for (const benchmark of selected) {
      controller.signal.throwIfAborted();
      await benchmark.run(ctx);
    }
  } catch (err) {
    // once interrupted, whatever broke next (an aborted request, a worker that got the same
    // Ctrl-C) is a consequence of the interruption, not news
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
    exitCode = reason instanceof Interrupted ? 130 : 1;
    if (reason instanceof BenchError) process.stderr.write(`bench: ${reason.message}\n`);
    else
      process.stderr.write(
        `bench: failed unexpectedly:\n${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`,
      );
  } finally {
    try {
      const r = await resources.release();
      printCleanup(runId, r);
      if (r.containersLeft !== 0) exitCode = exitCode || 1;
    } catch (err) {
      printCleanupFailure(runId, err);
      exitCode = exitCode || 1;
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return exitCode;
}

let cleanupPrinted = false;

/** Once per run, whichever of the normal path and a second Ctrl-C gets there first. */
function printCleanup(runId: string, r: CleanupReport): void {
  if (cleanupPrinted) return;
  cleanupPrinted = true;
  process.stderr.write(
    `bench: cleanup: stopped ${r.processesStopped} process(es), removed ${r.containersRemoved} container(s); ` +
      `${r.containersLeft} left with poseidon.test-run=${runId}\n`,
  );
}

function printCleanupFailure(runId: string, err: unknown): void {
  process.stderr.write(
    `bench: cleanup failed; remove leftovers with \`docker rm -f $(docker ps -aq --filter label=poseidon.test-run=${runId})\`: ${String(err)}\n`,
  );
}

process.exitCode = await main(process.argv.slice(2));
