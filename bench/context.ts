import type Docker from 'dockerode';
import type { RunCleanup } from '../testkit/cleanup.js';
import type { MachineInfo } from './machine.js';

/** What run.ts hands each benchmark. */
export interface BenchContext {
  /** Put on every container as `poseidon.test-run`; cleanup removes by it. */
  readonly runId: string;
  readonly docker: Docker;
  /** Register every process, worker name and temp dir here before using it. */
  readonly resources: RunCleanup;
  readonly machine: MachineInfo;
  /** Aborted on Ctrl-C: stop at the next step and throw; run.ts cleans up. */
  readonly signal: AbortSignal;
  /** Progress for people, on stderr; results go to stdout. */
  progress(line: string): void;
}

export interface Benchmark {
  /** The name given on the command line (`npm run bench -- start`). */
  readonly name: string;
  /** One line for the usage message. */
  readonly description: string;
  run(ctx: BenchContext): Promise<void>;
}
